"""The first schema of modelreg.

aerich writes migrations in the SQL of the database it diffed against, so each migration here carries
the statements for both backends and picks by the connection's dialect. To add one: change
``models/entities.py``, run ``aerich migrate`` against a SQLite and a PostgreSQL database, and merge the
two generated files into one in this shape (docs/architecture.md, "Migrations").
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE "api_token" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(128) NOT NULL UNIQUE,
    "role" VARCHAR(16) NOT NULL /* READER: reader\nWRITER: writer\nDEPLOYER: deployer\nADMIN: admin */,
    "secret_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "last_used_at" TIMESTAMP,
    "revoked_at" TIMESTAMP
) /* An API token. Only the sha256 of the secret is stored; the secret is shown once at creation. */;
CREATE TABLE "artifact" (
    "sha256" VARCHAR(64) NOT NULL PRIMARY KEY,
    "size_bytes" BIGINT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL
) /* A content-addressed blob. The bytes live in the artifact store under their sha256. */;
CREATE TABLE "idempotency_record" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "principal" VARCHAR(128) NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "operation" VARCHAR(32) NOT NULL,
    "request_hash" VARCHAR(64) NOT NULL /* sha256 of the operation name and its canonical input: a replay must match it exactly. */,
    "result" JSON NOT NULL /* Ids of the entities the first call returned, enough to rebuild its payload. */,
    "created_at" TIMESTAMP NOT NULL,
    CONSTRAINT "uid_idempotency_princip_0786b2" UNIQUE ("principal", "key")
) /* The first result of a mutation sent with an idempotency key, kept for replays. */;
CREATE INDEX "idx_idempotency_created_9a043f" ON "idempotency_record" ("created_at");
CREATE TABLE "model" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(128) NOT NULL UNIQUE,
    "description" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "version_count" INT NOT NULL /* Versions ever registered. Also the allocator of version numbers: registering increments it under */
) /* A named model: the unit versions are registered under and deployed from. */;
CREATE INDEX "idx_model_created_0e4a8c" ON "model" ("created_at", "id");
CREATE INDEX "idx_model_updated_b5b1e6" ON "model" ("updated_at", "id");
CREATE TABLE "model_tag" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "value" VARCHAR(1024) NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_model_tag_model_i_e308a4" UNIQUE ("model_id", "key")
);
CREATE INDEX "idx_model_tag_key_fc5e32" ON "model_tag" ("key", "value");
CREATE TABLE "version" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "number" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL /* READY: READY\nARCHIVED: ARCHIVED */,
    "description" TEXT,
    "hyperparameters" JSON NOT NULL,
    "feature_names" JSON NOT NULL,
    "model_type" VARCHAR(256),
    "framework" VARCHAR(256),
    "dataset_version" VARCHAR(256),
    "training_duration_seconds" REAL,
    "artifact_format" VARCHAR(32),
    "created_at" TIMESTAMP NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "artifact_id" VARCHAR(64) REFERENCES "artifact" ("sha256") ON DELETE RESTRICT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_version_model_i_7bcb74" UNIQUE ("model_id", "number")
) /* One immutable registered version. Only ``status`` ever changes (READY to ARCHIVED). */;
CREATE INDEX "idx_version_model_i_66865b" ON "version" ("model_id", "created_at", "id");
CREATE INDEX "idx_version_model_i_aa4b8b" ON "version" ("model_id", "dataset_version");
CREATE TABLE "audit_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "action" VARCHAR(32) NOT NULL /* MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK */,
    "actor" VARCHAR(128) NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "model_name" VARCHAR(128) NOT NULL /* Kept beside the foreign key so the history reads the same even without the join. */,
    "environment" VARCHAR(64),
    "reason" TEXT,
    "request_id" VARCHAR(128),
    "details" JSON NOT NULL,
    "model_id" BIGINT REFERENCES "model" ("id") ON DELETE RESTRICT,
    "previous_version_id" BIGINT REFERENCES "version" ("id") ON DELETE RESTRICT,
    "version_id" BIGINT REFERENCES "version" ("id") ON DELETE RESTRICT
) /* An append-only record of one state change, written in the change's own transaction. */;
CREATE INDEX "idx_audit_event_model_i_1a5790" ON "audit_event" ("model_id", "id");
CREATE INDEX "idx_audit_event_model_n_c9ac71" ON "audit_event" ("model_name", "id");
CREATE INDEX "idx_audit_event_actor_5deb69" ON "audit_event" ("actor", "id");
CREATE INDEX "idx_audit_event_action_ed6e8c" ON "audit_event" ("action", "id");
CREATE INDEX "idx_audit_event_at_500752" ON "audit_event" ("at");
CREATE TABLE "deployment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "environment" VARCHAR(64) NOT NULL,
    "deployed_at" TIMESTAMP NOT NULL,
    "deployed_by" VARCHAR(128) NOT NULL,
    "reason" TEXT,
    "retired_at" TIMESTAMP,
    "retired_by" VARCHAR(128),
    "retired_reason" TEXT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    "version_id" BIGINT NOT NULL REFERENCES "version" ("id") ON DELETE RESTRICT
) /* A version placed into an environment; active while ``retired_at`` is null. */;
CREATE UNIQUE INDEX "uniq_deployment_active_model_environment" ON "deployment" ("model_id", "environment") WHERE retired_at IS NULL;
CREATE INDEX "idx_deployment_model_i_014398" ON "deployment" ("model_id", "environment", "deployed_at", "id");
CREATE INDEX "idx_deployment_model_i_6ef1c1" ON "deployment" ("model_id", "deployed_at", "id");
CREATE INDEX "idx_deployment_version_15719d" ON "deployment" ("version_id", "deployed_at");
CREATE TABLE "metric" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "value" REAL NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE CASCADE /* Denormalised from the version so "versions of model M ordered by metric X" is one index range. */,
    "version_id" BIGINT NOT NULL REFERENCES "version" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_metric_version_8f8a9c" UNIQUE ("version_id", "name")
) /* One metric of one version, in its own row so ordering and filtering by a metric use an index. */;
CREATE INDEX "idx_metric_model_i_931e58" ON "metric" ("model_id", "name", "value");
CREATE TABLE "version_tag" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "value" VARCHAR(1024) NOT NULL,
    "version_id" BIGINT NOT NULL REFERENCES "version" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_version_tag_version_0269fc" UNIQUE ("version_id", "key")
);
CREATE TABLE "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);
"""

POSTGRES = """
CREATE TABLE "api_token" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(128) NOT NULL UNIQUE,
    "role" VARCHAR(16) NOT NULL,
    "secret_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "last_used_at" TIMESTAMPTZ,
    "revoked_at" TIMESTAMPTZ
);
COMMENT ON COLUMN "api_token"."role" IS 'READER: reader\nWRITER: writer\nDEPLOYER: deployer\nADMIN: admin';
COMMENT ON TABLE "api_token" IS 'An API token. Only the sha256 of the secret is stored; the secret is shown once at creation.';
CREATE TABLE "artifact" (
    "sha256" VARCHAR(64) NOT NULL PRIMARY KEY,
    "size_bytes" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL
);
COMMENT ON TABLE "artifact" IS 'A content-addressed blob. The bytes live in the artifact store under their sha256.';
CREATE TABLE "idempotency_record" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "principal" VARCHAR(128) NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "operation" VARCHAR(32) NOT NULL,
    "request_hash" VARCHAR(64) NOT NULL,
    "result" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_idempotency_princip_0786b2" UNIQUE ("principal", "key")
);
CREATE INDEX "idx_idempotency_created_9a043f" ON "idempotency_record" ("created_at");
COMMENT ON COLUMN "idempotency_record"."request_hash" IS 'sha256 of the operation name and its canonical input: a replay must match it exactly.';
COMMENT ON COLUMN "idempotency_record"."result" IS 'Ids of the entities the first call returned, enough to rebuild its payload.';
COMMENT ON TABLE "idempotency_record" IS 'The first result of a mutation sent with an idempotency key, kept for replays.';
CREATE TABLE "model" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(128) NOT NULL UNIQUE,
    "description" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "version_count" INT NOT NULL
);
CREATE INDEX "idx_model_created_0e4a8c" ON "model" ("created_at", "id");
CREATE INDEX "idx_model_updated_b5b1e6" ON "model" ("updated_at", "id");
COMMENT ON COLUMN "model"."version_count" IS 'Versions ever registered. Also the allocator of version numbers: registering increments it under';
COMMENT ON TABLE "model" IS 'A named model: the unit versions are registered under and deployed from.';
CREATE TABLE "model_tag" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "key" VARCHAR(128) NOT NULL,
    "value" VARCHAR(1024) NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_model_tag_model_i_e308a4" UNIQUE ("model_id", "key")
);
CREATE INDEX "idx_model_tag_key_fc5e32" ON "model_tag" ("key", "value");
CREATE TABLE "version" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "number" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "description" TEXT,
    "hyperparameters" JSONB NOT NULL,
    "feature_names" JSONB NOT NULL,
    "model_type" VARCHAR(256),
    "framework" VARCHAR(256),
    "dataset_version" VARCHAR(256),
    "training_duration_seconds" DOUBLE PRECISION,
    "artifact_format" VARCHAR(32),
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by" VARCHAR(128) NOT NULL,
    "artifact_id" VARCHAR(64) REFERENCES "artifact" ("sha256") ON DELETE RESTRICT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_version_model_i_7bcb74" UNIQUE ("model_id", "number")
);
CREATE INDEX "idx_version_model_i_66865b" ON "version" ("model_id", "created_at", "id");
CREATE INDEX "idx_version_model_i_aa4b8b" ON "version" ("model_id", "dataset_version");
COMMENT ON COLUMN "version"."status" IS 'READY: READY\nARCHIVED: ARCHIVED';
COMMENT ON TABLE "version" IS 'One immutable registered version. Only ``status`` ever changes (READY to ARCHIVED).';
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "action" VARCHAR(32) NOT NULL,
    "actor" VARCHAR(128) NOT NULL,
    "at" TIMESTAMPTZ NOT NULL,
    "model_name" VARCHAR(128) NOT NULL,
    "environment" VARCHAR(64),
    "reason" TEXT,
    "request_id" VARCHAR(128),
    "details" JSONB NOT NULL,
    "model_id" BIGINT REFERENCES "model" ("id") ON DELETE RESTRICT,
    "previous_version_id" BIGINT REFERENCES "version" ("id") ON DELETE RESTRICT,
    "version_id" BIGINT REFERENCES "version" ("id") ON DELETE RESTRICT
);
CREATE INDEX "idx_audit_event_model_i_1a5790" ON "audit_event" ("model_id", "id");
CREATE INDEX "idx_audit_event_model_n_c9ac71" ON "audit_event" ("model_name", "id");
CREATE INDEX "idx_audit_event_actor_5deb69" ON "audit_event" ("actor", "id");
CREATE INDEX "idx_audit_event_action_ed6e8c" ON "audit_event" ("action", "id");
CREATE INDEX "idx_audit_event_at_500752" ON "audit_event" ("at");
COMMENT ON COLUMN "audit_event"."action" IS 'MODEL_CREATED: MODEL_CREATED\nMODEL_UPDATED: MODEL_UPDATED\nVERSION_REGISTERED: VERSION_REGISTERED\nVERSION_ARCHIVED: VERSION_ARCHIVED\nPROMOTED: PROMOTED\nDEMOTED: DEMOTED\nROLLED_BACK: ROLLED_BACK';
COMMENT ON COLUMN "audit_event"."model_name" IS 'Kept beside the foreign key so the history reads the same even without the join.';
COMMENT ON TABLE "audit_event" IS 'An append-only record of one state change, written in the change''s own transaction.';
CREATE TABLE "deployment" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "environment" VARCHAR(64) NOT NULL,
    "deployed_at" TIMESTAMPTZ NOT NULL,
    "deployed_by" VARCHAR(128) NOT NULL,
    "reason" TEXT,
    "retired_at" TIMESTAMPTZ,
    "retired_by" VARCHAR(128),
    "retired_reason" TEXT,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE RESTRICT,
    "version_id" BIGINT NOT NULL REFERENCES "version" ("id") ON DELETE RESTRICT
);
CREATE UNIQUE INDEX "uniq_deployment_active_model_environment" ON "deployment" ("model_id", "environment") WHERE retired_at IS NULL;
CREATE INDEX "idx_deployment_model_i_014398" ON "deployment" ("model_id", "environment", "deployed_at", "id");
CREATE INDEX "idx_deployment_model_i_6ef1c1" ON "deployment" ("model_id", "deployed_at", "id");
CREATE INDEX "idx_deployment_version_15719d" ON "deployment" ("version_id", "deployed_at");
COMMENT ON TABLE "deployment" IS 'A version placed into an environment; active while ``retired_at`` is null.';
CREATE TABLE "metric" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(128) NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "model_id" BIGINT NOT NULL REFERENCES "model" ("id") ON DELETE CASCADE,
    "version_id" BIGINT NOT NULL REFERENCES "version" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_metric_version_8f8a9c" UNIQUE ("version_id", "name")
);
CREATE INDEX "idx_metric_model_i_931e58" ON "metric" ("model_id", "name", "value");
COMMENT ON COLUMN "metric"."model_id" IS 'Denormalised from the version so \"versions of model M ordered by metric X\" is one index range.';
COMMENT ON TABLE "metric" IS 'One metric of one version, in its own row so ordering and filtering by a metric use an index.';
CREATE TABLE "version_tag" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "key" VARCHAR(128) NOT NULL,
    "value" VARCHAR(1024) NOT NULL,
    "version_id" BIGINT NOT NULL REFERENCES "version" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_version_tag_version_0269fc" UNIQUE ("version_id", "key")
);
CREATE TABLE "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
"""

DROP = """
DROP TABLE IF EXISTS "version_tag";
DROP TABLE IF EXISTS "metric";
DROP TABLE IF EXISTS "deployment";
DROP TABLE IF EXISTS "audit_event";
DROP TABLE IF EXISTS "version";
DROP TABLE IF EXISTS "model_tag";
DROP TABLE IF EXISTS "model";
DROP TABLE IF EXISTS "idempotency_record";
DROP TABLE IF EXISTS "artifact";
DROP TABLE IF EXISTS "api_token";
DROP TABLE IF EXISTS "aerich";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DROP


MODELS_STATE = (
    "eJztXW1z2zYS/isYfmkyo3oc+SU59+ZmFEtJdbEtj6ymSesODYmQxDMFqiRoR5fLfz8sSI"
    "jvNCmLEiXzS2KCWAB6FljsLnbB78rM1IhhH7Tm+sC8J1Q5Q98VimeE/xF710AKns/9N1DA"
    "8NAQlfFcV9my2tBmFh4x/mKMDZvwIo3YI0ufM92ETpQWRa3rLhIUB6hHjQViU4LsKW6enC"
    "Jz7D6RkUUY0m1kM9Mi2i/R0qn5SJFJRwRhhngphuYPYASaOeJD0OlkE505VP/bIfznTwin"
    "sXiXf/7Fi3WqkW/Elo/ze3WsE0MLYaxr0IAoV9liLsre65MuZR9EXfgpQ3VkGs6M+vXnCz"
    "Y16ZJApwxKJ4QSCzMCPTDLAdSpYxgehyQj3MH6VdxRBmg0MsaOAbwDancAfpmiqle9gXrT"
    "GaiqEuOrpAig7xWNTApzgg/VFgBMYAg//6PZPDp62zw8On13cvz27cm7w3e8rhhv/NXbH+"
    "5gfLTcpgRm3Y/dqwEMyOQTz52SUPBD0GCGXSrBDB998X8M//MptpLRl/Uj+PMfFsVfol1d"
    "BszwN9UgdMKm/PFN810GuJ9b/fNfW/1XvNbrMMRX3qum+w7Q9tG1TCMF3Q51ZgLhLh8T5k"
    "sqhrSkXQ/SssCH2hdLq2Ot9Dutdqd/hrgs0Ih1S3/vdwfw/GjpDJ7bneuL3lco0cjcMBdQ"
    "1mpfdq/OENZmOo0KqlycOs3DqNN0Pp1G2eSKOHWK7WmRtRAh27slcXqcA+jT41Sg4VUYaL"
    "FnEE3FLI5zm79h+owkYx2mjECteaQH8o/qrJDc0GdAPehedm4GrctraH5m238bAq/WoANv"
    "mqJ0ESl9FZ3/y0bQ793Brwge0R+9q46A07TZxBI9+vUGfygwJuwwU6Xmo4q1ICayWBaF2G"
    "xgm6mOvRKjo7RrYLW3gmpOr5/TFnngKuUqfA5T1lyuGpdBXx/fB3RGKBji0f0jtjQ19sZs"
    "mml1469mzVm0BFM8EUwCNGGc0vSymD527ai4WSbfNTLNsmCtp60yxPnICGU/c3w4hFwQoa"
    "FhDg/QgNtCwwUjNjL0B4J0Kqwj2bprMiGHTzYLXuiWZ1wl2GKldPEMC8xtpZDms6SolZ4U"
    "pSfd5LL1/xJVsLmY4Rume9oA3gGlZ5M2cK2FvoBdK4nNw0UR0RamqrLxvW1HRwENwWfKA7"
    "FsPvwk0edRfvjUJ4bwLCYwwNv5L+G/z25TO6sa+qXeEH+Uqkg5ms46D4Qmq1L+22xlCuqp"
    "ZFkxj5ebt0ao9rMJTmeLjExLA4ezSQlXaDjP0GiK6YSTgs+Iq0VS7XGLf7IROJ15L9TmHa"
    "U5t8vo42mN6rvig++ipbreaf4vVCXf5qDfifnuUXu4exNDTmtFVOYDEA9CisValp7X9bbN"
    "f69pldKstzTX3C57Vmv1IUQlDyH82bKKo9ynrvJurVz22p0L9bzf4bpR+wyFHm+p+/jbdT"
    "v41nu8pZ87/Ztu70rtdz52bwadPlSJl/n1YKfufg7WkiW39Lrfu+yJTuRf4Kb3irw/bmm/"
    "d3HRaavvW+efzlDgYRWH/VEzh8Jx1EzVN+BVWINfSq28Wt2SoMpTZNsKXQjhwrZRbRPtgE"
    "0UViXyrp4wVZWXkPKJzBkaElvXiNDwxqZF9AlF92SBbFMUTXVwpC3EmaXthjjwX4ZAqUWP"
    "Ov9tDhOl/zH1BGWzjA42v7wJfdAtk848PT7vRIiQrTQTKmaMlX3kySeBnaTbDLhamnYyIi"
    "n2Ad8s6dn5MggJTonjq8vWl9ch4XnRu/ooqwdwP7/ovY/hzX+2zdQkjT59Yoep9gH3DQgR"
    "jTCsGwmunH/f9K6ScQ6QRDUFfcTQ/5DBZWdZ24nyz7FDhbGAho5uMJ3aB9Dtv5TNz32AKH"
    "vuR6d5RBuABqJzP+iCyG/LBqlWOlWo2szfyqHC3CIPuunYqufhLMyGlAZqjqzKkVUZUeO/"
    "Ov6xM4GIcIpz4oOrP38ii5iXJ9n33ycTvkcQi2iXssXd4kaa+58XW/hx6ZwMyWUOA38gTA"
    "DR52Zgv3s+UJKm+xoQ3s/TlSi84WWeA+CogK6Rzol0ys6WAvl24ozaIjx5lnI8FnjbyDoe"
    "08L1ckQbeZCguYFHREMcRBNhigKG9i8IHNwPBD1OdYOguzuLMN0SQQh3d5CWAb8kKcponU"
    "0/4yws6DPIPrsRvag+hqo7OtVtLeJ7KHJ0Fh9IQ/JqGcxRxpGd22+pHYWXVLCr+pxsJzWo"
    "RsY52Ra9dlVzypfttoss2iIHIRHS+kSk0iciS24VCxOLkO3hmionIa72hm/YGy4VuqJSLE"
    "xZ52dUWYZJXhUTYWGqfVhdGxFgLmirCLIo5T5AvmmBtqUjjspt1S/No/5yGVBJl3rV2LFv"
    "PvVdxbfCHt6uRmZzkxE6WvRFhoCS4OiNV2pk+Xt1v7pq+fWf9PtCoudYt2yGuBbIGQXJCh"
    "jNHCbyXpBNKBORYuCvDfQBQWYN/s+cQdgZp50beGHHfb/rbz7B//unMuf9jfQ5FgKD0yp/"
    "ZfmEA7lztWtyJ3eiRoZrMjQX8logIaLahZLPAoGFVgBjr3qNbj50zTkAkpqNkoxxiGgPkV"
    "5/AoeMtyx65VKUrspgK+Hb9ZaTBAEIfOvVkM5sNMLUpPoIG0inc4ed8Y3a3Xj5fs038Blm"
    "oymviMg3rlEYi/hmX1ovGw+UBlUlPhnSg0l9it2NJVW6mi15x9UynenETRlw9TfOMYNzij"
    "kWJVqD1zCdyRQxk5dBty5z53hhmFiLT401t73l6Nb62oZUcb3rzuwCVwmUaSJeEg7zSEmw"
    "C703mcbgzK/zpAHYowS59WWeumc5NyA1HRYeZKRb5iPkFHGzkgD7hTQfc2HjPg0XYNS5jT"
    "g2EcYcTL+4HCi9t0TzMOA8EWhmWodBx4xMNHvABl9ctbG4d8bidi+drZRqXYoR4y6cGMAf"
    "+E6e5qGXFBGIx0CygyBnYNru/fb+ooOu+53zLqTGh3dA8RKKeIEuHZetixd1CqW0uS5ozT"
    "DXnwnfAixzJrRGGU/K94jb5T0+sKGI34Uu3Z0DLrNbyI3iy60CYaSw44ghIgvuW4ltUNuX"
    "VfUZV1XPuOojmPUdwZy3bs5b7Y4Sl2X7fIi4cXG2kQ7XfQC6nBtbMr3gvwGeKEnGl3yXbX"
    "6JX8a8ak9ZYOnLLtGWWS6SJ4+5PH97bbvs8HaUZbvUxy9bsFzS8U0zXPYC4cNmHi87VEvH"
    "WLx8SdZLBeVJHcK1iRCuKmgw0rxI02IC5ke6JhMwefJ5kvUZxPZwamQtp4FUN72vfd3dwU"
    "Wojn13B/dQWd7NpzZ6BV/w+QqnPvKGwNfJ/uMS+sjWtKgzG/LC3F7j8CFPiemcXDOwCVtm"
    "gdc63k7K5Cwdz5t6MQ6kwu8T7NPO2Hxz/Pb43dHp8RL8ZUkW5nGfmisWktW6p+939ak3p+"
    "OJD5t9VYrh6xKdIfHfLfUvYZV/5fR7lvy1s+CgYyxJz1+JkNXJK8WTV6a8C2uOLf7I989C"
    "F6clkO5u0Ms6GFRKiMmYqxCORcRVp4XYEyOsBnOgv71hjufgA0QTd5Iss1VS7YPUCu8PzZ"
    "M8GwSvlbpDiHeRdQBy5tG07osgHSKqgc4FdNSYKAB3AmkNei7QRW98DKrmuLGyqk34KLQE"
    "iZ8RMpHZyophFBXjRclRFPLDduoYTssKXWmTQLp/k3/9Yfd1CO0qc30nQmjrL59t58RqKY"
    "mKXTgeIds/4bX+BJH62Ko+tqoeO0q6eSD41eJnYhz8TPJuSZS82EaEaeFrBwKw+983tFVs"
    "q/Lq2gSZU+BzleGvK+4HD8KzNQBbDVUmVP71ts9EKnwn8Z5IzfCGL4Ign/up2GVW1j5CxP"
    "Dkmfh4EQleeOW+YFRmoEdUZ0mI9UhQa54IXBVVctwXDh1pbsTwmYgq5qxgaBlNjK1QfIbD"
    "2WKJRD55X6kIR066LXx9DRe8K7zMuA1nrq2v7TpYo5rBGltNJtwuAzbxja86WGA7wQK1r3"
    "YlVtS+2tpXmybMwupAkSUVpqyXVKWXlMyAHJlO0ocynkzhXdJtzl98WIytymepl4tAa18x"
    "P0Atw/sKMTYMc4SZaUGKocw9dANV7bMlCVztoVMuToRHAq6AEqp9zEAou8NbCk0I8+MnW1"
    "xFwhu7b0CypNeEMEE0QgE5mSkJBgj1RuTYJPGaonUEsxa4n6Z2itVOsdopVvUU7a263IL5"
    "zNXAf71TVHJqDSjt33UNpbomA87cBK9k2NX7ZP5ZWbn0gYDFpGz62s1WSTdbnfde573veN"
    "57fbVTtYKI6qudSrjaaTvJ7y1u2I+mSUqH9yZT4cB+nbXqGs/RLF6KWvHMJN90hWGFlJbn"
    "prJUbV1Hc1lOcuWynGTkspzEwo/5oiqAsFd9D9F9c3iYS2c4zFAZDmP5EiZliR9bTs8EDZ"
    "BsPgd0OwcEa8v2LOBmXf9m9uP/TiEn2g=="
)
