"""Protected environments: the environment_protection table, and two new audit actions.

Events about an environment's protection belong to no model: ``audit_event.model_id`` is already nullable,
and ``model_name`` stays NOT NULL and holds "" for them. Making it nullable would need a table rebuild on
SQLite (which cannot drop NOT NULL) for no gain, since the contract's ``AuditEvent.modelName`` is non-null.
``MODELS_STATE`` is migration 0's, left for the lead to regenerate at merge.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "environment_protection" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "environment" VARCHAR(64) NOT NULL UNIQUE,
    "required_role" VARCHAR(16) /* READER: reader\nWRITER: writer\nDEPLOYER: deployer\nADMIN: admin */,
    "rules" JSON NOT NULL /* Rule strings by kind, in the syntax the CLI takes (models/environments.py). */,
    "reason" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "updated_by" VARCHAR(128) NOT NULL
) /* The rules of a protected environment (models/environments.py). Unprotecting deletes the row. */;
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "environment_protection" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "environment" VARCHAR(64) NOT NULL UNIQUE,
    "required_role" VARCHAR(16),
    "rules" JSONB NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "updated_by" VARCHAR(128) NOT NULL
);
COMMENT ON COLUMN "environment_protection"."required_role" IS 'READER: reader\nWRITER: writer\nDEPLOYER: deployer\nADMIN: admin';
COMMENT ON COLUMN "environment_protection"."rules" IS 'Rule strings by kind, in the syntax the CLI takes (models/environments.py).';
COMMENT ON TABLE "environment_protection" IS 'The rules of a protected environment (models/environments.py). Unprotecting deletes the row.';
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED';
"""

DOWNGRADE_SQLITE = """
DROP TABLE IF EXISTS "environment_protection";
"""

DOWNGRADE_POSTGRES = """
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK';
DROP TABLE IF EXISTS "environment_protection";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else DOWNGRADE_SQLITE


MODELS_STATE = (
    "eJztXW1z27gR/isYfonTcVzHiZ3UaTuj2MqdGtvyKEruzTcUJEISzhSoI0Hb6jX/vQvw/U"
    "0mZVKiZH5JLBALgM8Ci93FLviXMjM0olsHrTntG7eEKafoL4XhGYE/Es/2kYLn8+CJKOB4"
    "qMvKeE5V7lcbWtzEIw4Pxli3CBRpxBqZdM6pITpRWgy1rjtIUhygLtMXiE8Jsqb46PgEGW"
    "PnFxmZhCNqIYsbJtE+xEunxj1DBhsRhDmCUiyaPxAj0IwRDIGyyTo6sxn90ybw+hMCNCZ0"
    "+dvvUEyZRh6I5f2c36pjSnQtgjHVRAOyXOWLuSz7SCcdxj/JuuJVhurI0O0ZC+rPF3xqMJ"
    "+AMi5KJ4QRE3MieuCmLVBntq67HPIY4Qw2qOKMMkSjkTG2dcE7Qe0MIChTVPWq21e/tPuq"
    "qiT46lGE0HeLRgYTcwKGakkAJmIIr/5xdPTmzbujwzcn74/fvnt3/P7wPdSV400+evfdGU"
    "yAltOUxKzzQ+eqLwZkwMRzpqQo+C5pMMcOlWRGgL78P4H/2RSb6eh79WP4w4vF8ffQri8D"
    "ZvhB1Qmb8Cn8fH30fgm431q9sx9bvT2o9TIK8ZX76Mh5JtAO0DUNPQPdNrNnEuEOjAnDkk"
    "og7dGWg7RXEEAdiKXVsVZ67dZ5u3eKQBZoxLxhP/U6ffH73qRc/D5vX190fxElGpnrxkKU"
    "tc4vO1enCGszyuKCKhenTvIw6iSbTydxNjkiTp1ia1pkLcTIdm5JnLzNAfTJ20ygxaMo0H"
    "LXVOeYw+RgVhLr/3zpXqVjnaSMwa3REUf/Qzq1EjtBCuwuqFUvj0sx6lfi7ZE3dLQ3GIym"
    "tsle/W0weCl3WLkriw1WpzNYNhoUfJC9nSJyR8wFki+f3NRLbz02G5ZwXzBKUMws6089zP"
    "W9y9bP8QlxdtH9KDlmWHxiylZkAx9js4OwO2oabEZE/wXmRpxuG2ZGOzTmEJtmeOFKygSb"
    "Qm+ZnApPb27DvJfaJNFUzJOcP4cnnM5IOvejlHHeu6QH3h/12TtzC+UlrOh3Lttf+q3L6w"
    "g/zlv9tnhyJEsXsdK9+M7oN4J+6vR/ROIn+rV71Y6zza/X/1URY8I2N1Rm3KtYC2PiFXtF"
    "ETbr2OKqba3E6DhtCaxez2J/lpw2yR2IoFX4HKVsuFxnLpOHOYXmVuBylHJruKx8Mo0Z7L"
    "CgT80MsXmGdltAagoldASDtBAzoBabeLsu5YiJnRe5L57cw0ttecfmnPAejW9DHgxRMMSj"
    "23tsamriiXFkZNVNPpodzeIlmOGJnDICYTFOzxFocjp2vHpJJ6H3bH+pkzBc63EfIQI+cu"
    "D8K8AHIITNDw11Y3iA+jA3hgsxG3R6RxBlcrZ4rTsOPGTD1DfFA2q6rr4Uz2AlXTzBH+i0"
    "UsgO9ykaEzzDBM92AFr0v0SVbC7mho3SPe6O3QJFe50e2cbyeWaakses4aKIaItS1dkVvG"
    "m3ewENIWAKaE0WDD9N9LmUnz73iC7PuVIY4O780g/3zWmqNopq0UUWlLpD/F6pImVrlLfv"
    "CEtXpYKny5UpUU8lfsU8Z67QGmHaK0McgZpkZJiaOP40GAGFBniGRlPMJkAqTjC4cJw6ao"
    "9T/MJC4ggUemEWdJR11FpFH49rVH8pAfiuv9w5K4V/RVUwD4R+J+e7S+3i7k4Mb1orsjIM"
    "QP6QUizRsncOWG7b8L6GWUmz7tIsuV1ePrAOy2AqUKZa5M9HOpDTQg2tA9VpRdIrubtevT"
    "uTTCjM/UXRHv2XfaRDqj1E+rOZRbBOtMye0E8/tnttJA7l0L/QixfK9ybyoJaRB8GiXOV0"
    "PKCus1KkXHbP2xfqWa8NKuj5KYr8vGHOz6/X5+Gn7s8b9q3d+9LpXqm99g+dL32Y1FAlWR"
    "bUEwpR51u4lldyw6573cuu7MT7S5zNu0XuHzes1724aJ+rH1tnn09R6McNa1996/S6V5ft"
    "q74KLfTbZ5IytTha++tVRv3Qg/gemkdxfHOUQ298c5SpNopHUUPM33zyKuc+QZ2n4Kb18g"
    "jChU3cxrTdAtM2qhHmXT1RqjovIeUzmXM0JBbViFTUx4ZJ6IShW7JAliGLplT4QxcyEMo5"
    "gbdEXIZQWtA9hXezHX/+HwZNsRmq6GD9yzsUUlBkIsTIVpoJNbOpq46jgklgpelOfVCDsw"
    "5VPYpdwHeZ9Gz/3I8IzkR0ii88L7pXP3jV4yErcbzhtS2uplkM2RM7SrULuK9BiGiEY6oX"
    "iv8KkTwp9Gul7UT559hm0hhBQ5vqnDLrQHT7b2X9c7+ayCzfN5BgyTJjOUK2vuOhw4Jb+7"
    "VhUcm8wAdH2T4ai7P412jvEEknHuzHCDO52XLfazckYpsOqBB5gHlGtH1kM0515DgqXiZ3"
    "+zX1WYvTrblJ7qhhW4WDqxOE69MQlYJLVxkMxCAHAy+RxuGZzytqSd9vmNsfEJnNucNkqf"
    "BR00oJ6yyz4TWrKEX5vQVsdrOl9qbk4aXDEWCAZMkLC40wMxgdYd2Lp9hHc2+dY6ahwSAy"
    "oweDJLcraH8j8f1F/aphqpV2irppSZuVtO6hZmE2ZDTQcGRVjqzKiAb/1fFPhAHEhFOSE5"
    "8cX8tnskicOKQf9/fkkRcxiXbptbhd3Mg68YdiE9/7B2URuQwwwA/CJRC99pd+r3PWV9Km"
    "ewkI72ZARRze6DLPAXBcQDdI50Q6Y2fLgHwzocXnMk1rlhERE3q6vywiRovWyxFg7EKC5j"
    "oeEQ1sCW5IszNwyn5A4rD1jqD7KdUJKJom4dSUcYdgmYCKKt4kLbC4zKafEP4S9i/nCW8I"
    "MFSd0bkxFTE/dfGgjlgDbka0F79ZRZSO02+lHUWXVLirp3TSxGzUMmZjgyc8dTvArdqUji"
    "3aIofmMdLm9LzWp+c+t4pFhsfIdnBNVXMjS3NyuuaTU0+hKyrFopRbkyD6LGWYx6tiIixK"
    "tQuray0CzAFtFUEWp9wFyNct0DZ0xFG7rfq5edSfLwNq6VKvGzt2zae+rfjW2MMbuqPr2j"
    "Q4GbkYJJy96RX3l/l9Qx4WdR6ledQHLO55MG2dWCLmACOXnGhhRy3aczr9e/iutYP54uUB"
    "+sq8DtkEOWg78cmmcZ/0ClfdWXMRbY13kv0tcS3u4AUg0Vhmxw54yuW08UZqbEqUfkmtAj"
    "JoBlJoH6SOrovNQUZgaUQUIpA6BDECIg1zpIOtxZ1ALoGUc2UTuiVk7ogt27Kx7nebI2+j"
    "9LtvpTBOToPsaGufYHtjrZUevANy+Gmh4QLdQq/7XhyltWAcP8g/zy46iONb2GMyt6TE5C"
    "i57Q1Hfzf+0vW6F5rbgFZixbY5TJvbgNbnMbXn2opLKkrZLKlaLymPWcWWVJSqWVKlXLBV"
    "pRelA2r2HPRsNlr05NVKSooHJVlpf5n3hAbVVTOon8tzIhNswLSwgIeOT2Nmc3lhGLJk5h"
    "blUxH1FupDpHXvwz9zLtN0TND+8SLlQtjym0/xjvwG1gxlIzrH0u0KtMrvyyLrQmpGE+C1"
    "c16YyFzIn6oXImpEaD6tRCy0Ahi71Rt086FrzAUgmfdLpWMcIdpBpMu/Msm74aBosmecrs"
    "5gK9GP5PmTBMkP7wjHH+Xh9EzK5jY/hY3a2Xhhv4YNfIb5aCpuaicPoFHoi8zkz/J7Wbt7"
    "WagqhRyKPsUWexQ7muUnaTNOOXXPpRz9DTimA6e4bTKRq0+YYU+miBtQJrp1mDvHC93AWn"
    "JqlNz2pu+TaDxcu2qO18REvCQA80hJsQvdJ0uNwVlQ51EDsMsIcup7F/y68QfS4S8WnrjK"
    "1zTuxS1eYFYSwX4pzccgbJxfw4Uw6pxGbItIY05Mv6QcqLy3VPMwFIIi0VxqHYbDW7yr3e"
    "6wDourMRZ3zljc7Ldja6VaV2LEOAsnAfAn2Mmz4hw9ihjEY0GyhSAvwfS8+/XjRRtd99pn"
    "HXHZbXQHlA9FERRQL/yrdfGsYnmVc9AFzRkG/Zlozu1SQmv0snJhj7jxP4AgNhT5XujS2T"
    "nEV4AW3kbx842C/LuGYIjIFBfVJzaozcuqJlK4rpHCTSBreYGsZ60vZ63ztpKUZSXAW9tQ"
    "7LWLs7V0WHYYuT83NmR6if/6eKKkGV/es+Xml3wz7lZ7zALLXnaptoy/SB495nL97Y3tss"
    "Xb0TLbpTl+2YDlko1vluGyEwgfHuXxsotq2RjLh8/JeqmhPGkS4daRCFcHDcYzL7K0mJD5"
    "ka3JhEyefJ5kOhOxPUCNTH8aeOrmAeqKS6EHA/EFOdsaDJD85LPzyTgL7Ykch1/EqY/3zZ"
    "+UyPSK+liuaTF7NoTC3F7j6CFPhZdigWZgEe7fpdfoeFspk5fpeO7US3AgE/6AYJd2xqPX"
    "b9+9ff/m5K0Pvl+yDPOkT80RC+lq3eMpYwH1Gq/4liJLKYavQ3SK5H83LPismvdXTr9nxY"
    "lb4UEnWJKdnhMja3J0iufoTKELc45N+An7Z6HkuRTS7Q16KYNBlYSYjEGFsE0iPy5WiD0J"
    "wnowR/S3M8xxHXwC0dSdZJnZ6lHtgtSK7g9Hx3k2CKiVuUPIZ7F1IOTMvWHeFkE6QtQAnQ"
    "vouDFRAO4U0gb0XKDL3mAMqmY7sbKqRWAUWorEXxIysbSVFcMoasaLiqMosMnpGI+4Ohan"
    "ZYVu70gh3b3JX37YfRNCu8pc34oQ2iZJfDMnVr4kKvaJzxjZ7gmvnflGWO3mdHNsVSd2PP"
    "nYKv3+Rk8+lIBxK9TUdkmUvNjGhGnhyxtDsNsa5ar8dKKlYkv1PgCUInPclj597hE9K/nT"
    "44BotX1HtvELbFk8iM7WEGwNVEuhCj4S9ESkol922hGpGd3wZRDkE2EKMrd2ESKOJ0/Ex4"
    "1IcMMrdwWjKgM94jpLSqxHilrzSOCqrJLjq2uiI82JGD51LoJklCM/mhibkfgMG9hiundM"
    "Ol99keHIad9cK6/hgl9cqzJuI3oP1xPbboI16hmssdFkwhrd+FuJe6MJFmgu9Kzrtt/4ah"
    "tfbXOhZ7Ok4kvKy4AcGXbaNwEeTeH16dbnLz4sxlblm6eXy0DrQDE/QC3dMqT+jnXdGGFu"
    "mCLF0Ms9dAJVrVOfRFztQRmIE+mREFdASdU+YSBU3eENE01I8+OFJa8igcZu90WypNuENE"
    "E0wgRyXqakMECYOyLbIqnXFJURzFrgfprGKdY4xRqnWN1TtDfqcgvnM9cD/3KnqMepElDa"
    "vesaKnVNhpy5KV7JqKv30fyzqnLpQwGLadn0jZutlm62Ju+9yXvf8rz35mqnegURNVc7VX"
    "C102aS31tg2I+maUqH+2SpwoGDOqXqGk/RLJ6LWvHEJN9shWGFlJanprLUbV3Hc1mOc+Wy"
    "HC/JZTlOhB/DoiqAsFt9B9F9fXiYS2c4XKIyHCbyJQzGU78rm50JGiJZfw7oZg4ISsv2LO"
    "BmLX8z+/5/KE10Hg=="
)
