"""The artifact store: choosing it (MODELREG_ARTIFACT_URL), readiness, and the folder backend's crash safety.

The S3 backend has its own module (test_artifacts_s3.py) with a local S3-compatible server.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx
import pytest

from app.artifact_file import FileStore
from app.artifact_store import open_store
from app.server import create_app
from app.settings import Settings
from models.errors import InvalidInput
from tests.support.artifacts import sqlite_registry, start_upload, wait_until
from tests.support.server import create_token, serving


def test_the_url_picks_the_backend(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path}/blobs", max_bytes=10)
    assert isinstance(store, FileStore) and store.root == tmp_path / "blobs"
    assert open_store("file://./var/artifacts", max_bytes=10).describe() == "file://var/artifacts"
    s3 = open_store("s3://ml-artifacts/team/registry/", max_bytes=10)
    assert s3.describe() == "s3://ml-artifacts/team/registry/"
    assert open_store("s3://ml-artifacts", max_bytes=10).describe() == "s3://ml-artifacts/"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/srv/artifacts", "expected file://PATH or s3://BUCKET/PREFIX"),
        ("ftp://host/artifacts", "expected file://PATH or s3://BUCKET/PREFIX"),
        ("file://", "names no folder"),
        ("s3://", "is not a bucket name"),
        ("s3:///prefix", "is not a bucket name"),
        ("s3://a?b/prefix", "is not a bucket name"),
    ],
)
def test_a_bad_url_names_the_setting(url: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        open_store(url, max_bytes=10)
    assert raised.value.field == "MODELREG_ARTIFACT_URL"
    assert fragment in raised.value.message


def test_s3_refuses_a_limit_past_one_copy() -> None:
    with pytest.raises(InvalidInput) as raised:
        open_store("s3://ml-artifacts", max_bytes=6 * 1024**3)
    assert raised.value.field == "MODELREG_MAX_ARTIFACT_BYTES"


def test_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELREG_ARTIFACT_ROOT", raising=False)
    monkeypatch.delenv("MODELREG_ARTIFACT_URL", raising=False)
    monkeypatch.setenv("MODELREG_HOME", "/srv/modelreg")
    assert Settings.from_env().artifact_location == "file:///srv/modelreg/artifacts"  # in the data home
    monkeypatch.setenv("MODELREG_ARTIFACT_ROOT", "/srv/blobs")
    assert Settings.from_env().artifact_location == "file:///srv/blobs"
    monkeypatch.setenv("MODELREG_ARTIFACT_URL", "s3://from-env/x")
    assert Settings.from_env().artifact_location == "s3://from-env/x"
    assert Settings.from_env(artifact_url="s3://from-flag").artifact_location == "s3://from-flag"
    assert Settings.from_env(artifact_root="/flag/root").artifact_location == "file:///flag/root"


async def test_readyz_reports_an_unusable_artifact_folder(database_url: str, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"a file where the artifact folder should be")
    for root, status, artifacts in [(tmp_path / "artifacts", 200, "ok"), (blocked, 503, "unreachable")]:
        app = create_app(Settings(database_url=database_url, artifact_root=root))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
                ready = await client.get("/readyz")
        assert (ready.status_code, ready.json().get("artifacts")) == (status, artifacts), ready.text
        assert ready.json()["database"] == "ok"


def _incoming(root: Path) -> list[Path]:
    folder = root / ".incoming"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _blobs(root: Path) -> list[Path]:
    return sorted(path for path in root.glob("??/*") if path.is_file())


def test_killed_uploads_are_cleaned_at_start_but_live_ones_are_not(sqlite_template: Path, tmp_path: Path) -> None:
    """Two servers share one artifact folder, as ``--workers 2`` or two instances on one host do. One is killed
    mid-upload; its replacement removes the dead upload's temporary file at start, but not the one the other
    server is still writing, and that upload then completes. Runs on SQLite only: no database row is involved
    until an upload completes, and the cleanup is the folder's business."""
    database_url = sqlite_registry(sqlite_template, tmp_path)
    root = tmp_path / "artifacts"
    token = create_token(database_url, name="uploader", role="writer")
    first_bytes = 3 * 1024 * 1024
    with serving(database_url, "--artifact-url", f"file://{root}") as survivor:
        live = start_upload(survivor.url, token, declared=first_bytes + 1024, sent=first_bytes)
        wait_until(lambda: len(_incoming(root)) == 1, "the live upload's temporary file")
        [live_file] = _incoming(root)
        with serving(database_url, "--artifact-url", f"file://{root}") as doomed:
            dead = start_upload(doomed.url, token, declared=10 * 1024 * 1024, sent=2 * 1024 * 1024)
            wait_until(lambda: len(_incoming(root)) == 2, "the doomed upload's temporary file")
            doomed.kill()
            dead.close()
        [dead_file] = [path for path in _incoming(root) if path != live_file]
        assert _blobs(root) == [], "a partial upload became visible"

        with serving(database_url, "--artifact-url", f"file://{root}") as replacement:
            assert _incoming(root) == [live_file], "the restart removed the wrong files"
            assert not dead_file.exists()
            assert "removed 1 leftover(s) of interrupted uploads" in replacement.output.text()

            # The live upload was untouched: it completes, and its bytes are the blob.
            tail = os.urandom(1024)
            live.sendall(tail)
            answer = live.recv(65536).decode()
            live.close()
            assert answer.startswith("HTTP/1.1 201"), answer
            [blob] = _blobs(root)
            assert blob.stat().st_size == first_bytes + 1024
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
            assert _incoming(root) == []

            # A client that hangs up midway leaves nothing either: the server removes its own temporary file.
            gone = start_upload(replacement.url, token, declared=8 * 1024 * 1024, sent=4 * 1024 * 1024)
            wait_until(lambda: len(_incoming(root)) == 1, "the abandoned upload's temporary file")
            gone.close()
            wait_until(lambda: _incoming(root) == [], "the abandoned upload's temporary file to be removed")
            assert _blobs(root) == [blob]
