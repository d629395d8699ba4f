"""The tamper-evident audit log (docs/security.md, "Audit log"): hash chains, ``audit verify``, triggers.

The attacker is played with the database's own superuser powers: on PostgreSQL ``session_replication_role =
replica`` switches the append-only trigger off for one session; on SQLite the triggers are dropped.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aerich import Command
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import BaseORMException

from models.audit.chain import ChainReport, Content, Tampering, event_hash, verify
from models.audit.record import record
from models.db.connection import connected, connection, dialect, tortoise_config, write_transaction
from models.db.migrate import MIGRATIONS, migrate
from models.deployments.operations import demote, promote, rollback
from models.entities import AuditAction, AuditEvent
from models.registry.operations import Registration, archive_version, create_model, register_version, update_model
from tests.support.server import environment

REPO = Path(__file__).parents[2]
#: Details a registry-level event might carry, with the values whose JSON text the backends store differently.
AWKWARD_DETAILS: dict[str, Any] = {
    "threshold": 0.8,
    "huge": 1e20,  # JSONB hands this back as the integer 100000000000000000000
    "tiny": 1e-7,
    "negativeZero": -0.0,
    "whole": 2.0,
    "count": 3,
    "text": 'caf\u00e9 \u2028 "quoted" \\',
    "nested": {"b": [1.5, None, True, False], "a": {}},
}
FIXED_AT = datetime(2026, 11, 28, 9, 1, 0, 123456, tzinfo=UTC)
#: sha256 of the registry event written by ``_registry_event``: the same bytes are hashed on every backend,
#: and a change to the canonical form (which would orphan every stored chain) fails here first.
REGISTRY_EVENT_HASH = "339168dd273a371117c11438494791029c916e27c1b12072b55c71bcceb1ff4a"


#: What PostgreSQL's insert trigger answers an event whose hash is not the sha256 of its content.
HASH_REFUSED = "audit_event: the hash does not match the event's content"


async def _registry_event(*, reason: str | None = "tighten the gate") -> AuditEvent:
    # No action names a registry-level change yet; any action exercises the registry chain the same way.
    async with write_transaction() as conn:
        return await record(
            conn,
            action=AuditAction.MODEL_UPDATED,
            actor="security",
            model=None,
            request_id="req-1",
            reason=reason,
            details=AWKWARD_DETAILS,
            at=FIXED_AT,
        )


async def _history() -> None:
    """A mix of every operation on two models, and two registry-level events."""
    await create_model(name="churn", actor="alice", description="churn v0", tags=[("team", "growth")])
    for n in range(3):
        await register_version(
            model="churn", registration=Registration(metrics=[("auc", 0.7 + n / 10)], tags=[("n", str(n))]), actor="ci"
        )
    await register_version(model="fraud", registration=Registration(description="first"), actor="ci")
    await update_model(name="churn", actor="alice", description="churn v1", tags=[("team", "risk")])
    await promote(model="churn", version=1, actor="deployer", reason="first")
    await promote(model="churn", version=2, actor="deployer", environment="staging")
    await promote(model="churn", version=2, actor="deployer", reason="better")
    await promote(model="churn", version=2, actor="deployer")  # already active: no event
    await rollback(model="churn", actor="deployer", reason="regression")
    await demote(model="churn", actor="deployer", environment="staging")
    await archive_version(model="churn", version=3, actor="alice", reason="superseded")
    await promote(model="fraud", version=1, actor="deployer")
    await _registry_event()
    await _registry_event(reason=None)


def _by_model(reports: list[ChainReport]) -> dict[str | None, ChainReport]:
    return {report.model: report for report in reports}


async def test_every_operation_extends_its_models_chain(database_url: str) -> None:
    async with connected(database_url):
        await _history()
        reports = _by_model(await verify())
        events = await AuditEvent.all().order_by("id")

    assert {model: (r.events, r.finding) for model, r in reports.items()} == {
        "churn": (11, None),
        "fraud": (3, None),
        None: (2, None),
    }
    for chain in ("churn", "fraud", None):
        members = [e for e in events if (e.model_name or None) == chain]
        assert [e.chain_seq for e in members] == list(range(1, len(members) + 1))
        assert [e.previous_hash for e in members] == ["", *(e.hash for e in members[:-1])]
        assert (reports[chain].head_position, reports[chain].head_hash) == (len(members), members[-1].hash)
    assert len({e.hash for e in events}) == len(events)
    assert events[0].action == AuditAction.MODEL_CREATED and events[0].chain_seq == 1


async def test_the_hashed_bytes_are_the_same_on_both_backends(database_url: str) -> None:
    async with connected(database_url):
        written = await _registry_event()
        stored = await AuditEvent.get(id=written.id)
        assert (await verify())[-1].finding is None  # recomputed from what the database hands back
    assert stored.hash == written.hash == REGISTRY_EVENT_HASH
    content = Content(
        action="MODEL_UPDATED",
        actor="security",
        at=FIXED_AT,
        model_id=None,
        model_name="",
        version_id=None,
        environment=None,
        previous_version_id=None,
        reason="tighten the gate",
        request_id="req-1",
        details=AWKWARD_DETAILS,
    )
    assert event_hash(content, position=1, previous_hash="") == REGISTRY_EVENT_HASH


@pytest.mark.parametrize(
    "details",
    [
        {"emoji": "\U0001f680 rocket", "controls": "\x01\x7f\t\n\r\b\f", "bidi": "\u202e\u200b\ufeff"},
        {"Z": 1, "a": 2, "\u00e9": 3, "z": 4, "\U0001f600": 5, "": 6, "A b": {"y": [], "x": [[], {}]}},
        {"big": 12345678901234567890, "neg": -7, "small": 0.000001, "e": 2.5e-10, "float": 123456.789, "third": 1 / 3},
        {"quote": '"\\/', "empty": "", "list": ["a", 1, 1.0, None, False, {"k": "v"}]},
        {"edges of plain": " !#$%&'()*+,-./0189:;<=>?@AZ[]^_`az{|}~", "[": "]", "del": "~\x7f"},
        {},
    ],
)
async def test_the_database_hashes_the_same_bytes_as_python(database_url: str, details: dict[str, Any]) -> None:
    """On PostgreSQL the insert trigger recomputes every hash (migration 8): an event whose canonical content the
    SQL built differently from ``models/audit/chain.py`` would be refused here."""
    async with connected(database_url):
        async with write_transaction() as conn:
            written = await record(
                conn,
                action=AuditAction.MODEL_UPDATED,
                actor="s\u00e9curit\u00e9 \U0001f512",
                model=None,
                request_id=None,
                reason='line one\nline "two"',
                details=details,
                at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            )
        assert written.hash
        assert all(report.intact for report in await verify())


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite's triggers check no hash (docs/security.md)
async def test_the_database_encodes_every_string_as_json_dumps(database_url: str) -> None:
    """PostgreSQL's trigger quotes a plain string as it is and walks the others (migrations 8 and 11): every
    ASCII character, alone and beside plain ones, and some beyond ASCII, give ``json.dumps``'s bytes."""
    samples = [chr(code) for code in range(1, 128)] + ["\u00e9", "\u2028", "\U0001f512", "", "plain text"]
    samples += [f"a{sample}z" for sample in samples]
    pg = await asyncpg.connect(database_url)
    try:
        rows = await pg.fetch(
            'SELECT text, "audit_event_json_text"(text) AS json FROM unnest($1::text[]) AS text', samples
        )
    finally:
        await pg.close()
    assert {row["text"]: row["json"] for row in rows} == {text: json.dumps(text) for text in samples}


async def _tamper(database_url: str, *statements: str) -> None:
    """Run SQL as an attacker who can switch the append-only triggers off."""
    if database_url.startswith("sqlite:"):
        db = sqlite3.connect(database_url.removeprefix("sqlite://"))
        try:
            for trigger in ("audit_event_no_update", "audit_event_no_delete", "audit_event_chained_insert"):
                db.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')
            for statement in statements:
                db.execute(statement)
            db.commit()
        finally:
            db.close()
        return
    pg = await asyncpg.connect(database_url)
    try:
        await pg.execute("SET session_replication_role = replica")  # ordinary triggers do not fire
        for statement in statements:
            await pg.execute(statement)
    finally:
        await pg.close()


async def _churn_events() -> list[AuditEvent]:
    return await AuditEvent.filter(model_name="churn").order_by("id")


def _rehashed(event: AuditEvent, *, actor: str) -> str:
    content = Content(
        action=event.action.value,
        actor=actor,
        at=event.at,
        model_id=event.model_id,
        model_name=event.model_name,
        version_id=event.version_id,
        environment=event.environment,
        previous_version_id=event.previous_version_id,
        reason=event.reason,
        request_id=event.request_id,
        details=event.details,
    )
    return event_hash(content, position=event.chain_seq, previous_hash=event.previous_hash)


#: attack -> (SQL given the churn chain's events, expected finding: kind, index of the event named, position)
ATTACKS: dict[str, tuple[Callable[[list[AuditEvent]], list[str]], tuple[Tampering, int | None, int]]] = {
    "edited": (
        lambda e: [f"UPDATE audit_event SET reason = 'routine' WHERE id = {e[5].id}"],
        (Tampering.ALTERED, 5, 6),
    ),
    "edited-and-rehashed": (
        lambda e: [
            f"UPDATE audit_event SET actor = 'mallory', hash = '{_rehashed(e[5], actor='mallory')}' "
            f"WHERE id = {e[5].id}"
        ],
        (Tampering.ALTERED, 5, 6),
    ),
    "deleted": (lambda e: [f"DELETE FROM audit_event WHERE id = {e[5].id}"], (Tampering.REMOVED, 6, 6)),
    "first-deleted": (lambda e: [f"DELETE FROM audit_event WHERE id = {e[0].id}"], (Tampering.REMOVED, 1, 1)),
    "swapped": (
        lambda e: [
            f"UPDATE audit_event SET id = -1 WHERE id = {e[5].id}",
            f"UPDATE audit_event SET id = {e[5].id} WHERE id = {e[6].id}",
            f"UPDATE audit_event SET id = {e[6].id} WHERE id = -1",
        ],
        (Tampering.REORDERED, 5, 6),
    ),
    # SQLite keeps text in an integer column; `audit verify` must report it, not crash (PostgreSQL refuses it).
    "position-not-a-number": (
        lambda e: [f"UPDATE audit_event SET chain_seq = 'six' WHERE id = {e[5].id}"],
        (Tampering.ALTERED, 5, 6),
    ),
    "all-deleted": (
        lambda e: [f"DELETE FROM audit_event WHERE model_id = {e[0].model_id}"],
        (Tampering.REMOVED, None, 1),
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_verify_reports_the_first_tampered_event(database_url: str, attack: str) -> None:
    sql, (kind, index, position) = ATTACKS[attack]
    async with connected(database_url):
        await _history()
        events = await _churn_events()
        if attack == "position-not-a-number" and not database_url.startswith("sqlite:"):
            # PostgreSQL's bigint column refuses the text itself: there is nothing for verify to find.
            with pytest.raises(asyncpg.InvalidTextRepresentationError):
                await _tamper(database_url, *sql(events))
            return
        await _tamper(database_url, *sql(events))
        reports = _by_model(await verify())

    finding = reports["churn"].finding
    assert finding is not None, f"{attack} went unnoticed"
    assert (finding.kind, finding.event_id, finding.position) == (
        kind,
        events[index].id if index is not None else None,
        position,
    ), finding.message
    assert reports["churn"].head_position == position - 1
    assert reports["fraud"].intact and reports[None].intact


async def test_the_database_refuses_to_change_or_forge_events(database_url: str) -> None:
    async with connected(database_url):
        await _history()
        events = await _churn_events()
        conn = connection()
        forged = (
            "INSERT INTO audit_event (action, actor, at, model_id, model_name, details, chain_seq, previous_hash, "
            "hash) VALUES ('PROMOTED', 'mallory', '2026-01-01T00:00:00+00:00', {model}, 'churn', '{{}}', {seq}, "
            "'{previous}', '{digest}')"
        )
        model_id, last = events[0].model_id, len(events)
        attempts: dict[str, tuple[Callable[[], Awaitable[Any]], str]] = {
            "update": (
                lambda: AuditEvent.filter(id=events[3].id).update(reason="routine"),
                "audit_event is append-only: UPDATE is refused",
            ),
            "delete": (
                lambda: AuditEvent.filter(id=events[-1].id).delete(),
                "audit_event is append-only: DELETE is refused",
            ),
            "delete all": (
                lambda: conn.execute_script("DELETE FROM audit_event"),
                "audit_event is append-only: DELETE is refused",
            ),
            "insert without hash": (
                lambda: conn.execute_script(
                    forged.format(model=model_id, seq=last + 1, previous=events[-1].hash, digest="")
                ),
                "audit_event: an event must extend its chain",
            ),
            "insert off the chain": (
                lambda: conn.execute_script(
                    forged.format(model=model_id, seq=last + 1, previous=events[3].hash, digest="f" * 64)
                ),
                "audit_event: an event must extend its chain",
            ),
            "insert at a taken position": (
                lambda: conn.execute_script(
                    forged.format(model=model_id, seq=4, previous=events[2].hash, digest="f" * 64)
                ),
                # PostgreSQL recomputes the hash first (migration 8); SQLite has only the unique index.
                HASH_REFUSED if dialect() == "postgres" else "UNIQUE constraint failed",
            ),
        }
        if dialect() == "postgres":
            # An INSERT-only user cannot append an event whose hash is made up: the trigger recomputes it.
            attempts["insert with a made-up hash"] = (
                lambda: conn.execute_script(
                    forged.format(model=model_id, seq=last + 1, previous=events[-1].hash, digest="f" * 64)
                ),
                HASH_REFUSED,
            )
            attempts["truncate"] = (
                lambda: conn.execute_script("TRUNCATE audit_event CASCADE"),
                "audit_event is append-only: TRUNCATE is refused",
            )
        for name, (attempt, message) in attempts.items():
            with pytest.raises(BaseORMException) as refused:
                await attempt()
            assert message in str(refused.value), f"{name}: {refused.value}"
        assert await _churn_events() == events
        assert [(e.reason, e.actor) for e in await _churn_events()] == [(e.reason, e.actor) for e in events]
        assert all(report.intact for report in await verify())


async def test_concurrent_writers_of_the_registry_chain_keep_one_chain(database_url: str) -> None:
    async with connected(database_url):
        # On PostgreSQL each transaction has its own connection, so only the advisory lock orders them.
        await asyncio.gather(*(_registry_event(reason=f"change {n}") for n in range(12)))
        (registry,) = [report for report in await verify() if report.model is None]
    assert (registry.events, registry.head_position, registry.finding) == (12, 12, None)


POSTGRES_ADMIN_URL = os.environ.get("MODELREG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def _empty_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite://{tmp_path / 'legacy.sqlite3'}"
        return
    name = f"modelreg_test_legacy_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _migrate_to_the_first_schema(url: str, tmp_path: Path) -> None:
    """The database as a modelreg from before the audit chain left it: migration 0 only."""
    location = tmp_path / "migrations"
    (location / "models").mkdir(parents=True)
    (first,) = (MIGRATIONS / "models").glob("0_*.py")
    shutil.copy(first, location / "models" / first.name)
    command = Command(tortoise_config(url), app="models", location=str(location))
    try:
        await command.init()
        await command.upgrade(run_in_transaction=True)
    finally:
        await Tortoise.close_connections()


#: (model index or None, action) in id order: two models' events interleaved, and one registry-level event.
LEGACY = [
    (0, "MODEL_CREATED"),
    (1, "MODEL_CREATED"),
    (0, "MODEL_UPDATED"),
    (None, "MODEL_UPDATED"),
    (1, "MODEL_UPDATED"),
]


async def _write_legacy_history(url: str) -> None:
    stamp = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    models = "INSERT INTO model (name, created_at, created_by, updated_at, version_count) VALUES ({})"
    events = "INSERT INTO audit_event (action, actor, at, model_id, model_name, reason, details) VALUES ({})"
    rows = [
        (action, "old-server", stamp, None if m is None else m + 1, "" if m is None else f"old-{m}", None, '{"n": 1.0}')
        for m, action in LEGACY
    ]
    if url.startswith("sqlite:"):
        db = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            text = str(stamp).replace("T", " ")
            db.executemany(models.format("?, ?, ?, ?, 0"), [(f"old-{m}", text, "old-server", text) for m in range(2)])
            db.executemany(events.format("?, ?, ?, ?, ?, ?, ?"), [(*r[:2], text, *r[3:]) for r in rows])
            db.commit()
        finally:
            db.close()
        return
    pg = await asyncpg.connect(url)
    try:
        await pg.executemany(
            models.format("$1, $2, $3, $4, 0"), [(f"old-{m}", stamp, "old-server", stamp) for m in range(2)]
        )
        await pg.executemany(events.format("$1, $2, $3, $4, $5, $6, $7::jsonb"), rows)
    finally:
        await pg.close()


def _fresh(step: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Run a step that initialises Tortoise itself (as each command does) outside this test's ORM context."""
    return asyncio.create_task(step, context=contextvars.Context())


async def test_migrating_a_registry_with_history_seals_its_old_events(backend: str, tmp_path: Path) -> None:
    EXECUTOR_CACHE.clear()  # as the database_url fixture does: this test process alternates backends
    async with _empty_database(backend, tmp_path) as url:
        await _fresh(_migrate_to_the_first_schema(url, tmp_path))
        await _write_legacy_history(url)
        await _fresh(migrate(url))  # applies the chain's migration, then seals the events it found
        async with connected(url):
            sealed = await AuditEvent.all().order_by("id")
            assert [(e.model_id, e.chain_seq) for e in sealed] == [(1, 1), (2, 1), (1, 2), (None, 1), (2, 2)]
            assert sealed[2].previous_hash == sealed[0].hash and sealed[4].previous_hash == sealed[1].hash
            await update_model(name="old-0", actor="new-server", description="after the upgrade")
            reports = _by_model(await verify())
            with pytest.raises(BaseORMException, match="append-only"):
                await AuditEvent.filter(id=sealed[0].id).update(hash="")
        assert {model: (r.events, r.intact) for model, r in reports.items()} == {
            "old-0": (3, True),
            "old-1": (2, True),
            None: (1, True),
        }
        await _fresh(migrate(url))  # nothing left to seal, nothing changes
        async with connected(url):
            assert [e.hash for e in await AuditEvent.all().order_by("id")][:5] == [e.hash for e in sealed]


def _modelreg(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *arguments],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_audit_verify_command_exits_1_and_names_the_tampered_event(database_url: str) -> None:
    async with connected(database_url):
        await _history()
        events = await _churn_events()
    intact = _modelreg("audit", "verify", "--database-url", database_url)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.splitlines()[-1] == "3 chains, 16 events: 3 intact, 0 tampered"
    assert f"intact    model churn: 11 events, head 11 {events[-1].hash}" in intact.stdout

    await _tamper(database_url, f"UPDATE audit_event SET environment = 'staging' WHERE id = {events[5].id}")
    tampered = _modelreg("audit", "verify", "--database-url", database_url)
    assert tampered.returncode == 1, tampered.stderr
    assert (
        f"TAMPERED  model churn: 11 events; altered: event {events[5].id} (position 6) was altered: "
        "its content does not match its hash"
    ) in tampered.stdout.splitlines()
    assert tampered.stdout.splitlines()[-1] == "3 chains, 16 events: 2 intact, 1 tampered"

    one = _modelreg("audit", "verify", "--model", "fraud", "--json", "--database-url", database_url)
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["chains"][0] | {"head_hash": None} == {
        "model": "fraud",
        "events": 3,
        "head_position": 3,
        "head_hash": None,
        "finding": None,
        "intact": True,
    }
    unknown = _modelreg("audit", "verify", "--model", "nope", "--database-url", database_url)
    assert (unknown.returncode, unknown.stdout) == (4, "")
    assert unknown.stderr == "modelreg: no model named 'nope' and no audit events for it\n"
