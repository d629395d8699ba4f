"""PostgreSQL stopped and started under a running server: requests fail fast with SERVICE_UNAVAILABLE,
``/readyz`` says 503, and service resumes by itself when the database is back (docs/operations.md,
"Failures, and what the registry does").

The test starts its own throwaway cluster (``initdb`` into a temporary folder, its own port), never the
machine's shared server. PostgreSQL refuses to run as root, so under root the cluster runs as the
``postgres`` system user (``runuser``).
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from models.db.connection import connected
from models.db.migrate import migrate
from models.entities import AuditAction, AuditEvent
from tests.conftest import _forget_dialect
from tests.support.instances import Instance, seed
from tests.support.server import free_port

#: A request that takes this long counts as a hang (the server must answer long before).
CLIENT_TIMEOUT = 10.0
#: Stop/start cycles of PostgreSQL (``make soak`` runs more).
OUTAGES = int(os.environ.get("MODELREG_SOAK_OUTAGES", "1"))
QUERY = '{ model(name: "steady") { versionCount } }'
UPDATE = 'mutation { updateModel(input: {name: "steady", description: "probed"}) { auditEvent { action } } }'
PROMOTE = 'mutation { promote(input: {model: "steady", version: 2}) { changed auditEvent { action } } }'


def _postgres_bin() -> Path:
    """The folder holding initdb and pg_ctl: MODELREG_TEST_PG_BIN, the PATH, or Debian's versioned folders."""
    candidates = [os.environ.get("MODELREG_TEST_PG_BIN", "")]
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise RuntimeError("initdb and pg_ctl not found: install PostgreSQL's server package or set MODELREG_TEST_PG_BIN")


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own, in a temporary folder, on its own port."""

    bin: Path
    root: Path
    port: int
    as_user: list[str] = field(default_factory=list)

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(self.bin / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        async def create() -> None:
            connection = await asyncpg.connect(self.url("postgres"), timeout=10)
            try:
                await connection.execute(f'CREATE DATABASE "{name}"')
            finally:
                await connection.close()

        asyncio.run(create())
        return self.url(name)


@pytest.fixture
def throwaway_postgres() -> Iterator[Cluster]:
    _forget_dialect()
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="modelreg-outage-"))
    if os.geteuid() == 0:  # initdb and postgres refuse root
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(_postgres_bin(), root, free_port(), as_user)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        subprocess.run(
            [*as_user, str(cluster.bin / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Answer:
    at: float
    #: "ok", "unavailable" (SERVICE_UNAVAILABLE with a clean message), or "other" (anything else: a failure).
    kind: str
    detail: str = ""


def _classify(response: httpx.Response) -> Answer:
    now = time.monotonic()
    body = response.json()
    if response.status_code == 200 and not body.get("errors"):
        return Answer(now, "ok")
    errors = body.get("errors") or []
    codes = {error.get("extensions", {}).get("code") for error in errors}
    messages = " ".join(error.get("message", "") for error in errors)
    leaked = [word for word in ("asyncpg", "Errno", "Connect call", "Traceback", "postgres") if word in messages]
    if codes == {"SERVICE_UNAVAILABLE"} and response.status_code in (200, 503) and not leaked:
        return Answer(now, "unavailable")
    return Answer(now, "other", f"HTTP {response.status_code}: {body}")


class Prober:
    """A client that keeps calling from a thread: a query with a token, the same without (anonymous reads
    are on), and a write (a transaction, which must give its pooled connection back even when it fails)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=CLIENT_TIMEOUT) as client:
            turn = 0
            while not self._stop.is_set():
                turn += 1
                headers = {"Authorization": f"Bearer {self.token}"} if turn % 3 else {}
                document = UPDATE if turn % 3 == 2 else QUERY
                try:
                    answer = _classify(client.post("/graphql", json={"query": document}, headers=headers))
                except httpx.HTTPError as error:
                    answer = Answer(time.monotonic(), "other", repr(error))
                self.answers.append(answer)
                time.sleep(0.01)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=CLIENT_TIMEOUT + 5)

    def wait_for(self, kind: str, count: int, *, after: float = 0.0, timeout: float = 60) -> Answer:
        """The ``count``-th answer of ``kind`` after the monotonic time ``after``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matching = [a for a in list(self.answers) if a.kind == kind and a.at > after]
            if len(matching) >= count:
                return matching[count - 1]
            time.sleep(0.005)
        raise AssertionError(f"no {count} {kind!r} answers within {timeout} s; last: {self.answers[-3:]}")


async def _burst(url: str, token: str, count: int) -> list[str]:
    """``count`` queries and writes at once: more than the pool holds, so they queue for its connections."""
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=auth, timeout=CLIENT_TIMEOUT) as client:
        calls = [client.post("/graphql", json={"query": UPDATE if n % 2 else QUERY}) for n in range(count)]
        return [_classify(response).kind for response in await asyncio.gather(*calls)]


async def _promoted_events(url: str) -> int:
    async with connected(url):
        return await AuditEvent.filter(action=AuditAction.PROMOTED).count()


def test_postgres_outage_fails_fast_and_recovers_without_restart(throwaway_postgres: Cluster, tmp_path: Path) -> None:
    url = throwaway_postgres.create_database("registry")
    asyncio.run(migrate(url))
    token = asyncio.run(seed(url, ["steady"], 2))
    # A pool of two: a connection lost to a failed request would show as a hang after the restart.
    small_pool = {"MODELREG_DB_POOL_MAX_SIZE": "2"}
    instance = Instance(url, tmp_path / "artifacts", args=["--allow-anonymous-read"], env=small_pool)
    prober = Prober(instance.url, token)
    auth = {"Authorization": f"Bearer {token}"}
    outages: list[tuple[float, float]] = []
    recoveries: list[float] = []
    try:
        instance.start()
        prober.start()
        prober.wait_for("ok", 5)
        for _ in range(OUTAGES):
            throwaway_postgres.stop()
            stopped = time.monotonic()
            prober.wait_for("unavailable", 10, after=stopped)
            with httpx.Client(base_url=instance.url, timeout=CLIENT_TIMEOUT) as client:
                ready = client.get("/readyz")
                assert ready.status_code == 503, ready.text
                refused = _classify(client.post("/graphql", json={"query": PROMOTE}, headers=auth))
                assert refused.kind == "unavailable", refused.detail

            restarting = time.monotonic()
            throwaway_postgres.start()
            restarted = time.monotonic()  # pg_ctl start -w returned: PostgreSQL accepts connections
            first = prober.wait_for("ok", 1, after=restarting)
            outages.append((stopped, restarting))
            recoveries.append(first.at - restarting)
            with httpx.Client(base_url=instance.url, timeout=CLIENT_TIMEOUT) as client:
                assert client.get("/readyz").status_code == 200
            prober.wait_for("ok", 5, after=restarted)
            burst = asyncio.run(_burst(instance.url, token, 24))
            assert burst == ["ok"] * 24, burst
        with httpx.Client(base_url=instance.url, timeout=CLIENT_TIMEOUT) as client:
            promoted = client.post("/graphql", json={"query": PROMOTE}, headers=auth).json()
            assert promoted == {"data": {"promote": {"changed": True, "auditEvent": {"action": "PROMOTED"}}}}
    finally:
        prober.stop()
        if instance.alive():
            instance.stop()

    down = [a for a in prober.answers if any(start < a.at < end for start, end in outages)]
    print(
        f"\n{len(prober.answers)} requests, {len(outages)} outage(s); {len(down)} answered while PostgreSQL was "
        f"down, {sum(a.kind == 'unavailable' for a in down)} of them SERVICE_UNAVAILABLE; PostgreSQL restart "
        f"(pg_ctl start) to first successful request: {', '.join(f'{r * 1000:.0f} ms' for r in recoveries)}"
    )
    assert all(a.kind == "unavailable" for a in down), down
    assert [a.detail for a in prober.answers if a.kind == "other"] == []
    # The promotions refused during the outages changed nothing; the one after them did, once.
    assert asyncio.run(_promoted_events(url)) == 1
