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
    "eJztXetX2zgW/1d0/KV0D+XQtNAu3d1zUkhnsgXCCZnOizmOEotEiyNnbBnIzvZ/3yv5/Q"
    "p2sBMn+EuLZV1J+V097lP+S5kZGtGtg/acDow7wpQT9JfC8IzAH4l3+0jB83nwRhRwPNJl"
    "ZTynKverjSxu4jGHF7dYtwgUacQam3TOqSE6UdoMta+6SFIcoB7TF4hPCbKmuHV0jIxb54"
    "mMTcIRtZDFDZNon+KlU+OBIYONCcIcQSkWzR+IEWjGGIZA2WQdndmM/mkT+PkTAjQmdPn7"
    "H1BMmUYeieU9zu/UW0p0LYIx1UQDslzli7ks+0wnXca/yLrip4zUsaHbMxbUny/41GA+AW"
    "VclE4IIybmRPTATVugzmxddznkMcIZbFDFGWWIRiO32NYF7wS1M4CgTFHVy95Ave4MVFVJ"
    "8NWjCKHvFo0NJuYEDNWSAEzEEN78vdV69+5D6/Dd8cej9x8+HH08/Ah15XiTrz58dwYToO"
    "U0JTHr/tC9HIgBGTDxnCkpCr5LGsyxQyWZEaAv/0/gfzrFZjr6Xv0Y/vDD4vh7aNeXATP8"
    "qOqETfgUHt+2Pi4B91u7f/pju78HtV5HIb50X7WcdwLtAF3T0DPQ7TB7JhHuwpgwLKkE0h"
    "5tOUh7BQHUwba0OtZKv9M+6/RPEOwFGjFv2M/97kA8P5iUi+ezztV571dRopG5bixEWfvs"
    "ont5grA2oyy+UeXi1HEeRh1n8+k4ziZni1On2JoWWQsxsp1bEsfvcwB9/D4TaPEqCrQ8Nd"
    "U55jA5mJXE+t/Xvct0rJOUMbg1Oubof0inVuIkSIHdBbXq5XEhRv1G/HrkDR3tDYfjqW2y"
    "N38bDl/LE1aeyuKA1ekMlo0GBZ9kbyeI3BNzgeSPTx7qpbcemw1LuC8YJShmlvWnHub63k"
    "X7l/iEOD3vfZYcMyw+MWUrsoHPsdlB2D01DTYjov8CcyNOtw0zoxMac4hNM7xwd8oEm0K/"
    "MjkVnt/chnkvpUmiqZgnOX8GbzidkXTuRynjvHdJD7w/6nN25t6Ul7Bi0L3oXA/aF1cRfp"
    "y1Bx3xpiVLF7HSvfjJ6DeCfu4OfkTiEf3Wu+zE2ebXG/ymiDFhmxsqMx5UrIUx8Yq9ogib"
    "dWxx1bZWYnSctgRWr2exv0hOm+QetqBV+BylbLhcZy6TxzmF5lbgcpRya7isfDGNGZywIE"
    "/NDHF4hk5bQGoKJXQMg7QQM6AWm3inLuWIiZMXuT88eYaX2vKOzTlhPbq9C1kwRMEIj+8e"
    "sKmpiTdGy8iqm3w1a83iJZjhiZwyAmExTs8QaHJ661j1kkZC793+UiNhuNbTNkIEfOTA+T"
    "eAD0AIhx8a6cboAA1gbowWYjbo9J4gyuRs8Vp3DHjIhqlvihfUdE19KZbBSrp4hj3QaaWQ"
    "Hu5TNCp4hgqebQC06H+JKtlczAwbpXvaHLsFgvY6LbKN5vPCJCWPWaNFka0tSlVnU/Cmze"
    "4FJISAKSA1WTD8tK3PpfzytU906edKYYB78ks73DenqdoIqkUXWVDqDvF7pYKUrVHeuScs"
    "XZQK3i4XpkQ9lfgV8/hcoTXCtDeGcIGaZGyYmnB/GoyAQAM8Q+MpZhMgFR4MLgynjtjjFL"
    "+ykHCBQi/Mgo6yXK1V9PG0RPWXEoDv2ssdXyn8K6qCeiDkOznfXWoXd3dieNNakZVhAPJB"
    "7mKJlj0/YLltw+81zEqadZdmye3y8oF1WAZTgTLVIn8+0YGcFmpoHahOK5Jeyd316t2ZZE"
    "Jh7i+K9uj/2Cc6pNpjpD+bWQTrRMvsCf38Y6ffQcIph/6JXr1SvjeRB7WMPAgW5Sre8YC6"
    "zkKRctE765yrp/0OiKBnJyjyeMOcx5+uzsJv3ccb9q3Tv+72LtV+54fu9QAmNVRJlgX1hE"
    "DU/Rau5ZXcsKt+76InO/H+Er55t8j944b1e+fnnTP1c/v06wkKPcTPuDyC3btWDrnuXStT"
    "rBOvooqSfzjkFZ59gjpPkU3LzRGEC6ugjeq5BapnVGLLu3qiVHVeQspXMudoRCyqESlI3x"
    "omoROG7sgCWYYsmlJhr1zIQCXHQ26JuAkhVKAHCr/Nduzt/zFoikxfRQfrX94hl3+RiRAj"
    "W2km1EznrTrOCSaBlSbbDEBMzXJ6ehS7gO+y3bPzyyCycSaiR/zN87x3+YNXPR5SEscbfr"
    "bF1TSJPntiR6l2Afc1bCIa4ZjqheKzQiTPCs1a6ThR/nFrM6ksoJFNdU6ZdSC6/Zey/rlf"
    "TeSUr7snWLJMmY2Qrc99c1jwaL8yLCqZF9jIKNtHt8JX/hbtHSJpZIPzGGEmD1vuW9VGRB"
    "zTARUijzDPiLaPbMapjhxDwuvkab+mPmvhfZqb5J4atlU4+DlBuD4JUSm4dJXhUAxyOPQS"
    "XRye+byilrTNhrn9CZHZnDtMlgIfNa2UsMsyG16ziFKU31vAZjebaW9KHl87HAEGSJa8st"
    "AYM4PRMda9eId9NPfWOWYaGg4jM3o4THK7gvY3En9f1O4ZplrppKiblLTZndZ1OhZmQ0YD"
    "DUdW5ciqjGjwXx3/hJs+tjklOfHFsbV8JYuERyDdHd+XLiliEu3Ca3G7uJHlkYdiEz/4jq"
    "zIvgwwwAPhEoh+53rQ754OlLTpXgLCuxnwEIc3usxzABzfoBukcyKdcbJlQL6Z0N8zmUY1"
    "y4hYCb3dXxaxokXr5QgAdiFBcx2PiQa6BDek2hkYZT8h4Qy9J+hhSnUCgqZJODVlXCBoJi"
    "Ciil+SFvhbZtPPCE8J25fzhB8EGKrO6NyYh5idunjQRawBN2PZi6+sIorG6bfSjqJLKtzV"
    "czppYipqGVOxQQ9P3Ry4VavSsUVbxGkeI22857X2nvvcKha5HSPbwTVVzY0pjed0zZ5TT6"
    "AruotFKbcmgfNF7mEer4ptYVGqXVhda9nAHNBW2cjilLsA+bo3tA25OGp3VL80i/rLZUAt"
    "Tep1Y8eu2dS3Fd8aW3i7GpnNDU7YeNGXSXtKiqE3WWl/mb2XBtVVM6j/pN134IWGIJACgV"
    "Ei3ACjmc1lKiqyZMwR5VNhrw31IQKS9+GfOZcBJibooHiRctVI+c2n2H9/V+bQ35jOsdww"
    "gFb5Y5lNOJTO3pgmt/Ik2l9imozMhfxBZiGixoSSTwMRC60Axm71Bt186BpzAUhm5mI6xh"
    "GiHUS6/GQ/Lza/aJhinK7OYCvR69f9SYLkla4iaJDycGAhZXObn8BB7Ry8cF7DAT7DfDwV"
    "d4CRR5Ao9EVm2GL5vaw9qUaIKsnJkJ14EFBsb96B0tUsP7yYccopsYLIYeCbrgOnuG0yEW"
    "VOmGFPpogbUCa6dZg7xwvdwFpyapTc9qYzIZqblHbVmJ2wcWxGRbwgAPNYSdEL3TdLlcFZ"
    "UOdJBbDHCHLqe1fHuJrzvkgnEAtPXBJjGg8i/xTUSiLYL3fzW9hsnKfRQih1TiO2RaQyJ6"
    "Zfch+ovLdU9TBkPJFoLtUOw4YZLyn5HuuwuBplceeUxc1+laRWonUlSoyzcBIAf4GTPMtC"
    "71HEIL4VJFsI8hJMz3o/fT7voKt+57QrrlGJnoDypSiCAuoZLtvnL8oLpZyBLGjOMMjPRH"
    "PyIoXU6MWTwhlx41+tJw4U+bvQhXNyiPtlF95B8cuNgvwsORgiMsUVaIkDavN7VePjqquP"
    "q3HBlOeCOW1fn7bPOkpyL9tlJ+Lat7O1dFi2A9SfGxtSvcR/AzxR0pQv791y9Uv+Mu5We0"
    "oDy152qbqMv0iedHO59vZGd9ni42iZ7tK4XzaguWTjm6W47ATCh608VnZRLRtj+fIlaS81"
    "3E+aEK51hHDVQYLx1IssKSakfmRLMiGVJ58lmc5EbA9QI9OfBp646X4OejgUd5Pb1nAoPx"
    "DoXkZuoT3xiddfhdfHu0025cakivpYLmkxezaCwtxW46iTp8J0TpAMLML9LPBGxtvKPXmZ"
    "jOdOvQQHMuEPCHbpZGy9ff/h/cd3x+998P2SZZgnbWrOtpAu1j19F3hAvcbLqeSWpRTD1y"
    "E6QfK/GxZc2O39ldPuWfHnsMODTrAkO38lRtYkrxRPXplCF+Ycm/AI52ehSzZTSLc36KUM"
    "BlUSYnILIoRtEnktdiH2JAjrwRzR384wxzXwCURTT5JlaqtHtQu7VvR8aB3lOSCgVuYJId"
    "/F1oHYZx4M864I0hGiBuhcQMeViQJwp5A2oOcCXfYGY1A124mVVS0Co9BSdvwlIRNLW1kx"
    "jKJmvKg4isL71qx6K7xlha60SSHdvclffth9E0K7ylzfihDa5mOkm/FY+TtRsY9TxMh2b/"
    "PamdutazenG7dVndhR0c0D3v5QAsbtUFPbtaPkxTa2mRa+diAEe/AtUkvFlupdXZuy5xT4"
    "gnT0g8e7wYPobA3B1kC1FKrgettnIhW9k3hHds3ogS+DIJ/79XY/K2sXIeJ48kx83IgEN7"
    "xyVzCqMtAjLrOkxHqkiDVPBK7KKjnuCxcdaU7E8ImMKgZWcORHE2MzEp9hA1tMmcjn3Vcq"
    "w5HTbgsvr+GCd4VXGbdhz7Xy2m6CNeoZrLHRZMLNMmAd34NsggU2EyzQ2GpXYkVjq21stV"
    "mbWVQcKLKkopTNkqr1kvIyIMeGnfahjCdTeH26+n4395snl8tA60AwP0Bt3f1iPdZ1Y4y5"
    "YYoUQy/30AlUtU58EnG1B2WwnUiLhLgCSor2CQWh6g5vmGhCqh+vLHkVCTR2ty+SJd0mpA"
    "qiESaQ8zIlhQLC3BHZFkm9pqiMYNYC99M0RrHGKNYYxeqeor1Rk1s4n7ke+Jc7RT1OlYDS"
    "7l3XUKlpMmTMTbFKRk29T+afVZVLHwpYTMumb8xstTSzNXnvTd77lue9N1c71SuIqLnaqY"
    "KrnTaT/N4GxX48TRM63DdLBQ4c1ClV1niOZPFSxIpnJvlmCwwrpLQ8N5Wlbus6nstylCuX"
    "5WhJLstRIvwYFlUBhN3qO4ju28PDXDLD4RKR4TCRL2Ewnvqx5exM0BDJ+nNAN+MgKC3bs4"
    "CZtfzD7Pv/ATnbwkA="
)
