"""Webhooks (issue 15): the tables ``webhook``, ``webhook_delivery`` (the outbox: one row per event owed to a
webhook, written in the audit event's transaction) and ``webhook_attempt``; and three audit actions,
WEBHOOK_CREATED, WEBHOOK_UPDATED and WEBHOOK_DELETED.

The PostgreSQL part is what aerich generated against a scratch database at migration 4 (the column comment of
``audit_event.action`` lists the new actions). aerich cannot alter a comment on SQLite and stopped there, so the
SQLite part is the ``CREATE`` statements Tortoise's schema generator writes for these models, without comments.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "webhook" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "description" TEXT,
    "enabled" INT NOT NULL,
    "event_types" TEXT NOT NULL,
    "model_patterns" JSON,
    "model_regex" TEXT,
    "environments" TEXT,
    "scope_patterns" JSON,
    "scope_regex" TEXT,
    "secret" VARCHAR(128) NOT NULL,
    "previous_secret" VARCHAR(128),
    "previous_secret_expires_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "disabled_reason" TEXT
);
CREATE TABLE IF NOT EXISTS "webhook_delivery" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "last_attempt_at" TIMESTAMP,
    "delivered_at" TIMESTAMP,
    "audit_event_id" BIGINT REFERENCES "audit_event" ("id") ON DELETE RESTRICT,
    "webhook_id" BIGINT NOT NULL REFERENCES "webhook" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_webhook_del_status_5b6f00" ON "webhook_delivery" ("status", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_webhook_6a1bba" ON "webhook_delivery" ("webhook_id", "id");
CREATE TABLE IF NOT EXISTS "webhook_attempt" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "status_code" INT,
    "duration_ms" INT NOT NULL,
    "response_excerpt" TEXT,
    "error" TEXT,
    "delivery_id" BIGINT NOT NULL REFERENCES "webhook_delivery" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_webhook_att_deliver_a4a8c1" ON "webhook_attempt" ("delivery_id", "id");
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "webhook" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "url" VARCHAR(2048) NOT NULL,
    "description" TEXT,
    "enabled" BOOL NOT NULL,
    "event_types" TEXT NOT NULL,
    "model_patterns" JSONB,
    "model_regex" TEXT,
    "environments" TEXT,
    "scope_patterns" JSONB,
    "scope_regex" TEXT,
    "secret" VARCHAR(128) NOT NULL,
    "previous_secret" VARCHAR(128),
    "previous_secret_expires_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "disabled_reason" TEXT
);
COMMENT ON COLUMN "webhook"."event_types" IS 'AuditAction names between commas, with a leading and a trailing comma: ``,PROMOTED,DEMOTED,``.';
COMMENT ON COLUMN "webhook"."model_patterns" IS 'Model-name patterns (``churn-*``) as given; null: every model (and events about no model).';
COMMENT ON COLUMN "webhook"."model_regex" IS '``models.tokens.scopes.pattern_regex(model_patterns)``, what the outbox matches; null with the patterns.';
COMMENT ON COLUMN "webhook"."environments" IS 'Environments between commas (``,production,staging,``); null: every environment. Events that name no';
COMMENT ON COLUMN "webhook"."scope_patterns" IS 'The creating token''s model scope (null: not scoped), which the webhook can never see past, and its regex.';
COMMENT ON COLUMN "webhook"."previous_secret" IS 'The secret before the last rotation, valid (deliveries carry both signatures) until its expiry.';
COMMENT ON COLUMN "webhook"."disabled_reason" IS 'Why it was disabled, when the delivery worker did it (an HTTP 410 Gone from the receiver).';
COMMENT ON TABLE "webhook" IS 'An HTTPS endpoint that receives the audit events its filter matches (models/webhooks/, docs/events.md).';
CREATE TABLE IF NOT EXISTS "webhook_delivery" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "event_type" VARCHAR(64) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "last_attempt_at" TIMESTAMPTZ,
    "delivered_at" TIMESTAMPTZ,
    "audit_event_id" BIGINT REFERENCES "audit_event" ("id") ON DELETE RESTRICT,
    "webhook_id" BIGINT NOT NULL REFERENCES "webhook" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_webhook_del_status_5b6f00" ON "webhook_delivery" ("status", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_webhook_6a1bba" ON "webhook_delivery" ("webhook_id", "id");
COMMENT ON COLUMN "webhook_delivery"."event_type" IS 'The audit action, or ``webhook.ping``.';
COMMENT ON COLUMN "webhook_delivery"."status" IS 'PENDING: PENDING\nDELIVERED: DELIVERED\nFAILED: FAILED';
COMMENT ON COLUMN "webhook_delivery"."attempts" IS 'Attempts made (a redelivery starts again from 0).';
COMMENT ON COLUMN "webhook_delivery"."next_attempt_at" IS 'When a worker may next take it: due now, after a backoff, or after a claim''s lease; null once done.';
COMMENT ON COLUMN "webhook_delivery"."audit_event_id" IS 'Null for a ping.';
COMMENT ON TABLE "webhook_delivery" IS 'One event (an audit event, or a ping) owed to one webhook; written by the outbox in the event''s transaction.';
CREATE TABLE IF NOT EXISTS "webhook_attempt" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "at" TIMESTAMPTZ NOT NULL,
    "status_code" INT,
    "duration_ms" INT NOT NULL,
    "response_excerpt" TEXT,
    "error" TEXT,
    "delivery_id" BIGINT NOT NULL REFERENCES "webhook_delivery" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_webhook_att_deliver_a4a8c1" ON "webhook_attempt" ("delivery_id", "id");
COMMENT ON COLUMN "webhook_attempt"."status_code" IS 'The HTTP status; null when no response came (refused, timed out, blocked destination).';
COMMENT ON COLUMN "webhook_attempt"."response_excerpt" IS 'The first bytes of the response body, decoded leniently.';
COMMENT ON TABLE "webhook_attempt" IS 'One HTTP request of a delivery and what came of it.';
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nWEBHOOK_CREATED: WEBHOOK_CREATED\nWEBHOOK_UPDATED: WEBHOOK_UPDATED\nWEBHOOK_DELETED: WEBHOOK_DELETED';
"""

DOWNGRADE_SQLITE = """
DROP TABLE IF EXISTS "webhook_attempt";
DROP TABLE IF EXISTS "webhook_delivery";
DROP TABLE IF EXISTS "webhook";
"""

DOWNGRADE_POSTGRES = """
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED';
DROP TABLE IF EXISTS "webhook_attempt";
DROP TABLE IF EXISTS "webhook_delivery";
DROP TABLE IF EXISTS "webhook";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else DOWNGRADE_SQLITE


MODELS_STATE = (
    "eJztPWt327aSfwVHX2LfVVzXebTr7u45is2k2tiWj6Imvff6HgkSYYlrClRJ0La22/++Mw"
    "DfD5nUk1L4JbFADEDOAPPCzODPxtTSmemctGZGz3pgvHFO/mxwOmXwR+pZkzTobBY+wQZB"
    "h6bsTGdGXwTdho6w6UjAg3tqOgyadOaMbGMmDAsnabQ4ad22iYQ4IR1uzomYMOJM6Nm798"
    "S6V7/YyGaCGA5xhGUz/Zdk68R64sTiI0aoINBKcfgTfAPdGsErGHy8jclcbvzhMvj8MQMY"
    "G6b857+g2eA6e2aO/3P20L83mKnHcGzoOIBs74v5TLZ9MMZtLj7Kvvgpw/7IMt0pD/vP5m"
    "Ji8QDA4AJbx4wzmwqGMwjbRaxz1zQ9CvmEUC8bdlFvGYHR2T11TaQdQqsXCNsa/f5Np9f/"
    "ovX6/UaKrj5EBPte08jiuCbgVR2JgDG+wut/Pzt78+ans9M3739+9/ann979fPoz9JXvm3"
    "7001/qZUJsqaEkztqf2jc9fCELFp5aktjwl4ShgiooSYwQ+/L/FP4vJtTOxr7fP4F/+LAk"
    "/n1sV5cAU/rcNxkfiwn8/PHs5wXI/drqXvza6h5Br+M4im+8R2fqGWI7xK5tmTnY1bg7lR"
    "huwztR2FIpTPuw68G03xCiOmRLy+O60dVal1r3nAAv0Jl9x7912z38/WQbAn9fardXnb9j"
    "i85mpjXHttbldfvmnFB9avAkoypEqfdFCPU+n07vk2RSLK4/oc6kzF5IgB3clnj/tgCi37"
    "/NRTQ+iiNaSs3+jApYHNxJ4/q/v3RusnGdhkygWzdGgvwfMQ0nJQky0O4hddPb4xrf+jV+"
    "PfFfnRwNBqOJa/PXfxsMjqWElVIZBaxpTGHb6NDwi5ztnLBHZs+J/Pi0UF/76InVsID6SC"
    "iEmDrOH2aU6kfXrd+TC+LiqvNBUsxyxNiWo8gBPiRWB+OPhm3xKcP5S6yNJNw+rAwt8s4R"
    "Mk3p3OOUKTJFvjK9FFYfbse0l9ok0/tUpCl/CU+EMWXZ1I9DJmnvgZ74f1RHdhZmygtI0W"
    "tfa196revbGD0uWz0Nn5zJ1nmi9SgpGYNByLd271eCP8k/OjdakmxBv94/GvhO1BVWn1tP"
    "fapHceI3+00xMpvUEX3XWYrQSdg1kHo7m/27pLTNHoEFLUPnOGRN5SpTmT3PDBhuCSrHIf"
    "eGyo2PtjUFCQv61NRC4RmRtoCpCbQYI3hJh3ALevGxL3UNQThKXuJ9eFqGr3XkA1tz6D26"
    "f4h4MLBhSEcPT9TW+6kn1pmV1zf9aHo2TbZQTsdyySCG8T19R6AtjHvl1Us7Cf1nzYVOwm"
    "ivl32EBOgogPKvAT+AQhB+ZGhawxPSg7UxnONqMI1HRgwuV4s/unLgEReWvo0PDNtz9WV4"
    "BjcyxQr+QDVKKTs8gKhN8BwTPN8B6Bj/y/qSzOXcsHG4l92xe6Bob9MjW1s+35mm5BNrOC"
    "/D2uJQVXYF79rtXkJDCIkCWpMDr5/F+jzIj5+7zJTnXBkE8CS/9MN9VUNVRlEtu8nCVu8V"
    "/9qoIuXqhtAeGc9WpcKni5Up7NdnQcciZ64wGuP6awuPQG02smwdjz8tzkChAZqR0YTyMY"
    "DiCYZAx6lSe1TzK4fgESjMwh2YKO+odRNzvKxR/dkIke/5y9VZKfyLXcE8QP1OrncP2sO7"
    "tzD8Zd2QneEF5A/JxVIj++eA6x0bvteyNzKstzXXPK5YP2IVyWApGLzvsD9emEAui35kH/"
    "TVKBK+UXjq5aez2diAtT8vO2PwsS9MaOjPsflc7jBqMj13JvLtV62rETyUI/9JXr1q/FVH"
    "HlQy8iDclMucjofQVVaKGtedS+2qf9HVQAW9PCexn3dc/fzt9jL61Pt5x79q3S/tzk2/q3"
    "1qf+nBooYu6bawHypE7a/RXn7LHb/tdq47chL/Lzyb95q8P+54t3N1pV32P7QuPp+TyI87"
    "rt18bXc7N9faTa8PI/S0CwmZ2Rzv/dtNTv/Igzve63zWbkI8xX76T7vaV/g/eOr9vOPftA"
    "+/djqfQ+hEQ9gjwHSiIewBBNBiPbyGpJQvotq+OSug2b45y1Vs8VHcVAzEY1HzIQCo8ibZ"
    "teUQw3BpI7w2vvfA+I7rrEV3Txyqyluo8ZnNBBkyx9CZNCXuLZsZY04e2Jw4lmyaGOixnc"
    "tQLRUj4GDkCKpV5MmAb3PVicP/WEaGVbOJCba/vSNBD2UWQgJsqZVQMat/05FesAicLO2u"
    "B4p63rGvD3EI+F3EPbXfezHGmYqfCZjnVefmk989GVSTxDd8tiP6WTZN/sKOQx0C3rfARH"
    "QmqGGWilCLgKwUnLaUOGn8x73LpblEhq5hCoM7JzjtfzW2v/Y3EzsWeC9SJFlkzsfAtneA"
    "dVpStN9ajiGJF3oJDd4k9xgt8CM5OiXSzQjymFAuha0I/IpDhmI6hCLsGdYZ05vE5cIwiX"
    "KlHKel/ZbmrMT528xmj4blOqXDv1OA29MQGyW3bmMwwJccDPxUH0WzgFaGI73TUWr/Qth0"
    "JhSRpcJn2E5G4Ok6B96yilKW3ntAZi+f62jCno8VRYAAkiSvHDKi3OLGiJp+xEeTzPx9Tr"
    "lOBoPYih4M0tTewPg7yUAo6/mNQi0lKaqmJe2W03rHrqXJkDNATZFlKbIsIWr8L4//VKBC"
    "gjmlKfFR+Vo+s3nqTCQ7IKErD+WYzfRrf8T9okZeTAI02/QpOMqL8WVAA/xgQiKiq33pdd"
    "sXvUbWcl8Dhg8z5COJ3vg2L4DgJIOuMV0Q0zmSLQflRUKbAM6AwYzMuM4SwU3f2HBiWQ+X"
    "arh5ZUjQuAEQZYKSGZAgpaxWKNrpUqbgTXOinSJPm4uinfR4vwLB495iIjOTjpgOVpiwpM"
    "EeurN/IXiQ/sjI08QwGajoNhOGLWNKwaYD5R6/JCtofJ1DrxDaFPXMFwldCXHYV2/nxcsk"
    "PPzlA3YSA3jZ7n5s7iYisNS8G50ozoyiU60ySR2PU8l4nB2ejVXt6HvTTojEpi0TbpAAre"
    "MOKh13EFCrXNR/AuwA99Rmqu3UZ85bPnP2FbqyXCwOuTfJv98lD/NpVY6FxaEOYXdthYEp"
    "pC3DyJKQh4DybTO0HR0OVU5Uf29nEd8vASp5GFE1chzaacS+4ndF3/gmPbyR+mu3tiXYyM"
    "NBytmb3bG5yO8b8bD0Z3GYF33AWMPDdk3mYLQGJR4406OOWnKkJv0hWkfvBwl1Mpsfn5Df"
    "uD8tHxOFcxXfbVtPad/wdqasCw5XWKo098TNeICFXuIR4comWKUIcXKQCpsVay9G3AAeNA"
    "Uu1ASuY5ooKGQcm86wkQDXYYQzYGxUEBPsLqHC4RBTqjQXeWBsptiW67jUDKYtkP2y9hrH"
    "krmml0F+zHoAsL8R640ufANR9HTIcE4eYNamH43qzLmgz/LPi6s2EfQBZMwLgim1RDYyw4"
    "7j6Ws/6nbdDnUFqKVIsW+O1LoC1PY8qe5MX3JLxSHrLVXpLeUTq9yWikPVW2otRdU26V1p"
    "g8o9A52bj+ZdWU6rkeFZSXdqLvKqGGH3vh32L+RRkSlLYGY4QEPl5Zi6QsZREkfmwhligt"
    "FwkTkwUb4J/8yEjFm0wRKg84wiwOsfPsNT8k+wbAw+MmZUumMBtvGvRRF3ETWjDvw6OI9M"
    "bC0UT36MANUstJhWghutBI697jV2i2HXmiFCcmuKZeM4BnSAmF5/ESq/ZkTZ9NkkXJWR3Y"
    "hfjBgsEiIvW0InoCGiCa8Gn7niHAS1Erwgr0GAT6kYTbA6P3sGjcKc56bTrn+WrbuaUVUp"
    "5VwMIPbYu9jWnSDtnQtDGN4ZldLfgGImUEq4NsfqB4xb7nhChAVtOK0i7ozOTYvq6aWx5r"
    "F3XaGj9nAdqjleERPxmgGaR40Mu9B7stAYnIZ9XjQAO5wR1d8v6uzFJUi3P248LN9sW09Y"
    "Fw3MSobkl9z8HpiN+jWco1GnBnEdJo05XH5pPrDx2TLNw0hoisTmQuswGvbiF8t7pCZsrt"
    "pYPDhjcbf3BVdKtd6IEaM2TgrBH0GS58U/+hAJFN8jyB4ieQFOLzu/fbjSyG1Xu2hjgeO4"
    "BJQPsQkaDD8srHX1XcX4Ni5BF7SnFPRnpqt6Xag1+tm6ICPugksvUKDI7yLXSnLgzU9zX1"
    "D8ftcgQfUmeEVi4+UEBbOs6wjiXXOqKkQQ1wGu6wtwvWh9uWhdao00L1sDeisbor11draV"
    "CdcdXh6sjR2ZXvhfj44bWcaX/2yx+SW/THjdXrLA8rddpi0TbJIXj7k8f3ttu+yxOFpku9"
    "THLzuwXPLxm2e4HASGT8+KeNmxWz6O5cPvyXqpID+pE+S2kSBXBQ3GNy/ytJiI+ZGvyURM"
    "nmKeZGOKsT0ATexgGfjq5gnpYJntwQBvDXSdwYDIa77VNYEOOcJ8h7/jqY9/z1NGfPqG5l"
    "isaXF3OoTGwl7j+CHPBotlgWbgMBFUJ6x1vL3kyYt0PG/ppSiQi/4Q4JAk49mPb396+/Ob"
    "928D5Acti3Ce9qkptpCt1r2cPhZCb7FoumRZjXL4VUDnRP53x8Or9Py/Cvo9N5zEFX3pFE"
    "ny03MSYHWOTvkcnQlMYc+oDT9BfpZKpMsA3d+gl3UQaCMhJvegQrg2k9e1lSJPCrAaxMH5"
    "DoY4noMPMZopSRaZrT7UIXCtuHw4e1dEQECvXAkhnyX2AfKZJ8t+KIPpGFCN6EKIThoTJd"
    "CdAVojvRDS5WzwDn3dVbGyfYfBW+gZHH9ByMTCUZYMo6gYLTYcRUFtYdzTkejf42lZqUoe"
    "GaCHt/jXH3Zfh9Aus9b3IoS2ThLfzYlVwInKXZqaADs85nUwt65Vbk3Xx1ZVIsfKx1bZdR"
    "19/rAGHLciQ+0XRymK2wQzXeHCI+rqhujLyyidPnX6/pVKGTynxPVHLRxVe2T7eKddHg3i"
    "qzWCthpVC1EVXh60IqbiNz4dCNeMC3wZBLkimsLMrUNEkaDjFfHjRSR44ZWHgqNNBnokdZ"
    "aMWI8MteaFwFXZpcBtbDiRriKGz1VRSG4IEkQTUzsWn+ECWWyv3qS6DUaGI2fdxba+gUve"
    "xLbJuI14Ha4Vx66DNaoZrLHTZMIKVf/diHujDhaoC3pWVezXvtraV1sX9Ky3VHJL+RmQI8"
    "vNuh/gxRTeAG57/uLTcmRtfPX1chloHSrmJ6RlOpbU36lpWiMqLBtTDP3cQxWo6pwHIFja"
    "w+DATqRHAktASdU+ZSBsesI7jkNI8+OVI0uRwGAPTUyW9IaQJojOOGLOz5REA4R7b+Q6LL"
    "NM0TqCWUvUp6mdYrVTrHaKVT1Fe6cut2g+czXwv94l6lNqDVg6vHING3VNRpy5GV7JuKv3"
    "xfyzTeXSRwIWs7LpazdbJd1sdd57nfe+53nvdWmnagUR1aWdNlDaaTfJ79/YcGJZD1lah/"
    "9oocrxFOn08ikoJ7/2erdfCOP6zAJ0gbFA8a6LETMevRLH0vgmyviWFU5VJVNV6TpygZo3"
    "sfNDkyCdflAQJ1M9Iw1+S/Pe8TuubvBASOX3cISFdo53JRwGvatq364YWs+vlL0zGLRvvm"
    "jdHjk5OSFftCvtojcYBBPTMSwsR9zx1BuoQfDeuHMysqZT+hqeG1MDr1vFBDJH3gYyGFy1"
    "P2swIPpcbDZ2TWqTyFGq7KTsMpkEV1+wWnXOvEjbc+1SF3l43Q9QFzk7fVtE3cNu+SlI8m"
    "F9rlqNc1XGEQ9Z3MWyTEZ5NuIjUAmkDwFsU8vcZzzbRfuHTucqhvYP7SRef7v+oIEGLmkQ"
    "5nilKz9IseYNX2KZJ8CqzFca0jnfGgV3bjhkyMQTY1wJU6fpXbWF1/vqfl11SpAUJv6Uvc"
    "5BvjZvu53rTk+7bF5q6v/BIEMJ2fh0O96fKlB+RgUoP1k+xPwk/DTkSln4W7pwWtour+Vt"
    "Lf6rk6PBYDRxbf76b4PBMaEOGYOCydWF0OfyCG7u6VpHSF5P3aRDUOUIt9SjDAV2s1NVoj"
    "wAaKbsuQyrSYBVWKI2BgPPpBLWA+POiTOyZnjhsyKl+oaj+CY4hn1OntBKCc0F3yTw7heX"
    "7AKf+jDpdbPNiXeuHYQXapeSWAm4Kq8jLfKuCemB7KA5sy3dlRKm6Qg6hkUAouE4zhIi33"
    "tCNMUUpDUsuQu3UmtoG5Pe8UgPcqRCDlRyPshFh86PpTHNLUF8A3c4Byu9CgtP7qmlxF4a"
    "ch/EHno4ZBQbKiWSr7xyPEEjP4gcKcojsWSDfowMxRgpnuF5L/BiMy8CxGHISRzRDC49k3"
    "wp+3bUrc28Y6Go1kZpoZgAqzAzq6yZ6TBYY6VqWoQQVbZ3qnRq5mdn9ssjOwO0wqtc8iz1"
    "piA77y0QYsiKTIpXPFvqWucmeaSmoZMj9N4CW8LL/kbUBrE5tEDRcowxlzXKnGPicmGYkl"
    "Gx55lhZ1wquYX5dr5c+vJlmLNEOPDikdYQHrxHzHPfooPrvIrvisx1XkWdV1FvqbVsKd1w"
    "5CEIGAbUKXlulQatsrr1bYJuAfJEHeK/OZqATB2/ewrPnGCxS7D/dAOtPvSPyvgA8vbHU/"
    "IJT+SDQGYvRMDO8MludqodGEFL5UqEOmTGuVyJoGEv2OTSQ9v+Moztxg17aGsJwaYz0ciP"
    "4vF7NAsE8/RppHOheyzkkrYZ0AHsDOue0HD9o2dFupNH6OqDZ57XLnVPxRJjlCxY4I/nhW"
    "HVVQUOMQCmvCpTqzB7oMKouySAanpGtHXu1kpALRUBvEVHkWSB6p39ozbUJ7gFfNGZAXGZ"
    "4oBHNrvHrMkmwZWp4yldkwwx75JhXRdHGFyK2wytZXPTbPgqkqBY8zRD08hdAAmoQwoBXx"
    "tmfaL32fOI2bMM/plvHmTBVtk+UOG5NmgYw7lgMiVR6d7euh9a+rwJaxs5hk7A+DYYF2aO"
    "n3XZgXZ9Um7bVsYdSQuOyH2AClO2ssdJCaWzuFqYADwk1rXb7BU9YmOumL5yuFZrM5HBkl"
    "iNFUxhCYiQbwRH6fSyFRxdJ8XMYBljJ308kWwSLHoBxuwMqHBMrCeQBsKSaR/ePL+QJ9sA"
    "g5tjSEsk5spLGZFjvHIwDpQ7VMbZZNvP25ocs1wGAw/+taEPBij8VJyP5zjARP7BYOqM+/"
    "Dw32AkQ1YGgYEMXVYG8X1dDkjI17o7M40RbBloDt1Jyxj44YVzHISZ78ZAH/UaSxP6y6N2"
    "Iuy3hGgucCKEYexlzqDiUFU+g5Lqq2ITaldLPhHs6hPkF1kx7MXBtnzFwB5eVHmr3Vy2bz"
    "41SlLOAzsn3h93/FK7an/VunhfZfDnHf/Yal9hk/o/SclCJ45rv8DSY8hlDPgoSHWrenne"
    "dYdMqc5ABoeSbI6OFlt4aZzqtOc0K0V1mRE27BhICtEU1Rb7VTPA9ybApvENPWLUP72b0j"
    "nBzyGCPjBiiHOiuxiO/NQk9B6zhClBXda6v1cKl9c2MqkxBa3HZNRhnqvNAgZEdFDBsk4U"
    "tzLnAXuJ6xChXN5+SGTGcMYVGFMG+N4wpu+S3p4kXGpjJ2FrSleZ0pHSm6UdpmnYKp/33a"
    "Bgvg+8MwULHW7TPA6pEnd5FKdIHK72YK/Lgx0purMeB/YeEqKo4zq+BrP91jkcaA34rWAB"
    "4Bc5T2aHZS94S/HkVe5481Q223paT7RhJCjuQFb/RoMNW8w2RpNGxvmK96S56FiFhn3WWp"
    "d0lbpU34s7fUWXUL6jPLcS4IICmCtee1+1rZi89/5dkapT794tuPf+XcpvCpuqBIa97geI"
    "3R9PT4v4pE9PF5QXPU3drW5xkSnt8zP3IyArpexXDdvbyHIvkWawfmH21/8DEzO/QQ=="
)
