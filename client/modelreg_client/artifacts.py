"""Moving artifact bytes: streamed uploads, and downloads verified by sha256 into an on-disk cache."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from modelreg_client._http import Transport, error_for
from modelreg_client.errors import ArtifactIntegrityError

CHUNK = 1024 * 1024
#: Uploads at least this large show a progress bar when stderr is a terminal.
PROGRESS_THRESHOLD = 16 * 1024 * 1024


def default_cache_dir() -> Path:
    configured = os.environ.get("MODELREG_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "modelreg" / "artifacts"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def upload(transport: Transport, path: Path) -> tuple[str, int]:
    """Stream a file to ``POST /api/artifacts``; returns the server's (sha256, size)."""
    size = path.stat().st_size

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as source, _progress(size) as advance:
            while chunk := source.read(CHUNK):
                advance(len(chunk))
                yield chunk

    response = transport.send("POST", "/api/artifacts", content=chunks)
    if response.status_code not in (200, 201):
        raise error_for(response)
    body = response.json()
    return str(body["sha256"]), int(body["sizeBytes"])


def fetch_verified(transport: Transport, sha256: str, cache_dir: Path) -> Path:
    """A local file with exactly the bytes of ``sha256``, checked now, before anything deserializes it.

    A cached copy is re-hashed on every use (a cache can be tampered with too); a copy that no longer
    matches is discarded and downloaded again. A download that does not match is refused.
    """
    cached = cache_dir / sha256
    if cached.is_file():
        if sha256_of(cached) == sha256:
            return cached
        cached.unlink()
    cache_dir.mkdir(parents=True, exist_ok=True)
    response = transport.send("GET", f"/api/artifacts/{sha256}", stream=True)
    try:
        if response.status_code != 200:
            raise error_for(response)
        digest = hashlib.sha256()
        handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".download-")
        try:
            with os.fdopen(handle, "wb") as sink:
                for chunk in response.iter_bytes(CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
            if digest.hexdigest() != sha256:
                raise ArtifactIntegrityError(
                    f"artifact {sha256} downloaded with sha256 {digest.hexdigest()}: the bytes were altered "
                    "in storage or in transit; refusing to load them"
                )
            os.replace(temporary, cached)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    finally:
        response.close()
    return cached


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("uploading artifact", total=total)
        yield lambda done: progress.advance(task, done)
