"""Webhooks (docs/events.md): the tables ``webhook``, ``webhook_delivery`` (the outbox: one row per event owed to a
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
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nREFERENCE_PROFILE_SET: REFERENCE_PROFILE_SET\nMONITORING_POLICY_SET: MONITORING_POLICY_SET\nDRIFT_STATUS_CHANGED: DRIFT_STATUS_CHANGED\nPERFORMANCE_STATUS_CHANGED: PERFORMANCE_STATUS_CHANGED\nRETRAINING_REQUESTED: RETRAINING_REQUESTED\nRETRAINING_ACKNOWLEDGED: RETRAINING_ACKNOWLEDGED\nRETRAINING_COMPLETED: RETRAINING_COMPLETED\nRETRAINING_CANCELLED: RETRAINING_CANCELLED\nWEBHOOK_CREATED: WEBHOOK_CREATED\nWEBHOOK_UPDATED: WEBHOOK_UPDATED\nWEBHOOK_DELETED: WEBHOOK_DELETED';
"""

DOWNGRADE_SQLITE = """
DROP TABLE IF EXISTS "webhook_attempt";
DROP TABLE IF EXISTS "webhook_delivery";
DROP TABLE IF EXISTS "webhook";
"""

DOWNGRADE_POSTGRES = """
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nREFERENCE_PROFILE_SET: REFERENCE_PROFILE_SET\nMONITORING_POLICY_SET: MONITORING_POLICY_SET\nDRIFT_STATUS_CHANGED: DRIFT_STATUS_CHANGED\nPERFORMANCE_STATUS_CHANGED: PERFORMANCE_STATUS_CHANGED\nRETRAINING_REQUESTED: RETRAINING_REQUESTED\nRETRAINING_ACKNOWLEDGED: RETRAINING_ACKNOWLEDGED\nRETRAINING_COMPLETED: RETRAINING_COMPLETED\nRETRAINING_CANCELLED: RETRAINING_CANCELLED';
DROP TABLE IF EXISTS "webhook_attempt";
DROP TABLE IF EXISTS "webhook_delivery";
DROP TABLE IF EXISTS "webhook";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else DOWNGRADE_SQLITE


MODELS_STATE = (
    "eJztPWt34riSf0XHXzq5S2cyme6e2czunkMnTg/bCWRpuvs+uAcMFuCNkRnbNM2dnf++VZ"
    "L8tonN0xB/SUBWSaZKKtVbfyhTS6emc1GfGR3riTLlmvyhMG1K4UPiWY0o2mwWPMEGVxuY"
    "vLM2M3qu323guLY2dOHBSDMdCk06dYa2MXMNCydR6ozUHxuEQ1yQFjOXxJ1Q4ky0q7fviD"
    "US3+jQpi4xHOK4lk31X+OtE2vBiMWGlGgugVYNh7/AN9CtIbyCwcb7mGzOjN/nFH7+mAKM"
    "DVP+45/QbDCdfqeO93X21BsZ1NQjODZ0HIC399zljLe9N8YN5t7xvvhTBr2hZc6nLOg/W7"
    "oTi/kABnOxdUwZtTWX4gyuPUess7lpSgp5hBAvG3QRbxmC0elIm5tIO4QWLxC0Kb1es9Xp"
    "fVI7vZ6SoKsHEcK+bBpaDNcEvKrDETDGV3j971dXP/3089XlT+9+efvm55/f/nL5C/Tl75"
    "t89POf4mUCbImhOM4aHxrNDr6QBQtPLEls+JPDaK4moDgxAuzz/wn830w0Ox37Xv8Y/uGH"
    "xfHvYbu8BJhq33smZWN3Al9/vPplBXK/1Ns3v9XbZ9DrPIripnx0JZ4htgPs2paZgV2Vza"
    "ccww14Jw22VALTHux2MO01BKgO2NL6uFbaav1WbV8T4AU6tbvsa7vRwe8L23Dx+636eN/6"
    "G7bodGZaS2yr3z40mtdE06cGizOqXJR6l4dQ77Lp9C5OJsHiehPNmRTZCzGwk9sS797kQP"
    "S7N5mIxkdRRPNTszfTXFgczEni+r8/tZrpuE5CxtCtG0OX/B8xDSdxEqSgXSJ119vjAd/6"
    "Nf564r06Oev3h5O5zV7/pd8/5ycsP5XxgDWNKWwbHRp+5bNdE/qN2kvCf3zyUN/66LHVsI"
    "L6SCiEmDrO72aY6mcP9b/GF8TNfes9p5jluGObj8IHeB9bHZR9M2yLTSnOX2BtxOGOYWWo"
    "oXcOkWmqLSWnTJAp9CuTS2Hz4Q5Mey5NUr2nuUnK38IT15jSdOpHIeO0l6AX3ofynJ25mf"
    "IKUnQaD+qnTv3hMUKP23pHxSdXvHUZaz2Ln4z+IORro/Mbwa/k762mGieb36/zdwXfSZu7"
    "Vo9Zi56mh3HiNXtNETKbmuP25s5ahI7DboHU+9nsL5LSNv0GLGgdOkchKyqXmcr0+8yA4d"
    "agchTyaKis3NnWFE5YkKemFh6eodMWMDWBFmMIL+kQZkEvNvZOXcMlDE9eIn948gzf6sgn"
    "tubQejR6ClkwsGGgDZ8Wmq33Ek+sKyurb/LR9Goab9GYNuZLBjGM7+kZAm3XGAmrXtJI6D"
    "2rrTQShns9byMkQEcXKP8a8AMohMOPDExrcEE6sDYGS1wNpvGNEoPx1eKNLgx4ZA5L38YH"
    "hi1NfSmWwZ1MsYE9UIxSSA/3ISoVPEMFzzYAOsa/aI+TuZgZNgr3vDn2CATtfVpkK83nhU"
    "lKHrEGyyKsLQpVZlPwoc3uBSSEgCggNTnw+mmsT0LefWxTk/u5UgggT35uh/sihiqNoFp0"
    "kwWt8hX/3KkgNdcNV/1GWbooFTxdLUxhvx71O+bxucJolOmvLXSB2nRo2Tq6Py1GQaABmp"
    "HhRGNjAEUPhouGUyH2iOZXDkEXKMzCHJgoy9W6izmel6j+UALkS3u58JXCX+wK6gHKd3y9"
    "S2iJd7kwvGWt8M7wAvwL52KJkT0/4HbHht9r2TsZVm7NLY/rbh+xgmSwFAzWc+jvz0zAl0"
    "UvtA96YhQOr+Seev3pbDo2YO0vi87o/9hnJjT075H55syhmkn1zJnI19/UtkrQKUf+k7x6"
    "pfxZRR6UMvIg2JTreMcD6DILRcpD61a97920VRBBb69J5GuXia+fH2/DT+XXLvuitj81Ws"
    "1eW/3Q+NSBRQ1dkm1BPxSIGl/CvbyWLntstx5afBLvE/rmZZP80GXt1v29ett7X7/5eE1C"
    "X7pMbX5ptFvNB7XZ6cEIHfWGQ6Y2R3t/bmb0Dz3osk7ro9oM8BT56j1tq1/gv/9UfoW3Vu"
    "8AEc0bFV/hrnGvIjXg/dOaEefNRqfVbjQ/9B5b942bv4neqc2Ao3bjDqjbqXc+f+qBvNn8"
    "wBGW0go4Vtt3rfZDHaeMQ2Q/w/fvtOuNJk7dVv/nM2gaCJHWGukLdGm2vgKJPsS6hx9EIG"
    "5aD4/3anx0vzXaF18VF0C0r9faZV/V97+1Wh8DmsUagh7++o41BD1g2auRHrIhLlvlUSh+"
    "usqhT/x0lalO4KOogu4LJXmVNh+gzKzp0PpaBMOFTR+VyeMITB5RTSHv7olClXkLKR/pzC"
    "UD6hg65QrcyLKpMWbkiS6JY/GmiYF28iUPkBORGQ7G66AwSxYG/La58PP8r2Wk6JK7mGD/"
    "2zsUalJkIcTA1loJJbO17Dq+DhaBkyZTd0A9ynK2exCngN9V3FP9ayfCOBNRSz7zvG81P3"
    "jd46FMcXzDz3bcXpommb2wo1CngPc9MBGdupphFooLDIFsFBK41nGi/MdozriSSgZzw3QN"
    "5lzgtP+l7H/t7yZiz7cZJUiyyogSAduf2/Cy4NH+aDkGJ15gmzVYjYwwRuNHcnZJuHEXzm"
    "OiMX7Yur41d0DxmA6gCP0O64zqNTJnrmESYcA6T572e5qzFF7PmU2/GdbcKRx0nwDcn4So"
    "FNy6Sr+PL9nvewlWgmY+rQyH+wTC1P6V0OnMFUTmAp9hOynhvtsceM8iSlF6HwGZZRbd2Y"
    "R+PxcUAQJwkrxyyFBjFjOGmunF2dTIzNvnGtNJvx9Z0f1+kto7GP8geR9F7e1hqLVOirJJ"
    "SYfltNLZXZgMGQNUFFmXIusSosL/+vhPhIfEmFOSEnfC1vKRLhOeqPQwkDZ3hVKb6g/eiM"
    "dFjaxIEGi2tYXvQI3wZUADfKEuR0Rb/dRpN246Stpy3wKGTzPQJo7e6DbPgeA4g64wnRPT"
    "GSdbBsrzBJQBnAGDGanRtAVCyr7SwcSynm7FcMvSkEBpAohQQckMSJAQVksUY3bLEx+nGT"
    "Fmoae1VTFmerRfjpB9uZjIzNSGVActzLW4wh6Ys38lGL7wjZLFxDApiOg2dQ2bR/KCTgfC"
    "Pf6StFD9bQ69QUBZ2DKfJ2AowGFPvJ2MUopZ+IuHScUGkDUGvIjoXcS9iXl3OlGUGYWn2m"
    "SSKgqqlFFQB/SNlc31vWsjRGzTFgk3iIFWcQeljjvwqVUs1yIGdoJ7ajc1jiqf8559zp5A"
    "V5SLRSGPJuX6RfIwj1bFWFgU6hR2114YmEDaOowsDnkKKN83QzuQc6h0R/VL80W8XAKU0h"
    "lRNnKcmjfiWPG7Ndv41GKGa+E79Rbwm63FxmnX3nhf+XAnRIOd2sVDtQIfbculQ/nWCRN5"
    "esfaKmt5yC7Vm0VhnrWcY70Ze25SB2NcNCLBqR42b5MzMekP4ZqPP3Coi9ny/IJ8Zt60bE"
    "zEShVR8ba1SFrU9zNlVRy7xGdx7UiMsydYlCgaRy80qU0KZscHKbEytvXC2QrwoClwoRpw"
    "HdPEg4JH/+kUGwlwHUoYBcamucQEbdUVQYSIKVFGjjxROhNsa+7MNdOfNkfO0NbrcXPmml"
    "wG2ZH+PsDxxvkrbfgNRNDTIYMleYJZa14Mr7Nkrvadf7y5bxBXe4Iz5pmDKbFEdjLDgbMQ"
    "Kuvzfo01VbWytUhxbObnqlrZ/uzP85m+5paKQlZbqtRbyiNWsS0Vhaq21FYKAO7SutIAkX"
    "sGMjcbLtu89JuSYllJdqqtsqoYQfeeHfTPZVHhiV6gZjhAQ2HlmM5dblkjDs8gNNwJxhCG"
    "5sDyAjX4M3N5pKcNmoC2TClYvf3hUywl/wDNxmBDY6ZxIzbAKv9cFacYEjOqcLmTs8hE1k"
    "L+lNEQUMVC80kluNEK4Fh2r7CbD7vWDBGSWf8uHccRoBPE9PZLd3mVNoomHcfhyoxsJXqJ"
    "p79ICL8YDI2AhhtOEzbYbO5ew0EtDl44r+EAn2rucII3SdDvIFGYy8wk5O3PsndTM4oqhY"
    "yLPsQRWxcbuuMXC2Cu4RrSRyXkN6CYCZRy5zbDmhGUWfPxhLgWtOG0grgzbWlamp5cGlse"
    "+9B1TSoL16mq4yVRER8ooHmopOiF8slKZXAa9HlWAWwxSkR/rwC5jObgZn/ceFhq3LYWWE"
    "0O1EqK5OfcfATMRnwbLFGpE4PMHcqVOVx+ST6w89lS1cNQQA/H5krtMBws5JUY/KaZsLkq"
    "ZfHklMXD3m1dKtF6J0qM2DgJBN/BSZ4VNepBxFA8QpAjRPIKnN62Pr+/V8ljW71pYDHu6A"
    "nIH2ITNBheMF39/kVFRiu3IAvaUw3kZ6qLKmcoNXo5znBGdP0LWvBA4b+LPIiTA28pW3oH"
    "xV+7CvFrXsErEhsv0siZm17FXR+aU5Uh7roKC95eWPBN/dNN/VZVkrxsC+gtbWD73tnZXi"
    "bcdlC+vzYOpHrhv442VtKUL+/ZavWL/zJXdntOA8vedqm6jL9JnnVzSXt7pbsc8XG0Snep"
    "3C8H0Fyy8ZuluJwEhi+v8ljZsVs2jvnDl6S9lJCfVGmF+0grLIME46kXWVJMSP3IlmRCKk"
    "8+S7IxxdgegCa2vww8cfOCtLA4eb+PN1zOnX6f8CvpxZWWDjnDfIe/odfHu5MsJT59R3Os"
    "lrTYfDqAxtxW46iTZ4clxkAycKjr13SsZLyj5MmrZDy59BIUyER/AHBKJ+PVj29+fvPLT+"
    "/e+Mj3W1bhPGlTE2whXax7Pn0sgN5jqXnOspRi+BVAeC8f/Ouy4NpH71NOu+eOk7jCL50g"
    "SXZ6TgysytEpnqMzgSnsmWbDVzg/CyXSpYAeb9DLNgi0kxCTEYgQc5vyS+4KkScBWA7i4H"
    "wnQxxp4EOMpp4kq9RWD+oUuFb0fLh6m+eAgF6ZJwR/FtsHyGcWlv1UBNMRoArRuRAdVyYK"
    "oDsFtEJ6LqTz2bDajT4XsbI9h8Jb6Ckcf0XIxMpR1gyjKBktdhxFodmuMdKGbm+E3rJClT"
    "xSQE9v8W8/7L4KoV1nrR9FCG2VJH4Yj5XPiYpdNRsDOz3mdTJ31ZVuTVduqzKRY2O3VXo1"
    "TI8/bAHH9dBQx8VR8uI2xkw3KIWpzXXD7fErPJ2e5vS8i6hSeE6Bgph1HFX9Ro/xJsAsGk"
    "RXawhtFapWoiq4cmlDTEXvyToRrhk98HkQ5KbFaP2srFNEkcacBRWV7n17hMyR3hBvbX/A"
    "thivNPtRuWk9PN6rHfSsheNq3YnmEg8hos6rePNN78KL2I608YaIlSEgMp71VBZlociacN"
    "L3CKgF4gsWJR4ZaTVGPdy2GO1Y8CfP0pWDPgZjlmLlbgfNhWKSvErcj5ZpDJdKalxSrE9t"
    "dZS1Xyt8FnTPUfDIps7EMkVCOsazi6B3g/EvkXsSsTKRNXexRIG14PtY4tch8F7m0i9+Gb"
    "zLD+Jd0qtr7nnu1VFNkRsaY6FNVTRQKaOBylRs+tC2hx2beFx/qxZxvkehyuF5X6sWCNZt"
    "C34M0RzS70suHfCbC8lvBLfu94lYs+lV4DYa7cD+/qr85nPywUk4K6rym/tzVlQm9MqEXj"
    "5ybNGEfqjUj9iFRyvVrOBSpFxq1iLonisZZEZtw9JR1QGVWp8LuQTgRiNR/kcjgQmyRgYG"
    "YxR6izJA0pTyyiG+Yk6kYp6eFbKrybqsy1B+wdhvWN3G0OHliAAEBSv4YlMytKazOd4JtJ"
    "hQcVWCQBVmTItivFjWbA5r2uZPhaSDH7F0EZa4HQIKYdguw5q34soPXvjIG4jxNBYci8/E"
    "i6dNL8g9bC0CmwmIRsQ5hJKVMFb2+zX4wh/yC08WmA2Drw6gXQbo4gEr+FPlbwFsyHp7+R"
    "XHWo485ADvcseI39SjjH/bMD+mUlUrVbXch8quVdXTywPnCiMWhaQ28GR4YV4FnF9HJPnh"
    "mRzqmvNv4M22y3kb8JTza8lzkYEa0DwGSvgZgMyCYUDZTNVRdz/l/gVtmNFF1lu0vm0crt"
    "TrJVp51jtyifwNwjnjYBVaJCyvN2/hweZ1wHNawy8jOJeTTpodDL9nFiFPXL5oi5ow4rCV"
    "EaPURoyocLUGoSVkReZSkxnkeSDdPE26WiXkRsAqC0pBcTeRnrdOZt6xuwYe4WCTP+UaFM"
    "w/ugpfUE4XFYCLiwtQyLrK1ABVjo2xjf0JeqfF5NEp1WuQsQb4BomjduujH9h1AEotYpmr"
    "tQXWSgzseJdLaXM4ddsYFarx7wMcLzGiu8tNWrVEgYO00ALP3oXBBTXPjESCZfrqub28i9"
    "kOvISOr5jEGqpV6+M1aX3ssq/1drPR/HBN5Icuu2037jrXhP/rskbz0+e7u8ZNQ212eiAi"
    "1a9Joim+QnLlXeZRhlaUHUsWHeMbGe3Z2Yd4pvyUCrs/Oepyt0LU1sqshK3OxQTUOOTJ4H"
    "bPAmpmxHL2ARcCOeIjrk010/gX1WXhWscTDuXCwmg6p4aFbRFTKRdgFwY/tIAZOHIKCZhR"
    "sHIQfJ0iIVzKEMTifjNOvVqoNFyNgHThavhvbGs6TbmdaL0hykP43maSSPpIRyGV3Kof2v"
    "VbjL/3Ph2TJFIlwWei/pRsdVUSfHVTegmwf0pbKhFTkl/DSIBWZvD1tYwqinO/yF8RxalH"
    "snA3DOU8yZTeWiyKM8EJclRDqGJl9xorG87PfDlpxZ0ggnQxsZxQhOaMYtiq4ZIzEUP6Wr"
    "Z4KOExnMnMw12m0BaMUE6kxKZEKKelzWZHKKdm7uZJBKXEWwGvMY6ROPPpVLOXIlo4kssd"
    "CikWdAnifjVM8caYnwvS8AvTWxhW69CUUKK9zIoxy/2+Z6KWYb/9fsipCG2YiyWy1jXT4K"
    "KvfBW8mzktuVQgl/tkrrl/tUaEb7bWZdIj6zWQ3+cac7F3jUypxjx3D9Nh/RCdfjP45qwR"
    "jLGzZmQI048tPjP27Co8fqqrZEUjV+mqZRFIaiQ7BriKUaliVKrC0VU0yBEQprLErkOKoz"
    "MbVZbYKsP3RZz9Zbo7+oVIwlWCdVmMRknzRY5LvL2iXjlJsekV3gfdFHmpsOIC7ww6bGga"
    "ii7vVMtQYgc8cw9zPmNQncfz6KIelwhWBVK5xL8cGw0voesGRS432iqEEVnerp2092xz4O"
    "cNIZG8611eQxh1llYp3Md6aNVWmG/4/wJistd/OwLyYQmwe/G4uvvuUHffVbr+WqSodP1K"
    "16+irl70lvL0gQynzrNWhQN4dQpmdShfPLlcFlzyBPMLUjcdi8vvmmlaQ821bHTZeg5bce"
    "+yc+2D8FIgDNgJL7CPLnsu2icUhF1P2GU4BFc/sL6VtSAw2FONwNhyCK6C6JQh5rCwBaoh"
    "qIB4NafmTnrA+zaShhJGkzyhINUdD8oKJT4jTrK64+El3vGg3FKGqR2m4UhLQuSiAmACXc"
    "U3RQB3EfXIH3w+MFjKxBjy166CdWywTjl/RWJjdaNyXWjAbUIndp1Byvm7DSxtYLo8BkzF"
    "Lwcw0sIgiiEteTfBiSNOxpxtC29BsdFTxFsiCHHj6NTCN4ccKd5KENZ7NJjbbWBuHHGp/p"
    "cU7K4KzY1TN687RnYnrkXkIEQT0gkoRi58clwui8wwdVdcouLw8Ghy1npUmxhYWr/52Gx9"
    "vVdvP6i35zVCGa+zy2UajQkhJs1fs8eZCzp0fKfoamcLHzblGq4evmTPd4rlc/SEHbFynB"
    "25lDDzmO5gmsq7VErvkk/udTLWfeD9GWgV3NxKMZJwmGuCf7sszBSuIyyiy0L3yPkfobXe"
    "vFHv73mr9zGfvhUz+b7LY/GNGxZDBt93idtxbGM8FsasdcgXAi+zhV15qDc/1++vifgfr3"
    "j0qLbvWu0HpMw1CX0pB4kOWIC7ZIayXRfXtanmFHPiBhCngN99+2/j8kERd1MctnI4ldrh"
    "FJCrmBc3DlfmU6ZMflxQJIEUJtXHa+2uFPAtbLAjYnfHtr8iBCu2xVJAT+Ew28eNDKblrB"
    "d+FAasNlaZN5YkVcHYozBQtZnyb6ZecRE8DncK6N63IO7dcA8rtnCiURJ2rZigPRXkCNln"
    "wu5zXqXB+yWyBD0XPHO6xauiTYdkTgdBvrxkpSj2I2Bl3il7Kl1TpfWVai9tMa0vuVm2gO"
    "E1ohCOdb9sZ8Q16RthUzkIHJICtkLlQoFNxyI7rDfCmhRMymWlut9YUhdj/FKiE0JPa6vC"
    "Erx4dFd2fC4eIZsPpt6UG8oxTrsct3JIl9IhfXrXqJZJT/+mmfNC2aQ+wCli+DJXLXnslo"
    "3jy2Q9+TJV/Tg0wsugIGQWm9i1aFM2amyh4MRN/dNN/VY9lODxlQ4mlvWUJnV4j1aKHItQ"
    "p+fDHxn5rdN5/IR3S88sQJeQ9Ww6pMY36oikMExdIiIJit9IPTJMF0MSNXc4CVXwlBM7P9"
    "QI0ukHAXEx1VNUhz3Ni+VJUUsRkCL/zAH1DJUTcdsOXkfCP1hzd2B9fyXyTvr9RvOT2u6Q"
    "i4sL8km9V286/b4/Mb9023G7LPEGYhBRt3RoTafaa3huTA0seYpV8xx+13e/f9/4qMpiqT"
    "Ydz03NJqGgQ95JBHziAnCq2qRl58yrpL25nWK5yZZGZPcTlEWuLt/kEfewW/bNNvxhVd+i"
    "HG4ZyhAPadzFskyqsazAPx8qhvQBgO1qmXuMZ79of99q3UfQ/r4Rx+vnh/cqSOCcBtDJcD"
    "Ps+fxYk8MXWOYxsDLzFYUnSddF9Vd+8pEBdReUMnGYOjVeiJxoBBaXjlnoeIBqvMq5KWqC"
    "Qy+8zLn22G49tDrqbe1WFf/7/RQhZOfTHXh/CiP4THNB+ClWBzgJuVEp4D0ZQLnu8hp/Pf"
    "FenZz1+8PJ3Gav/9LvnxPNIWMQMNmvfPhrXgphKWWtMySvFDe1AYhyhFniUYoAu9upDlyj"
    "WFAfJFP6vQiriYGV+ERV+n2pUrnWE2XOhTO0ZnjhgCCl+A1n0U1wDvucLFBLCdQFTyUQNB"
    "bsgt8fLWGS62afEx9cOvAD/IudWDG4Mq8jNfSusdMD2UEtuFij5rjaGBYBHA3nUZYQ+r0X"
    "RBVMgWvDnLswK7GG9jFpl4V6kDNR+sXmGbFwLjra8pwr08xyiafgDpagpZdh4fE9tdaxl4"
    "Q8hmMPLRy8mhgKJZyvvHLkQcN/EDkTlEdi8Qb9HBmKMRQ8Q1ovyFBjshKPQ5GTOG6NSzxo"
    "euF8Kd0DvLeZD3woirVR+FCMgZWYmZVWzXQorLFCuWUBRJn1nTJ5zWY2/WZYc6dXHNkpoC"
    "Ve5ZxniTeFs3NkwSEmbl13XGJbrrwtit9URc7QegtsCW+LGmo2HJsDCwQtxxgzcXnNOZnj"
    "5VOcUdHvM8NepvPIHc938OXS4y9DnTVSDVaPVOUelDr3oKpv+5LIXNW3rerbVltqO7eKGw"
    "53gqyRT5QCWmZx6+sEzQJkoTnEe3NUAalwv0uBZ0kWlv0E+p9uiLBhTcQHkDc/XpIP6JH3"
    "C0rKEAE7xSa726kOoAQlAn6yI1LC7lBPhkzxyxUobyaDTW4l2o6XYey3uJlEW9116XSWWt"
    "ks1qOWI5inp4U6PxvU04JFzJe0V2CMX/jrr3+0rHBz8hBNffDMSIkEX3OMgnXGvPFkGFZV"
    "f+sUA2DWqO5QiTDlF2GwMhqo7UNgWkn6Zm6tGFTZEww5CxTv7LnaUJ5gWLHRmQFxqeCAZz"
    "YdYfX6GsGVqaOXrkYGWP+e4v1ajmswftxmZFHtZpodVNGPyLBz4Q/qTVMkjcwFEIM6pRDw"
    "rWHWI3qPfh9Se5bCP1dV/ErCllk/EOG5NkgYg6VLeWl4IXvLdT+w9GUN1jZyDJ2A8m1Q5p"
    "oZdtZ1Bzq0p9y2rZQShytc5B5AiSlbWndSTOjMLxbGAE+JdR02e0UP6Zgbpq+crtZai2Ww"
    "xFZjCVNYfCJkK8FhOj2vBYfXST41mMfYcRtPKJsELx8CZXYGVDgn1gJTmi2e9iHn+ZUsbA"
    "MUboYhLaGYK5kywsd45WAcKHM0HmeTrj/va3LMcun3JfxrQ+/38fATcT7ScICVw/v9qTPu"
    "wcN/g5EMfkMTDGTo/IYmz9blwAn5Wp/PTGMIWwaaA3PSOgq+kGkRkMFh5pkx0Ea9iaIfq+"
    "ftLY/KiHDcJ0RthREhCGMv4oOKQpXZB8XFV8EmxK7mfMLf1RfIL9Ji2POD7blWcbDzk8TK"
    "V3Z9vueEBeVRbd42mh+UgpSTYFiZm3/oslv1vvFFbWMZDf9jl93VG7zCuvgfp2Quj+PWa3"
    "dLhlxEgQ+DlPd2RWldd8hU0ymcwcFJtkRDi+3KNE7h7blMS1FdZ4QdGwbih2iCaqvtqing"
    "RxNgo3xFi5jmee+m2pLgzyGu9kSJ4V4TfY7hyIsa0UaYJawRlGWt0UgIXLJtaGrGFKQek2"
    "oOlaY2CxgQ0UEES/Mo7mXOE7YSVyFCmbz9lMiM4YwbMKYU8KNhTC+S3vIkXGtjx2ErSpeZ"
    "0qErkIuX3k3Altnf18SDeeRbZ0pXHzRSrzJi8shPkShcZcHelgU7VHRnOwbsIyREXsN1dA"
    "2m260zONAW8FvCi9if5TypHdYtu5ngyYXLbibMBz1749t7k0FxJ7L6dxpsWKe2MZwoKf4V"
    "+aS2yq2iBX22Wpd0k7pUL8WcvqFJKNtQnlkJcEUBzACkzCbyNdM0rt6+zVN16u3b7KJT+C"
    "xmN4VNVQDDsvsJYvfHy8s8NunLyxXlRS8TV61YzE097bMz90MgG6Xslw3b+8hyL5BmsP3D"
    "7M//B9bAN3s="
)
