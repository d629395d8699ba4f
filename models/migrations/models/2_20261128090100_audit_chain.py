"""The tamper-evident audit log: each event's position and hash in its chain, and append-only triggers.

Adds ``chain_seq``, ``previous_hash`` and ``hash`` to ``audit_event`` (models/audit_chain.py), unique chain
positions, and triggers on both backends that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) and
refuse an INSERT that does not extend its chain. SQL cannot compute the hashes of events that already exist
(SQLite has no sha256), so they get position 0 and an empty hash here, and ``models.migrate.migrate`` seals
them right after the upgrade (``models.audit_chain.seal_legacy_events``): the update trigger lets an
unhashed event receive its chain columns once, and nothing else.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "audit_event" ADD "chain_seq" BIGINT NOT NULL DEFAULT 0 /* Position in the chain, from 1 (0 only for an event written before the chain existed, until sealed). */;
ALTER TABLE "audit_event" ADD "hash" VARCHAR(64) NOT NULL DEFAULT '' /* sha256 (hex) of this event's canonical content, position and ``previous_hash``. */;
ALTER TABLE "audit_event" ADD "previous_hash" VARCHAR(64) NOT NULL DEFAULT '' /* ``hash`` of the event before this one in the chain; empty for the first. */;
CREATE UNIQUE INDEX "uniq_audit_event_model_chain" ON "audit_event" ("model_id", "chain_seq") WHERE chain_seq > 0;
CREATE UNIQUE INDEX "uniq_audit_event_registry_chain" ON "audit_event" ("chain_seq") WHERE model_id IS NULL AND chain_seq > 0;
CREATE INDEX "idx_audit_event_unsealed" ON "audit_event" ("model_id") WHERE hash = '';
CREATE TRIGGER "audit_event_chained_insert" BEFORE INSERT ON "audit_event"
WHEN NEW.chain_seq < 1
    OR length(NEW.hash) != 64 OR NEW.hash GLOB '*[^0-9a-f]*'
    OR NEW.previous_hash IS NOT (
        CASE WHEN NEW.chain_seq = 1 THEN ''
        ELSE (SELECT e.hash FROM "audit_event" e WHERE e.model_id IS NEW.model_id AND e.chain_seq = NEW.chain_seq - 1)
        END
    )
BEGIN
    SELECT RAISE(ABORT, 'audit_event: an event must extend its chain (chain_seq, previous_hash, hash); write it with models.audit.record');
END;
CREATE TRIGGER "audit_event_no_update" BEFORE UPDATE ON "audit_event"
WHEN NOT (
    OLD.hash = '' AND NEW.chain_seq >= 1 AND length(NEW.hash) = 64 AND NEW.hash NOT GLOB '*[^0-9a-f]*'
    AND NEW.id IS OLD.id AND NEW.action IS OLD.action AND NEW.actor IS OLD.actor AND NEW.at IS OLD.at
    AND NEW.model_id IS OLD.model_id AND NEW.model_name IS OLD.model_name AND NEW.version_id IS OLD.version_id
    AND NEW.environment IS OLD.environment AND NEW.previous_version_id IS OLD.previous_version_id
    AND NEW.reason IS OLD.reason AND NEW.request_id IS OLD.request_id AND NEW.details IS OLD.details
)
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is refused');
END;
CREATE TRIGGER "audit_event_no_delete" BEFORE DELETE ON "audit_event"
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is refused');
END;
"""

POSTGRES = """
ALTER TABLE "audit_event" ADD "chain_seq" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "audit_event" ADD "hash" VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE "audit_event" ADD "previous_hash" VARCHAR(64) NOT NULL DEFAULT '';
COMMENT ON COLUMN "audit_event"."chain_seq" IS 'Position in the chain, from 1 (0 only for an event written before the chain existed, until sealed).';
COMMENT ON COLUMN "audit_event"."hash" IS 'sha256 (hex) of this event''s canonical content, position and ``previous_hash``.';
COMMENT ON COLUMN "audit_event"."previous_hash" IS '``hash`` of the event before this one in the chain; empty for the first.';
CREATE UNIQUE INDEX "uniq_audit_event_model_chain" ON "audit_event" ("model_id", "chain_seq") WHERE chain_seq > 0;
CREATE UNIQUE INDEX "uniq_audit_event_registry_chain" ON "audit_event" ("chain_seq") WHERE model_id IS NULL AND chain_seq > 0;
CREATE INDEX "idx_audit_event_unsealed" ON "audit_event" ("model_id") WHERE hash = '';
CREATE FUNCTION "audit_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.chain_seq < 1 OR NEW.hash !~ '^[0-9a-f]{64}$' OR NEW.previous_hash IS DISTINCT FROM (
            CASE
                WHEN NEW.chain_seq = 1 THEN ''
                WHEN NEW.model_id IS NULL THEN (
                    SELECT e.hash FROM "audit_event" e
                    WHERE e.model_id IS NULL AND e.chain_seq = NEW.chain_seq - 1 AND e.chain_seq > 0
                )
                ELSE (
                    SELECT e.hash FROM "audit_event" e
                    WHERE e.model_id = NEW.model_id AND e.chain_seq = NEW.chain_seq - 1 AND e.chain_seq > 0
                )
            END
        ) THEN
            RAISE EXCEPTION 'audit_event: an event must extend its chain (chain_seq, previous_hash, hash); write it with models.audit.record'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.hash = '' AND NEW.chain_seq >= 1 AND NEW.hash ~ '^[0-9a-f]{64}$'
        AND (NEW.id, NEW.action, NEW.actor, NEW.at, NEW.model_id, NEW.model_name, NEW.version_id,
             NEW.environment, NEW.previous_version_id, NEW.reason, NEW.request_id, NEW.details)
        IS NOT DISTINCT FROM
            (OLD.id, OLD.action, OLD.actor, OLD.at, OLD.model_id, OLD.model_name, OLD.version_id,
             OLD.environment, OLD.previous_version_id, OLD.reason, OLD.request_id, OLD.details)
    THEN
        RETURN NEW;  -- sealing an event written before the chain existed, once
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_event_append_only" BEFORE INSERT OR UPDATE OR DELETE ON "audit_event"
    FOR EACH ROW EXECUTE FUNCTION "audit_event_append_only"();
CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_event_append_only"();
"""

SQLITE_DOWNGRADE = """
DROP TRIGGER IF EXISTS "audit_event_no_delete";
DROP TRIGGER IF EXISTS "audit_event_no_update";
DROP TRIGGER IF EXISTS "audit_event_chained_insert";
DROP INDEX IF EXISTS "idx_audit_event_unsealed";
DROP INDEX IF EXISTS "uniq_audit_event_registry_chain";
DROP INDEX IF EXISTS "uniq_audit_event_model_chain";
ALTER TABLE "audit_event" DROP COLUMN "chain_seq";
ALTER TABLE "audit_event" DROP COLUMN "hash";
ALTER TABLE "audit_event" DROP COLUMN "previous_hash";
"""

POSTGRES_DOWNGRADE = """
DROP TRIGGER IF EXISTS "audit_event_no_truncate" ON "audit_event";
DROP TRIGGER IF EXISTS "audit_event_append_only" ON "audit_event";
DROP FUNCTION IF EXISTS "audit_event_append_only"();
DROP INDEX IF EXISTS "idx_audit_event_unsealed";
DROP INDEX IF EXISTS "uniq_audit_event_registry_chain";
DROP INDEX IF EXISTS "uniq_audit_event_model_chain";
ALTER TABLE "audit_event" DROP COLUMN "chain_seq";
ALTER TABLE "audit_event" DROP COLUMN "hash";
ALTER TABLE "audit_event" DROP COLUMN "previous_hash";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES_DOWNGRADE if db.capabilities.dialect == "postgres" else SQLITE_DOWNGRADE


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
