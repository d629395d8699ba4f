"""Settings, read once: flags, else environment variables, else defaults (CONTRACT.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite://./var/modelreg.sqlite3"
DEFAULT_ARTIFACT_ROOT = "./var/artifacts"
#: Upload limit for one artifact; override with MODELREG_MAX_ARTIFACT_BYTES.
DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024**3


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    artifact_root: Path = Path(DEFAULT_ARTIFACT_ROOT)
    #: ``file://PATH`` or ``s3://BUCKET/PREFIX``; when None, the folder ``artifact_root`` (see ``artifact_location``).
    artifact_url: str | None = None
    allow_anonymous_read: bool = False
    graphiql: bool = True
    max_artifact_bytes: int = DEFAULT_MAX_ARTIFACT_BYTES
    #: CONTRACT.md: request bodies over 1 MiB on /graphql get 413.
    max_graphql_body_bytes: int = 1024 * 1024
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_env(
        cls,
        *,
        database_url: str | None = None,
        artifact_root: str | None = None,
        artifact_url: str | None = None,
        allow_anonymous_read: bool | None = None,
        graphiql: bool | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> Settings:
        env = os.environ
        return cls(
            database_url=database_url or env.get("MODELREG_DATABASE_URL") or DEFAULT_DATABASE_URL,
            artifact_root=Path(artifact_root or env.get("MODELREG_ARTIFACT_ROOT") or DEFAULT_ARTIFACT_ROOT),
            # A --artifact-root flag is a file:// URL given as a flag, so it wins over the environment's URL.
            artifact_url=artifact_url or (None if artifact_root else env.get("MODELREG_ARTIFACT_URL") or None),
            allow_anonymous_read=(
                allow_anonymous_read
                if allow_anonymous_read is not None
                else _flag(env.get("MODELREG_ALLOW_ANONYMOUS_READ"))
            ),
            graphiql=graphiql if graphiql is not None else True,
            max_artifact_bytes=int(env.get("MODELREG_MAX_ARTIFACT_BYTES") or DEFAULT_MAX_ARTIFACT_BYTES),
            host=host or "127.0.0.1",
            port=port if port is not None else 8000,
        )

    @property
    def artifact_location(self) -> str:
        """The artifact store's URL: ``artifact_url``, else ``file://`` and ``artifact_root``."""
        return self.artifact_url or f"file://{self.artifact_root}"
