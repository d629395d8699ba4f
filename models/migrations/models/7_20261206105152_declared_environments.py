"""Declared environments: the ``environment`` table, with every environment the registry already uses.

A promotion, protection rule or token scope may only name a declared environment (models/environments/declared.py),
so this migration declares ``staging`` and ``production`` and every environment found in deployments, protections,
protections' prior-deployment rules and tokens' environment scopes: existing databases keep working as they were.
Those rows are declared by ``migration``. Two new audit actions, ENVIRONMENT_DECLARED and ENVIRONMENT_REMOVED
(``audit_event.action`` is a VARCHAR(32) without a CHECK constraint; PostgreSQL's column comment lists the actions).
SQLite's statements are written by hand in aerich's form (aerich stops on the comment it cannot alter there).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
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
CREATE TABLE IF NOT EXISTS "environment" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "description" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL
);
COMMENT ON TABLE "environment" IS 'A declared environment: deployments, protection rules and token scopes name only declared environments.';
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nENVIRONMENT_DECLARED: ENVIRONMENT_DECLARED\nENVIRONMENT_REMOVED: ENVIRONMENT_REMOVED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED';
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
"""

DOWNGRADE_POSTGRES = """
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED';
DROP TABLE IF EXISTS "environment";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else DOWNGRADE_SQLITE


MODELS_STATE = (
    "eJztHWtX2zryr+j4S+keyqW0pV26u+ek4N6bLRBOmnJf3OOIWCRaHDnXloHs3f73HUl+P4"
    "Id8nCCv0AsayR5RhrNjGZGf2lj2ySWu9ea0J59S5h2hP7SGB4T+JF5t4s0PJlEb0QBx9eW"
    "rIwn1OBhtWuXO3jA4cUNtlwCRSZxBw6dcGqLTrQWQ62LNpIQe6jDrCniI4LcET54d4jsG/"
    "VEBg7hiLrI5bZDzI/p0pF9z5DNBgRhjqAUi+b3xAhMewBDoGy4is48Rv/0CHz+kACMA13+"
    "/gcUU2aSB+IGj5Nb44YSy0zgmJqiAVlu8OlEln2iwzbjn2Vd8SnXxsC2vDGL6k+mfGSzEI"
    "AyLkqHhBEHcyJ64I4nsM48y/IpFBBCDTaqokYZgzHJDfYsQTsBrQYQlWmGcd7pGV/1nmFo"
    "GboGEDHs+0UDm4k5AUN1JQKGYgiv/n5w8ObN+4P9N4cf3r19//7dh/0PUFeON/vq/Xc1mA"
    "hbqimJs/aP7fOeGJANE09NSVHwXcJgjhWUJEaEffk/g//jEXbysR/UT+EfPiyN/wDb9SXA"
    "GD8YFmFDPoLH1wcfZiD3stU9/qnV3YFaL5MoPvdfHah3AtsRdh3bKsCuzryxxHAbxoRhSW"
    "UwHcAuBtNBQYTqiC3Nj2utq7dO9O4RAl5gEueK/dxt98TzvUO5eD7RL047v4oSk0wseyrK"
    "Widn7fMjhM0xZWlGVYpSh2UIdVhMp8M0mRSLM0bYHVVZCymwrVsSh29LIPrwbSGixaskou"
    "WuaUwwh8nB3Cyu//21c56P6yxkCt0mHXD0P2RRN7MT5KDdR+qyl8eZGPUr8fUoGDra6fcH"
    "I89hr/7W77+UO6zclcUGa9ExLBsTCj7K3o4QuSPOFMmPz27qC289NRtmUF8QSkCMXfdPK0"
    "71nbPWL+kJcXza+SQpZrt86MhWZAOfUrODsDvq2GxMRP8V5kYabhNmhh4bc4xMYzz1OWWG"
    "TLGvzE6Fpze3ZtpLaZKYBuZZyp/AG07HJJ/6Scg07X3QveBHffbO0kx5Bil67TP9a691dp"
    "Ggx0mrp4s3B7J0mirdSe+MYSPo53bvJyQe0W+dcz1NtrBe7zdNjAl73DaYfW9gM46ToDgo"
    "SpDZwi43PHcuQqdhF0Dq1Sz2Z0lph9wBC5qHzknIhsp1pjJ5mFBobg4qJyE3hsraZ8ceww"
    "4L8tTYFptnbLcFTI2ghA5gkC5iNtRiw2DXpRwxsfMi/8Oze/hCW96yOSesRze3MQuGKLjG"
    "g9t77JhG5o19YBfVzb4aH4zTJZjhoZwyAsNinIEh0OH0Rln1skbC4N3uTCNhvNbjNkIEdO"
    "RA+VeAH0AhbH7o2rKv91AP5sb1VMwGi94RRJmcLUHryoCHPJj6jnhBHd/Ul2MZXEoXT7AH"
    "qlYq6eEhRKOCF6jgxQZAl/6XGJLM1cywSbjHzbEbIGiv0iLbaD7PTFIKiHU9rcLaklB1Ng"
    "Wv2+xeQUKIiAJSkwvDz2N9PuTnL11iyXOuHAL4O7+0w12qpmojqFZdZFGpP8TvSxWkPJNy"
    "/Y6wfFEqejtbmBL1DBJWLHPmCq0RZr6yxRGoQwa2Y4rjT5sREGiAZmgwwmwIoOIEgwvDqR"
    "J7VPELF4kjUOiFudBR0VHrMvp4XKL6S4uQ79vL1Vkp/BVVQT0Q8p2c7z60j3d/YgTTWpOV"
    "YQDyQXKxTMvBOeBi24bvtZ2lNOsvzQW3yxePWEUymAqUGS7585EO5LQwYuvAUK1IeK101/"
    "N355Ahhbk/rdpj+LGPdEjNh0R/HnMJtohZ2BP6+Se9qyNxKIf+iV680L43nge19DyIFuU8"
    "p+MRdJ2FIu2sc6KfGsddHUTQkyOUeLxi6vHbxUn8rf94xS717td259zo6j+2v/ZgUkOVbF"
    "lUTwhE7ct4raDkil10O2cd2UnwS5zN+0X+jyvW7Zye6ifGp9bxlyMUe7hi+vllu9s5P9PP"
    "ewa00NOPJWRucbL2t/OC+rEXSYgT/fi01U1XD0qTdbsw9Mt0Vb/wivU6X/TzCPuJx+BtV7"
    "+E/+Fb/zG9q5cRZd8clJBk3xwUCrLiVVI1DLfDsupCCFDnRbFuTSGB4cpKd6Nsb4CynZRR"
    "y66eJFSdl5D2hUw4uiYuNYlUHW5sh9AhQ7dkilxbFo2osNBOpWuW8glwhaeIEKPQPYVv89"
    "QJw39smqPFLKOD1S/vmJNDlYmQAptrJtRMy1+2ZxdMAjdPmuuBYF50zBtAbAN+Z3FP/Zde"
    "gnFm/GVC5nnaOf8xqJ52oknjGz7b5UaeDlM8sZNQ24D3FTARk3BMrUoeaTGQJzmjzbWdaP"
    "+48ZhUj9C1Ry1Ombsnuv2Xtvq5vxxfsdBakSHJLPU9Aba6A6v9ilv7he1SSbzIKkjZLroR"
    "3gGv0c4+kmZF2I8RZnKz5aEd8ZqIbTqCQuQB5hkxd5HHOLWQMp28zO72K+qzFudtE4fcUd"
    "tzK7t7ZwBXJyFqFZeu1u+LQfb7QWiPollIK+pKa3Sc2h8RGU+4IrIU+Kjj5jiaLrLhFYso"
    "Vem9AWT247d2RuThpaIIEECS5IWLBpjZjA6wFXh47KJJsM4xM1G/n5jR/X6W2ktofy0RB1"
    "UtvXGouXaKuklJ6+W0/jFrZTIUNNBQZF6KzEuIBv/z4z/jmJBiTllKfFa2li9kmjkDyXdA"
    "6MpDOOIQ8yxocbOoUeSDAMUOvg+P7hJ8GdAAD4RLRHT1r71u+7in5U33BWB4O1080uhNLv"
    "MSCE4z6AbTJTFdsLMVoHw9zs4nMnBsXOCjE3u7O8tHx0zWK+Hy7KMETSw8ICboEtyWamdk"
    "lP2IxPHvHUH3I2oREDQdwqkjPSFBMwERVXxJnqvzIpt+gkNO3L5cxuEiwqGhRud7eaTs1N"
    "XdTFIN+DHagUfpMvyGVL9L7Si5pOJdPaWTxoukll4kazzhqdsB7rJV6dSirXJongJtTs9r"
    "fXoeUquar3oKbAvX1HJyxDQnpys+OQ0EuqpcLAm5MSGrz5KHBbSqxsKSUNuwulbCwBTS5m"
    "FkachtQPmqGdqajjhqt1U/N4v68yVALU3qdSPHttnUNxW/NbbwxrKGaTkmXj1pJCm28aas"
    "KWWMvCYZWBhWV9z2GiSJlFnMdtHEsTlRfmyOZxFXOhWofCjuwJ6IRCjC31i6JuU1l5NiZU"
    "X9XrEr1kIw3W1hMRapW6SV2XFsB1GYLgTLgFCMGLmPQ6Idhdwf4q39EPSxN5m+bJLt1n1v"
    "2p1hrGyS7S7ROBkNq4IGkgJr1I/q6keTv2QuUmyaQaXJX1Kb/CUrEgkvQjnoEeEwVrGsmG"
    "hMkjCPSowiGZmSxqTg5IMnBa988UlCSdkJfWNBt2yIlBiuAtcc+z4rLK6my0aY21Bhrk4n"
    "z1st2omgNWUmfsptCulGaizqLfxWBQ140Bi40C5wHcsSG4XUaU0iChFwHQKaKDA2zJFFsM"
    "uVn7/AlMoxim4JmSi25bketsJuS4T1LvyyBslcs9OgOBgvBNjcUDytC9+AFD1ddD1Ft9Dr"
    "bhBm404Zxw/y5/FpG3F8C3vMIxtTZoospYc1Bwo2R+uNKrgBpGhUwUYVLDpc9ybmnEsqCd"
    "ksqVovqYBY1ZZUEqpZUrW3rrRB5J6AzM0G067MC6rlWFaylXZnWVVoVN1wovqlLCoyFhvU"
    "DBdoqKwcY4/LbLfIlUH+lI/E0VWsD5EBaBf+TLiM6HZAE8DTnKO2xTefYyn5HTQbygZ0gu"
    "UJPcBqf8wKwoiJGU0swNZZZBJzoSwPTQA1LLScVCIWWgUc+9Ub7JbDrj0RCClMjpqP4wTQ"
    "FmJ68dk1g2RYVfOCpOHqjGwtecNzOEmUC4swAlIez+RB2cTjR7BRq40X9mvYwMeYD0bimi"
    "HyABKFNS3ME7L4XlZuahaiSiXjYgixwdbFtumG+XwYp5z6Z1RKfgOKWUAp7jlMpHUizPaG"
    "I8RtKBPdKuJO8NSysZmdGgtue92pxxoL17aq4zVREc8IoHmg5eiF/puZyuA4qvOoAthhBK"
    "n6we0UvquqNPuLhSfuoXDse5HwFdRKIsgvufkNMBv1dD0VSp1qxHOJVObE9MvygaX3lqse"
    "xryVJTZnaodxT+jA9e4OW7C4GmVx65TF9fpi1kq0XooSoxZOBsGfYScvCokJIFIovhEgG4"
    "jkGTg96Xz7dKqji65+3BY3NSR3QPlSFEEBDSIFWqfPKuxLOwFZ0BljkJ+JqRKRCqkxSOAC"
    "e8RVeHuX2FDkd6EztXOIKyynwUbxy5WGwrSUMETkiFuWMhvU+nlVE1RW16CyJuZpcTFPx6"
    "2vx60TXcvysgWgt7ZReytnZyvpcNERh+HcWJPqJf718FDLU76Cd7PVL/ll3K/2mAZWvOxy"
    "dZlwkTx6zOXb2xvdZYO3o1m6S3P8sgbNpRi/RYrLVmB4/6CMlV1UK8axfPmctJca8pMmZ8"
    "IqcibUQYIJ1IsiKSamfhRLMjGVp5wlmY6Fbw9AIyecBoG4uYc6Ili+3xfXH3tuvy/uEHD8"
    "+45dtCPiHX4Vpz7BhZU5/ulL6mO2pMW88TUUlrYaJw95lpg/FSQDl/Aw7XIj420kT54l4/"
    "lTL0OBQvRHANu0Mx68fvv+7Yc3h29D5Icls3CetakptpAv1j0ePhZBr/A2GMmytGr4VUBH"
    "SP67YtGdwMGvknbPJQdxNeka1hWjM4IunAl24BH2z0qBdDmgm+v0sggCLcXF5AZECM8h8h"
    "7aSuTJANaDOKK/rSGOb+ATGM3dSWaprQHUNnCt5P5w8K7MBgG1CncI+S61DgSfubed2yqY"
    "TgA1iC6F6LQyUQHdOaAN0kshXfYGYzBMT/nKGi6BUZg5HH+Gy8TMVuZ0o6gZLZbsRYEdTm"
    "/wgBs34rSsUiaPHNDtm/yLd7tvXGjnmesb4ULbBImv58Qq5ETVboNPgW0f89qa62RrN6eb"
    "Y6s6kePJx1b5qb4D/rAAHLdiTW0WRymL2xQzrZznO4Z2z6TckLdsuwZ2jeCuyBye47f0+U"
    "uXWEXBnwEFRKv6HdnEy3qLaJCcrTG0NaiaiapYuvOnYSp5CeiWcM3khi+dIJ+IpihyaxtR"
    "xPHwifjxPRJ898ptwdEyHT3SMkuOr0eOWPOI46qsUuLuBtGRqTyGj1RSSEY5Cr2JsZPwz/"
    "CALI6fb1JdECjdkfMuZ1hcwxUv512m30YyD9cT226cNerprNFc7LBE80bjLNAk9Kzrtt/Y"
    "ahtbbZPQs1lS6SUVREAObC/vfoBHQ3hDuNXZi/erkVW7DORy6WgdCeZ7qGW5tpTfsWXZA8"
    "xtR4QYBrGHylHVPQpBRGoPyoCdSIuESAElRfuMgrDsDq+YaEKqHy9cmYoEGrvdFcGSfhNS"
    "BTEJE5gLIiWFAsL8EXkuyU1TtAhn1gr5aRqjWGMUa4xidQ/RXqvJLR7PXA/8L3aKBpRaAJ"
    "a2L13DUk2TMWNujlUyaep9NP5sWbH0MYfFvGj6xsxWSzNbE/fexL1veNx7k9qpXk5ETWqn"
    "JaR2Wk/wewsU+8EoT+jw38wUOHBUZ6GyxlMki+ciVjwxyLdYYJgjpOWpoSx1W9fpWJZ3pW"
    "JZ3s2IZXmXcT+GRVUBw371LcTu6/39UjLD/gyRYT8TL2EznnvHbHEkaAxk9TGg6zkgWFi0"
    "ZwUz6+I3s+//B52T67I="
)
