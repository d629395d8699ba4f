"""Settings, read once: flags, else environment variables, else defaults (docs/operations.md, "Configuration")."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from models.db.connection import PostgresOptions
from models.db.retry import RetryPolicy
from models.errors import InvalidInput

#: The database and the artifacts live in the data home unless configured (docs/operations.md, "Where data lives").
DATABASE_FILE = "modelreg.sqlite3"
ARTIFACTS_FOLDER = "artifacts"
#: Upload limit for one artifact; override with MODELREG_MAX_ARTIFACT_BYTES.
DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024**3


def data_home(env: Mapping[str, str] | None = None) -> Path:
    """The folder of the default database and artifacts: ``MODELREG_HOME``, else ``$XDG_DATA_HOME/modelreg``,
    else ``~/.local/share/modelreg``. Always absolute, so every command finds the same registry from any folder.
    """
    env = os.environ if env is None else env
    configured = env.get("MODELREG_HOME", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = env.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "modelreg"


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    return f"sqlite://{data_home(env) / DATABASE_FILE}"


def default_artifact_root(env: Mapping[str, str] | None = None) -> Path:
    return data_home(env) / ARTIFACTS_FOLDER


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _switch(name: str, default: bool) -> bool:
    """A boolean environment variable that may turn a default off as well as on."""
    value = os.environ.get(name)
    return default if value is None or not value.strip() else _flag(value)


def _origins(value: str | None) -> tuple[str, ...]:
    """A comma-separated allow-list such as ``https://dash.example.com,https://ops.example.com``."""
    origins = tuple(origin.strip().rstrip("/") for origin in (value or "").split(",") if origin.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise InvalidInput("MODELREG_CORS_ORIGINS", f"an origin is scheme://host[:port] (got {origin!r})")
    return origins


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
    host: str = "127.0.0.1"
    port: int = 8000
    #: Seconds a GraphQL operation may run before it is cancelled and its transaction rolled back.
    execution_timeout_seconds: float = 10.0
    #: Per token (or per client address without one): cost units refilled per second; 0 turns rate limits off.
    rate_limit_per_second: float = 20.0
    #: The bucket's size: how much may be spent at once after a quiet spell.
    rate_limit_burst: float = 200.0
    #: Origins whose browser pages may call the API (CORS); empty: none but the server's own.
    cors_origins: tuple[str, ...] = ()
    #: ``__schema`` and ``__type`` queries; public deployments may turn them off.
    introspection: bool = True
    tuning: ServerTuning = field(default_factory=ServerTuning)

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
            database_url=database_url or env.get("MODELREG_DATABASE_URL") or default_database_url(env),
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
                else _flag(env.get("MODELREG_ALLOW_ANONYMOUS_READ"))
            ),
            graphiql=graphiql if graphiql is not None else _switch("MODELREG_GRAPHIQL", True),
            introspection=introspection if introspection is not None else _switch("MODELREG_INTROSPECTION", True),
            max_artifact_bytes=int(env.get("MODELREG_MAX_ARTIFACT_BYTES") or DEFAULT_MAX_ARTIFACT_BYTES),
            host=host or "127.0.0.1",
            port=port if port is not None else 8000,
            execution_timeout_seconds=_number(
                env, "MODELREG_TIMEOUT_SECONDS", defaults.execution_timeout_seconds, 0.001
            ),
            rate_limit_per_second=_number(env, "MODELREG_RATE_LIMIT", defaults.rate_limit_per_second, 0.0),
            rate_limit_burst=_number(env, "MODELREG_RATE_BURST", defaults.rate_limit_burst, 1.0),
            cors_origins=_origins(env.get("MODELREG_CORS_ORIGINS")),
            tuning=ServerTuning.from_env(env, workers=workers),
        )

    @property
    def artifact_location(self) -> str:
        """The artifact store's URL: ``artifact_url``, else ``file://`` and ``artifact_root``."""
        return self.artifact_url or f"file://{self.artifact_root}"
