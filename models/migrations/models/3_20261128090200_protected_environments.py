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
