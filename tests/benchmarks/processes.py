"""The measured processes: ``modelreg serve`` and the floor's plain Starlette app, started as real subprocesses.

Their output goes to a log file, not through a pipe the benchmark would have to read (that would cost the
client CPU). CPU time and memory are read from the server's pid with psutil.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.benchmarks.loadclient import Connection, request_bytes
from tests.support.server import REPO, environment, free_port

HOST = "127.0.0.1"
READY_TIMEOUT = 60.0


@dataclass
class Process:
    """A started server: its port, its pid as a psutil handle, and where its output goes."""

    popen: subprocess.Popen[bytes]
    port: int
    log: Path
    started_at: float
    ps: psutil.Process = field(init=False)

    def __post_init__(self) -> None:
        self.ps = psutil.Process(self.popen.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=20)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start(
    command: Sequence[str], log: Path, port: int, env: Mapping[str, str] | None = None, *, code: Path = REPO
) -> Process:
    """``command`` run in ``code`` (a checkout: this one, or another build's for a comparison)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        began = time.perf_counter()
        # The load is the point here: the per-token rate limit (on by default) would measure itself instead.
        variables = {**environment(), "MODELREG_RATE_LIMIT": "0", **(env or {})}
        if code != REPO:  # its own packages first: ``python -m`` puts the working directory first on the path
            variables["PYTHONPATH"] = str(code)
        popen = subprocess.Popen(list(command), cwd=code, env=variables, stdout=sink, stderr=subprocess.STDOUT)
    return Process(popen, port, log, began)


def serve(
    database_url: str,
    artifact_root: Path,
    log: Path,
    *,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    code: Path = REPO,
) -> Process:
    """``modelreg serve`` (one worker, as `make run` starts it, migrations checked at start), with ``env`` added;
    the build in ``code``."""
    port = port or free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    command += ["--database-url", database_url, "--artifact-root", str(artifact_root)]
    return start(command, log, port, env, code=code)


def serve_floor(payloads: Path, log: Path) -> Process:
    """The plain Starlette app of ``tests/benchmarks/floor_app.py``, with the same uvicorn settings."""
    port = free_port()
    command = [sys.executable, "-m", "tests.benchmarks.floor_app", "--port", str(port), "--payloads", str(payloads)]
    return start(command, log, port)


async def wait_ready(process: Process, path: str = "/readyz", timeout: float = READY_TIMEOUT) -> float:
    """Seconds from the process's start to its first 200 on ``path``, polling every 5 ms."""
    deadline = time.perf_counter() + timeout
    request = request_bytes("GET", path)
    while time.perf_counter() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"the server exited with {process.popen.returncode}:\n{process.output()[-3000:]}")
        try:
            connection = await Connection.open(HOST, process.port)
        except OSError:
            await asyncio.sleep(0.005)
            continue
        try:
            status, _ = await connection.send(request)
        except (OSError, asyncio.IncompleteReadError):
            status = 0
        finally:
            await connection.close()
        if status == 200:
            return time.perf_counter() - process.started_at
        await asyncio.sleep(0.005)
    raise RuntimeError(f"no 200 from {path} within {timeout} s:\n{process.output()[-3000:]}")


class RssSampler:
    """Samples a process's resident memory on a thread (every ``interval`` s) while the block runs."""

    def __init__(self, process: psutil.Process, interval: float = 0.01) -> None:
        self.process = process
        self.interval = interval
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, int(self.process.memory_info().rss))
            self._stop.wait(self.interval)

    @contextlib.contextmanager
    def sampling(self) -> Iterator[RssSampler]:
        self.baseline = int(self.process.memory_info().rss)
        self.peak = self.baseline
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()
