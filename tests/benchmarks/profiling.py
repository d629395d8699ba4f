"""Profile one workload in-process with pyinstrument: ``python -m tests.benchmarks.profiling dashboard``.

The request runs through the whole app (middleware, authentication, GraphQL, loaders, Tortoise, the driver) as
ASGI calls in this process, on a fresh reference-size registry. Prints pyinstrument's call tree and the time
spent in each package's own code (self time), which is what tells GraphQL from ORM from driver; ``--html``
also writes pyinstrument's interactive page.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import uvloop
from pyinstrument import Profiler
from pyinstrument.frame import Frame

from models.db.migrate import migrate
from models.entities import Role
from models.tokens.operations import create_token
from tests.benchmarks import fixture, workloads
from tests.benchmarks.database import Raw, create_database, drop_database
from tests.benchmarks.inprocess import running_app
from tests.benchmarks.loadclient import RequestFactory
from tests.support.server import REPO

_PACKAGE = re.compile(r"site-packages/([A-Za-z0-9_]+)")


def package_of(path: str | None) -> str:
    if not path:
        return "[waiting/idle]"
    found = _PACKAGE.search(path)
    if found:
        return found.group(1)
    if path.startswith(str(REPO)):
        return "modelreg:" + Path(path).relative_to(REPO).parts[0]
    if "/lib/python3" in path:
        name = Path(path).stem if Path(path).parent.name.startswith("python3") else Path(path).parent.name
        return f"stdlib:{name}"
    return path


def self_time_by_package(root: Frame) -> dict[str, float]:
    """Seconds spent in each package's own code; time awaiting (I/O, other tasks) apart as ``[await]``."""
    totals: defaultdict[str, float] = defaultdict(float)

    def walk(frame: Frame) -> None:
        waiting = sum(child.time for child in frame.children if child.identifier == "[await]")
        totals[package_of(frame.file_path)] += frame.total_self_time - waiting
        totals["[await]"] += waiting
        for child in frame.children:
            if not child.is_synthetic:
                walk(child)

    walk(root)
    return totals


async def profile(workload: str, backend: str, requests: int, html: Path | None) -> None:
    run_dir = REPO / "var" / "bench" / f"profile-{datetime.now(UTC):%Y%m%d%H%M%S}"
    size = fixture.REFERENCE
    url = await create_database(backend, run_dir.name, run_dir)
    try:
        await migrate(url)
        await fixture.generate(url, models=size.models, versions=size.versions)
        async with running_app(url, run_dir / "artifacts") as app:
            secret = (await create_token(name="profiler", role=Role.ADMIN))[1]
            tokens = workloads.Tokens(secret, secret, secret)
            factories: dict[str, Callable[[], RequestFactory]] = {
                "dashboard": lambda: workloads.dashboard(tokens),
                "model_page": lambda: workloads.model_page(tokens, models=size.models, first=100),
                "first_page": lambda: workloads.first_page(tokens),
                "register": lambda: workloads.Registrations(models=size.models, token=secret).factory(1),
            }
            if workload == "promote":
                promotions = workloads.Promotions(models=size.models, versions=size.versions, token=secret)
                raw = await Raw.open(url)
                await promotions.refresh(raw)
                await raw.close()
                factory = promotions.factory(1)
            else:
                factory = factories[workload]()
            for number in range(5):
                await app.request(factory(0, 100_000 + number))
            began = time.perf_counter()
            for number in range(requests):
                await app.request(factory(0, 200_000 + number))
            unprofiled = time.perf_counter() - began
            profiler = Profiler(interval=0.001, async_mode="enabled")
            began = time.perf_counter()
            profiler.start()
            for number in range(requests):
                status, body = await app.request(factory(0, number))
                if status != 200 or b'"errors":' in body:
                    raise RuntimeError(f"{workload} failed: {body[:300]!r}")
            profiler.stop()
            elapsed = time.perf_counter() - began
    finally:
        await drop_database(url)
    print(
        f"{workload} on {backend}, {requests} requests in-process: {unprofiled / requests * 1000:.2f} ms each, "
        f"{elapsed / requests * 1000:.2f} ms under the profiler\n"
    )
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    session = profiler.last_session
    root = session.root_frame(trim_stem=False) if session else None
    if root is not None:
        totals = self_time_by_package(root)
        whole = sum(totals.values()) or 1.0
        print("Self time by package (share of the profiled time):")
        for name, seconds in sorted(totals.items(), key=lambda item: -item[1])[:20]:
            print(f"  {seconds / whole * 100:5.1f}%  {seconds / requests * 1000:7.3f} ms/request  {name}")
    if html is not None:
        html.write_text(profiler.output_html())
        print(f"\nwrote {html}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("workload", choices=["dashboard", "model_page", "first_page", "promote", "register"])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    args = parser.parse_args()
    uvloop.run(profile(args.workload, args.backend, args.requests, args.html))


if __name__ == "__main__":
    main()
