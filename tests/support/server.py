"""Helpers for end-to-end tests: ``modelreg serve`` as a real process, and tokens made as ``modelreg tokens`` makes
them."""

from __future__ import annotations

import asyncio
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from models.db.connection import connected
from models.entities import Role
from models.tokens import operations

REPO = Path(__file__).parents[2]
#: Seconds to wait for ``listening on ...``.
STARTUP_TIMEOUT = 30.0


#: Where the kernel takes the local ports of outgoing connections when ``/proc`` does not say (Linux's default).
_EPHEMERAL_DEFAULT = (32768, 60999)


def _ephemeral_ports() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return _EPHEMERAL_DEFAULT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking), outside the kernel's range for
    outgoing connections' local ports.

    A port the kernel picked for a probe (``bind(0)``) is in that range, and in the moment between the probe and the
    server's own bind any new connection of any process (a test's to PostgreSQL, say) may be given it as its local
    port: the server then fails with "address already in use" (seen in CI, once in some 1,250 tests). A port outside
    the range is never handed out that way; the choice is random among some 27,000, so two test workers asking at
    once do not meet either."""
    low, high = _ephemeral_ports()
    candidates = [port for port in range(10_000, 65_536) if not low <= port <= high]
    for port in random.sample(candidates, 64):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port on 127.0.0.1 outside the ephemeral range after 64 tries")


#: Not passed on besides MODELREG_*: the terminal's size. In pytest-xdist's workers (``make unit``) COLUMNS=80 and
#: LINES=24 are set, where a serial pytest sets neither; passed on, they would narrow every table a command prints
#: to 80 columns instead of the 120 it uses when its output is a pipe (client/modelreg_client/tables.py).
TERMINAL_SIZE = ("COLUMNS", "LINES")


def environment() -> dict[str, str]:
    """This process's environment without any MODELREG_* setting, so only the flags configure the commands, and
    without the terminal's size, so that output is formatted as for a pipe whether pytest runs serially or not."""
    return {
        key: value for key, value in os.environ.items() if not key.startswith("MODELREG_") and key not in TERMINAL_SIZE
    }


class Output:
    """Collects a process's output lines on a thread, so its pipe never fills and lines can be awaited."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:  # the process closed its output: it exited
                return False
            self.lines.append(line)
            if line.strip() == wanted:
                return True
        return False

    def finish(self) -> None:
        """Wait for the reader to see the end of the output (the process has exited)."""
        self._thread.join(timeout=15)

    def text(self) -> str:
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "\n".join(self.lines)


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
    environment, its process at hand; stopped (SIGTERM, then SIGKILL) afterwards unless the test killed it."""
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
            pytest.fail(
                f"the server did not print 'listening on http://127.0.0.1:{port}' within {STARTUP_TIMEOUT} s "
                f"(exit code {process.poll()}); its output:\n{output.text()}"
            )
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


@contextmanager
def running_server(
    database_url: str,
    artifact_root: Path,
    *extra_args: str,
    env: dict[str, str] | None = None,
    output_lines: list[str] | None = None,
) -> Iterator[str]:
    """A running ``modelreg serve``; yields its base URL and stops it afterwards.

    ``extra_args`` are more ``serve`` flags and ``env`` more environment variables; ``output_lines``, when
    given, receives everything the server printed (stdout and stderr) once it has stopped.
    """
    served: Served | None = None
    try:
        with serving(database_url, "--artifact-root", str(artifact_root), *extra_args, env=env) as served:
            yield served.url
    finally:
        if output_lines is not None and served is not None:
            output_lines.extend(served.output.text().splitlines())


def create_token(database_url: str, name: str = "e2e", role: str = "admin") -> str:
    """A new API token's secret, made in this process by the operation ``modelreg tokens create`` runs, with the
    same actor on its audit event. Tests that need a token as a precondition use this; the command itself is
    tested in tests/app/test_cli.py. A ``modelreg`` process costs over a second of CPU in imports alone, which
    dozens of tests paid (two or three times each) on two shared cores."""

    async def make() -> str:
        async with connected(database_url):
            return (await operations.create_token(name=name, role=Role(role)))[1]

    # Tortoise caches each table's SQL per connection name, not per dialect (tests/conftest.py): a module fixture
    # may run after tests on the other backend.
    EXECUTOR_CACHE.clear()
    # On a thread of its own: the caller's thread may be running an event loop (Playwright's sync API does).
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, make()).result()
