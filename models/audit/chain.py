"""The audit log's hash chains: canonical content, chain heads, sealing old events, and verification.

Every audit event belongs to one chain: the events of its model, or, for events that name no model, the
registry's own chain. Each event stores its position in the chain (``chain_seq``, from 1), the hash of the
event before it (``previous_hash``, ``""`` for the first) and ``hash``: the sha256 of its canonical content,
which includes the position and the previous hash. Editing an event breaks its hash, removing one leaves a
gap in the positions, and moving one puts a position out of order; ``verify`` finds the first of these
per chain (docs/security.md, "Audit log", says what this does not catch).

The canonical content is the same bytes whatever the backend returns (checked on SQLite and PostgreSQL):
the UTF-8 of a JSON array with no whitespace, keys sorted, strings ASCII-escaped, ``at`` as UTC
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, and every number as plain decimal digits without exponent or trailing
fractional zeros (``1.0`` and ``1`` are both ``1``, ``-0.0`` is ``0``, NaN and infinities are ``null`` as the
JSON column stores them). Numbers need this because PostgreSQL's JSONB returns ``1e20`` as
``100000000000000000000``, which Python reads back as an int.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from json.encoder import encode_basestring_ascii as _quoted  # what json.dumps does with a str
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.db.connection import connection, dialect, fetch, write_transaction
from models.errors import NotFound

#: The first element of every canonical array; a new canonical form would get a new tag.
FORMAT = "modelreg-audit-1"
#: ``previous_hash`` of the first event of a chain.
GENESIS = ""
#: Advisory lock serialising writers of the registry chain on PostgreSQL (model chains use the model's row
#: lock). Derived from the chain's name so it cannot collide with the migration lock in models/db/migrate.py.
REGISTRY_CHAIN_LOCK = int.from_bytes(hashlib.sha256(b"modelreg:audit-chain:registry").digest()[:8], "big", signed=True)
#: Events read per statement while walking a chain.
_PAGE = 1000
_COLUMNS = (
    "id, action, actor, at, model_id, model_name, version_id, environment, previous_version_id, "
    "reason, request_id, details, chain_seq, previous_hash, hash"
)


@dataclass(frozen=True)
class Content:
    """What an event says: every column that describes it, apart from its id and its place in the chain."""

    action: str
    actor: str
    at: datetime
    model_id: int | None
    model_name: str | None
    version_id: int | None
    environment: str | None
    previous_version_id: int | None
    reason: str | None
    request_id: str | None
    details: Any


def canonical(content: Content, *, position: int, previous_hash: str) -> bytes:
    """The bytes that are hashed for an event at ``position`` after an event whose hash is ``previous_hash``."""
    return _json(
        [
            FORMAT,
            position,
            previous_hash,
            content.action,
            content.actor,
            _timestamp(content.at),
            content.model_id,
            content.model_name,
            content.version_id,
            content.environment,
            content.previous_version_id,
            content.reason,
            content.request_id,
            content.details,
        ]
    ).encode("ascii")


def event_hash(content: Content, *, position: int, previous_hash: str) -> str:
    return hashlib.sha256(canonical(content, position=position, previous_hash=previous_hash)).hexdigest()


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:  # a naive value from the database is UTC (models/db/connection.py configures UTC)
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> str:
    # The common exact types first: what ``json.dumps`` does with a ``str`` (its ASCII escaping, without its
    # dispatch) and an ``int``'s digits, which are what ``_number`` makes of one. Every write hashes its event's
    # content in Python; a promotion's took 40 µs through the general path below, 23 µs this way.
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted((_key(key), item) for key, item in value.items())
        return "{" + ",".join(f"{_quoted(key)}:{_json(item)}" for key, item in items) + "}"
    # Anything else would not read back as itself from the JSON column, and the chain would break later.
    raise TypeError(f"audit event content cannot hold {type(value).__name__}")


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"audit event details need string keys, not {type(key).__name__}")
    return key


def _number(value: int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        # repr() is the shortest decimal that reads back as the same float: the text the column received.
        exact = Decimal(repr(value))
    else:
        exact = Decimal(value)
    if exact.is_zero():
        return "0"
    text = format(exact, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def content_of(row: dict[str, Any]) -> Content:
    """The content of an ``audit_event`` row read with raw SQL on either backend."""
    at = row["at"]
    details = row["details"]
    return Content(
        action=str(row["action"]),
        actor=row["actor"],
        at=datetime.fromisoformat(at) if isinstance(at, str) else at,
        model_id=row["model_id"],
        model_name=row["model_name"],
        version_id=row["version_id"],
        environment=row["environment"],
        previous_version_id=row["previous_version_id"],
        reason=row["reason"],
        request_id=row["request_id"],
        details=json.loads(details) if isinstance(details, str | bytes) else details,
    )


# --- Writing: locks, heads and sealing ---------------------------------------------------------------------


async def lock_registry_chain(conn: BaseDBAsyncClient) -> None:
    """Serialise writers of the registry chain until the transaction ends (SQLite: ``BEGIN IMMEDIATE`` did)."""
    if dialect(conn) == "postgres":
        await fetch(conn, "SELECT pg_advisory_xact_lock(?)", [REGISTRY_CHAIN_LOCK])


async def _lock_chain(conn: BaseDBAsyncClient, model_id: int | None) -> None:
    if model_id is None:
        await lock_registry_chain(conn)
    elif dialect(conn) == "postgres":
        await fetch(conn, "SELECT id FROM model WHERE id = ? FOR UPDATE", [model_id])


def _where(model_id: int | None) -> tuple[str, list[Any]]:
    return ("model_id IS NULL", []) if model_id is None else ("model_id = ?", [model_id])


async def chain_head(conn: BaseDBAsyncClient, model_id: int | None) -> tuple[int, str]:
    """Position and hash of the last event of a chain, ``(0, GENESIS)`` for an empty one.

    The caller holds the chain's lock. Events written before the chain existed are sealed first.
    """
    where, params = _where(model_id)
    rows = await fetch(conn, f"SELECT chain_seq, hash FROM audit_event WHERE {where} ORDER BY id DESC LIMIT 1", params)  # noqa: S608 - constant SQL
    if not rows:
        return 0, GENESIS
    if rows[0]["hash"] == "":
        position, digest, _ = await _seal(conn, model_id)
        return position, digest
    return int(rows[0]["chain_seq"]), str(rows[0]["hash"])


async def seal_legacy_events() -> int:
    """Give events written before the audit chain existed their place in it; return how many were sealed.

    Run by ``models.db.migrate.migrate`` after every upgrade, so a database that had events when the chain's
    migration ran is sealed before anything else writes to it. Each chain is sealed in its own transaction
    under its lock. The database triggers let an event without a hash be updated once, and only in its chain
    columns; an event is never written without one.
    """
    rows = await fetch(connection(), "SELECT DISTINCT model_id FROM audit_event WHERE hash = ''")
    sealed = 0
    for row in rows:
        async with write_transaction() as conn:
            await _lock_chain(conn, row["model_id"])
            sealed += (await _seal(conn, row["model_id"]))[2]
    return sealed


async def _seal(conn: BaseDBAsyncClient, model_id: int | None) -> tuple[int, str, int]:
    """Chain the events of a chain that has no hashed event yet, oldest first.

    Returns the chain's head (position and hash) and how many events were sealed. A chain that already has
    hashed events is left alone: an unhashed event in it cannot come from modelreg (the insert trigger
    refuses them), so it is for ``verify`` to report, not for this to legitimise.
    """
    where, params = _where(model_id)
    hashed = await fetch(
        conn,
        f"SELECT chain_seq, hash FROM audit_event WHERE {where} AND hash <> '' ORDER BY id DESC LIMIT 1",  # noqa: S608 - constant SQL
        params,
    )
    if hashed:
        return int(hashed[0]["chain_seq"]), str(hashed[0]["hash"]), 0
    position, previous = 0, GENESIS
    updates: list[list[Any]] = []
    async for row in _events(conn, where, params):
        position += 1
        digest = event_hash(content_of(row), position=position, previous_hash=previous)
        updates.append([position, previous, digest, row["id"]])
        previous = digest
    if updates:
        sql = "UPDATE audit_event SET chain_seq = ?, previous_hash = ?, hash = ? WHERE id = ?"
        if dialect(conn) == "postgres":
            sql = "UPDATE audit_event SET chain_seq = $1, previous_hash = $2, hash = $3 WHERE id = $4"
        await conn.execute_many(sql, updates)
    return position, previous, len(updates)


async def _events(conn: BaseDBAsyncClient, where: str, params: Sequence[Any]) -> AsyncIterator[dict[str, Any]]:
    """The events of one chain in id order, a page per statement.

    Reading page by page without a snapshot is safe for one chain: its writers are serialised by its lock, so
    an event becomes visible only after every event before it in the chain did.
    """
    after = 0
    while True:
        rows = await fetch(
            conn,
            f"SELECT {_COLUMNS} FROM audit_event WHERE {where} AND id > ? ORDER BY id LIMIT {_PAGE}",  # noqa: S608 - constant SQL
            [*params, after],
        )
        for row in rows:
            yield row
        if len(rows) < _PAGE:
            return
        after = int(rows[-1]["id"])


# --- Verification ------------------------------------------------------------------------------------------


class Tampering(StrEnum):
    ALTERED = "altered"
    REMOVED = "removed"
    REORDERED = "reordered"


@dataclass(frozen=True)
class Finding:
    """The first thing wrong in a chain."""

    kind: Tampering
    #: The event that was altered or is out of place, or the first event after a removed one
    #: (``None`` when a model's whole chain is gone).
    event_id: int | None
    #: The chain position where the chain stops being intact.
    position: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    #: The model whose events form the chain; ``None`` for the registry chain.
    model: str | None
    events: int
    #: Position and hash of the last event checked while the chain was still intact: keep these elsewhere to
    #: detect later truncation or a rewrite of the whole chain (docs/security.md).
    head_position: int
    head_hash: str
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None


async def verify(*, model: str | None = None) -> list[ChainReport]:
    """Walk every chain (or only ``model``'s) in the database and report the first tampering in each.

    Reads the rows with raw SQL, so a row whose values the ORM would reject is reported, not fatal.
    """
    conn = connection()
    if model is not None:
        chains = await fetch(conn, "SELECT id, name FROM model WHERE name = ?", [model])
        if not chains:
            # The model row may be gone while its events remain (only by hand: the foreign key restricts).
            chains = await fetch(
                conn,
                "SELECT DISTINCT model_id AS id, model_name AS name FROM audit_event WHERE model_name = ?",
                [model],
            )
        if not chains:
            raise NotFound(f"no model named {model!r} and no audit events for it")
    else:
        chains = [
            *await fetch(conn, "SELECT id, name FROM model ORDER BY name, id"),
            *await fetch(conn, "SELECT NULL AS id, NULL AS name FROM audit_event WHERE model_id IS NULL LIMIT 1"),
        ]
    return [await _verify_chain(conn, chain["id"], chain["name"]) for chain in chains]


async def _verify_chain(conn: BaseDBAsyncClient, model_id: int | None, name: str | None) -> ChainReport:
    where, params = _where(model_id)
    events, position, previous, previous_id = 0, 0, GENESIS, None
    before = (position, previous)
    finding: Finding | None = None
    async for row in _events(conn, where, params):
        events += 1
        if finding is None:
            finding = await _check(conn, row, where, params, position + 1, previous, previous_id)
            if finding is None:
                before = (position, previous)
                position, previous, previous_id = position + 1, str(row["hash"]), int(row["id"])
    if events == 0 and model_id is not None:
        finding = Finding(Tampering.REMOVED, None, 1, "the model exists but every event of its chain is gone")
    if finding is not None and finding.position <= position:  # the last event taken as intact was not
        position, previous = before
    return ChainReport(name, events, position, previous, finding)


def _not_a_position(event_id: int, seq: object, expected: int) -> Finding:
    # Only a hand edit can put text (or a fraction) there: SQLite keeps what it is given.
    message = f"event {event_id} was altered: its chain position is not a whole number ({str(seq)[:40]!r})"
    return Finding(Tampering.ALTERED, event_id, expected, message)


async def _check(
    conn: BaseDBAsyncClient,
    row: dict[str, Any],
    where: str,
    params: list[Any],
    expected: int,
    previous: str,
    previous_id: int | None,
) -> Finding | None:
    """What is wrong with ``row``, which should hold position ``expected`` after an event hashed ``previous``."""
    event_id, seq = int(row["id"]), row["chain_seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        return _not_a_position(event_id, seq, expected)
    if seq < expected:
        moved = f"event {event_id} holds position {seq} but comes after position {expected - 1}: events were moved"
        return Finding(Tampering.REORDERED, event_id, expected, moved)
    if seq > expected:
        found = await fetch(conn, f"SELECT id FROM audit_event WHERE {where} AND chain_seq = ?", [*params, expected])  # noqa: S608 - constant SQL
        if found:
            return Finding(
                Tampering.REORDERED,
                event_id,
                expected,
                f"event {event_id} holds position {seq} but comes before event {found[0]['id']}, which holds "
                f"position {expected}: events were moved",
            )
        missing = f"position {expected} is" if seq == expected + 1 else f"positions {expected}-{seq - 1} are"
        return Finding(
            Tampering.REMOVED, event_id, expected, f"{missing} missing before event {event_id}: events were removed"
        )
    try:
        intact = row["hash"] == event_hash(content_of(row), position=seq, previous_hash=str(row["previous_hash"]))
    except (TypeError, ValueError):  # a value no modelreg would write (e.g. a malformed date)
        intact = False
    if not intact:
        return Finding(
            Tampering.ALTERED,
            event_id,
            expected,
            f"event {event_id} (position {seq}) was altered: its content does not match its hash",
        )
    if row["previous_hash"] != previous and previous_id is None:
        return Finding(
            Tampering.REMOVED,
            event_id,
            expected,
            f"event {event_id} is the first of its chain but links to an earlier event: events were removed",
        )
    if row["previous_hash"] != previous:
        # This event is intact, so the one before it changed and had its hash recomputed.
        return Finding(
            Tampering.ALTERED,
            previous_id,
            expected - 1,
            f"event {previous_id} (position {expected - 1}) was altered and its hash recomputed: "
            f"event {event_id} still links to its original hash",
        )
    return None
