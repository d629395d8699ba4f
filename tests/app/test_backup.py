"""``modelreg backup PATH``: a consistent online copy of a SQLite registry and its artifacts, taken while a
client keeps registering versions through a running server; PostgreSQL is refused with a pointer to pg_dump."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import cast

import httpx
import pytest

from app.backup import ARTIFACTS_FOLDER, DATABASE_FILE
from app.cli import main
from models.db.connection import connected
from models.db.migrate import migrate, pending
from models.entities import Artifact, AuditAction, AuditEvent, ModelVersion, RegisteredModel, Role
from models.tokens.operations import create_token
from tests.support.instances import Instance
from tests.support.server import REPO, environment

REGISTER = """
mutation($input: RegisterVersionInput!) { registerVersion(input: $input) { version { number } } }"""


class _Writer:
    """Uploads an artifact and registers a version with it, again and again, from a thread."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        self.registered = 0
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        step = 0
        while not self.stop.is_set():
            step += 1
            blob = os.urandom(4096 + step)
            uploaded = self.client.post("/api/artifacts", content=blob)
            if uploaded.status_code != 201:
                self.errors.append(uploaded.text)
                continue
            variables = {"input": {"model": f"model-{step % 3}", "artifactSha256": uploaded.json()["sha256"]}}
            body = self.client.post("/graphql", json={"query": REGISTER, "variables": variables}).json()
            if body.get("errors"):
                self.errors.append(str(body["errors"]))
            else:
                self.registered += 1

    def wait_for(self, count: int) -> None:
        for _ in range(6000):
            if self.registered >= count or self.errors or not self.thread.is_alive():
                break
            self.stop.wait(0.01)
        assert not self.errors, self.errors[:3]
        assert self.registered >= count, f"only {self.registered} versions registered"


def _backup(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app.cli", "backup", *args]
    return subprocess.run(command, cwd=REPO, env=environment(), capture_output=True, text=True, timeout=120)


async def _contents(url: str, artifacts: Path) -> dict[str, int]:
    """What the copied registry holds, after checking it is self-consistent."""
    assert await pending(url) == []  # the copy knows its migrations
    async with connected(url):
        for model in await RegisteredModel.all():
            # Tortoise types values_list() as tuples even with flat=True.
            numbers = cast(
                "list[int]",
                await ModelVersion.filter(model_id=model.id).order_by("number").values_list("number", flat=True),
            )
            assert list(numbers) == list(range(1, model.version_count + 1)), f"{model.name}: {numbers}"
        versions = await ModelVersion.all().count()
        registered = await AuditEvent.filter(action=AuditAction.VERSION_REGISTERED).count()
        assert registered == versions
        recorded = await Artifact.all()
        for artifact in recorded:
            blob = artifacts / artifact.sha256[:2] / artifact.sha256
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == artifact.sha256
        used = await ModelVersion.exclude(artifact_id=None).values_list("artifact_id", flat=True)
        assert set(used) <= {artifact.sha256 for artifact in recorded}
        return {"versions": versions, "artifacts": len(recorded)}


def test_backup_copies_a_serving_registry_consistently(database_url: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    destination = tmp_path / "backup"

    async def token() -> str:
        async with connected(database_url):
            return (await create_token(name="writer", role=Role.WRITER))[1]

    secret = asyncio.run(token())
    instance = Instance(database_url, artifacts)
    try:
        instance.start()
        writer = _Writer(instance.url, secret)
        writer.thread.start()
        writer.wait_for(15)
        done = _backup(str(destination), "--database-url", database_url, "--artifact-root", str(artifacts))
        writer.wait_for(writer.registered + 5)  # the writer kept going during and after the backup
    finally:
        writer.stop.set()
        writer.thread.join(timeout=60)
        writer.client.close()
        instance.stop()

    if not database_url.startswith("sqlite"):
        assert done.returncode == 2  # usage: docs README "Exit codes"
        assert done.stderr.startswith("modelreg: --database-url: modelreg backup copies SQLite registries only")
        assert "pg_dump" in done.stderr
        assert not destination.exists()
        return
    assert done.returncode == 0, done.stderr
    assert f"to {destination}" in done.stdout
    copied = asyncio.run(_contents(f"sqlite://{destination / DATABASE_FILE}", destination / ARTIFACTS_FOLDER))
    original = asyncio.run(_contents(database_url, artifacts))
    print(f"\nbackup during writes: {copied}; the registry afterwards: {original}")
    assert 15 <= copied["versions"] < original["versions"]
    # The writer uploads a blob (recorded at once) and then registers a version with it: a snapshot may fall between.
    assert copied["versions"] <= copied["artifacts"] <= copied["versions"] + 1
    files = [path.name for path in (destination / ARTIFACTS_FOLDER).rglob("*") if path.is_file()]
    assert len(files) == copied["artifacts"]  # the blobs of the snapshot: no more, and no partial files


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "registry.sqlite3"
    asyncio.run(migrate(f"sqlite://{registry}"))
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    assert main(["backup", str(occupied), "--database-url", f"sqlite://{registry}"]) == 2
    refused = capsys.readouterr().err
    assert refused == f"modelreg: PATH: {occupied} exists and is not an empty folder; give a new folder\n"
    assert sorted(path.name for path in occupied.iterdir()) == ["keep.txt"]
    missing = tmp_path / "nothing-here.sqlite3"
    assert main(["backup", str(tmp_path / "fresh"), "--database-url", f"sqlite://{missing}"]) == 4
    assert capsys.readouterr().err.startswith(f"modelreg: no registry at {missing} (no such database file)")
    assert not (tmp_path / "fresh").exists()
