"""This build against another, side by side: ``python -m tests.benchmarks.side_by_side --against REV``.

On a shared host the speed of the machine moves between runs by more than most changes do (the same code's
dashboard measured 73 and 90 ms an hour apart). Two builds measured in the same minutes, one request to each in
turn, see the same host: their ratio holds where the absolute figures do not.

Both serve one fresh reference-size registry (``REV`` is checked out into a temporary worktree; both use this
virtualenv, so the two builds must share their dependencies and their migrations). The workload's requests go
to the two servers in turn, the order swapped every round, with the response cache and the delivery worker off;
each server's CPU is read from its pid. The two answers must be the same bytes.

``--workload big_dashboard`` serves a 100 x 100 registry instead and reads ``big_dashboard.DOCUMENT`` in one
request, with the node limit raised as that benchmark raises it. ``--workload wide`` reads ``fields.WIDE`` (every
scalar of 100 models and their five newest versions), with the node limit raised too.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from models.db.migrate import migrate
from models.entities import Role
from tests.benchmarks import big_dashboard, fields, fixture, workloads
from tests.benchmarks.database import Raw, create_database, drop_database
from tests.benchmarks.loadclient import Connection, RequestFactory, graphql_request
from tests.benchmarks.processes import HOST, Process, serve, wait_ready
from tests.support.server import REPO, create_token

SETTINGS = {"MODELREG_RESPONSE_CACHE": "false", "MODELREG_WEBHOOK_WORKER": "false"}
WARM_UP = 5


@dataclass
class Side:
    name: str
    server: Process
    connection: Connection
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    answer: bytes = b""

    async def send(self, raw: bytes, *, measured: bool) -> None:
        cpu, began = self.server.cpu_seconds(), time.perf_counter()
        status, body = await self.connection.send(raw)
        elapsed, used = time.perf_counter() - began, self.server.cpu_seconds() - cpu
        if status != 200 or b'"errors":' in body:
            raise RuntimeError(f"{self.name} answered {status}: {body[:300]!r}")
        self.answer = body
        if measured:
            self.latencies.append(elapsed)
            self.cpu_seconds += used

    def summary(self) -> str:
        ordered = sorted(self.latencies)
        p95 = ordered[int(len(ordered) * 0.95)]
        cpu = self.cpu_seconds / len(ordered) * 1000
        return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, server CPU {cpu:.1f} ms/op"


async def factory(workload: str, secret: str, url: str) -> RequestFactory:
    size = fixture.REFERENCE
    tokens = workloads.Tokens(secret, secret, secret)
    if workload == "dashboard":
        return workloads.dashboard(tokens)
    if workload == "big_dashboard":
        return workloads.constant(
            graphql_request(big_dashboard.DOCUMENT, {"first": big_dashboard.MODELS}, token=secret)
        )
    if workload == "wide":  # every scalar of 100 models and their five newest versions (fields.py)
        return workloads.constant(graphql_request(fields.WIDE, token=secret))
    if workload == "promote":  # both builds promote on the one registry, each request changing production
        promotions = workloads.Promotions(models=size.models, versions=size.versions, token=secret)
        raw = await Raw.open(url)
        try:
            await promotions.refresh(raw)
        finally:
            await raw.close()
        return promotions.factory(1)
    return workloads.model_page(tokens, models=size.models, first=20)


async def compare(against: str, backend: str, workload: str, rounds: int, run_dir: Path) -> None:
    size = fixture.REFERENCE
    settings = SETTINGS
    if workload == "big_dashboard":
        size = fixture.Size("big dashboard", big_dashboard.MODELS, big_dashboard.VERSIONS)
        settings = {**SETTINGS, "MODELREG_MAX_NODES": str(big_dashboard.RAISED_MAX_NODES)}
    if workload == "wide":  # every list priced at its cap (feature names: 10,000 each) is over the default limit
        settings = {**SETTINGS, "MODELREG_MAX_NODES": str(10**7)}
    url = await create_database(backend, run_dir.name, run_dir)
    sides: list[Side] = []
    try:
        await migrate(url)
        await fixture.generate(url, models=size.models, versions=size.versions)
        secret = create_token(url, name="side-by-side", role=Role.ADMIN.value)
        for name, code in (("this build", REPO), (against, run_dir / "other")):
            server = serve(url, run_dir / "artifacts", run_dir / f"{len(sides)}.log", env=settings, code=code)
            await wait_ready(server)
            sides.append(Side(name, server, await Connection.open(HOST, server.port)))
        requests = await factory(workload, secret, url)
        for number in range(WARM_UP + rounds):
            for side in sides if number % 2 == 0 else reversed(sides):
                await side.send(requests(0, number), measured=number >= WARM_UP)
        for side in sides:
            print(f"{backend}, {workload}, {side.name}: {side.summary()}")
        ratio = statistics.median(sides[0].latencies) / statistics.median(sides[1].latencies)
        # The kernel counts a process's CPU in ticks (10 ms): a run of a few small requests may read none at all.
        used = sides[0].cpu_seconds, sides[1].cpu_seconds
        cpu = f"x{used[0] / used[1]:.3f}" if all(used) else "not measured (a run too short for the CPU clock's ticks)"
        print(f"{backend}, {workload}: this build / {against}: median x{ratio:.3f}, server CPU {cpu}", end="")
        # A promotion's answer names the deployment and event it made, which differ from one request to the next.
        print("" if workload == "promote" else f"; same answer: {sides[0].answer == sides[1].answer}")
    finally:
        for side in sides:
            await side.connection.close()
            side.server.stop()
        await drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--against", required=True, help="a git revision, e.g. HEAD~3 or a commit")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--workload", choices=["dashboard", "big_dashboard", "model_page", "promote", "wide"], default="dashboard"
    )
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    (REPO / "var").mkdir(exist_ok=True)  # a fresh clone has none yet
    with tempfile.TemporaryDirectory(prefix="side-by-side-", dir=REPO / "var") as scratch:
        run_dir = Path(scratch)
        other = run_dir / "other"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against], cwd=REPO, check=True)
        try:
            for backend in args.backends.split(","):
                asyncio.run(compare(args.against, backend, args.workload, args.rounds, run_dir))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=REPO, check=True)


if __name__ == "__main__":
    main()
