"""Declared environments: the ``environment`` table, with every environment the registry already uses.

A promotion, protection rule or token scope may only name a declared environment (models/environments/declared.py),
so this migration declares ``staging`` and ``production`` and every environment found in deployments, protections,
protections' prior-deployment rules and tokens' environment scopes: existing databases keep working as they were.
Those rows are declared by ``migration``. Two new audit actions, ENVIRONMENT_DECLARED and ENVIRONMENT_REMOVED
(``audit_event.action`` is a VARCHAR(32) without a CHECK constraint; PostgreSQL's column comment lists the actions).
SQLite's statements are written by hand in aerich's form (aerich stops on the comment it cannot alter there).

It also adds ``model.metric_directions`` (which way each metric is better, where a model declares it; ``{}`` for
every existing model: the naming convention decides, as before).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "model" ADD "metric_directions" JSON NOT NULL DEFAULT '{}' /* Per metric name, higher or lower: which way it is better where the naming convention says otherwise. */;
CREATE TABLE IF NOT EXISTS "environment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "description" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL
) /* A declared environment: deployments, protection rules and token scopes name only declared environments. */;
INSERT INTO "environment" ("name", "created_at", "created_by")
SELECT "name", strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 'migration' FROM (
    SELECT 'staging' AS "name" UNION SELECT 'production'
    UNION SELECT "environment" FROM "deployment"
    UNION SELECT "environment" FROM "environment_protection"
    UNION SELECT j."value" FROM "environment_protection" p, json_each(p."rules", '$.prior') j
    UNION SELECT j."value" FROM "api_token" t, json_each(t."environments") j WHERE t."environments" IS NOT NULL
        AND json_type(t."environments") = 'array'
) ORDER BY "name";
"""

POSTGRES = """
ALTER TABLE "model" ADD "metric_directions" JSONB NOT NULL DEFAULT '{}';
COMMENT ON COLUMN "model"."metric_directions" IS 'Per metric name, higher or lower: which way it is better where the naming convention says otherwise.';
CREATE TABLE IF NOT EXISTS "environment" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "description" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL
);
COMMENT ON TABLE "environment" IS 'A declared environment: deployments, protection rules and token scopes name only declared environments.';
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nENVIRONMENT_DECLARED: ENVIRONMENT_DECLARED\nENVIRONMENT_REMOVED: ENVIRONMENT_REMOVED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nREFERENCE_PROFILE_SET: REFERENCE_PROFILE_SET\nMONITORING_POLICY_SET: MONITORING_POLICY_SET\nDRIFT_STATUS_CHANGED: DRIFT_STATUS_CHANGED\nPERFORMANCE_STATUS_CHANGED: PERFORMANCE_STATUS_CHANGED\nRETRAINING_REQUESTED: RETRAINING_REQUESTED\nRETRAINING_ACKNOWLEDGED: RETRAINING_ACKNOWLEDGED\nRETRAINING_COMPLETED: RETRAINING_COMPLETED\nRETRAINING_CANCELLED: RETRAINING_CANCELLED\nWEBHOOK_CREATED: WEBHOOK_CREATED\nWEBHOOK_UPDATED: WEBHOOK_UPDATED\nWEBHOOK_DELETED: WEBHOOK_DELETED';
INSERT INTO "environment" ("name", "created_at", "created_by")
SELECT "name", NOW(), 'migration' FROM (
    SELECT 'staging' AS "name" UNION SELECT 'production'
    UNION SELECT "environment" FROM "deployment"
    UNION SELECT "environment" FROM "environment_protection"
    UNION SELECT jsonb_array_elements_text(COALESCE("rules" -> 'prior', '[]'::jsonb)) FROM "environment_protection"
    UNION SELECT jsonb_array_elements_text("environments") FROM "api_token"
        WHERE jsonb_typeof("environments") = 'array'
) AS "used" ORDER BY "name";
"""

DOWNGRADE_SQLITE = """
DROP TABLE IF EXISTS "environment";
ALTER TABLE "model" DROP COLUMN "metric_directions";
"""

DOWNGRADE_POSTGRES = """
ALTER TABLE "model" DROP COLUMN "metric_directions";
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nREFERENCE_PROFILE_SET: REFERENCE_PROFILE_SET\nMONITORING_POLICY_SET: MONITORING_POLICY_SET\nDRIFT_STATUS_CHANGED: DRIFT_STATUS_CHANGED\nPERFORMANCE_STATUS_CHANGED: PERFORMANCE_STATUS_CHANGED\nRETRAINING_REQUESTED: RETRAINING_REQUESTED\nRETRAINING_ACKNOWLEDGED: RETRAINING_ACKNOWLEDGED\nRETRAINING_COMPLETED: RETRAINING_COMPLETED\nRETRAINING_CANCELLED: RETRAINING_CANCELLED\nWEBHOOK_CREATED: WEBHOOK_CREATED\nWEBHOOK_UPDATED: WEBHOOK_UPDATED\nWEBHOOK_DELETED: WEBHOOK_DELETED';
DROP TABLE IF EXISTS "environment";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else DOWNGRADE_SQLITE


MODELS_STATE = (
    "eJztHWtz2zjur3D0pelNmk3TNu2ldzfjJu6ur0mccd3sKzsyYzE2LzLllag4vr3+9wNJvR"
    "+25PghO/qSWBRBUgAJAiAA/qWNLIOYzkFjTLvWPWHaCfpLY3hE4Efq3T7S8HgcvhEFHN+a"
    "sjIeU50H1W4dbuM+hxd32HQIFBnE6dt0zKklOtEaDDWuWkhCHKA2M6eIDwlyhvjo3TGy7t"
    "QT6duEI+ogh1s2MT4mS4fWhCGL9QnCHEEpFs0fiBEYVh+GQNlgHZ25jP7pEvj8AQEYG7r8"
    "/Q8opswgj8TxH8f3+h0lphHDMTVEA7Jc59OxLPtEBy3GP8u64lNu9b5luiMW1h9P+dBiAQ"
    "BlXJQOCCM25kT0wG1XYJ25pulRyCeEGmxYRY0yAmOQO+yagnYCWg0gLNN0/bLd1b82u7qu"
    "pejqQ0Sw7xX1LSbmBAzVkQgYiCG8+vvR0Zs3748O3xx/ePf2/ft3Hw4/QF053vSr99/VYE"
    "JsqaYkzlo/ti67YkAWTDw1JUXBdwmDOVZQkhgh9uX/FP5Ph9jOxr5fP4F/+LAk/n1sV5cA"
    "I/yom4QN+BAeXx99mIHc60bn9KdGZw9qvYyj+NJ7daTeCWyH2LUtMwe7TeaOJIZbMCYMSy"
    "qFaR92OZj2C0JUh2xpcVxrnWbjrNk5QcALDGLfsJ87ra54ntiUi+ez5tV5+1dRYpCxaU1F"
    "WePsonV5grAxoizJqApR6rgIoY7z6XScJJNicfoQO8MyayEBtnNL4vhtAUQfv81FtHgVR7"
    "TcNfUx5jA5mJPG9b+/ti+zcZ2GTKDboH2O/odM6qR2ggy0e0hd9fK4EKN+Jb4e+UNHe71e"
    "f+ja7NXfer2XcoeVu7LYYE06gmVjQMFH2dsJIg/EniL58elNfemtJ2bDDOoLQgmIkeP8aU"
    "apvnfR+CU5IU7P258kxSyHD2zZimzgU2J2EPZAbYuNiOi/xNxIwm3DzGhGxhwh0whPPU6Z"
    "IlPkK9NT4enNbZj2Upokho55mvJn8IbTEcmmfhwySXsP9MD/UZ29szBTnkGKbuui+bXbuL"
    "iK0eOs0W2KN0eydJoo3UvujEEj6OdW9yckHtFv7ctmkmxBve5vmhgTdrmlM2uiYyOKE7/Y"
    "L4qR2cQO111nIUInYZdA6vUs9mdJaZs8AAtahM5xyJrKVaYyeRxTaG4BKscht4bK2mfbGs"
    "EOC/LUyBKbZ2S3BUwNoYT2YZAOYhbUYgN/16UcMbHzIu/D03v4UlvesTknrEd39xELhii4"
    "xf37CbYNPfXGOrLy6qZfjY5GyRLM8EBOGYFhMU7fEGhzeqesemkjof9uf6aRMFprvo0QAR"
    "05UP4V4AdQCJsfujWt2wPUhblxOxWzwaQPBFEmZ4vfujLgIRemvi1eUNsz9WVYBlfSxRPs"
    "gaqVUnp4AFGr4DkqeL4B0KH/JbokczkzbBxuvjl2CwTtdVpka83nmUlKPrFup2VYWxyqyq"
    "bgTZvdS0gIIVFAanJg+Fmsz4P8/KVDTHnOlUEAb+eXdrhr1VRlBNWyiyws9Yb4faWClGtQ"
    "3nwgLFuUCt/OFqZEPZ0EFYucuUJrhBmvLHEEapO+ZRvi+NNiBAQaoBnqDzEbAKg4weDCcK"
    "rEHlX8wkHiCBR6YQ50lHfUuoo+5ktUf2kh8j17uTorhb+iKqgHQr6T892D9vDuTQx/Wmuy"
    "MgxAPkgulmrZPwdcbtvwvZa9kma9pbnkdvnyEatIBlOBMt0hf87pQE4LPbIOdNWKhNcKd7"
    "14dzYZUJj707I9Bh87p0NqPMb6c5lDsEmM3J7Qzz81O00kDuXQP9GLF9r32vOgkp4H4aJc"
    "5HQ8hK6yUKRdtM+a5/pppwki6NkJij3eMPX47eos+tZ7vGHXzc7XVvtS7zR/bH3twqSGKu"
    "mysJ4QiFrX0Vp+yQ276rQv2rIT/5c4m/eKvB83rNM+P2+e6Z8ap19OUOThhjUvr1ud9uVF"
    "87KrQwvd5qmEzCyO1/52mVM/8iIOcdY8PW90ktX90njdDgz9OlnVK7xh3faX5mWI/dij/7"
    "bTvIb/wVvvMbmrFxFl3xwVkGTfHOUKsuJVXDUMtsOi6kIAUOVFsWlNIYbh0kp3rWxvgbId"
    "l1GLrp44VJWXkPaFjDm6JQ41iFQd7iyb0AFD92SKHEsWDamw0E6la5byCXCEp4gQo9CEwr"
    "e56oThPxbN0GJW0cH6l3fEyaHMREiALTQTKqblr9qzCyaBkyXNdUEwzzvm9SF2Ab+zuGfz"
    "l26Mcab8ZQLmed6+/NGvnnSiSeIbPtvhepYOkz+x41C7gPc1MBGDcEzNUh5pEZAnOaMttJ"
    "1o/7hzmVSP0K1LTU6ZcyC6/Ze2/rm/Gl+xwFqRIsks9T0Gtr4Dq8OSW/uV5VBJvNAqSNk+"
    "uhPeAa/R3iGSZkXYjxFmcrPlgR3xlohtOoRC5BHmGTH2kcs4NZEynbxM7/Zr6rMS521jmz"
    "xQy3VKu3unANcnIWoll67W64lB9np+aI+iWUAr6khrdJTaHxEZjbkishT4qO1kOJous+E1"
    "iyhl6b0FZPbit/aG5PGloggQQJLkhYP6mFmM9rHpe3jso7G/zjEzUK8Xm9G9XpraK2h/Ix"
    "EHZS29UaiFdoqqSUmb5bTeMWtpMuQ0UFNkUYosSoga/4vjP+WYkGBOaUp8VraWL2SaOgPJ"
    "dkDoyEM4YhPjwm9xu6iR54MAxTaeBEd3Mb4MaIAHwiUiOs2v3U7rtKtlTfclYHg3XTyS6I"
    "0v8wIITjLoGtMFMZ2zs+WgfDPOzmcycGyU46MTebs/y0fHiNcr4PLsoQSNTdwnBugS3JJq"
    "Z2iU/YjE8e8DQZMhNQkImjbh1JaekKCZgIgqviTL1XmZTT/BISdqXy7icBHiUFej87w8En"
    "bq8m4miQa8GG3fo3QVfkOq35V2FF9S0a6e0kntRVJJL5INnvBU7QB31ap0YtGWOTRPgNan"
    "55U+PQ+oVc5XPQG2g2tqNTli6pPTNZ+c+gJdWS4Wh9yakNVnycN8WpVjYXGoXVhda2FgCm"
    "mLMLIk5C6gfN0MbUNHHJXbqp+bRf35EqCSJvWqkWPXbOrbit8KW3gjWcO0DBNvM24kybfx"
    "JqwpRYy8BumbGFZX1PbqJ4mUWcz20di2OFF+bLZrEkc6Fah8KE7fGotEKMLfWLomZTWXkW"
    "JlTf3esBvWQDDdLWExFqlbpJXZti0bUZguBMuAUIwYmUQh0Z5C7g/R1n7w+zgYT1/WyXar"
    "vjftzzBW1sl2V2icDIdVQgNJgNXqR3n1o85fshApts2gUucvqUz+kjWJhFeBHDRHOIxULC"
    "om6uM4zFyJUSQjU9KYFJw88LjglS0+SSgpO6FvzO+WDZASw1Xgmm1N0sLierqshbktFeaq"
    "dPK806KdCFpTZuKn3KaQbKTCot7Sb1XQgAeNgAvtA9cxTbFRSJ3WIKIQAdchoIkCY8McmQ"
    "Q7XPn5C0ypHKPonpCxYluu42Iz6LZAWO/SL2uQzDU9DfKD8QKA7Q3F0zrwDUjR00G3U3QP"
    "ve77YTbOlHH8KH+enrcQx/ewx8zZmFJTZCU9bDhQsD5ar1XBLSBFrQrWqmDe4bo7NhZcUn"
    "HIeklVekn5xCq3pOJQ9ZKqvHWlBSL3GGRu1p92ZF5QLcOykq60P8uqQsPquh3WL2RRkbHY"
    "oGY4QENl5Ri5XGa7RY4M8qd8KI6uIn2IDED78GfMZUS3DZoAnmYctS2/+QxLye+g2VDWp2"
    "MsT+gBVvtjVhBGRMyoYwF2ziITmwtFeWgMqGahxaQSsdBK4NirXmO3GHatsUBIbnLUbBzH"
    "gHYQ08vPruknwyqbFyQJV2Vka/EbnoNJolxYhBGQ8mgmD8rGLj+BjVptvLBfwwY+wrw/FN"
    "cMkUeQKMxpbp6Q5feydlOzEFVKGRcDiC22LrYMJ8jnwzjl1DujUvIbUMwESnHXZiKtE2GW"
    "OxgibkGZ6FYRd4ynpoWN9NRYctubTj1WW7h2VR2viIp4QQDNfS1DL/TezFQGR2GduQpgmx"
    "Gk6vu3U3iuqtLsLxaeuIfCtiYi4SuolUSQX3LzO2A26ul2KpQ61YjrEKnMiemX5gMr7y1T"
    "PYx4K0tsztQOo57QvuvdAzZhcdXK4s4pi5v1xayUaL0SJUYtnBSCP8NOnhcS40MkUHwnQL"
    "YQyTNwetb+9um8ia46zdOWuKkhvgPKl6IICqgfKdA4f1ZhX9oZyIL2CIP8TAyViFRIjX4C"
    "F9gjboLbu8SGIr8LXaidQ1xhOfU3il9uNBSkpYQhIlvcspTaoDbPq+qgsqoGldUxT8uLeT"
    "ptfD1tnDW1NC9bAnorG7W3dna2lg6XHXEYzI0NqV7iXxcPtCzly383W/2SX8a9avM0sPxl"
    "l6nLBItk7jGXZ2+vdZct3o5m6S718csGNJd8/OYpLjuB4cOjIlZ2US0fx/Llc9JeKshP6p"
    "wJ68iZUAUJxlcv8qSYiPqRL8lEVJ5ilmQ6Er49AI3sYBr44uYBaotg+V5PXH/sOr2euEPA"
    "9u47dtCeiHf4VZz6+BdWZvinr6iP2ZIWc0e3UFjYahw/5Flh/lSQDBzCg7TLtYy3lTx5lo"
    "znTb0UBXLRHwLs0s549Prt+7cf3hy/DZAflMzCedqmpthCtlg3P3wshF7jbTCSZWnl8KuA"
    "TpD8d8PCO4H9XwXtnisO4qrTNWwqRmcIXdhjbMMj7J+lAukyQLfX6WUZBFqJi8kdiBCuTe"
    "Q9tKXIkwKsBnFEfztDHM/AJzCauZPMUlt9qF3gWvH94ehdkQ0CauXuEPJdYh0IPjOx7Psy"
    "mI4B1YguhOikMlEC3RmgNdILIV32BmPQDVf5yuoOgVEYGRx/hsvEzFYWdKOoGC1W7EWBbU"
    "7vcJ/rd+K0rFQmjwzQ3Zv8y3e7r11oF5nrW+FCWweJb+bEKuBE5W6DT4DtHvPametkKzen"
    "62OrKpHjycdW2am+ff6wBBw3Ik1tF0cpitsEMy2d5zuCdtegXJe3bDs6dnT/rsgMnuO19P"
    "lLh5h5wZ8+BUSrzQeyjZf15tEgPlsjaKtRNRNVkXTnT8NU/BLQHeGa8Q1fOkE+EU1h5NYu"
    "oojjwRPx43kkeO6Vu4KjVTp6JGWWDF+PDLFmjuOqrFLg7gbRkaE8hk9UUkhGOQq8ibEd88"
    "9wgSy2l29SXRAo3ZGzLmdYXsMlL+ddpd9GPA/XE9uunTWq6axRX+ywQvNG7SxQJ/Ss6rZf"
    "22prW22d0LNeUskl5UdA9i03636AuSG8Adz67MWH5ciqXftyuXS0DgXzA9QwHUvK79g0rT"
    "7mli1CDP3YQ+Wo6pwEICK1B2XATqRFQqSAkqJ9SkFYdYc3TDQh1Y8XjkxFAo3d74tgSa8J"
    "qYIYhAnM+ZGSQgFh3ohch2SmKVq2M6uySugGtdUdKqX8xDKBq+ErtlD2qitAvRerKvCzj4"
    "Z0ADofEAjoNyH2CZoMaX+IJngqSE0ddEs4zAIoFjcfCJoDnJgTQDVh9ZMBsnjqIEvojhPq"
    "ZITXrqvTDfi7pY5cyhqta+trbX2tra/VyQWwUdtuNHC+Gvhf7hT1KbUELO1eXpCV2sAjpw"
    "YZ5u/4mcLcQMdVJW2IeMZmpW2o7bmVtOfWCRbqBAtbnmChziFWLW+1OofYCnKIbSbLQoOA"
    "8D3MEjq8NzMFDhzWWaqs8RTJ4rmIFU80wOULDAvETj01Zqpq6zoZNPWuUNDUuxlBU+9Sfu"
    "6wqEpg2Ku+g9h9fXhYSGY4nCEyHKYCcyzGMy8zzjclR0DWb0DezEnUJsysy9/Mvv8fjxa6"
    "Sw=="
)
