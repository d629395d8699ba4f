"""The artifact store in a local folder (``file://PATH``): ``<root>/<sha256[:2]>/<sha256>``.

Uploads stream to a temporary file in ``<root>/.incoming/`` while being hashed, are fsynced, and are renamed
into place only when complete; the folder is fsynced after the rename so the new name survives a power cut.
Each temporary file is ``flock``-ed by the process writing it for as long as it exists. The kernel drops the
lock when that process dies, however it dies, so ``clean_incoming`` (run at server start) removes exactly the
files nobody holds: leftovers of killed uploads, never the live upload of another worker sharing the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

import anyio

from app.artifact_store import CHUNK, Digest, OpenBlob, StoredBlob, StoreUnavailable


class FileStore:
    """Blobs in a folder on a local (or otherwise POSIX-locking) filesystem."""

    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._incoming = root / ".incoming"

    def describe(self) -> str:
        return f"file://{self.root}"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        digest = Digest(self.max_bytes)
        with self._incoming_file() as (sink, temporary):
            # Request bodies arrive in pieces of ~64 KiB; writing whole MiBs keeps thread hand-offs few.
            pending = bytearray()
            async for chunk in chunks:
                digest.update(chunk)
                pending += chunk
                if len(pending) >= CHUNK:
                    await anyio.to_thread.run_sync(sink.write, pending)
                    pending.clear()
            await anyio.to_thread.run_sync(sink.write, pending)
            await anyio.to_thread.run_sync(_sync, sink)
            return await anyio.to_thread.run_sync(self._publish, temporary, digest.hexdigest(), digest.size)

    def put_bytes(self, data: bytes) -> StoredBlob:
        digest = Digest(self.max_bytes)
        digest.update(data)
        with self._incoming_file() as (sink, temporary):
            sink.write(data)
            _sync(sink)
            return self._publish(temporary, digest.hexdigest(), len(data))

    async def size(self, sha256: str) -> int | None:
        try:
            return (await anyio.Path(self.path(sha256)).stat()).st_size
        except FileNotFoundError:
            return None

    async def open(self, sha256: str) -> OpenBlob | None:
        try:
            source = await anyio.open_file(self.path(sha256), "rb")
        except FileNotFoundError:
            return None
        # The size comes from the open file, so it is the size of exactly the bytes that will be sent.
        size = (await anyio.to_thread.run_sync(os.fstat, source.wrapped.fileno())).st_size
        return OpenBlob(size, _read(source))

    async def check(self) -> None:
        def writable() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise StoreUnavailable(f"the artifact folder {self.root} is not writable")

        try:
            await anyio.to_thread.run_sync(writable)
        except OSError as error:
            raise StoreUnavailable(f"the artifact folder {self.root} is unusable: {error}") from error

    async def clean_incoming(self) -> int:
        return await anyio.to_thread.run_sync(self._clean_incoming)

    def _clean_incoming(self) -> int:
        removed = 0
        try:
            entries = list(os.scandir(self._incoming))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                handle = os.open(entry.path, os.O_RDONLY)
            except FileNotFoundError:  # finished (renamed or removed) since the listing
                continue
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live upload holds it
                os.close(handle)
                continue
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
            finally:
                os.close(handle)  # releases the lock
        return removed

    @contextlib.contextmanager
    def _incoming_file(self) -> Iterator[tuple[BinaryIO, Path]]:
        """A locked temporary file inside the store (so the final rename stays on one filesystem), removed
        unless it was published."""
        self._incoming.mkdir(parents=True, exist_ok=True)
        while True:
            handle, name = tempfile.mkstemp(dir=self._incoming, prefix="upload-")
            # Blocking: a cleaner holds a lock only for as long as it takes to unlink the file.
            fcntl.flock(handle, fcntl.LOCK_EX)
            # A starting server may have found the file unlocked and removed it between mkstemp and flock;
            # then the name no longer leads to this file, and a fresh one is needed.
            with contextlib.suppress(FileNotFoundError):
                if os.stat(name).st_ino == os.fstat(handle).st_ino:
                    break
            os.close(handle)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as sink:
                yield sink, temporary
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    def _publish(self, temporary: Path, sha256: str, size: int) -> StoredBlob:
        final = self.path(sha256)
        if final.is_file():
            return StoredBlob(sha256, size, created=False)
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            _sync_folder(self.root)
        os.replace(temporary, final)
        # The rename is atomic but lives in the folder's metadata: without this fsync a power cut could lose
        # the blob after its row was committed.
        _sync_folder(final.parent)
        return StoredBlob(sha256, size, created=True)


async def _read(source: anyio.AsyncFile[bytes]) -> AsyncIterator[bytes]:
    async with source:
        while chunk := await source.read(CHUNK):
            yield chunk


def _sync(sink: BinaryIO) -> None:
    sink.flush()
    os.fsync(sink.fileno())


def _sync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
