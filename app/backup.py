"""``modelreg backup PATH``: a consistent copy of a SQLite registry and its artifact blobs, taken online.

The database is copied with SQLite's backup API in one step, which reads a single snapshot (WAL lets
writers carry on meanwhile). Then every blob the *copied* database records is copied from the artifact
store and verified against its sha256. That order makes the pair consistent: a blob is stored before its
record is committed and blobs are never deleted, so every record in the snapshot has its bytes in the
store. Blobs uploaded after the snapshot are not copied; they are not part of it.

PostgreSQL registries are refused: ``pg_dump`` does the database (docs/operations.md, "Backups and restore").
So are registries whose artifacts live in an object store (``s3://``): back the bucket up with the store's
own tools (versioning, replication); blobs are never deleted or rewritten, so any copy taken after the
database snapshot is consistent with it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.artifact_file import FileStore
from app.artifact_store import CHUNK, open_store
from app.settings import Settings
from models.db.connection import is_sqlite, tortoise_config
from models.errors import Conflict, InvalidInput, NotFound

DATABASE_FILE = "modelreg.sqlite3"
ARTIFACTS_FOLDER = "artifacts"
#: Milliseconds the backup's read waits for a writer's lock on the source (it rarely needs to: WAL).
_BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class BackupReport:
    destination: Path
    database_bytes: int
    artifacts: int
    artifact_bytes: int

    def __str__(self) -> str:
        return (
            f"backed up the registry ({self.database_bytes} bytes, integrity ok) and {self.artifacts} artifact "
            f"blobs ({self.artifact_bytes} bytes) to {self.destination}\n"
            f"restore: stop the servers, then serve with --database-url sqlite://{self.destination / DATABASE_FILE} "
            f"--artifact-root {self.destination / ARTIFACTS_FOLDER} (or copy both back in place)"
        )


def backup(settings: Settings, path: str) -> BackupReport:
    """Copy the registry at ``settings.database_url`` and its artifacts into the new folder ``path``."""
    if not is_sqlite(settings.database_url):
        raise InvalidInput(
            "--database-url",
            "modelreg backup copies SQLite registries only; back up PostgreSQL with pg_dump, and the artifact "
            "store alongside (docs/operations.md, 'Backups and restore')",
        )
    store = open_store(settings.artifact_location, max_bytes=settings.max_artifact_bytes)
    if not isinstance(store, FileStore):
        raise InvalidInput(
            "--artifact-url",
            f"modelreg backup copies artifacts from a file:// store only; {store.describe()} is backed up with the "
            "object store's own tools (docs/operations.md, 'Backups and restore')",
        )
    credentials = tortoise_config(settings.database_url)["connections"]["default"]["credentials"]
    source = Path(credentials["file_path"])
    if str(source) == ":memory:" or not source.is_file():
        raise NotFound(f"no SQLite registry at {source}")
    destination = Path(path)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise InvalidInput("PATH", f"{destination} exists and is not an empty folder; give a new folder")
    destination.mkdir(parents=True, exist_ok=True)
    database = destination / DATABASE_FILE
    recorded = _copy_database(source, database)
    copied, size, failures = _copy_artifacts(
        store,
        FileStore(destination / ARTIFACTS_FOLDER, max_bytes=settings.max_artifact_bytes),
        recorded,
    )
    if failures:
        listed = "; ".join(failures[:5]) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
        raise Conflict(
            f"the database was copied to {database}, but {len(failures)} recorded artifact blobs could not be "
            f"copied from {store.describe()}: {listed}"
        )
    return BackupReport(destination, database.stat().st_size, copied, size)


def _copy_database(source: Path, target: Path) -> list[tuple[str, int]]:
    """Back up ``source`` to ``target`` in one step (one read snapshot); return the artifacts it records."""
    reader = sqlite3.connect(source)
    try:
        reader.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        writer = sqlite3.connect(target)
        try:
            reader.backup(writer)  # pages=-1: everything in one step, so the copy is one consistent snapshot
            (verdict,) = writer.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise Conflict(f"the copy at {target} failed SQLite's integrity check: {verdict}")
            rows = writer.execute("SELECT sha256, size_bytes FROM artifact ORDER BY sha256").fetchall()
        finally:
            writer.close()
    finally:
        reader.close()
    return [(str(sha256), int(size)) for sha256, size in rows]


def _copy_artifacts(
    source: FileStore, target: FileStore, recorded: list[tuple[str, int]]
) -> tuple[int, int, list[str]]:
    """Copy each recorded blob, verifying its sha256 and size; return (copied, bytes, failures)."""
    copied = size = 0
    failures: list[str] = []
    for sha256, size_bytes in recorded:
        origin = source.path(sha256)
        if not origin.is_file():
            failures.append(f"{sha256} is missing")
            continue
        final = target.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = final.with_name(final.name + ".partial")
        digest = hashlib.sha256()
        with origin.open("rb") as reader, partial.open("wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        written = partial.stat().st_size
        if digest.hexdigest() != sha256 or written != size_bytes:
            partial.unlink()
            failures.append(f"{sha256} does not match its recorded hash or size")
            continue
        os.replace(partial, final)
        copied += 1
        size += written
    return copied, size, failures
