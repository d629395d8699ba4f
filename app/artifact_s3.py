"""The artifact store in an S3-compatible object store (``s3://BUCKET/PREFIX``): ``<prefix>/<sha256[:2]>/<sha256>``.

The endpoint, region and credentials come from the usual AWS settings (``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL``, ``AWS_REGION`` or ``AWS_DEFAULT_REGION``, ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
profiles, instance roles: boto3's own chain).

The sha256 of an upload is known only at its end, but a key must be chosen at its start, so:

- a blob smaller than one part is buffered, then sent with one ``PutObject`` straight to its final key, with
  ``x-amz-checksum-sha256``: the store checks the bytes against the hash before anything becomes visible;
- a larger blob streams as a multipart upload to a staging key ``<prefix>/.incoming/<unix time>-<uuid>``
  (each part checked by the store on arrival with the SDK's default checksum), at most one part in flight
  while the next is read, so memory stays near two parts whatever the blob's size. When the body ends the
  upload is completed, its size checked, and the staging object is copied server-side to the final key (one
  atomic ``CopyObject``, asking the store for the copy's SHA-256; a store that reports a different hash gets
  the copy deleted and the upload fails), then the staging object is deleted.

A multipart upload is invisible until completed; a failed or abandoned upload is aborted. What a killed
process leaves (an open multipart upload, a staging object) sits under ``.incoming/`` only and is removed by
``clean_incoming`` at the next server start once older than ``STAGING_MAX_AGE``: the age comes from the key's
own timestamp (some S3-compatible stores report no real initiation time), and the margin keeps one instance's
start from aborting another instance's upload that is still running.

boto3 runs in worker threads: see the commit introducing this module for why not aiobotocore.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import math
import os
import re
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import anyio
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.artifact_store import CHUNK, URL_SETTING, Digest, OpenBlob, StoredBlob, StoreUnavailable
from models.errors import InvalidInput

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, UploadPartOutputTypeDef

#: Bytes per multipart part (S3 wants at least 5 MiB for every part but the last).
PART_BYTES = 8 * 1024 * 1024
#: The largest object one ``CopyObject`` can copy, hence the largest blob this store accepts.
MAX_BLOB_BYTES = 5 * 1024**3
#: Staging leftovers younger than this are left alone at start: another instance may still be writing them.
STAGING_MAX_AGE = 24 * 3600
_MAX_PARTS = 10_000
_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]")
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
#: Checksums the SDK may have sent with a part; CompleteMultipartUpload repeats them.
_PART_CHECKSUMS = ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1", "ChecksumSHA256")

T = TypeVar("T")
log = logging.getLogger("modelreg.artifacts")


class _Missing(Exception):
    """The key does not exist."""


class S3Store:
    """Blobs in a bucket of any S3-compatible store, under an optional key prefix."""

    def __init__(self, bucket: str, prefix: str, *, max_bytes: int, part_bytes: int = PART_BYTES) -> None:
        if not _BUCKET.fullmatch(bucket):
            raise InvalidInput(URL_SETTING, f"{bucket!r} is not a bucket name; use s3://BUCKET/PREFIX")
        if max_bytes > MAX_BLOB_BYTES:
            raise InvalidInput(
                "MODELREG_MAX_ARTIFACT_BYTES",
                f"the S3 artifact store keeps blobs of at most {MAX_BLOB_BYTES} bytes (5 GiB, one CopyObject)",
            )
        self.bucket = bucket
        cleaned = prefix.strip("/")
        self.prefix = f"{cleaned}/" if cleaned else ""
        self.max_bytes = max_bytes
        self.part_bytes = max(part_bytes, math.ceil(max_bytes / _MAX_PARTS))
        self._staging = f"{self.prefix}.incoming/"
        # AWS_REGION is what most AWS tools read; boto3 itself reads only AWS_DEFAULT_REGION and the profile.
        session = boto3.session.Session(region_name=os.environ.get("AWS_REGION") or None)
        self._client: S3Client = session.client(
            "s3", config=Config(connect_timeout=5, read_timeout=60, max_pool_connections=32)
        )
        # /readyz must answer in about two seconds: no retries, short timeouts.
        self._probe: S3Client = session.client(
            "s3", config=Config(connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 1})
        )

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        digest = Digest(self.max_bytes)
        staging = _Staging(self, f"{self._staging}{int(time.time())}-{uuid.uuid4().hex}")
        # The current part, as received; joined once when full, so a part is copied once, not per chunk.
        pieces: list[bytes] = []
        buffered = 0
        try:
            async for chunk in chunks:
                digest.update(chunk)
                pieces.append(chunk)
                buffered += len(chunk)
                if buffered >= self.part_bytes:
                    await staging.send(b"".join(pieces))
                    pieces, buffered = [], 0
            if not staging.started:
                return await self._put_small(b"".join(pieces), digest.hexdigest())
            if pieces:
                await staging.send(b"".join(pieces))
            await staging.complete()
            return await self._publish(staging.key, digest.hexdigest(), digest.size)
        finally:
            # Whatever happened (a client gone, too large, the store failing, cancellation), no staging
            # leftover survives a finished request if the store lets us remove it.
            with anyio.CancelScope(shield=True):
                await staging.discard()

    def put_bytes(self, data: bytes) -> StoredBlob:
        digest = Digest(self.max_bytes)
        digest.update(data)
        sha256 = digest.hexdigest()
        try:
            try:
                self._client.head_object(Bucket=self.bucket, Key=self.key(sha256))
                return StoredBlob(sha256, len(data), created=False)
            except ClientError as error:
                if _code(error) not in _MISSING:
                    raise
            self._client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=data, ChecksumSHA256=_b64(sha256))
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(_reason(error)) from error
        return StoredBlob(sha256, len(data), created=True)

    async def size(self, sha256: str) -> int | None:
        try:
            head = await self._run(
                functools.partial(self._client.head_object, Bucket=self.bucket, Key=self.key(sha256))
            )
        except _Missing:
            return None
        return head["ContentLength"]

    async def open(self, sha256: str) -> OpenBlob | None:
        try:
            response = await self._run(
                functools.partial(self._client.get_object, Bucket=self.bucket, Key=self.key(sha256))
            )
        except _Missing:
            return None
        return OpenBlob(response["ContentLength"], _read(response["Body"]))

    async def check(self) -> None:
        try:
            await self._run(functools.partial(self._probe.head_bucket, Bucket=self.bucket))
        except _Missing as error:
            raise StoreUnavailable(f"bucket {self.bucket!r} does not exist") from error

    async def clean_incoming(self) -> int:
        return await self._run(self._clean_incoming)

    def _clean_incoming(self) -> int:
        cutoff = time.time() - STAGING_MAX_AGE
        removed = 0
        uploads = self._client.get_paginator("list_multipart_uploads")
        for page in uploads.paginate(Bucket=self.bucket, Prefix=self._staging):
            for upload in page.get("Uploads", []):
                if _staged_before(upload["Key"], self._staging, cutoff):
                    with contextlib.suppress(ClientError):  # finished or aborted since the listing
                        self._client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
        objects = self._client.get_paginator("list_objects_v2")
        for listing in objects.paginate(Bucket=self.bucket, Prefix=self._staging):
            for item in listing.get("Contents", []):
                if _staged_before(item["Key"], self._staging, cutoff):
                    self._client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    removed += 1
        return removed

    async def _put_small(self, data: bytes, sha256: str) -> StoredBlob:
        if await self.size(sha256) is not None:
            return StoredBlob(sha256, len(data), created=False)
        await self._run(
            functools.partial(
                self._client.put_object,
                Bucket=self.bucket,
                Key=self.key(sha256),
                Body=data,
                ChecksumSHA256=_b64(sha256),
            )
        )
        return StoredBlob(sha256, len(data), created=True)

    async def _publish(self, staging: str, sha256: str, size: int) -> StoredBlob:
        """Copy a completed staging object to its final key (the caller deletes the staging object)."""
        head = await self._run(functools.partial(self._client.head_object, Bucket=self.bucket, Key=staging))
        if head["ContentLength"] != size:
            raise StoreUnavailable(f"the staged upload {staging} holds {head['ContentLength']} bytes, not {size}")
        if await self.size(sha256) is not None:
            return StoredBlob(sha256, size, created=False)
        final = self.key(sha256)
        copied = await self._run(
            functools.partial(
                self._client.copy_object,
                Bucket=self.bucket,
                Key=final,
                CopySource={"Bucket": self.bucket, "Key": staging},
                ChecksumAlgorithm="SHA256",
            )
        )
        reported = copied.get("CopyObjectResult", {}).get("ChecksumSHA256")
        if reported is not None and reported != _b64(sha256):
            await self._run(functools.partial(self._client.delete_object, Bucket=self.bucket, Key=final))
            raise StoreUnavailable(f"the store hashed the copy of {staging} to {reported}, not {sha256}; removed it")
        return StoredBlob(sha256, size, created=True)

    async def _run(self, call: Callable[[], T]) -> T:
        """Run one blocking SDK call in a worker thread; store errors become ``StoreUnavailable``."""
        try:
            return await anyio.to_thread.run_sync(call)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise _Missing from error
            raise StoreUnavailable(_reason(error)) from error
        except BotoCoreError as error:
            raise StoreUnavailable(_reason(error)) from error


class _Staging:
    """One upload's staging key: a multipart upload that is started lazily, then completed or aborted."""

    def __init__(self, store: S3Store, key: str) -> None:
        self.store = store
        self.key = key
        self.upload_id: str | None = None
        self.completed = False
        self._parts: list[CompletedPartTypeDef] = []
        self._in_flight: asyncio.Task[CompletedPartTypeDef] | None = None

    @property
    def started(self) -> bool:
        return self.upload_id is not None

    async def send(self, part: bytes) -> None:
        """Start uploading ``part`` once the previous part is done (one part travels while the next fills)."""
        client = self.store._client
        if self.upload_id is None:
            created = await self.store._run(
                functools.partial(client.create_multipart_upload, Bucket=self.store.bucket, Key=self.key)
            )
            self.upload_id = created["UploadId"]
        await self._settle()
        self._in_flight = asyncio.ensure_future(self._upload(len(self._parts) + 1, part))

    async def complete(self) -> None:
        await self._settle()
        await self.store._run(
            functools.partial(
                self.store._client.complete_multipart_upload,
                Bucket=self.store.bucket,
                Key=self.key,
                UploadId=cast(str, self.upload_id),
                MultipartUpload={"Parts": self._parts},
            )
        )
        self.completed = True

    async def discard(self) -> None:
        """Abort the multipart upload, or delete the completed staging object. Never raises: a leftover is
        logged and removed later by ``clean_incoming``."""
        if self.upload_id is None:
            return
        if self._in_flight is not None:
            # The part's own failure, if any, is already on its way up; only wait for its thread to finish.
            await asyncio.wait([self._in_flight])
            if not self._in_flight.cancelled():
                self._in_flight.exception()
        store, client = self.store, self.store._client
        try:
            if self.completed:
                await store._run(functools.partial(client.delete_object, Bucket=store.bucket, Key=self.key))
            else:
                await store._run(
                    functools.partial(
                        client.abort_multipart_upload, Bucket=store.bucket, Key=self.key, UploadId=self.upload_id
                    )
                )
        except (StoreUnavailable, _Missing) as error:
            log.warning("could not remove the staged upload %s (removed at a later start): %s", self.key, error)

    async def _settle(self) -> None:
        if self._in_flight is not None:
            part = await self._in_flight
            self._in_flight = None
            self._parts.append(part)

    async def _upload(self, number: int, body: bytes) -> CompletedPartTypeDef:
        response: UploadPartOutputTypeDef = await self.store._run(
            functools.partial(
                self.store._client.upload_part,
                Bucket=self.store.bucket,
                Key=self.key,
                UploadId=cast(str, self.upload_id),
                PartNumber=number,
                Body=body,
            )
        )
        fields = {name: response[name] for name in _PART_CHECKSUMS if name in response}  # type: ignore[literal-required]
        return cast("CompletedPartTypeDef", {"PartNumber": number, "ETag": response["ETag"], **fields})


async def _read(body: StreamingBody) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(body.read, CHUNK):
            yield chunk
    finally:
        body.close()


def _staged_before(key: str, staging: str, cutoff: float) -> bool:
    """Whether a staging key (``<unix time>-<uuid>``) was made before ``cutoff``; other keys are left alone."""
    stamp, _, _ = key[len(staging) :].partition("-")
    return stamp.isdigit() and int(stamp) < cutoff


def _b64(sha256: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256)).decode()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
