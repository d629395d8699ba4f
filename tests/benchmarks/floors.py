"""In-process floors: what the dashboard and a promotion cost with hand-written SQL on the raw driver.

The dashboard floor reads exactly the data of ``examples/dashboard.graphql`` in 9 statements and builds the
same JSON (the benchmark checks it equals modelreg's ``data`` before timing anything), serialized with orjson.
The promotion floor is the minimal transaction: lock the model, read the version and the active deployment,
retire it, insert the new one and its audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from models.audit.chain import Content, event_hash
from tests.benchmarks.database import Raw

PRODUCTION = "production"
NEWEST = 5
HISTORY = 5


def _when(value: Any) -> str | None:
    """The API's DateTime text: SQLite hands back what Tortoise stored (UTC, ``isoformat(" ")``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return f"{value[:10]}T{value[11:]}"


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


async def dashboard_data(raw: Raw, first: int = 100) -> dict[str, Any]:
    """The dashboard's ``data``, read with hand-written SQL."""
    stats = (
        await raw.fetch(
            "SELECT (SELECT COUNT(*) FROM model), (SELECT COUNT(*) FROM version), "
            "(SELECT COUNT(*) FROM deployment WHERE retired_at IS NULL AND environment = ?), "
            "(SELECT COUNT(*) FROM audit_event WHERE action IN ('PROMOTED', 'ROLLED_BACK'))",
            [PRODUCTION],
        )
    )[0]
    models = await raw.fetch(
        "SELECT id, name, description, version_count FROM model ORDER BY name, id LIMIT ?", [first]
    )
    ids = [row[0] for row in models]
    if not ids:
        return _assemble(stats, models, {}, {}, {}, {}, {}, {}, {})
    marks = _marks(ids)
    model_tags: dict[int, list[dict[str, str]]] = defaultdict(list)
    for model_id, key, value in await raw.fetch(
        f"SELECT model_id, key, value FROM model_tag WHERE model_id IN ({marks}) ORDER BY model_id, key", ids
    ):
        model_tags[model_id].append({"key": key, "value": value})
    production = {
        row[0]: row
        for row in await raw.fetch(
            "SELECT d.model_id, d.deployed_at, d.deployed_by, d.reason, v.id, v.number, v.model_type "
            f"FROM deployment d JOIN version v ON v.id = d.version_id WHERE d.model_id IN ({marks}) "
            "AND d.environment = ? AND d.retired_at IS NULL",
            [*ids, PRODUCTION],
        )
    }
    # Version numbers are dense and never reused, so a model's newest five are the numbers above count - 5.
    newest: dict[int, list[Sequence[Any]]] = defaultdict(list)
    for row in await raw.fetch(
        "SELECT v.model_id, v.id, v.number, v.status, v.created_at FROM version v JOIN model m ON m.id = v.model_id "
        f"WHERE v.model_id IN ({marks}) AND v.number > m.version_count - ? ORDER BY v.model_id, v.number DESC",
        [*ids, NEWEST],
    ):
        newest[row[0]].append(row)
    newest_ids = [row[1] for rows in newest.values() for row in rows]
    production_ids = [row[4] for row in production.values()]
    metric_ids = list(dict.fromkeys([*production_ids, *newest_ids]))
    metrics: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for version_id, name, value in await raw.fetch(
        f"SELECT version_id, name, value FROM metric WHERE version_id IN ({_marks(metric_ids)}) "
        "ORDER BY version_id, name",
        metric_ids,
    ):
        metrics[version_id].append({"name": name, "value": value})
    version_tags: dict[int, list[dict[str, str]]] = defaultdict(list)
    if production_ids:
        for version_id, key, value in await raw.fetch(
            f"SELECT version_id, key, value FROM version_tag WHERE version_id IN ({_marks(production_ids)}) "
            "ORDER BY version_id, key",
            production_ids,
        ):
            version_tags[version_id].append({"key": key, "value": value})
    environments: dict[int, list[str]] = defaultdict(list)
    for version_id, environment in await raw.fetch(
        f"SELECT version_id, environment FROM deployment WHERE version_id IN ({_marks(newest_ids)}) "
        "AND retired_at IS NULL ORDER BY version_id, environment",
        newest_ids,
    ):
        environments[version_id].append(environment)
    history: dict[int, list[Sequence[Any]]] = defaultdict(list)
    for row in await raw.fetch(
        "SELECT model_id, environment, retired_at, deployed_at, reason, number, total FROM ("
        "SELECT d.model_id, d.environment, d.retired_at, d.deployed_at, d.reason, v.number, "
        "ROW_NUMBER() OVER (PARTITION BY d.model_id ORDER BY d.deployed_at DESC, d.id DESC) AS rn, "
        "COUNT(*) OVER (PARTITION BY d.model_id) AS total "
        f"FROM deployment d JOIN version v ON v.id = d.version_id WHERE d.model_id IN ({marks})) ranked "
        "WHERE rn <= ? ORDER BY model_id, rn",
        [*ids, HISTORY],
    ):
        history[row[0]].append(row)
    return _assemble(stats, models, model_tags, production, newest, metrics, version_tags, environments, history)


def _assemble(
    stats: Sequence[Any],
    models: list[Sequence[Any]],
    model_tags: dict[int, list[dict[str, str]]],
    production: dict[int, Sequence[Any]],
    newest: dict[int, list[Sequence[Any]]],
    metrics: dict[int, list[dict[str, Any]]],
    version_tags: dict[int, list[dict[str, str]]],
    environments: dict[int, list[str]],
    history: dict[int, list[Sequence[Any]]],
) -> dict[str, Any]:
    nodes = []
    for model_id, name, description, version_count in models:
        active = production.get(model_id)
        runs = history.get(model_id, [])
        nodes.append(
            {
                "name": name,
                "description": description,
                "versionCount": version_count,
                "tags": model_tags.get(model_id, []),
                "production": None
                if active is None
                else {
                    "deployedAt": _when(active[1]),
                    "deployedBy": active[2],
                    "reason": active[3],
                    "version": {
                        "number": active[5],
                        "modelType": active[6],
                        "metrics": metrics.get(active[4], []),
                        "tags": version_tags.get(active[4], []),
                    },
                },
                "versions": {
                    "nodes": [
                        {
                            "number": number,
                            "status": status,
                            "createdAt": _when(created_at),
                            "activeEnvironments": environments.get(version_id, []),
                            "metrics": metrics.get(version_id, []),
                        }
                        for _, version_id, number, status, created_at in newest.get(model_id, [])
                    ]
                },
                "deploymentHistory": {
                    "totalCount": runs[0][6] if runs else 0,
                    "nodes": [
                        {
                            "environment": environment,
                            "active": retired_at is None,
                            "deployedAt": _when(deployed_at),
                            "reason": reason,
                            "version": {"number": number},
                        }
                        for _, environment, retired_at, deployed_at, reason, number, _ in runs
                    ],
                },
            }
        )
    return {
        "registryStatistics": {
            "modelCount": stats[0],
            "versionCount": stats[1],
            "modelsInProduction": stats[2],
            "promotionCount": stats[3],
        },
        "models": {"totalCount": stats[0], "nodes": nodes},
    }


async def dashboard_floor(raw: Raw) -> bytes:
    """One floor request: read, build, serialize, as a JSON route would answer."""
    return orjson.dumps({"data": await dashboard_data(raw)})


async def promote_floor(raw: Raw, *, model: str, version: int, actor: str, reason: str) -> None:
    """A promotion in hand-written SQL, one transaction with its audit event (the stored details match)."""
    stamp_value = datetime.now(UTC)
    stamp: Any = stamp_value.isoformat(" ") if raw.backend == "sqlite" else stamp_value
    if raw.sqlite is not None:
        await raw.sqlite.execute("BEGIN IMMEDIATE")
        try:
            await _promote_statements(raw, model, version, actor, reason, stamp, lock="")
        except BaseException:
            await raw.sqlite.execute("ROLLBACK")
            raise
        await raw.sqlite.execute("COMMIT")
        return
    assert raw.postgres is not None
    async with raw.postgres.transaction():
        await _promote_statements(raw, model, version, actor, reason, stamp, lock=" FOR UPDATE")


async def _promote_statements(
    raw: Raw, model: str, version: int, actor: str, reason: str, stamp: Any, *, lock: str
) -> None:
    model_id = (await raw.fetch(f"SELECT id FROM model WHERE name = ?{lock}", [model]))[0][0]
    version_id, status = (
        await raw.fetch("SELECT id, status FROM version WHERE model_id = ? AND number = ?", [model_id, version])
    )[0]
    if status != "READY":
        raise RuntimeError(f"version {version} of {model} is {status}")
    active = await raw.fetch(
        "SELECT d.id, d.version_id, v.number FROM deployment d JOIN version v ON v.id = d.version_id "
        "WHERE d.model_id = ? AND d.environment = ? AND d.retired_at IS NULL",
        [model_id, PRODUCTION],
    )
    previous = active[0] if active else None
    if previous is not None:
        await raw.execute(
            "UPDATE deployment SET retired_at = ?, retired_by = ?, retired_reason = ? WHERE id = ?",
            [stamp, actor, reason, previous[0]],
        )
    deployment_id = (
        await raw.fetch(
            "INSERT INTO deployment (model_id, version_id, environment, deployed_at, deployed_by, reason) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [model_id, version_id, PRODUCTION, stamp, actor, reason],
        )
    )[0][0]
    details = {
        "deploymentId": deployment_id,
        "retiredDeploymentId": previous[0] if previous else None,
        "previousVersion": previous[2] if previous else None,
    }
    # The event extends the model's hash chain, as models/audit/record.py does: read the head, hash, insert.
    head = await raw.fetch(
        "SELECT chain_seq, hash FROM audit_event WHERE model_id = ? ORDER BY id DESC LIMIT 1", [model_id]
    )
    position, previous_hash = (int(head[0][0]) + 1, str(head[0][1])) if head else (1, "")
    content = Content(
        action="PROMOTED",
        actor=actor,
        at=datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp,
        model_id=model_id,
        model_name=model,
        version_id=version_id,
        environment=PRODUCTION,
        previous_version_id=previous[1] if previous else None,
        reason=reason,
        request_id=None,
        details=details,
    )
    await raw.execute(
        "INSERT INTO audit_event (action, actor, at, model_id, model_name, version_id, environment, "
        "previous_version_id, reason, details, chain_seq, previous_hash, hash) "
        "VALUES ('PROMOTED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            actor,
            stamp,
            model_id,
            model,
            version_id,
            PRODUCTION,
            previous[1] if previous else None,
            reason,
            orjson.dumps(details).decode(),
            position,
            previous_hash,
            event_hash(content, position=position, previous_hash=previous_hash),
        ],
    )
