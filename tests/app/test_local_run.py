"""``make run`` (``python -m app.local_run``): a busy port changes nothing, and the admin token stays the same
across runs while it works, so a token exported from an earlier run is never broken by running again."""

from __future__ import annotations

import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.local_run import local_admin_token, token_file
from tests.support.server import STARTUP_TIMEOUT, Output, environment, free_port


@pytest.fixture
def backend() -> str:
    """SQLite only: ``make run`` serves the embedded default (overrides the conftest's two backends)."""
    return "sqlite"


def _local_run(folder: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.local_run", "--port", str(port)],
        cwd=folder,
        env=environment(),  # no MODELREG_*: the registry is ./var/ of the folder, as under make run
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextmanager
def _running(folder: Path, port: int) -> Iterator[str]:
    """``make run`` in ``folder`` until it serves; its output up to then; stopped afterwards."""
    process = _local_run(folder, port)
    output = Output(process.stdout)
    try:
        # The first run trains the demo's estimators before it serves: on a loaded machine (the suite runs on two
        # workers) that alone has taken over 30 s. A limit for a hang, not a measure of speed.
        assert output.wait_for(f"listening on http://127.0.0.1:{port}", 3 * STARTUP_TIMEOUT), output.text()
        yield output.text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        output.finish()
        if process.stdout is not None:
            process.stdout.close()


def _viewer(port: int, token: str) -> object:
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": "{ viewer { name role } }"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return answer.json()


def test_a_busy_port_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "app.local_run", "--port", str(port)],
            cwd=tmp_path,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert (done.returncode, done.stdout) == (1, "")
    [line] = done.stderr.splitlines()
    assert line.startswith(f"make run: 127.0.0.1:{port} is already in use") and f"PORT={port + 1}" in line
    assert list(tmp_path.iterdir()) == [], "nothing may be created or changed"


def test_the_token_survives_a_second_run_on_a_busy_port_and_a_restart(tmp_path: Path) -> None:
    port = free_port()
    with _running(tmp_path, port) as first:
        stored = tmp_path / "var" / "local-admin.token"
        token = stored.read_text().strip()
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert f"kept in {stored}" in first  # the data home, made absolute
        assert f"Admin token:  {token}" in first and "(created now;" in first
        assert "DemoSummary" not in first and "demo registry: 4 model(s) created" in first
        admin = {"data": {"viewer": {"name": "local-admin", "role": "ADMIN"}}}
        assert _viewer(port, token) == admin
        # make run again while the first serves: one line, and the exported token still works.
        again = subprocess.run(
            [sys.executable, "-m", "app.local_run", "--port", str(port)],
            cwd=tmp_path,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 1 and "already in use" in again.stderr
        assert _viewer(port, token) == admin
    with _running(tmp_path, port) as restarted:
        assert f"Admin token:  {token}" in restarted and "(the same as on earlier runs;" in restarted
        assert "demo registry: 0 model(s) created" in restarted
        assert _viewer(port, token) == admin


def test_a_token_that_no_longer_works_is_made_anew(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELREG_DATABASE_URL", database_url)
    path = token_file(database_url)
    assert path == tmp_path / "local-admin.token"  # beside the registry's file
    secret, created = local_admin_token(database_url, path)
    assert created and path.read_text() == secret + "\n"
    assert local_admin_token(database_url, path) == (secret, False)
    revoke = [sys.executable, "-m", "app.cli", "tokens", "revoke", "local-admin"]
    subprocess.run(revoke, check=True, capture_output=True, timeout=60)
    renewed, created = local_admin_token(database_url, path)
    assert created and renewed != secret and path.read_text() == renewed + "\n"
    path.write_text("mreg_not-a-token\n")  # a file edited by hand
    assert local_admin_token(database_url, path)[1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_token_file_lives_beside_the_registry() -> None:
    assert token_file("sqlite://./var/modelreg.sqlite3") == Path("var/local-admin.token")
    assert token_file("sqlite:///srv/registry/db.sqlite3?busy_timeout=5000") == Path("/srv/registry/local-admin.token")
    assert token_file("postgres://postgres@127.0.0.1:5432/registry") == Path("var/local-admin.token")
