"""Settings, read once: flags, else environment variables, else defaults (docs/operations.md, "Configuration")."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from models.db.connection import PostgresOptions
from models.db.retry import RetryPolicy
from models.errors import InvalidInput
from models.webhooks.policy import DeliveryPolicy
from schema.cost_limit import DEFAULT_MAX_NODES

#: The database and the artifacts live in the data home unless configured (docs/operations.md, "Where data lives").
DATABASE_FILE = "modelreg.sqlite3"
ARTIFACTS_FOLDER = "artifacts"
#: Upload limit for one artifact; override with MODELREG_MAX_ARTIFACT_BYTES.
DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024**3


#: The values a boolean setting accepts, compared without case; anything else is refused, never read as off.
TRUE_VALUES = ("true", "1", "yes", "on")
FALSE_VALUES = ("false", "0", "no", "off")


def data_home(env: Mapping[str, str] | None = None) -> Path:
    """The folder of the default database and artifacts: ``MODELREG_HOME`` when set, else ``./var`` in the current
    folder (the contract's default, ``sqlite://./var/modelreg.sqlite3``), made absolute so that every message
    names the file it means. Set ``MODELREG_HOME`` (or ``MODELREG_DATABASE_URL``) to reach one registry from
    any folder.
    """
    env = os.environ if env is None else env
    configured = env.get("MODELREG_HOME", "").strip()
    return Path(configured or "var").expanduser().resolve()


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    return f"sqlite://{data_home(env) / DATABASE_FILE}"


def default_artifact_root(env: Mapping[str, str] | None = None) -> Path:
    return data_home(env) / ARTIFACTS_FOLDER


def _delivery_policy(env: Mapping[str, str]) -> DeliveryPolicy:
    from app.webhook_settings import delivery_policy

    return delivery_policy(env)


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean environment variable that may turn a default off as well as on; unset or empty: ``default``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() in TRUE_VALUES:
        return True
    if raw.lower() in FALSE_VALUES:
        return False
    accepted = "/".join(f"{yes}/{no}" for yes, no in zip(TRUE_VALUES, FALSE_VALUES, strict=True))
    raise InvalidInput(name, f"must be one of {accepted} (any case), got {raw!r}")


def _origins(value: str | None) -> tuple[str, ...]:
    """A comma-separated allow-list such as ``https://dash.example.com,https://ops.example.com``."""
    origins = tuple(origin.strip().rstrip("/") for origin in (value or "").split(",") if origin.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise InvalidInput("MODELREG_CORS_ORIGINS", f"an origin is scheme://host[:port] (got {origin!r})")
    return origins


_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


def _operation_names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of GraphQL operation names, e.g. ``TeamDashboard,ReleaseGate``."""
    names = tuple(name.strip() for name in (value or "").split(",") if name.strip())
    for name in names:
        if not _OPERATION_NAME.fullmatch(name):
            raise InvalidInput("MODELREG_METRICS_OPERATIONS", f"{name!r} is not a GraphQL operation name")
    return names


#: The database URL schemes the registry runs on (tortoise_config in models/db/connection.py).
DATABASE_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


def _database_url(value: str, name: str) -> str:
    if not value.lower().startswith(DATABASE_SCHEMES):
        raise InvalidInput(
            name,
            f"expected sqlite://PATH or postgres://USER@HOST:PORT/DB, got {value!r} "
            "(for example sqlite://./var/modelreg.sqlite3)",
        )
    return value


N = TypeVar("N", int, float)


@dataclass(frozen=True)
class ServerTuning:
    """Processes, database connections, retries and background work (docs/operations.md, "Configuration")."""

    #: Server processes behind the one listening socket (``modelreg serve --workers``).
    workers: int = 1
    #: Seconds SIGTERM waits for in-flight requests to finish before cancelling them.
    shutdown_timeout_seconds: int = 30
    postgres: PostgresOptions = field(default_factory=PostgresOptions)
    #: Attempts of a write transaction that lost a lock or race (1 = no retry).
    write_attempts: int = 5
    #: Seconds between sweeps of expired idempotency keys, and the most rows one sweep deletes.
    idempotency_purge_interval_seconds: float = 600.0
    idempotency_purge_batch: int = 1000
    #: Allocations between collections of the garbage collector's young generation in ``modelreg serve``
    #: processes (Python's default: 700), after freezing what startup made; 0 keeps Python's defaults.
    gc_threshold: int = 2_000

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(attempts=self.write_attempts)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, workers: int | None = None) -> ServerTuning:
        """Read the ``MODELREG_*`` variables below; a malformed or out-of-range value is an ``InvalidInput``."""
        default = cls()
        pg = default.postgres
        if workers is not None and workers < 1:
            raise InvalidInput("--workers", f"must be at least 1, got {workers}")
        tuning = cls(
            workers=workers if workers is not None else _number(env, "MODELREG_WORKERS", default.workers, 1),
            shutdown_timeout_seconds=_number(
                env, "MODELREG_SHUTDOWN_TIMEOUT_SECONDS", default.shutdown_timeout_seconds, 0
            ),
            postgres=PostgresOptions(
                pool_min_size=_number(env, "MODELREG_DB_POOL_MIN_SIZE", pg.pool_min_size, 0),
                pool_max_size=_number(env, "MODELREG_DB_POOL_MAX_SIZE", pg.pool_max_size, 1),
                statement_timeout_ms=_number(env, "MODELREG_DB_STATEMENT_TIMEOUT_MS", pg.statement_timeout_ms, 0),
                lock_timeout_ms=_number(env, "MODELREG_DB_LOCK_TIMEOUT_MS", pg.lock_timeout_ms, 0),
                connect_timeout_seconds=_number(
                    env, "MODELREG_DB_CONNECT_TIMEOUT_SECONDS", pg.connect_timeout_seconds, 0.1
                ),
            ),
            write_attempts=_number(env, "MODELREG_DB_WRITE_ATTEMPTS", default.write_attempts, 1),
            idempotency_purge_interval_seconds=_number(
                env, "MODELREG_IDEMPOTENCY_PURGE_INTERVAL_SECONDS", default.idempotency_purge_interval_seconds, 1.0
            ),
            idempotency_purge_batch=_number(
                env, "MODELREG_IDEMPOTENCY_PURGE_BATCH", default.idempotency_purge_batch, 1
            ),
            gc_threshold=_number(env, "MODELREG_GC_THRESHOLD", default.gc_threshold, 0),
        )
        if tuning.postgres.pool_min_size > tuning.postgres.pool_max_size:
            raise InvalidInput("MODELREG_DB_POOL_MIN_SIZE", "must not exceed MODELREG_DB_POOL_MAX_SIZE")
        return tuning


def _number(env: Mapping[str, str], name: str, default: N, minimum: N) -> N:
    """``env[name]`` as a number of the type of ``default`` (which it defaults to), at least ``minimum``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    kind = type(default)
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidInput(name, f"must be a {'whole ' if kind is int else ''}number, got {raw!r}") from None
    if value < minimum or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidInput(name, f"must be at least {minimum}, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    artifact_root: Path = field(default_factory=default_artifact_root)
    #: ``file://PATH`` or ``s3://BUCKET/PREFIX``; when None, the folder ``artifact_root`` (see ``artifact_location``).
    artifact_url: str | None = None
    allow_anonymous_read: bool = False
    graphiql: bool = True
    max_artifact_bytes: int = DEFAULT_MAX_ARTIFACT_BYTES
    #: docs/api.md, "Limits": request bodies over 1 MiB on POST /graphql get 413.
    max_graphql_body_bytes: int = 1024 * 1024
    #: Seconds a ``POST /graphql`` body may take to arrive whole; then 408 and the connection is closed.
    body_timeout_seconds: float = 30.0
    host: str = "127.0.0.1"
    port: int = 8000
    #: Seconds a GraphQL operation may run before it is cancelled and its transaction rolled back.
    execution_timeout_seconds: float = 10.0
    #: An operation that may return more nodes than this is refused before it runs (schema/cost.py).
    max_nodes: int = DEFAULT_MAX_NODES
    #: Per token (or per client address without one): cost units refilled per second; 0 turns rate limits off.
    rate_limit_per_second: float = 20.0
    #: The bucket's size: how much may be spent at once after a quiet spell.
    rate_limit_burst: float = 200.0
    #: Origins whose browser pages may call the API (CORS); empty: none but the server's own.
    cors_origins: tuple[str, ...] = ()
    #: ``__schema`` and ``__type`` queries; public deployments may turn them off.
    introspection: bool = True
    #: Answers of queries kept per process and served until a write (docs/performance.md, "Response cache"),
    #: with ETags and 304s; off: every query executes and no generation is read.
    response_cache: bool = True
    #: The most bytes of answers one process keeps (least recently used forgotten first).
    response_cache_bytes: int = 64 * 1024 * 1024
    #: ``GET /metrics`` in the Prometheus text format (docs/operations.md, "Metrics").
    metrics: bool = False
    #: Operation names the metrics label as themselves besides the bundled ones; any other name is ``other``.
    metrics_operations: tuple[str, ...] = ()
    tuning: ServerTuning = field(default_factory=ServerTuning)
    #: Webhook delivery (docs/events.md); ``delivery_worker`` runs a worker in each server process.
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    delivery_worker: bool = True
    #: Live subscriptions and event streams (docs/events.md): seconds between polls of the audit table,
    #: subscriptions per WebSocket, and live streams (WebSockets and event streams) per token and process.
    events_poll_seconds: float = 0.5
    #: How often a running subscription or event stream looks its token up again (a revoked one ends it).
    token_check_seconds: float = 5.0
    subscriptions_per_connection: int = 10
    streams_per_token: int = 20

    @classmethod
    def from_env(
        cls,
        *,
        database_url: str | None = None,
        artifact_root: str | None = None,
        artifact_url: str | None = None,
        allow_anonymous_read: bool | None = None,
        graphiql: bool | None = None,
        introspection: bool | None = None,
        host: str | None = None,
        port: int | None = None,
        workers: int | None = None,
    ) -> Settings:
        """Flags (the arguments) win over ``MODELREG_*`` environment variables, which win over defaults.

        Raises ``InvalidInput`` naming the variable when a value cannot be used.
        """
        env = os.environ
        defaults = cls()
        return cls(
            database_url=_database_url(
                database_url or env.get("MODELREG_DATABASE_URL") or default_database_url(env),
                "--database-url" if database_url else "MODELREG_DATABASE_URL",
            ),
            artifact_root=(
                Path(artifact_root or env["MODELREG_ARTIFACT_ROOT"])
                if artifact_root or env.get("MODELREG_ARTIFACT_ROOT")
                else default_artifact_root(env)
            ),
            # A --artifact-root flag is a file:// URL given as a flag, so it wins over the environment's URL.
            artifact_url=artifact_url or (None if artifact_root else env.get("MODELREG_ARTIFACT_URL") or None),
            allow_anonymous_read=(
                allow_anonymous_read
                if allow_anonymous_read is not None
                else _switch(env, "MODELREG_ALLOW_ANONYMOUS_READ", False)
            ),
            graphiql=graphiql if graphiql is not None else _switch(env, "MODELREG_GRAPHIQL", True),
            introspection=introspection if introspection is not None else _switch(env, "MODELREG_INTROSPECTION", True),
            max_artifact_bytes=_number(env, "MODELREG_MAX_ARTIFACT_BYTES", DEFAULT_MAX_ARTIFACT_BYTES, 1),
            host=host or "127.0.0.1",
            port=port if port is not None else 8000,
            execution_timeout_seconds=_number(
                env, "MODELREG_TIMEOUT_SECONDS", defaults.execution_timeout_seconds, 0.001
            ),
            max_nodes=_number(env, "MODELREG_MAX_NODES", defaults.max_nodes, 1),
            body_timeout_seconds=_number(env, "MODELREG_BODY_TIMEOUT_SECONDS", defaults.body_timeout_seconds, 0.001),
            rate_limit_per_second=_number(env, "MODELREG_RATE_LIMIT", defaults.rate_limit_per_second, 0.0),
            rate_limit_burst=_number(env, "MODELREG_RATE_BURST", defaults.rate_limit_burst, 1.0),
            cors_origins=_origins(env.get("MODELREG_CORS_ORIGINS")),
            response_cache=_switch(env, "MODELREG_RESPONSE_CACHE", defaults.response_cache),
            response_cache_bytes=_number(env, "MODELREG_RESPONSE_CACHE_MB", defaults.response_cache_bytes // 2**20, 1)
            * 2**20,
            metrics=_switch(env, "MODELREG_METRICS", defaults.metrics),
            metrics_operations=_operation_names(env.get("MODELREG_METRICS_OPERATIONS")),
            tuning=ServerTuning.from_env(env, workers=workers),
            delivery=_delivery_policy(env),
            delivery_worker=_switch(env, "MODELREG_WEBHOOK_WORKER", True),
            events_poll_seconds=_number(env, "MODELREG_EVENTS_POLL_SECONDS", defaults.events_poll_seconds, 0.01),
            token_check_seconds=_number(env, "MODELREG_TOKEN_CHECK_SECONDS", defaults.token_check_seconds, 0.01),
            subscriptions_per_connection=_number(
                env, "MODELREG_SUBSCRIPTIONS_PER_CONNECTION", defaults.subscriptions_per_connection, 1
            ),
            streams_per_token=_number(env, "MODELREG_STREAMS_PER_TOKEN", defaults.streams_per_token, 1),
        )

    @property
    def artifact_location(self) -> str:
        """The artifact store's URL: ``artifact_url``, else ``file://`` and ``artifact_root``."""
        return self.artifact_url or f"file://{self.artifact_root}"
