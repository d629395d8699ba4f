"""What a promotion decides on, read in one statement at the start of its transaction.

``promote`` needs the model, the version to deploy, the active deployment in the environment and that
deployment's version, the environment's protection rules, and the head of the model's audit chain (the event
it will append after). Read one at a time they cost six round trips inside the write transaction, and round
trips inside the transaction are what bounds promotions per second (on SQLite one writer holds the database
at a time; on PostgreSQL the model's row stays locked). Here they are one statement.

Locking is unchanged (see ``models/db/locking.py``). On SQLite the transaction already holds the write lock
from ``BEGIN IMMEDIATE``, so the read needs no statement before it. On PostgreSQL a first statement
(``promotion_locks``) takes the locks: the model's row (``FOR UPDATE``: promotions of one model, and every writer
of its audit chain, queue here), the environment's row (``FOR SHARE``: it cannot be removed meanwhile) and the
environment's shared protection lock (``models/environments/operations.py``: a protection change waits for this
promotion, and this promotion waits for one under way). It travels in ``BEGIN``'s own message
(``write_transaction(begin_with=...)``), so it costs no round trip of its own. The read is a statement of its
own because in READ COMMITTED a statement sees the database as it was when it started, before any lock it
waited for: a single ``SELECT ... FOR UPDATE OF m`` joined to the deployments could miss a deployment, an audit
event or a rule committed by the transaction it waited for. The second statement starts after the locks are
held, so it sees all of them, and nothing it read can change before commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit.chain import GENESIS
from models.db.connection import dialect, fetch_table
from models.db.literals import literal
from models.db.rows import builder, columns, optional_builder
from models.entities import Deployment, EnvironmentProtection, ModelVersion, RegisteredModel
from models.environments.locks import protection_lock_sql
from models.errors import NotFound


@cache  # built on first use: the tables' columns are only complete once Tortoise is initialised
def _read_sql(sqlite: bool) -> str:
    # PostgreSQL allocates the new deployment's and event's ids here, under the model's lock, so ids follow the
    # promotions and the write needs to return nothing.
    allocated = (
        ""
        if sqlite
        else ", nextval(pg_get_serial_sequence('deployment', 'id')) AS deployment_id, "
        "nextval(pg_get_serial_sequence('audit_event', 'id')) AS event_id"
    )
    return (
        f"SELECT {columns(RegisteredModel, 'm', 'm')}, {columns(ModelVersion, 'v', 'v')}, "
        f"{columns(Deployment, 'd', 'd')}, {columns(ModelVersion, 'av', 'av')}, "
        f"{columns(EnvironmentProtection, 'ep', 'ep')}, e.id AS declared{allocated}, "
        "(SELECT COUNT(*) FROM deployment ad WHERE ad.model_id = m.id AND ad.retired_at IS NULL) AS active_count, "
        "h.chain_seq AS head_seq, h.hash AS head_hash "
        "FROM model m "
        "LEFT JOIN version v ON v.model_id = m.id AND v.number = ? "
        "LEFT JOIN deployment d ON d.model_id = m.id AND d.environment = ? AND d.retired_at IS NULL "
        "LEFT JOIN version av ON av.id = d.version_id "
        "LEFT JOIN environment_protection ep ON ep.environment = ? "
        "LEFT JOIN environment e ON e.name = ? "
        "LEFT JOIN audit_event h ON h.id = "
        "(SELECT id FROM audit_event WHERE model_id = m.id ORDER BY id DESC LIMIT 1) "
        "WHERE m.name = ?"
    )


@dataclass(frozen=True)
class PromotionState:
    model: RegisteredModel
    #: The version asked for; None when the model has no version of that number.
    version: ModelVersion | None
    #: The active deployment in the environment and its version, or None when nothing is active there.
    active: Deployment | None
    active_version: ModelVersion | None
    #: The environment's protection rules (None: unprotected).
    protection: EnvironmentProtection | None = None
    #: Position and hash of the last event of the model's audit chain (``models.audit.chain.chain_head``), or
    #: None when that event is not sealed yet (written before the chain existed: ``record`` seals the chain).
    chain_head: tuple[int, str] | None = None
    #: Environments the model is active in (``validation.MAX_ACTIVE_ENVIRONMENTS`` at most).
    active_count: int = 0
    #: Whether the environment is declared (on PostgreSQL its row is share-locked until commit).
    declared: bool = True
    #: The ids a new deployment and its audit event take (PostgreSQL, allocated by this read, after the model's
    #: lock: the deployment and the event that names it then go in one statement that returns nothing, sent with
    #: ``COMMIT``, ``models/deployments/switch.py``); None on SQLite. A promotion that changes nothing leaves them
    #: unused, gaps in the ids as a rolled-back insert leaves.
    deployment_id: int | None = None
    event_id: int | None = None


def promotion_locks(*, model: str, environment: str) -> str:
    """The statement that takes a promotion's locks on PostgreSQL, for ``write_transaction(begin_with=...)``; ""
    on SQLite. ``model`` and ``environment`` are validated names, written as literals."""
    if dialect() != "postgres":
        return ""
    return (
        f"SELECT (SELECT id FROM environment WHERE name = {literal(environment)} FOR SHARE), "
        f"{protection_lock_sql(exclusive=False, environment=literal(environment))} "
        f"FROM model WHERE name = {literal(model)} FOR UPDATE"
    )


async def read_for_promotion(conn: BaseDBAsyncClient, *, model: str, version: int, environment: str) -> PromotionState:
    """Read what promoting ``model``'s ``version`` in ``environment`` depends on, after ``promotion_locks``."""
    sqlite = dialect(conn) != "postgres"
    params: list[object] = [version, environment, environment, environment, model]
    found = await fetch_table(conn, _read_sql(sqlite), params)
    if not found.rows:
        raise NotFound(f"no model named {model!r}")
    row = found.rows[0]  # (model, environment) has at most one active deployment, (model, number) one version
    at = found.columns
    return PromotionState(
        model=builder(RegisteredModel, found, "m")(row),
        version=optional_builder(ModelVersion, found, "v")(row),
        active=optional_builder(Deployment, found, "d")(row),
        active_version=optional_builder(ModelVersion, found, "av")(row),
        protection=optional_builder(EnvironmentProtection, found, "ep")(row),
        active_count=int(row[at["active_count"]]),
        declared=row[at["declared"]] is not None,
        chain_head=_head(row[at["head_seq"]], row[at["head_hash"]]),
        deployment_id=None if sqlite else int(row[at["deployment_id"]]),
        event_id=None if sqlite else int(row[at["event_id"]]),
    )


def _head(position: int | None, digest: str | None) -> tuple[int, str] | None:
    if digest is None:  # no event yet
        return 0, GENESIS
    return (int(position or 0), digest) if digest != "" else None
