"""Content-addressed artifact storage on the local filesystem.

Uploads stream to a temporary file in the store while being hashed, and are renamed to
``<root>/<aa>/<sha256>`` only when complete, so a reader never sees a half-written blob (rename is
atomic within one filesystem). Identical bytes are stored once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The upload exceeded the store's size limit."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size_bytes: int
    #: False when a blob with these bytes was already stored.
    created: bool


class ArtifactStore:
    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._incoming = root / ".incoming"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        """Store the streamed bytes under their sha256. Raises ``TooLarge`` past ``max_bytes``."""
        digest = hashlib.sha256()
        size = 0
        with self._incoming_file() as (sink, temporary):
            async for chunk in chunks:
                size += len(chunk)
                if size > self.max_bytes:
                    raise TooLarge(f"artifact exceeds the limit of {self.max_bytes} bytes")
                digest.update(chunk)
                await anyio.to_thread.run_sync(sink.write, chunk)
            await anyio.to_thread.run_sync(_sync, sink)
            return self._publish(temporary, digest.hexdigest(), size)

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store bytes already in memory (the demo and tests use this)."""
        if len(data) > self.max_bytes:
            raise TooLarge(f"artifact exceeds the limit of {self.max_bytes} bytes")
        with self._incoming_file() as (sink, temporary):
            sink.write(data)
            _sync(sink)
            return self._publish(temporary, hashlib.sha256(data).hexdigest(), len(data))

    @contextlib.contextmanager
    def _incoming_file(self) -> Iterator[tuple[BinaryIO, Path]]:
        """A temporary file inside the store (so the final rename stays on one filesystem), removed unless
        it was published."""
        self._incoming.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self._incoming, prefix="upload-")
        try:
            with os.fdopen(handle, "wb") as sink:
                yield sink, Path(temporary)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path(sha256), "rb") as source:
            while chunk := await source.read(CHUNK):
                yield chunk

    def _publish(self, temporary: Path, sha256: str, size: int) -> StoredBlob:
        final = self.path(sha256)
        if final.is_file():
            return StoredBlob(sha256, size, created=False)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)
        return StoredBlob(sha256, size, created=True)


def _sync(sink: BinaryIO) -> None:
    sink.flush()
    os.fsync(sink.fileno())
