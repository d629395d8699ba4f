"""A deterministic registry of N models x M versions, written in bulk.

Every row is what the real operations would have written, in the order they would have written it:

- each model created by ``createModel`` (two tags, a description; MODEL_CREATED event), then M versions
  registered by ``registerVersion`` (6 metrics, 5 tags, a description, hyperparameters, feature names;
  VERSION_REGISTERED event each, ``version_count`` = M, ``updated_at`` = the last registration);
- 6 promotions to production per model, each right after the version it promotes was registered: the
  previous deployment retired with the promotion's time, actor and reason, exactly one active at the end,
  and a PROMOTED event with the details ``promote`` writes;
- one clock for everything, so audit event ids, deployment ids and timestamps all increase together.

``check_invariants`` verifies the result with SQL; ``tests/db/test_bench_fixture.py`` runs the real
operations and the dashboard on a generated registry.

Rows go through the server's own drivers without the ORM: ``executemany`` on SQLite, ``COPY`` (asyncpg's
``copy_records_to_table``) on PostgreSQL, a chunk of models per transaction. Ids are assigned here (the
tables must be empty), and PostgreSQL's sequences are moved past them afterwards.

Run alone: ``python -m tests.benchmarks.fixture --models 100 --versions 20 --database-url sqlite://x.db``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from models.audit.chain import Content, event_hash
from tests.benchmarks.database import Raw, sqlite_path

SEED = 4
#: Sorted, as the API returns them.
METRICS = ("accuracy", "f1", "log_loss", "precision", "recall", "roc_auc")
PROMOTIONS = 6
ENVIRONMENT = "production"
START = datetime(2026, 1, 1, tzinfo=UTC)
OWNER = "ml-platform"
TRAINER = "training-pipeline"
RELEASER = "release-bot"
#: Models written per transaction.
CHUNK_MODELS = 250

_MODEL_TYPES = (
    "sklearn.linear_model.LogisticRegression",
    "sklearn.ensemble.RandomForestClassifier",
    "sklearn.ensemble.HistGradientBoostingClassifier",
    "sklearn.svm.SVC",
)
_DOMAINS = ("churn", "fraud", "credit", "ranking", "forecast", "vision", "nlp", "pricing")
_STAGES = ("candidate", "validated", "shadow", "canary")
_FEATURES = tuple(f"feature_{index:02d}" for index in range(24))
#: feature_names as stored: the first 12..24 features, encoded once.
_FEATURE_JSON = {count: orjson.dumps(list(_FEATURES[:count])).decode() for count in range(12, 25)}

COLUMNS: dict[str, tuple[str, ...]] = {
    "model": ("id", "name", "description", "created_at", "created_by", "updated_at", "version_count"),
    "model_tag": ("id", "model_id", "key", "value"),
    "version": (
        "id",
        "model_id",
        "number",
        "status",
        "description",
        "hyperparameters",
        "feature_names",
        "model_type",
        "framework",
        "dataset_version",
        "training_duration_seconds",
        "artifact_id",
        "artifact_format",
        "created_at",
        "created_by",
    ),
    "version_tag": ("id", "version_id", "key", "value"),
    "metric": ("id", "version_id", "model_id", "name", "value"),
    "deployment": (
        "id",
        "model_id",
        "version_id",
        "environment",
        "deployed_at",
        "deployed_by",
        "reason",
        "retired_at",
        "retired_by",
        "retired_reason",
    ),
    "audit_event": (
        "id",
        "action",
        "actor",
        "at",
        "model_id",
        "model_name",
        "version_id",
        "environment",
        "previous_version_id",
        "reason",
        "request_id",
        "details",
        "chain_seq",
        "previous_hash",
        "hash",
    ),
}
#: Foreign keys point backwards in this order.
TABLES = tuple(COLUMNS)


@dataclass(frozen=True)
class Size:
    name: str
    models: int
    versions: int


REFERENCE = Size("reference", 100, 20)
LARGE = Size("large", 10_000, 100)


def model_name(index: int) -> str:
    """Names sort in index order (0-based), so the first page of models is models 0..n-1."""
    return f"model-{index:05d}"


def events_per_model(versions: int) -> int:
    return 1 + versions + PROMOTIONS


def promoted_numbers(index: int, versions: int, seed: int = SEED) -> list[int]:
    """The version numbers model ``index`` was promoted to, in order; the last is in production."""
    return sorted(random.Random(f"{seed}:{index}:promotions").sample(range(1, versions + 1), PROMOTIONS))


@dataclass
class Chunk:
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {table: [] for table in TABLES})

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class _Clock:
    """Event ``k`` (0-based, global) happens ``k`` seconds after START, plus a quarter second so the text
    form SQLite stores always carries microseconds."""

    def __init__(self, first_event: int, sqlite: bool) -> None:
        self.next = first_event
        self.sqlite = sqlite

    def tick(self) -> Any:
        stamp = START + timedelta(seconds=self.next, microseconds=250_000)
        self.next += 1
        # Tortoise's SQLite adapter stores datetimes as isoformat(" "); asyncpg takes datetimes.
        return stamp.isoformat(" ") if self.sqlite else stamp


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def generate_model(chunk: Chunk, index: int, versions: int, *, sqlite: bool, seed: int = SEED) -> None:
    """Append the rows of model ``index`` (0-based) to ``chunk``."""
    rng = random.Random(f"{seed}:{index}")
    model_id = index + 1
    name = model_name(index)
    per_model = events_per_model(versions)
    clock = _Clock(index * per_model, sqlite)
    event_id = index * per_model
    domain = _DOMAINS[index % len(_DOMAINS)]
    model_type = _MODEL_TYPES[index % len(_MODEL_TYPES)]
    description = f"{domain} model #{index}: {model_type.rsplit('.', 1)[1]} over {len(_FEATURES)} features"
    team = f"team-{index % 17:02d}"
    model_tags = {"domain": domain, "team": team}
    promoted = promoted_numbers(index, versions, seed)
    rows = chunk.rows

    chain_seq, previous_hash = 0, ""

    def event(action: str, actor: str, at: Any, **extra: Any) -> None:
        # Each model's events form its hash chain (models/audit/chain.py), which the database's trigger checks.
        nonlocal event_id, chain_seq, previous_hash
        event_id += 1
        chain_seq += 1
        content = Content(
            action=action,
            actor=actor,
            at=datetime.fromisoformat(at) if isinstance(at, str) else at,
            model_id=model_id,
            model_name=name,
            version_id=extra.get("version_id"),
            environment=extra.get("environment"),
            previous_version_id=extra.get("previous_version_id"),
            reason=extra.get("reason"),
            request_id=f"{event_id:032x}",
            details=extra.get("details", {}),
        )
        digest = event_hash(content, position=chain_seq, previous_hash=previous_hash)
        rows["audit_event"].append(
            (
                event_id,
                action,
                actor,
                at,
                model_id,
                name,
                content.version_id,
                content.environment,
                content.previous_version_id,
                content.reason,
                content.request_id,
                _json(content.details),
                chain_seq,
                previous_hash,
                digest,
            )
        )
        previous_hash = digest

    created = clock.tick()
    event("MODEL_CREATED", OWNER, created, details={"description": description, "tags": model_tags})
    for position, (key, value) in enumerate(sorted(model_tags.items())):
        rows["model_tag"].append((index * 2 + position + 1, model_id, key, value))

    active: tuple[int, int, int] | None = None  # (deployment id, version id, number)
    deployment_id = index * PROMOTIONS
    registered_at: Any = created
    for number in range(1, versions + 1):
        version_id = index * versions + number
        registered_at = clock.tick()
        quality = min(0.99, 0.78 + 0.15 * number / versions + rng.gauss(0, 0.01))
        dataset = f"ds-2026.{number:03d}"
        rows["version"].append(
            (
                version_id,
                model_id,
                number,
                "READY",
                f"{domain} retrain {number}: {rng.choice(_STAGES)} run on {dataset}",
                _json(
                    {
                        "C": round(10 ** rng.uniform(-2, 2), 4),
                        "max_iter": rng.choice((100, 200, 500)),
                        "penalty": rng.choice(("l1", "l2")),
                        "solver": "saga",
                        "random_state": number,
                    }
                ),
                _FEATURE_JSON[rng.randint(12, 24)],
                model_type,
                "scikit-learn 1.9.1",
                dataset,
                round(rng.uniform(5, 600), 3),
                None,
                None,
                registered_at,
                TRAINER,
            )
        )
        values = (
            quality,  # accuracy
            quality - 0.02 + rng.gauss(0, 0.005),  # f1
            max(0.01, 0.65 - 0.55 * quality + rng.gauss(0, 0.01)),  # log_loss
            quality - 0.01 + rng.gauss(0, 0.005),  # precision
            quality - 0.03 + rng.gauss(0, 0.005),  # recall
            min(0.999, quality + 0.03 + rng.gauss(0, 0.005)),  # roc_auc
        )
        first_metric = (version_id - 1) * len(METRICS)
        for position, (metric, measured) in enumerate(zip(METRICS, values, strict=True)):
            rows["metric"].append((first_metric + position + 1, version_id, model_id, metric, round(measured, 6)))
        first_tag = (version_id - 1) * 5
        tags = (
            ("dataset", dataset),
            ("git_sha", f"{rng.getrandbits(48):012x}"),
            ("owner", team),
            ("run_id", f"run-{index:05d}-{number:03d}"),
            ("stage", rng.choice(_STAGES)),
        )
        for position, (key, value) in enumerate(tags):
            rows["version_tag"].append((first_tag + position + 1, version_id, key, value))
        event(
            "VERSION_REGISTERED",
            TRAINER,
            registered_at,
            version_id=version_id,
            details={"number": number, "artifactSha256": None, "datasetVersion": dataset},
        )

        if number in promoted:
            deployed_at = clock.tick()
            deployment_id += 1
            reason = f"v{number} beats the champion on roc_auc"
            if active is not None:
                # Retire the previous deployment exactly as promote() does: this promotion's time, actor, reason.
                previous = rows["deployment"].pop()
                rows["deployment"].append((*previous[:7], deployed_at, RELEASER, reason))
            rows["deployment"].append(
                (deployment_id, model_id, version_id, ENVIRONMENT, deployed_at, RELEASER, reason, None, None, None)
            )
            event(
                "PROMOTED",
                RELEASER,
                deployed_at,
                version_id=version_id,
                environment=ENVIRONMENT,
                previous_version_id=active[1] if active else None,
                reason=reason,
                details={
                    "deploymentId": deployment_id,
                    "retiredDeploymentId": active[0] if active else None,
                    "previousVersion": active[2] if active else None,
                },
            )
            active = (deployment_id, version_id, number)
    rows["model"].append((model_id, name, description, created, OWNER, registered_at, versions))


@dataclass(frozen=True)
class Generated:
    models: int
    versions: int
    rows: int
    seconds: float
    rows_per_table: dict[str, int]


async def generate(
    database_url: str, *, models: int, versions: int, seed: int = SEED, progress: bool = False
) -> Generated:
    """Write the registry into an empty, migrated database."""
    if versions < PROMOTIONS:
        raise ValueError(f"each model is promoted {PROMOTIONS} times to distinct versions: give >= {PROMOTIONS}")
    sqlite = sqlite_path(database_url) is not None
    # Loading only: no fsync per chunk and a large page cache. The server's own settings are in models/db/connection.py.
    raw = await Raw.open(database_url, pragmas={"synchronous": "OFF", "cache_size": -262_144} if sqlite else None)
    started = time.perf_counter()
    counts = dict.fromkeys(TABLES, 0)
    try:
        for table in TABLES:
            if (await raw.fetch(f'SELECT COUNT(*) FROM "{table}"'))[0][0]:
                raise RuntimeError(f"table {table} is not empty: the generator assigns ids and needs a fresh database")
        for first in range(0, models, CHUNK_MODELS):
            chunk = Chunk()
            for index in range(first, min(models, first + CHUNK_MODELS)):
                generate_model(chunk, index, versions, sqlite=sqlite, seed=seed)
            await _write(raw, chunk)
            for table, rows in chunk.rows.items():
                counts[table] += len(rows)
            done = min(models, first + CHUNK_MODELS)
            if progress and (done == models or done // CHUNK_MODELS % 8 == 0):
                print(f"  {done}/{models} models, {time.perf_counter() - started:.0f} s", flush=True)
        await _finish(raw)
    finally:
        await raw.close()
    return Generated(models, versions, sum(counts.values()), time.perf_counter() - started, counts)


async def _write(raw: Raw, chunk: Chunk) -> None:
    if raw.sqlite is not None:
        await raw.sqlite.execute("BEGIN IMMEDIATE")
        try:
            for table in TABLES:
                columns = COLUMNS[table]
                sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'
                await raw.sqlite.executemany(sql, chunk.rows[table])
        except BaseException:
            await raw.sqlite.execute("ROLLBACK")
            raise
        await raw.sqlite.execute("COMMIT")
        return
    assert raw.postgres is not None
    async with raw.postgres.transaction():
        for table in TABLES:
            await raw.postgres.copy_records_to_table(table, records=chunk.rows[table], columns=list(COLUMNS[table]))


async def _finish(raw: Raw) -> None:
    if raw.sqlite is not None:
        # Fold the WAL into the database file, so the measured server starts from a compact file.
        await raw.sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    for table in TABLES:
        # COPY with explicit ids does not move the id sequences; the next real insert must not collide.
        await raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM \"{table}\"))")
    # Autovacuum would analyze these tables within a minute of such a load; do it now so plans are settled.
    await raw.execute("ANALYZE")


#: Each query counts rows that break an invariant the real operations keep; all must be 0.
INVARIANTS: tuple[tuple[str, str], ...] = (
    (
        "version_count equals the number of versions and their highest number",
        "SELECT COUNT(*) FROM model m WHERE m.version_count <> (SELECT COUNT(*) FROM version v WHERE v.model_id = m.id)"
        " OR m.version_count <> (SELECT COALESCE(MAX(number), 0) FROM version v WHERE v.model_id = m.id)",
    ),
    (
        "updated_at is the last registration",
        "SELECT COUNT(*) FROM model m WHERE m.updated_at <> (SELECT MAX(created_at) FROM version v "
        "WHERE v.model_id = m.id)",
    ),
    (
        "exactly one active production deployment per model",
        "SELECT COUNT(*) FROM model m WHERE (SELECT COUNT(*) FROM deployment d WHERE d.model_id = m.id "
        "AND d.environment = 'production' AND d.retired_at IS NULL) <> 1",
    ),
    (
        "a deployment's version belongs to its model",
        "SELECT COUNT(*) FROM deployment d JOIN version v ON v.id = d.version_id WHERE v.model_id <> d.model_id",
    ),
    (
        "each retired deployment was retired by the next promotion, at its time, by its actor, for its reason",
        "SELECT COUNT(*) FROM deployment d WHERE d.retired_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deployment n "
        "WHERE n.model_id = d.model_id AND n.environment = d.environment AND n.deployed_at = d.retired_at "
        "AND n.deployed_by = d.retired_by AND n.reason = d.retired_reason)",
    ),
    (
        "a deployment happens after its version was registered",
        "SELECT COUNT(*) FROM deployment d JOIN version v ON v.id = d.version_id WHERE d.deployed_at <= v.created_at",
    ),
    (
        "a metric's model is its version's model",
        "SELECT COUNT(*) FROM metric x JOIN version v ON v.id = x.version_id WHERE x.model_id <> v.model_id",
    ),
    (
        "one VERSION_REGISTERED event per version, at its creation",
        "SELECT COUNT(*) FROM version v WHERE (SELECT COUNT(*) FROM audit_event e WHERE e.version_id = v.id "
        "AND e.action = 'VERSION_REGISTERED' AND e.at = v.created_at) <> 1",
    ),
    (
        "one PROMOTED event per deployment, at its time, naming the version retired",
        "SELECT COUNT(*) FROM deployment d WHERE (SELECT COUNT(*) FROM audit_event e WHERE e.action = 'PROMOTED' "
        "AND e.model_id = d.model_id AND e.version_id = d.version_id AND e.at = d.deployed_at "
        "AND e.environment = d.environment) <> 1",
    ),
    (
        "audit events are numbered in time order",
        "SELECT COUNT(*) FROM audit_event a JOIN audit_event b ON b.id = a.id + 1 WHERE b.at <= a.at",
    ),
    (
        "one MODEL_CREATED event per model, before its first version",
        "SELECT COUNT(*) FROM model m WHERE (SELECT COUNT(*) FROM audit_event e WHERE e.model_id = m.id "
        "AND e.action = 'MODEL_CREATED' AND e.at = m.created_at) <> 1",
    ),
)


async def check_invariants(database_url: str) -> dict[str, int]:
    """Rows breaking each invariant (all 0 for a good registry). Full scans: meant for small registries."""
    raw = await Raw.open(database_url)
    try:
        return {name: int((await raw.fetch(sql))[0][0]) for name, sql in INVARIANTS}
    finally:
        await raw.close()


async def table_counts(database_url: str, tables: Sequence[str] = TABLES) -> dict[str, int]:
    raw = await Raw.open(database_url)
    try:
        return {t: int((await raw.fetch(f'SELECT COUNT(*) FROM "{t}"'))[0][0]) for t in tables}
    finally:
        await raw.close()


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", type=int, default=REFERENCE.models)
    parser.add_argument("--versions", type=int, default=REFERENCE.versions)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database-url", required=True, help="an empty database: it is migrated first")
    parser.add_argument("--check", action="store_true", help="verify the invariants afterwards (small sizes)")
    args = parser.parse_args()

    async def run() -> None:
        from models.db.migrate import migrate

        await migrate(args.database_url)
        done = await generate(
            args.database_url, models=args.models, versions=args.versions, seed=args.seed, progress=True
        )
        print(f"wrote {done.rows:,} rows in {done.seconds:.1f} s: {done.rows_per_table}")
        if args.check:
            broken = {name: count for name, count in (await check_invariants(args.database_url)).items() if count}
            print("invariants hold" if not broken else f"invariants broken: {broken}")

    asyncio.run(run())


if __name__ == "__main__":
    _main()
