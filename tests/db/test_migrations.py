"""Migrations over time: a registry created by the first migration and filled with data is upgraded to the
latest schema, and its data and invariants survive; ``modelreg migrate --check`` lists what is pending and
applies nothing. Written for any number of later migrations (none, or many).

The data is written with SQL against the first migration's tables (which never change), not through the
ORM, whose models always describe the latest schema.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
import pytest
from aerich import Command
from aerich.utils import decompress_dict, get_models_describe
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from models.db.connection import connected, connection, tortoise_config
from models.db.migrate import MIGRATIONS, pending
from models.deployments.operations import promote
from models.entities import (
    ApiToken,
    AuditAction,
    AuditEvent,
    Deployment,
    IdempotencyRecord,
    Metric,
    ModelTag,
    ModelVersion,
    RegisteredModel,
    VersionTag,
)
from models.registry.operations import Registration, register_version
from tests.conftest import POSTGRES_URL, _forget_dialect
from tests.support.instances import ledger
from tests.support.server import REPO, environment

ALL_MIGRATIONS = sorted((MIGRATIONS / "models").glob("[0-9]*_*.py"), key=lambda path: int(path.name.split("_")[0]))
FIRST = ALL_MIGRATIONS[0]
T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (the ``database_url`` fixture's are already migrated)."""
    _forget_dialect()
    if backend == "sqlite":
        yield f"sqlite://{tmp_path / 'old.sqlite3'}"
        return
    name = f"modelreg_test_ops_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_URL

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(admin_url, timeout=10)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _apply_first_migration_only(url: str, folder: Path) -> None:
    (folder / "models").mkdir(parents=True)
    shutil.copy(FIRST, folder / "models" / FIRST.name)
    command = Command(tortoise_config(url), app="models", location=str(folder))
    try:
        await command.init()
        assert await command.upgrade(run_in_transaction=True) == [FIRST.name]
    finally:
        await Tortoise.close_connections()


async def _insert(table: str, row: dict[str, Any]) -> int | None:
    """INSERT with the first migration's columns; returns the new id (None for tables keyed otherwise)."""
    conn = connection()
    columns = ", ".join(f'"{column}"' for column in row)
    values = [json.dumps(v) if isinstance(v, dict | list) else v for v in row.values()]
    postgres = conn.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(row) + 1))
    returning = ' RETURNING "id"' if "sha256" not in row else ""
    rows = await conn.execute_query_dict(f'INSERT INTO "{table}" ({columns}) VALUES ({marks}){returning}', values)
    return int(rows[0]["id"]) if returning else None


async def _fill_first_schema(url: str) -> None:
    """A small registry as the first schema stored it: a token, an artifact, a model with tags, two versions
    with metrics and tags, a production deployment history (v1 then v2), the audit trail, an idempotency key."""
    async with connected(url):
        await _insert(
            "api_token",
            {"name": "ops", "role": "deployer", "secret_hash": "a" * 64, "created_at": T0, "last_used_at": None},
        )
        await _insert("artifact", {"sha256": "b" * 64, "size_bytes": 1234, "created_at": T0, "created_by": "ci"})
        model = await _insert(
            "model",
            {
                "name": "churn",
                "description": "predicts churn",
                "created_at": T0,
                "created_by": "ci",
                "updated_at": T0,
                "version_count": 2,
            },
        )
        await _insert("model_tag", {"model_id": model, "key": "team", "value": "growth"})
        versions = []
        for number in (1, 2):
            version = await _insert(
                "version",
                {
                    "model_id": model,
                    "number": number,
                    "status": "READY",
                    "description": f"v{number}",
                    "hyperparameters": {"C": number},
                    "feature_names": ["tenure", "plan"],
                    "model_type": "LogisticRegression",
                    "framework": "scikit-learn",
                    "artifact_id": "b" * 64 if number == 2 else None,
                    "artifact_format": "joblib" if number == 2 else None,
                    "created_at": T0 + timedelta(minutes=number),
                    "created_by": "ci",
                },
            )
            versions.append(version)
            metric = {"model_id": model, "version_id": version, "name": "auc", "value": (0.81, 0.82)[number - 1]}
            await _insert("metric", metric)
            await _insert("version_tag", {"version_id": version, "key": "stage", "value": f"s{number}"})
            await _insert(
                "audit_event",
                {
                    "action": "VERSION_REGISTERED",
                    "actor": "ci",
                    "at": T0 + timedelta(minutes=number),
                    "model_name": "churn",
                    "model_id": model,
                    "version_id": version,
                    "details": {},
                },
            )
        first_at, second_at = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
        first = await _insert(
            "deployment",
            {
                "model_id": model,
                "version_id": versions[0],
                "environment": "production",
                "deployed_at": first_at,
                "deployed_by": "ops",
                "retired_at": second_at,
                "retired_by": "ops",
                "retired_reason": "v2 is better",
            },
        )
        second = await _insert(
            "deployment",
            {
                "model_id": model,
                "version_id": versions[1],
                "environment": "production",
                "deployed_at": second_at,
                "deployed_by": "ops",
                "reason": "v2 is better",
            },
        )
        for at, version, deployed, retired, previous in (
            (first_at, versions[0], first, None, None),
            (second_at, versions[1], second, first, versions[0]),
        ):
            await _insert(
                "audit_event",
                {
                    "action": "PROMOTED",
                    "actor": "ops",
                    "at": at,
                    "model_name": "churn",
                    "environment": "production",
                    "model_id": model,
                    "version_id": version,
                    "previous_version_id": previous,
                    "request_id": f"request-{deployed}",
                    "details": {"deploymentId": deployed, "retiredDeploymentId": retired},
                },
            )
        await _insert(
            "idempotency_record",
            {
                "principal": "ops",
                "key": "release-7",
                "operation": "promote",
                "request_hash": "c" * 64,
                "result": {"deployment": second, "previous": first, "changed": True},
                "created_at": datetime.now(UTC),
            },
        )


def _pending_lines(names: list[str]) -> list[str]:
    return [*(f"pending: {name}" for name in names), f"{len(names)} pending migration(s)"]


def _check(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate", "--check", "--database-url", url],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _applied(url: str) -> list[str]:
    async with connected(url):
        rows = await connection().execute_query_dict('SELECT "version" FROM "aerich" ORDER BY "id"')
    return [row["version"] for row in rows]


def test_migrate_check_lists_pending_migrations_and_applies_none(empty_database_url: str) -> None:
    checked = _check(empty_database_url)
    assert checked.returncode == 1, checked.stderr
    names = [path.name for path in ALL_MIGRATIONS]
    assert checked.stdout.splitlines() == _pending_lines(names)
    if empty_database_url.startswith("sqlite"):
        path = empty_database_url.removeprefix("sqlite://")
        # Nothing applied: no table was created (at most an empty file was opened).
        assert not os.path.exists(path) or _sqlite_tables(path) == []
    else:
        assert asyncio.run(_postgres_tables(empty_database_url)) == []


def _sqlite_tables(path: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


async def _postgres_tables(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return [row["tablename"] for row in rows]


def test_a_registry_from_the_first_migration_upgrades_with_its_data(empty_database_url: str, tmp_path: Path) -> None:
    url = empty_database_url
    asyncio.run(_apply_first_migration_only(url, tmp_path / "first-migration-only"))
    asyncio.run(_fill_first_schema(url))
    later = [path.name for path in ALL_MIGRATIONS[1:]]

    checked = _check(url)  # lists the later migrations, applies nothing
    assert checked.returncode == (1 if later else 0), checked.stderr
    assert checked.stdout.splitlines() == _pending_lines(later)
    assert asyncio.run(_applied(url)) == [FIRST.name]

    upgraded = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate", "--database-url", url],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.splitlines() == [*(f"applied: {name}" for name in later), "database is up to date"]
    assert asyncio.run(_applied(url)) == [path.name for path in ALL_MIGRATIONS]
    assert asyncio.run(pending(url)) == []
    assert _check(url).returncode == 0

    asyncio.run(_data_survived(url))
    book = asyncio.run(ledger(url))
    assert book.violations == []
    assert len(book.deployments) == 3  # the two from the first schema and the promotion made after the upgrade


async def _data_survived(url: str) -> None:
    async with connected(url):
        model = await RegisteredModel.get(name="churn")
        assert (model.description, model.version_count, model.created_at) == ("predicts churn", 2, T0)
        assert [(t.key, t.value) for t in await ModelTag.filter(model_id=model.id)] == [("team", "growth")]
        versions = await ModelVersion.filter(model_id=model.id).order_by("number")
        assert [(v.number, v.description, v.hyperparameters, v.feature_names) for v in versions] == [
            (1, "v1", {"C": 1}, ["tenure", "plan"]),
            (2, "v2", {"C": 2}, ["tenure", "plan"]),
        ]
        assert versions[1].artifact_id == "b" * 64 and versions[0].artifact_id is None
        # Tortoise types values_list() as tuples even with flat=True.
        values = cast("list[float]", await Metric.filter(model_id=model.id).values_list("value", flat=True))
        assert sorted(values) == [0.81, 0.82]
        tags = cast("list[str]", await VersionTag.filter(version_id=versions[1].id).values_list("value", flat=True))
        assert tags == ["s2"]
        (active,) = await Deployment.filter(model_id=model.id, retired_at=None)
        assert active.version_id == versions[1].id
        assert await AuditEvent.filter(model_id=model.id).count() == 4
        assert (await ApiToken.get(name="ops")).role.value == "deployer"
        assert (await IdempotencyRecord.get(key="release-7")).result["changed"] is True

        # The invariants are still the database's: a second active deployment, a duplicate version number and
        # a reused idempotency key are refused.
        with pytest.raises(IntegrityError):
            await Deployment.create(
                model_id=model.id, version_id=versions[0].id, environment="production", deployed_at=T0, deployed_by="x"
            )
        with pytest.raises(IntegrityError):
            await ModelVersion.create(model_id=model.id, number=2, hyperparameters={}, created_at=T0, created_by="x")
        # And the registry works on: numbering continues, a promotion retires the old deployment with an event.
        registered = await register_version(model="churn", registration=Registration(), actor="ci")
        assert registered.version.number == 3
        promoted = await promote(model="churn", version=3, actor="ops", reason="after the upgrade")
        assert promoted.changed and promoted.previous is not None and promoted.previous.id == active.id
        assert await AuditEvent.filter(model_id=model.id, action=AuditAction.PROMOTED).count() == 3


async def test_the_latest_migration_records_the_models_as_they_are(tmp_path: Path) -> None:
    """aerich diffs the next migration against the newest file's MODELS_STATE: a stale one would make
    ``aerich migrate`` emit again what earlier migrations already did (docs/architecture.md, "Migrations")."""
    last = ALL_MIGRATIONS[-1]
    spec = importlib.util.spec_from_file_location(last.stem, last)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorded = decompress_dict(module.MODELS_STATE)
    await Tortoise.init(config=tortoise_config(f"sqlite://{tmp_path / 'describe.sqlite3'}"))
    try:
        assert recorded == json.loads(json.dumps(get_models_describe("models"), default=str)), (
            f"regenerate MODELS_STATE in {last.name} from the current models"
        )
    finally:
        await Tortoise.close_connections()
