"""Helpers for the artifact store tests: ``modelreg serve`` with its process at hand (to kill it or measure
it), a fresh SQLite registry for tests where the database plays no part, uploads cut off midway, bounded waits."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.server import REPO, STARTUP_TIMEOUT, Output, environment, free_port


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    output: Output

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the server."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)


@contextmanager
def serving(database_url: str, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """A running ``modelreg serve --database-url URL ARGS...`` with ``env`` added to a MODELREG_-free
    environment; stopped (SIGTERM, then SIGKILL) afterwards unless the test killed it already."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--database-url", database_url, *args]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**environment(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process.stdout)
    try:
        if not output.wait_for(f"listening on http://127.0.0.1:{port}", STARTUP_TIMEOUT):
            pytest.fail(f"the server did not start (exit code {process.poll()}); its output:\n{output.text()}")
        yield Served(f"http://127.0.0.1:{port}", process, output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        output.finish()
        if process.stdout is not None:
            process.stdout.close()


def sqlite_registry(template: Path, folder: Path) -> str:
    """A fresh migrated SQLite registry (a copy of the session's template) for tests on one backend only."""
    target = folder / "registry.sqlite3"
    shutil.copy(template, target)
    return f"sqlite://{target}"


def start_upload(base_url: str, token: str, *, declared: int, sent: int) -> socket.socket:
    """``POST /api/artifacts`` announcing ``declared`` bytes and sending only ``sent`` of them; the socket stays
    open, so the server is left waiting for the rest until the caller closes it (or the server dies)."""
    where = urlsplit(base_url)
    connection = socket.create_connection((where.hostname, where.port), timeout=30)
    connection.sendall(
        (
            f"POST /api/artifacts HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"
        ).encode()
    )
    block = os.urandom(1024 * 1024)
    left = sent
    while left > 0:
        piece = block[: min(left, len(block))]
        connection.sendall(piece)
        left -= len(piece)
    return connection


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll until ``condition()`` holds. The bound only keeps a broken build from hanging; it asserts no speed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting ({timeout} s) for: {what}")
        time.sleep(0.05)
