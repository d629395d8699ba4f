"""The S3 artifact store, through a real ``modelreg serve``, against moto's S3-compatible server on loopback.

moto runs as its own process (``python -m moto.server``), started once per session; every test gets its own
bucket. The server under test reaches it over real HTTP with the usual AWS variables
(AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), and these tests look at the bucket
with boto3 directly, never through the store's own code.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import psutil
import pytest
from modelreg_client._http import Transport
from modelreg_client.artifacts import fetch_verified
from modelreg_client.errors import ArtifactIntegrityError

from app.artifact_s3 import PART_BYTES
from app.artifact_store import StoredBlob, open_store
from tests.support.artifacts import sqlite_registry, start_upload, wait_until
from tests.support.server import REPO, Served, create_token, free_port, serving

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
PREFIX = "team/registry"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200
        except httpx.TransportError:
            return process.poll() is not None  # exited: stop waiting, fail below

    try:
        wait_until(answers, "moto's S3 server to answer")
        assert process.poll() is None, f"moto's server exited with {process.returncode}"
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=15)


def _aws_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # Nothing from the machine's own AWS configuration may leak into the test.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Client:
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in _aws_env(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    client: S3Client = boto3.client("s3")
    return client


@pytest.fixture
def bucket(s3: S3Client) -> str:
    name = f"modelreg-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def _serve_s3(database_url: str, endpoint: str, bucket: str, **extra: str) -> Any:
    env = {**_aws_env(endpoint), "MODELREG_ARTIFACT_URL": f"s3://{bucket}/{PREFIX}", **extra}
    return serving(database_url, env=env)


def _keys(s3: S3Client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def _uploads(s3: S3Client, bucket: str) -> list[str]:
    return sorted(upload["Key"] for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


def _key(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256}"


def test_round_trips(database_url: str, moto_endpoint: str, s3: S3Client, bucket: str, tmp_path: Path) -> None:
    # Sizes around the single-PUT / multipart boundary, and one with a part in flight while the next fills.
    large = os.urandom(2 * PART_BYTES + MiB)
    blobs = [b"", b"x", os.urandom(300 * 1024), os.urandom(PART_BYTES + 3), large]
    with _serve_s3(database_url, moto_endpoint, bucket) as server:
        token = create_token(database_url, name="s3-writer", role="writer")
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            ready = client.get("/readyz")
            assert ready.json() == {"status": "ok", "database": "ok", "artifacts": "ok"}, ready.text
            for blob in blobs:
                sha256 = hashlib.sha256(blob).hexdigest()
                first = client.post("/api/artifacts", content=blob)
                assert (first.status_code, first.json()) == (201, {"sha256": sha256, "sizeBytes": len(blob)})
                again = client.post("/api/artifacts", content=blob)
                assert (again.status_code, again.json()) == (200, {"sha256": sha256, "sizeBytes": len(blob)})
                got = client.get(f"/api/artifacts/{sha256}")
                assert got.status_code == 200 and got.content == blob, len(blob)
                assert got.headers["etag"] == f'"{sha256}"'
                assert got.headers["content-length"] == str(len(blob))
                head = client.head(f"/api/artifacts/{sha256}")
                assert (head.status_code, head.headers["content-length"], head.content) == (200, str(len(blob)), b"")
                fresh = client.get(f"/api/artifacts/{sha256}", headers={"If-None-Match": f'"{sha256}"'})
                assert (fresh.status_code, fresh.content, fresh.headers["etag"]) == (304, b"", f'"{sha256}"')
                stored = s3.get_object(Bucket=bucket, Key=_key(sha256))["Body"].read()
                assert stored == blob
            missing = "0" * 64
            assert client.get(f"/api/artifacts/{missing}").status_code == 404
            assert client.get(f"/api/artifacts/{missing}", headers={"If-None-Match": missing}).status_code == 404
            assert client.head(f"/api/artifacts/{missing}").status_code == 404
            assert client.get("/api/artifacts/NOT-A-SHA").status_code == 400

            # The demo stores bytes it holds in memory (from a worker thread) with put_bytes; the server serves them.
            store = open_store(f"s3://{bucket}/{PREFIX}", max_bytes=MiB)
            made = b"an estimator the demo trained"
            stored_blob = store.put_bytes(made)
            assert stored_blob == StoredBlob(hashlib.sha256(made).hexdigest(), len(made), created=True)
            assert store.put_bytes(made).created is False
            assert client.get(f"/api/artifacts/{stored_blob.sha256}").content == made
            blobs.append(made)

        # Exactly the blobs under their final keys; no staging object and no multipart upload is left behind.
        expected = sorted(_key(hashlib.sha256(blob).hexdigest()) for blob in blobs)
        assert _keys(s3, bucket) == expected
        assert _uploads(s3, bucket) == []

        # The Python client checks what it downloads: the stored bytes, then bytes altered in the bucket.
        sha256 = hashlib.sha256(large).hexdigest()
        transport = Transport(server.url, token, timeout=60, retries=0, backoff=0)
        try:
            assert fetch_verified(transport, sha256, tmp_path / "cache").read_bytes() == large
            # Flip the last byte (replacing it with a constant would change nothing once in 256 runs).
            s3.put_object(Bucket=bucket, Key=_key(sha256), Body=large[:-1] + bytes([large[-1] ^ 0xFF]))
            with pytest.raises(ArtifactIntegrityError):
                fetch_verified(transport, sha256, tmp_path / "other-cache")
            assert not (tmp_path / "other-cache" / sha256).exists()
        finally:
            transport.close()


def test_unfinished_uploads_leave_no_blob(
    sqlite_template: Path, moto_endpoint: str, s3: S3Client, bucket: str, tmp_path: Path
) -> None:
    """A client that hangs up, an upload over the limit, and a server killed midway: none leaves a visible blob,
    and the first two leave nothing at all. What the killed server staged is removed at a later start once it
    is old enough, while a recent one (maybe another instance's upload in progress) is left alone.
    SQLite only: the database plays no part (no row is written unless an upload completes)."""
    database_url = sqlite_registry(sqlite_template, tmp_path)
    token = create_token(database_url, name="s3-writer", role="writer")
    limit = 3 * PART_BYTES
    with _serve_s3(database_url, moto_endpoint, bucket, MODELREG_MAX_ARTIFACT_BYTES=str(limit)) as server:
        # Hang up once the multipart upload has begun (a part is sent when the first 8 MiB are in).
        hung = start_upload(server.url, token, declared=limit, sent=PART_BYTES + MiB)
        wait_until(lambda: len(_uploads(s3, bucket)) == 1, "the multipart upload to begin")
        hung.close()
        wait_until(lambda: _uploads(s3, bucket) == [], "the abandoned multipart upload to be aborted")
        assert _keys(s3, bucket) == []

        # Chunked (no Content-Length), so only counting the streamed bytes can catch it.
        def too_much() -> Iterator[bytes]:
            for _ in range(limit // MiB + 1):
                yield os.urandom(MiB)

        refused = httpx.post(
            f"{server.url}/api/artifacts", content=too_much(), headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        assert refused.status_code == 413, refused.text
        assert refused.json()["error"]["code"] == "BAD_USER_INPUT"
        assert _uploads(s3, bucket) == [] and _keys(s3, bucket) == []

        killed = start_upload(server.url, token, declared=limit, sent=PART_BYTES + MiB)
        wait_until(lambda: len(_uploads(s3, bucket)) == 1, "the multipart upload to begin")
        server.kill()
        killed.close()
    [recent] = _uploads(s3, bucket)
    assert _keys(s3, bucket) == [], "a partial upload became visible"

    # Leftovers of a server killed two days ago: an open multipart upload and a completed staging object.
    stale = f"{PREFIX}/.incoming/{int(time.time()) - 2 * 86400}-{uuid.uuid4().hex}"
    s3.create_multipart_upload(Bucket=bucket, Key=stale)
    s3.put_object(Bucket=bucket, Key=stale + "-copy", Body=b"staged")
    with _serve_s3(database_url, moto_endpoint, bucket) as restarted:
        assert "removed 2 leftover(s) of interrupted uploads" in restarted.output.text()
        assert _uploads(s3, bucket) == [recent]
        assert _keys(s3, bucket) == []


def test_an_unreachable_bucket_is_not_ready_until_it_exists(
    sqlite_template: Path, moto_endpoint: str, s3: S3Client, tmp_path: Path
) -> None:
    """The server starts without its bucket, says so on /readyz and with 503 on uploads (which the client
    retries), and recovers by itself once the bucket exists. SQLite only: the database is not involved."""
    database_url = sqlite_registry(sqlite_template, tmp_path)
    token = create_token(database_url, name="s3-writer", role="writer")
    name = f"modelreg-later-{uuid.uuid4().hex[:8]}"
    auth = {"Authorization": f"Bearer {token}"}
    with (
        _serve_s3(database_url, moto_endpoint, name) as server,
        httpx.Client(base_url=server.url, headers=auth) as client,
    ):
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()["artifacts"]) == (503, "unreachable"), ready.text
        refused = client.post("/api/artifacts", content=b"bytes")
        assert refused.status_code == 503
        assert refused.json()["error"] == {
            "code": "SERVICE_UNAVAILABLE",
            "message": "the artifact store is unavailable; retry later",
        }
        assert client.get(f"/api/artifacts/{'a' * 64}").status_code == 503

        s3.create_bucket(Bucket=name)
        assert client.get("/readyz").status_code == 200
        assert client.post("/api/artifacts", content=b"bytes").status_code == 201


class _PeakRss:
    """Samples a process's resident memory on a thread, every few milliseconds, and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(0.005)

    def __enter__(self) -> _PeakRss:
        self.start = self.peak = self._process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _stream(total: int, digest: Any) -> Iterator[bytes]:
    """``total`` bytes, never more than 1 MiB of them in memory, hashed as they are produced."""
    block = os.urandom(MiB)
    for index in range(total // MiB):
        chunk = index.to_bytes(8, "big") + block[8:]
        digest.update(chunk)
        yield chunk


def _transfer(server: Served, token: str, size: int) -> tuple[str, float, float, _PeakRss, _PeakRss]:
    """Upload then download ``size`` bytes, streamed both ways; returns sha256, both durations, both samplers."""
    pid = server.process.pid
    sent = hashlib.sha256()
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=120) as client:
        with _PeakRss(pid) as up:
            started = time.perf_counter()
            uploaded = client.post("/api/artifacts", content=_stream(size, sent), headers={"Content-Length": str(size)})
            upload_seconds = time.perf_counter() - started
        assert uploaded.status_code == 201, uploaded.text
        sha256 = sent.hexdigest()
        assert uploaded.json() == {"sha256": sha256, "sizeBytes": size}
        received = hashlib.sha256()
        count = 0
        with _PeakRss(pid) as down:
            started = time.perf_counter()
            with client.stream("GET", f"/api/artifacts/{sha256}") as response:
                assert response.status_code == 200
                assert response.headers["content-length"] == str(size)
                for chunk in response.iter_bytes(MiB):
                    received.update(chunk)
                    count += len(chunk)
            download_seconds = time.perf_counter() - started
    assert (count, received.hexdigest()) == (size, sha256)
    return sha256, upload_seconds, download_seconds, up, down


def test_a_200_mb_artifact_streams_through_flat_memory(
    sqlite_template: Path, moto_endpoint: str, s3: S3Client, bucket: str, tmp_path: Path
) -> None:
    """200 MiB up and down through ``modelreg serve`` while the server's resident memory is sampled: it must
    grow by far less than the blob (a memory bound, not a speed test; the speeds are printed for the record).
    SQLite only: the database sees one row, and a second run on PostgreSQL would only double the time."""
    database_url = sqlite_registry(sqlite_template, tmp_path)
    token = create_token(database_url, name="s3-writer", role="writer")
    size = 200 * MiB
    with _serve_s3(database_url, moto_endpoint, bucket) as server:
        # Warm up first (imports, the SDK's connection pool, worker threads), so the baseline includes them.
        _transfer(server, token, 3 * PART_BYTES)
        sha256, up_seconds, down_seconds, up, down = _transfer(server, token, size)

    # Each phase against the memory the server had when it began (the upload's start is the baseline of both).
    growth_up, growth_down = up.peak - up.start, down.peak - min(up.start, down.start)
    print(
        f"\n200 MiB through modelreg serve + S3 (moto): RSS {up.start / MiB:.0f} MiB before; "
        f"upload {up_seconds:.1f} s ({size / MiB / up_seconds:.0f} MiB/s), peak {up.peak / MiB:.0f} MiB "
        f"(+{growth_up / MiB:.1f}); download {down_seconds:.1f} s ({size / MiB / down_seconds:.0f} MiB/s), "
        f"peak {down.peak / MiB:.0f} MiB (+{growth_down / MiB:.1f})"
    )
    assert growth_up < 64 * MiB, f"the server grew by {growth_up / MiB:.0f} MiB during a 200 MiB upload"
    assert growth_down < 64 * MiB, f"the server grew by {growth_down / MiB:.0f} MiB during a 200 MiB download"
    assert s3.head_object(Bucket=bucket, Key=_key(sha256))["ContentLength"] == size
    assert not [key for key in _keys(s3, bucket) if "/.incoming/" in key]
