"""Content-addressed artifact storage: the interface, and ``open_store(url)`` to pick a backend.

A blob lives under its sha256 and becomes visible there only when it is complete and its hash is known,
so a reader never sees a partial blob and identical bytes are stored once. Two backends:

- ``file://PATH`` (``app/artifact_file.py``): a folder; uploads go to a temporary file, then an atomic rename.
- ``s3://BUCKET/PREFIX`` (``app/artifact_s3.py``): any S3-compatible object store; large uploads go through
  a multipart upload to a staging key, then a server-side copy to the final key.

A blob whose database row was never recorded (the process died between the two) is a harmless orphan: its
key is its content, so nothing can point at it by mistake, and uploading the same bytes again records the row.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from models.errors import InvalidInput

CHUNK = 1024 * 1024
#: The setting named in configuration errors (the flag is ``--artifact-url``).
URL_SETTING = "MODELREG_ARTIFACT_URL"

log = logging.getLogger("modelreg.artifacts")


class TooLarge(Exception):
    """The upload exceeded the store's size limit."""


class StoreUnavailable(Exception):
    """The store could not be reached, or refused the request. The message is for logs, not for clients."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size_bytes: int
    #: False when a blob with these bytes was already stored.
    created: bool


@dataclass(frozen=True)
class OpenBlob:
    """A blob being read: its size, and its bytes in chunks (read lazily; iterate to the end or drop it)."""

    size_bytes: int
    chunks: AsyncIterator[bytes]


class ArtifactStore(Protocol):
    """What the routes, the demo and the CLI need from a blob store."""

    max_bytes: int

    def describe(self) -> str:
        """Where blobs live, for logs (never credentials)."""
        ...

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        """Store the streamed bytes under their sha256. Raises ``TooLarge`` past ``max_bytes``; nothing of a
        failed or abandoned upload becomes visible."""
        ...

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store bytes already in memory. Blocking: call it from a worker thread (the demo does)."""
        ...

    async def size(self, sha256: str) -> int | None:
        """The blob's size, or None if no blob has this sha256."""
        ...

    async def open(self, sha256: str) -> OpenBlob | None:
        """The blob's bytes, streamed, or None if no blob has this sha256."""
        ...

    async def check(self) -> None:
        """Raise ``StoreUnavailable`` unless the store answers (for ``/readyz``); cheap."""
        ...

    async def clean_incoming(self) -> int:
        """Remove what uploads killed midway left behind; returns how many leftovers were removed."""
        ...


class Digest:
    """The running sha256 and size of an upload, enforcing the size limit chunk by chunk."""

    def __init__(self, max_bytes: int) -> None:
        self._hash = hashlib.sha256()
        self._max_bytes = max_bytes
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise TooLarge(f"artifact exceeds the limit of {self._max_bytes} bytes")
        self._hash.update(chunk)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def open_store(url: str, *, max_bytes: int) -> ArtifactStore:
    """The store for ``file://PATH`` or ``s3://BUCKET[/PREFIX]``. Raises ``InvalidInput`` naming the setting."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in ("file", "s3"):
        raise InvalidInput(
            URL_SETTING,
            f"expected file://PATH or s3://BUCKET/PREFIX, got {url!r} "
            "(for example file:///srv/modelreg/artifacts or s3://ml-artifacts/registry)",
        )
    if scheme == "file":
        from app.artifact_file import FileStore

        if not rest:
            raise InvalidInput(URL_SETTING, f"{url!r} names no folder; use file:///absolute/path")
        return FileStore(Path(rest), max_bytes=max_bytes)
    from app.artifact_s3 import S3Store

    bucket, _, prefix = rest.partition("/")
    return S3Store(bucket, prefix, max_bytes=max_bytes)


async def clean_at_start(store: ArtifactStore) -> None:
    """Clear leftovers of killed uploads at server start. Best effort: an unreachable store is logged, and
    ``/readyz`` reports it, but it does not keep the server from starting."""
    try:
        removed = await store.clean_incoming()
    except (StoreUnavailable, OSError) as error:
        log.warning("artifact store %s: could not clean up interrupted uploads: %s", store.describe(), error)
        return
    if removed:
        log.info("artifact store %s: removed %d leftover(s) of interrupted uploads", store.describe(), removed)
