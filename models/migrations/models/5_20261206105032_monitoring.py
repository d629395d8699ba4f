"""Monitoring (docs/monitoring.md): reference profiles, production windows, monitoring policies, retraining
requests, and the audit actions of their changes.

``retraining_request`` carries the invariant "at most one open request per model" as the partial unique index
``uniq_retraining_request_open_model``. PostgreSQL also gets the new list of actions as the comment of
``audit_event.action`` (a VARCHAR(32) without a CHECK constraint, so the values need no other change); SQLite
cannot alter a comment, so its part was generated without that change. ``MODELS_STATE`` describes the models
with the new actions.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "monitoring_policy" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "environment" VARCHAR(64) NOT NULL,
    "thresholds" JSON NOT NULL /* The thresholds as ``models.monitoring.policy.Policy`` fields. */,
    "updated_at" TIMESTAMP NOT NULL,
    "updated_by" VARCHAR(128) NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_monitoring__model_i_cc78c7" UNIQUE ("model_id", "environment")
) /* Thresholds of one model in one environment; without a row the defaults apply (models/monitoring/policy.py). */;
CREATE TABLE IF NOT EXISTS "monitoring_window" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "environment" VARCHAR(64) NOT NULL,
    "key" VARCHAR(128) NOT NULL /* The caller's key for this window (default: its start and end): recording it again changes nothing. */,
    "content_hash" VARCHAR(64) NOT NULL /* sha256 of the recorded content: the same key with other content is a conflict. */,
    "window_start" TIMESTAMP NOT NULL,
    "window_end" TIMESTAMP NOT NULL,
    "row_count" BIGINT NOT NULL,
    "features" JSON NOT NULL /* Per feature: ``{"counts": [...], "missing": n}`` on the reference's bins. */,
    "predictions" JSON NOT NULL,
    "drift" JSON NOT NULL /* Per feature: the statistics and status (models/monitoring/verdicts.py), and the prediction's. */,
    "status" VARCHAR(24) NOT NULL /* OK: OK\nWARNING: WARNING\nDRIFT: DRIFT\nINSUFFICIENT_DATA: INSUFFICIENT_DATA */,
    "drifting_features" INT NOT NULL,
    "labeled_rows" BIGINT NOT NULL,
    "metrics" JSON NOT NULL /* Realized metrics on the labeled rows, by name. */,
    "performance" JSON NOT NULL /* Per metric: realized, registered, delta, degraded. */,
    "performance_status" VARCHAR(24) NOT NULL /* OK: OK\nDEGRADED: DEGRADED\nINSUFFICIENT_DATA: INSUFFICIENT_DATA */,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "deployment_id" BIGINT NOT NULL REFERENCES "deployment" ("id") ON DELETE RESTRICT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_monitoring__model_i_12c679" UNIQUE ("model_id", "environment", "key")
) /* One period of production traffic of a deployment, binned on its version's reference profile. */;
CREATE INDEX IF NOT EXISTS "idx_monitoring__deploym_afc580" ON "monitoring_window" ("deployment_id", "window_end", "id");
CREATE TABLE IF NOT EXISTS "reference_profile" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "row_count" BIGINT NOT NULL,
    "features" JSON NOT NULL,
    "predictions" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    "version_id" BIGINT NOT NULL UNIQUE REFERENCES "version" ("id") ON DELETE RESTRICT
) /* The training-data summary of a version that production windows are compared with. Immutable once set. */;
CREATE TABLE IF NOT EXISTS "retraining_request" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "state" VARCHAR(16) NOT NULL /* OPEN: OPEN\nACKNOWLEDGED: ACKNOWLEDGED\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED */,
    "trigger" VARCHAR(16) NOT NULL /* MANUAL: MANUAL\nDRIFT: DRIFT\nPERFORMANCE: PERFORMANCE */,
    "environment" VARCHAR(64),
    "reason" TEXT,
    "requested_at" TIMESTAMP NOT NULL,
    "requested_by" VARCHAR(128) NOT NULL,
    "acknowledged_at" TIMESTAMP,
    "acknowledged_by" VARCHAR(128),
    "closed_at" TIMESTAMP,
    "closed_by" VARCHAR(128),
    "close_reason" TEXT,
    "answered_by_id" BIGINT REFERENCES "version" ("id") ON DELETE RESTRICT /* COMPLETED: the version that answered the request. */,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    "window_id" BIGINT REFERENCES "monitoring_window" ("id") ON DELETE RESTRICT /* The window whose verdict opened it (policy-opened requests only). */
) /* A request to retrain a model. At most one per model is open (OPEN or ACKNOWLEDGED), enforced by an index. */;
CREATE UNIQUE INDEX IF NOT EXISTS "uniq_retraining_request_open_model" ON "retraining_request" ("model_id") WHERE state IN ('OPEN', 'ACKNOWLEDGED');
CREATE INDEX IF NOT EXISTS "idx_retraining__model_i_340a5a" ON "retraining_request" ("model_id", "requested_at", "id");
CREATE INDEX IF NOT EXISTS "idx_retraining__state_e534d7" ON "retraining_request" ("state", "requested_at", "id");
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "monitoring_policy" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "environment" VARCHAR(64) NOT NULL,
    "thresholds" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "updated_by" VARCHAR(128) NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_monitoring__model_i_cc78c7" UNIQUE ("model_id", "environment")
);
COMMENT ON COLUMN "monitoring_policy"."thresholds" IS 'The thresholds as ``models.monitoring.policy.Policy`` fields.';
COMMENT ON TABLE "monitoring_policy" IS 'Thresholds of one model in one environment; without a row the defaults apply (models/monitoring/policy.py).';
CREATE TABLE IF NOT EXISTS "monitoring_window" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "environment" VARCHAR(64) NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "content_hash" VARCHAR(64) NOT NULL,
    "window_start" TIMESTAMPTZ NOT NULL,
    "window_end" TIMESTAMPTZ NOT NULL,
    "row_count" BIGINT NOT NULL,
    "features" JSONB NOT NULL,
    "predictions" JSONB NOT NULL,
    "drift" JSONB NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "drifting_features" INT NOT NULL,
    "labeled_rows" BIGINT NOT NULL,
    "metrics" JSONB NOT NULL,
    "performance" JSONB NOT NULL,
    "performance_status" VARCHAR(24) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "deployment_id" BIGINT NOT NULL REFERENCES "deployment" ("id") ON DELETE RESTRICT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_monitoring__model_i_12c679" UNIQUE ("model_id", "environment", "key")
);
CREATE INDEX IF NOT EXISTS "idx_monitoring__deploym_afc580" ON "monitoring_window" ("deployment_id", "window_end", "id");
COMMENT ON COLUMN "monitoring_window"."key" IS 'The caller''s key for this window (default: its start and end): recording it again changes nothing.';
COMMENT ON COLUMN "monitoring_window"."content_hash" IS 'sha256 of the recorded content: the same key with other content is a conflict.';
COMMENT ON COLUMN "monitoring_window"."features" IS 'Per feature: ``{\"counts\": [...], \"missing\": n}`` on the reference''s bins.';
COMMENT ON COLUMN "monitoring_window"."drift" IS 'Per feature: the statistics and status (models/monitoring/verdicts.py), and the prediction''s.';
COMMENT ON COLUMN "monitoring_window"."status" IS 'OK: OK\nWARNING: WARNING\nDRIFT: DRIFT\nINSUFFICIENT_DATA: INSUFFICIENT_DATA';
COMMENT ON COLUMN "monitoring_window"."metrics" IS 'Realized metrics on the labeled rows, by name.';
COMMENT ON COLUMN "monitoring_window"."performance" IS 'Per metric: realized, registered, delta, degraded.';
COMMENT ON COLUMN "monitoring_window"."performance_status" IS 'OK: OK\nDEGRADED: DEGRADED\nINSUFFICIENT_DATA: INSUFFICIENT_DATA';
COMMENT ON TABLE "monitoring_window" IS 'One period of production traffic of a deployment, binned on its version''s reference profile.';
CREATE TABLE IF NOT EXISTS "reference_profile" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "row_count" BIGINT NOT NULL,
    "features" JSONB NOT NULL,
    "predictions" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    "version_id" BIGINT NOT NULL UNIQUE REFERENCES "version" ("id") ON DELETE RESTRICT
);
COMMENT ON TABLE "reference_profile" IS 'The training-data summary of a version that production windows are compared with. Immutable once set.';
CREATE TABLE IF NOT EXISTS "retraining_request" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "state" VARCHAR(16) NOT NULL,
    "trigger" VARCHAR(16) NOT NULL,
    "environment" VARCHAR(64),
    "reason" TEXT,
    "requested_at" TIMESTAMPTZ NOT NULL,
    "requested_by" VARCHAR(128) NOT NULL,
    "acknowledged_at" TIMESTAMPTZ,
    "acknowledged_by" VARCHAR(128),
    "closed_at" TIMESTAMPTZ,
    "closed_by" VARCHAR(128),
    "close_reason" TEXT,
    "answered_by_id" BIGINT REFERENCES "version" ("id") ON DELETE RESTRICT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    "window_id" BIGINT REFERENCES "monitoring_window" ("id") ON DELETE RESTRICT
);
CREATE UNIQUE INDEX IF NOT EXISTS "uniq_retraining_request_open_model" ON "retraining_request" ("model_id") WHERE state IN ('OPEN', 'ACKNOWLEDGED');
CREATE INDEX IF NOT EXISTS "idx_retraining__model_i_340a5a" ON "retraining_request" ("model_id", "requested_at", "id");
CREATE INDEX IF NOT EXISTS "idx_retraining__state_e534d7" ON "retraining_request" ("state", "requested_at", "id");
COMMENT ON COLUMN "retraining_request"."state" IS 'OPEN: OPEN\nACKNOWLEDGED: ACKNOWLEDGED\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED';
COMMENT ON COLUMN "retraining_request"."trigger" IS 'MANUAL: MANUAL\nDRIFT: DRIFT\nPERFORMANCE: PERFORMANCE';
COMMENT ON COLUMN "retraining_request"."answered_by_id" IS 'COMPLETED: the version that answered the request.';
COMMENT ON COLUMN "retraining_request"."window_id" IS 'The window whose verdict opened it (policy-opened requests only).';
COMMENT ON TABLE "retraining_request" IS 'A request to retrain a model. At most one per model is open (OPEN or ACKNOWLEDGED), enforced by an index.';
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED\nREFERENCE_PROFILE_SET: REFERENCE_PROFILE_SET\nMONITORING_POLICY_SET: MONITORING_POLICY_SET\nDRIFT_STATUS_CHANGED: DRIFT_STATUS_CHANGED\nPERFORMANCE_STATUS_CHANGED: PERFORMANCE_STATUS_CHANGED\nRETRAINING_REQUESTED: RETRAINING_REQUESTED\nRETRAINING_ACKNOWLEDGED: RETRAINING_ACKNOWLEDGED\nRETRAINING_COMPLETED: RETRAINING_COMPLETED\nRETRAINING_CANCELLED: RETRAINING_CANCELLED';
"""

DOWNGRADE_SQLITE = """
DROP TABLE IF EXISTS "retraining_request";
DROP TABLE IF EXISTS "monitoring_window";
DROP TABLE IF EXISTS "reference_profile";
DROP TABLE IF EXISTS "monitoring_policy";
"""

DOWNGRADE_POSTGRES = """
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK\nENVIRONMENT_PROTECTED: ENVIRONMENT_PROTECTED\nENVIRONMENT_UNPROTECTED: ENVIRONMENT_UNPROTECTED\nTOKEN_CREATED: TOKEN_CREATED\nTOKEN_REVOKED: TOKEN_REVOKED';
DROP TABLE IF EXISTS "retraining_request";
DROP TABLE IF EXISTS "monitoring_window";
DROP TABLE IF EXISTS "reference_profile";
DROP TABLE IF EXISTS "monitoring_policy";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else DOWNGRADE_SQLITE


MODELS_STATE = (
    "eJztPWl32ziSfwWPX+LsU9xu5xz37r6ntum0NrbkVZSke0bzKFqEJa4pUM3DjqYn/32rAN"
    "6HTEqURMn8YosgCgCrcNSNv6SZqVHDPm7P9YF5T5l0Rv6SmDqj8CP1rkUkdT4P32CBo94a"
    "vLI61xUnqHZrO5Y6duDFnWrYFIo0ao8tfe7oJnYitRlp33QIhzgmPWYsiDOlxJ6qp2/fEf"
    "NOPNGxRR2i28R2TItqvyRLp+YjIyYbU6I6BEpVbP4YR6CZYxiCzibb6Mxl+p8uhc+fUICx"
    "oMt//BOKdabR79T2H+f3yp1ODS2GY13DBni54izmvOxXfdJhziWvi59yq4xNw52xsP584U"
    "xNFgDozMHSCWXUUh2KPTiWi1hnrmF4FPIJIQYbVhGjjMBo9E51DaQdQosBhGWSonR7A+Wz"
    "PFAUKUVXHyKCfa9obDKcEzBUmyNggkN49bfT09ev35+evH734e2b9+/ffjj5AHX5eNOv3v"
    "8QgwmxJZriOOt87HQHOCATJp6Ykljwg8OojiqgODFC7PP/KfyfT1UrG/t+/QT+4cOS+Pex"
    "XV8CzNTvikHZxJnC48+nH5Yg92u7f/5bu38EtV7GUdz1Xp2Kd4jtELuWaeRgV2bujGO4A2"
    "NSYUmlMO3DVoNpvyBEdbgtrY5rqS+3L+T+GYG9QKPWkH3rdwb4/GjpDj5fyDdXvT+wRKNz"
    "w1xgWfviutM9I6o201lyoypEqXdFCPUun07vkmQSW5wyVe1pmbWQADu4JfHuTQFEv3uTi2"
    "h8FUc0PzWVuerA5GB2Gtf/87nXzcZ1GjKBbk0fO+TfxNDt1EmQgXYPqZteHtc46lf49cQf"
    "OjkajcZT12Kv/mM0eslPWH4q4wFr6DNYNhoU/MJ7OyP0gVoLwj8+fahX3npiNiyhPhIKIW"
    "a2/acRpfrRdfv35IQ4v+r9yilm2s7E4q3wBn5NzA7KHnTLZDOK/ZeYG0m4fZgZcmTMETLN"
    "1IW3U6bIFPnK9FRYv7kd055zk1RTVCdN+Qt44+gzmk39OGSS9h7osf+jPmdn4U15CSkGnW"
    "v586B9fROjx0V7IOObU166SJQeJU/GoBHyrTP4jeAj+XuvKyfJFtQb/F3CMamuYyrMfFRU"
    "LYoTv9gvipHZUG1Hce2VCJ2ErYDU21nsz5LSFn2ALWgVOschGyrXmcr0+1yH5lagchxyb6"
    "gsXVrmDE5Y4KdmJh6ekdMWMDWFEn0Mg7QJM6EWm/inru4Qhicv8T48fYZX2vKBzTnUHt3d"
    "RzQYWHCrju8fVUtTUm/MUzOvbvrV7HSWLFGZOuFTBjGM4/QVgZaj3wmtXlpJ6L9rLVUSRm"
    "s9rSMkQEcHKP8K8AMohMOP3Brm7TEZwNy4XeBsMPQHSnTGZ4vfulDgERemvoUvdMtT9WVo"
    "BjfSxRr6QNFKKTk8gGhE8BwRPF8BaOv/ogonczk1bBzuaXXsHjDa29TINpLPM+OUfGLdLs"
    "psbXGoOquCd612L8EhhEQBrsmG4WdtfR7k5ac+NbidK4MA3snP9XBfRVO1YVTLLrKw1Bvi"
    "j40yUq6mO/IDZdmsVPh2OTOF9RQaVCxic4XWKNNemWgCtejYtDQ0f5qMAkMDNCPjqcomAI"
    "oWDAcVp4LtEcUvbIImUOiF2dBRnql1E308zVH9JYXI9/TlwlYKf7EqiAfI3/H57kF7ePcm"
    "hj+tJV4ZBsAf+C6Watm3A1bbNnyvaW2kWW9pVtyuUz1iBclgKuhMsemfT3TAp4USWQeKaI"
    "XDS4W7Xr07i050mPuLsj0GH/tEh7r2Pdafy2yqGlTL7Yl8+03uywSNcuS/yIsX0o/G86CW"
    "ngfholzFOh5C15kpkq57F/KVct6XgQW9OCOxxyETj19uLqJvvcch+yr3P3d6XaUvf+x8Hs"
    "CkhirpsrAeMkSdr9FafsmQ3fR71z3eif8LbfNekfdjyPq9qyv5Qvm1ff7pjEQehkzufu30"
    "e91ruTtQoIWBfM4hM4vjtb90c+pHXgzZoPdJ7oZ4ij36b/vyV/gfvPUeYdTyJSCiey7jEC"
    "47VzJSA8afVYw473YGvX6n+1G56V11zv8QtTOLAUf9ziVQd9AefPmsAL/Z/cgRllEKOJb7"
    "l73+dRu7TELkv8PxD/rtThe77sv/+wUkDYTIKo3VBbp0e9+ARB8T1aMvYhDnveubKznZel"
    "Aar4tDxQkQr+uXJrmeIqz+69MCnP7r01xGH1/FReeAXSgqTgUAdd40di1JxTBcWinRKCP2"
    "QBkR5+GLrp44VJ2XkPSJzh1yS21do1y0ujMtqk8YuacLYpu8aKqjBnvBXdeEz4SNnjTIZp"
    "JHHb7NFRaY/zP1DClvEx1sf3lHnEDKTIQE2EozoWZakE17vsEksLO43QEILnlmcB/iEPC7"
    "bPeUfx/ENs6UP1GweV71uh/96kknoyS+4bNtR8mS8fIndhzqEPC+hU1Eo46qG6U89iIgaz"
    "nrrXScSP955zIuPpJbVzccndnH2O1/S9uf+5vxpQu0OSmSLFNvxMC2Z9A7KXm035i2zokX"
    "ak111iJ36D3xMzk6IVztCucxURk/bJ1Az3pL8ZgOoQj9DvOMai3iMkc3iFAtvUyf9lvqsx"
    "b2yLlFH3TTtUu7w6cAt8chSiWXrjQa4SBHIz/0SdAsoJVuc219lNq/EDqbO4LInOHTLTvD"
    "EbfKhrfMopSl9x6Q2YtvO5rS7y8FRYAAnCQvbDJWmcn0sWr4HjAtMvfXuco0MhrFZvRolK"
    "b2BtrfSURGWU14FGqlk6JuXNJud1rPDF2aDDkNNBRZlSKrEqLB/+r4TzluJDanNCUuha7l"
    "E12kbETZDhp9bqSkFtWu/Rb3ixp5PhpQbKmPgWkzti8DGuCBOhwRffnzoN85H0hZ070CDB"
    "+mC0wSvfFlXgDByQ26wXRBTOecbDko340z+AUPrJvl+DBF3raW+TBp8XoFXMI9lJC5oY6p"
    "BrKEY3KxM1TK/kLQPP5AyeNUNygwmhZ1dIt7ioJkAiwqfkmWK3iVTa/hsBTVLxdxSAlxqI"
    "jReV4wCT11eTecRANeDLvvcbsJvyrR70Y7ii+paFfrdNJ42dTSy2aHFp66GXA3LUonFm0Z"
    "o3kCtLGe19p6HlCrnC9/AuwA19Rmcug0ltMtW059hq7sLhaH3JuQ3me5h/m0KreFxaEOYX"
    "VtZQMTSFtlI0tCHgLKt72h7cjEUbuj+rlp1J8vAWqpUq8bOQ5Np76v+F1Twxud2kx3TByT"
    "8gjfbD6uHdbrt/eNN3dANNhobG8kF92NZTp07I06pSLPrthapi2P6KWUeRzmSc055jOxXI"
    "Pa6KmhEg+calH1NjkSnf4UzSn4E4c6ni9eHpMvzO+WTYiYqcK32zIf0xr17XTZJF+u8Vnc"
    "2hPl7AEmvYl7gwtJap2EzMlGaiyMVZ6YWYI9aAa7UAt2HcPAg4L7sGkUCwnsOpQwChub6h"
    "ADpFVHuMIhpkSaMnJP6VxsW67tqkbQbYHIl8rzPfPNNT0N8v3VA4D99VaX+vANRNDTJrcL"
    "cg+9tnxPVHvBHPU7/3l+1SGOeg9nzBMHU2qKbKSHHfvSN9rn7SprmmxYK5Fi39TPTTas7e"
    "mf3bm24pKKQzZLqtZLyidWuSUVh2qWVCUJ5japXekAyz0HnpuNF32eWkzK0KykK7WWaVX0"
    "sLpihfULaVR4uBKIGTbQUGg5Zq7DNWvE5nFwujNFH8JIHxgk34I/c4cHPVkgCaiLjITI1T"
    "efoSn5B0g2Ohvrc5UrsQFW+ucyP8UIm9G4yx2cRiY2F4oHPkaAmi20GFeCC60Ejr3qDXaL"
    "YdecI0Jy86tl4zgGdICYrj4BlZ8vomzobBKuzsiW4pdEBpOE8IunUAmoO9FgV53NXecMDm"
    "px8MJ5DQf4THXGU7ypgH4HjsJY5IbSVt/L1lXNyKqUUi4GEHusXexodhDyzhzd0T0bleDf"
    "gGIGUMpxLYaZDygz3cmUOCaUYbeCuHN1YZiqlp4aFbe96+wcjYbrUMXxmoiI1xTQPJYy5E"
    "LvzVJhcBbWeVIA7DFKRH0/wbXnzcHV/rjwMJW1ZT5iTjQQKymSn+/md7DZiKfbBQp1ohHX"
    "plyYw+mX3gc23lumeBhx6OHYXCodRp2F/ER5D6oBi6sRFg9OWNzt3cm1Yq03IsSIhZNC8C"
    "Wc5Hleoz5EAsV3CLKHSF6C04vel1+vZHLTl887mOw5fgLyl1gEBbrvTNe+elae0dIF8ILW"
    "TAX+mWoiVxdyjX6MM5wRw+ACEDxQ+HeRa3Fy4C1YC/+g+H0okSBzEwyRWHhRQ+qA2v1e1f"
    "hd19XvunELrs4t+Lz9+bx9IUvpvawC9NbWsX3r29lWOqzaKT+YGzsSvfDfQJ1IWcKX/265"
    "+MW/zPGqPSWB5S+7TFkmWCRPmrk8fXsju+zxcbRMdmnMLzuQXPLxmye4HASGT06LaNmxWj"
    "6O+cvnJL3UcD9pwgq3EVZYBw7GFy/yuJiI+JHPyUREnmKaZH2Gvj0ATaxgGvjs5jHpYYrt"
    "0QhvUHTt0YjwK8/FlYk2OcJ4hz/Q6uPfeZXhn76hPpZzWsyd3UJhYa1x3MizwRRjwBnY1A"
    "kyEzY83l7uyct4PG/qpSiQi/4Q4JBOxtOf37x/8+H1uzcB8oOSZThP69TEtpDN1j0dPhZC"
    "bzFhOt+ypHL4FUB47xv8G7LwWkH/V0G954aDuKKDTpEkPzwnAdbE6JSP0ZlCF9ZcteARzs"
    "9SgXQZoPvr9FIFgTbiYnIHLIRrUX5VWynypADrQRzs72CI4yn4EKOZJ8kysdWHOoRdK34+"
    "nL4tckBArdwTgr9LrAPcZx5N674MpmNADaILITopTJRAdwZog/RCSOe9YbYbzRW+sopNYR"
    "Raxo6/xGViaSsrulHUjBYb9qJQLUe/U8eOcofWslKZPDJAD2/yV+9237jQrjLX98KFtgkS"
    "343FKtiJyl2YmgA7vM3rYG5cq92cbsxWdSLH2mar7GyY/v5QAY7bkab2a0cpitvEZrpGKk"
    "zV1XRH4RdR2opqK/51Shl7TomEmG1sVX6g+3ifXR4N4rM1grYGVUtRFV65tCam4vdkHciu"
    "GT/wuRPkuslog6isQ0SRyuxHKjLdB/oIL0Z6Tbz1gwb7or3arEfpvHd9cyUP0LIW9at1pq"
    "pDfISIPK9i5AXjDQoh3FEnayLWcwHx/FkPZVKW8qyJBn3fAbWAfcGkxHd6Vo5RH7c9Rgcm"
    "/Ckydb1Gb8I2azFzq0FzKZ8kPxP3jWno44WU6ZeUqNNa7mUd5Aqfh9ULJDyyqD01DRGQjv"
    "7swuldZ/whdk8iZiYyXQdTFJiPfB17+LUJjMtYBMkvw7H8JMaSnV1zy30v92qK3dCYcG1q"
    "vIFq6Q1Up2TTu9Y9bFjF4wRLtYzxPQ5VD8v7SrlAMG9b+DFEtclo5O3S4X5z7O03YrcejY"
    "iYs9lZ4NZqbcf2/ib95lP8wUEYK5r0m9szVjQq9EaFXj9yVKhC31XoR+LCo6ViVngpUiEx"
    "6zGsXigYZE4t3dRQ1AGRWnMFXwJwd3ci/Y9KQhVki9zqjFGoLdIAeaqUFzYJBHPiCebZUS"
    "Gb6mzIhgz5F/T9htmtj22ejghAkLGCB4uSsTmbu3gn0OOUiqsSBKowYlok48W0Zi7MaYu/"
    "FZwO/sTURZjidgwohGaHDHPeiis/eOIjvyHGw1iwLd4TT542OyZXsLQILCYgGhHnEHJWQl"
    "k5GrXggb/kF548YjQMDh1AhwzQxR1W8FO9bwFsePn2iguOrQJxyCHevRUjvkmhjD+tGR/T"
    "iKqNqFrvQ2XTourhxYFzgRGTQlIL9mQYMM8Czq8j8vbDI6+pM75/w95sOXxvgz3l5Zm35+"
    "IGqkPxBCgRRAAyE5oBYTNTRt18l9tntKFHB7fesvltk3C1ni/xzLP+kUu8bxDGGRuz0CJh"
    "eb55Ew82vwKe0yo+3MG5nDbSbKD5LW8R3onLJ21ZFUYStlFi1FqJEWeuViC0B9mQudZkBn"
    "4eSOdmcVfLmNwYWKNBKcnupsLzVonM23fTwA0cbN6nnIGA+ddQ4hPKHqIAcHx8DALZUJrp"
    "IMqxCZaxHyB3msw7Oj3xGnisWxxB6qitvPUdmw5AqEUsc7G2xFxJgO3vdKltDKdm6Xelcv"
    "wHAPtLjPjqctJaLZHgIMu1wNd3oXNBy1cjkXCavnhqLW+itx1Pof1LJrGCaNX7dEZ6n4bs"
    "W7vf7XQ/nhHvx5Bd9DuXgzPC/w1Zp/v5y+Vl57wjdwcKsEjtM5IqSs6QQnGXRYShJWnH0k"
    "nH+EJGfXb+IZ7LP2XCbo+POtksE1VZmpWo1rkcg5qEPBjcbplBzfVYzj/gIiB7fMT1qWro"
    "/6Kal7jW9plDb2KhN53dwsS2iKmMC7BLg++awQwNOaUYzDhYPQi+SpIQzmUIYnG7GadeK5"
    "IarkWAu3BU/DexVI1m3E60WhP1IbyyHieS3dJecCUX8sd++wL97/1f+8SJNEHwuag/JF1d"
    "EwTf3JReA+wf0pJK+ZQUlzBSoI0afHUpo/Hi3C7yl3hxarEo3DVdOQ8ypLeV8OJM7QQFsi"
    "E0vrJb9ZWNxmc+n7DiQehB+jg17YiH5pyi26rukCPhQ/rKK/FRwn0405GHmwyhLemhnAqJ"
    "zfBQzgqbzfdQzozcLRIISok/A16hHyOx3dlMtRbCWzgWyx1xKRZ0Cf1+VQzxRp+fY9IJEt"
    "Ob6FZr0wxXoq30ij7Lo5GvovbcfkejiFERyjAWS0Stq4bOWV9vKHg3c1ZwqUAut8mccftq"
    "iwjbbGvIPIusX0D+dFXmYO0WmVGV+eYepsH8IRp90PnibBH0sTPnZAzdT0zeM9YcStx/ai"
    "jleSM34ap1YUhaJN8HuPFRaXxUmsTRjTfIHhCm0cSuQoq9Uxs1mtgmwvdZnP11ujv6mXDC"
    "TYB1XZRGafVFgUu8/aReBUmx7hXeO10URamw5ALvHDqsqRqKT+9MzVBqBTxxD3MxZVCb+/"
    "NoIh+XcFYFUjkkuBwbFS+R6wZFLDfqKoQS2btdO63vqbLhpxUhsbjrTV5DGDeWNiHc+3po"
    "tZaob/j/EmyyX78aBnm3BNg8e9zcfberu+8aWX8lUjSyfiPrN15Xz3pJ+fJAjlHnSa3CDq"
    "w6JaM6pK8+X+4lXPIZ82PSNmyT8++qYZhj1TEtNNn6Bltx77J9FoDwVCAMthOeYB9N9py1"
    "TwkIm+5wyLAJLn5gfivzkUBj9y0CbXtNcBFEowwxh4ktUAxBAcTPOeXa2Q7vVQQNpZQmRV"
    "xBmjsepCVCfI6fZHPHw3O840G6oAxDOwzd9jQJsYsKYBMYSoEqAnYXkY/8OtgHbhdeYAz5"
    "fShhHhvMU86HSCzMblSvCw24TujArjPIOH+rwNIaqst9wFTycgA9yw2iHNLSdxMcOOI8n7"
    "Oq8BYmGz1EvKWcENf2Ti19c8ie4q0Gbr17g7nNOuYmEZdpf8nA7jLX3CR1i5pjvOrEMYnX"
    "CFEFdwKCkQO/bIfzInMM3RWXqNjcPZoc9W7kLjqWts8/dXvfruSLj/LFyxahjOfZ5TyNyg"
    "QTk2Wv2WLPJQ06gVF0ubGFN5txDZeCg1QCo1gxQ0/UEOu1syGTEkYe0w1001iXamldCsi9"
    "SsR6ALw9Ba2Ei1sqRxIOc0bw75BFN4Wz2BYxZJF75IKfUNrunstXV7zU/1lM3kqofN8V0f"
    "gmFYsRhe+71O04lj6ZCGXWKuSLgNdZwy5dt7tf2ldnRPxPZjy6kfuXvf41UuaMRB7qQaId"
    "JuCumaJs08l1Lara5Yy4IcQh4Hfb9tskf1DG3JSEbQxOtTY4heQqZ8VNwtX5lKmTHRcESS"
    "CFQbXJSqsrA7yCBbZH292+ra8YwcotsQzQQzjMtnEjg2Haq7kfRQGbhVXnheWRqqTvURSo"
    "WUzFF5NSngVPwh0CurfNiPs33MOMLR1olIZdySdoSwk5IvqZqPmcZ2nwv8RLQc8Zz4Jm8S"
    "Zp0y43p50g37tkpSz2Y2B1XilbSl3ThPXVai1VGNaXXiwVYHgFL4R9XS/VtLgifWPbVAEC"
    "R7iASqhcyrFpX3iH1VpYkYJpvqxW9xt71EUfvwzvhMjb1jK3BN8f3fEqPuWPkL8PZt6UG4"
    "kxzroctzFI19IgfXjXqNZJTn9QDbdUNGkAcIgYPimUSx6r5eP4JJ1Pvk5ZP3aN8DoICLnJ"
    "JjbN2tSNGhUknDhvfz5vX8i7Yjza1NLH0yymw3uzlOFQwzqV8hrrcBbPha1Y81KrfIYhd3"
    "UvOdRCkAM81k7fvi1wqkGt/CtS8F1CyQyLqgSGveoHiN2fT04K8QwnS1iGk5zb4dMYzk9G"
    "GQHZfiLK3VhPKks5WSLctfrD7Mf/A1umB5g="
)
