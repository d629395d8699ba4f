"""Run the benchmark: ``python -m tests.benchmarks.run --size reference|large [--backends sqlite,postgres]``.

For each backend: a fresh database, the seeded registry written in bulk, tokens, then ``modelreg serve``
(one worker) measured over loopback by the raw load client, the floors in the same run, and SQL statements per
operation counted in-process on the same database. Results go to ``docs/benchmarks/<date>-<backend>.json``
(``<date>-large-<backend>.json`` for the large size) and a markdown table ``docs/benchmarks/<date>[-large].md``;
the benchmark targets (docs/performance.md, "Targets") are printed with met/missed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import uvloop

from app.server import tune_garbage_collector
from app.settings import ServerTuning
from models.entities import Role
from models.tokens.operations import create_token
from models.tokens.scopes import Principal
from tests.benchmarks import (
    big_dashboard,
    cached,
    fields,
    fixture,
    outbox,
    plans,
    report,
    responsiveness,
    transfer,
    ui_pages,
    workloads,
)
from tests.benchmarks.database import Raw, create_database, database_size, drop_database
from tests.benchmarks.floors import dashboard_data, dashboard_floor, promote_floor
from tests.benchmarks.inprocess import InProcess, running_app
from tests.benchmarks.loadclient import (
    Check,
    LoadResult,
    RequestFactory,
    expect_graphql_data,
    run_load,
)
from tests.benchmarks.processes import HOST, Process, RssSampler, serve, serve_floor, wait_ready
from tests.support.server import REPO, environment

MB = 1024 * 1024


class Plan:
    """How many requests each measurement sends; ``--quick`` divides them for a smoke run of the suite.

    Each measurement also stops after ``seconds`` (once every client has sent 10 requests), so a slow build
    or a busy machine makes the run less precise rather than endless."""

    def __init__(self, scale: float, seconds: float) -> None:
        self.scale = scale
        self.seconds = seconds

    def n(self, requests: int) -> int:
        return max(5, int(requests * self.scale))


def summarize(load: LoadResult) -> dict[str, Any]:
    ordered = sorted(load.latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]
    return {
        "clients": load.clients,
        "requests": load.count,
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "throughput_per_s": round(load.throughput, 1),
        "server_cpu_ms_per_op": round(load.server_cpu_seconds / load.count * 1000, 3),
        "client_cpu_ms_per_op": round(load.client_cpu_seconds / load.count * 1000, 3),
    }


class Bench:
    """One backend's measurements against one running server."""

    def __init__(self, server: Process, inproc: InProcess, plan: Plan, database_url: str) -> None:
        self.server = server
        self.inproc = inproc
        self.plan = plan
        self.database_url = database_url
        self.peak_rss = 0

    async def load(
        self,
        factory: RequestFactory,
        clients: int,
        requests: int,
        *,
        check: Check = expect_graphql_data,
        port: int = 0,
        latencies: bool = False,
    ) -> dict[str, Any]:
        """A load's summary; with ``latencies``, also every request's latency (seconds) under ``latencies``."""
        target = self.server if not port else None
        sampler = RssSampler(self.server.ps)
        with sampler.sampling():
            result = await run_load(
                HOST,
                port or self.server.port,
                factory,
                clients=clients,
                requests_per_client=self.plan.n(requests) // clients if clients > 1 else self.plan.n(requests),
                check=check,
                server_cpu=target.cpu_seconds if target else None,
                max_seconds=self.plan.seconds,
            )
        summary = summarize(result)
        if latencies:
            summary["latencies"] = result.latencies
        if target is not None:
            summary["server_peak_rss_mb"] = round(sampler.peak / MB, 1)
            self.peak_rss = max(self.peak_rss, sampler.peak)
        return summary

    async def statements(self, factory: RequestFactory, samples: int = 4) -> dict[str, Any]:
        """SQL statements per operation, in-process on the same database (a first call warms authentication),
        and the full scans of growing tables in their plans (the planners' own choice, on this registry)."""
        await self.inproc.request(factory(0, 10_000))
        counts = []
        statements: list[plans.Statement] = []
        for number in range(samples):
            count, statements = await self.inproc.count_statements(factory(0, 10_001 + number))
            counts.append(count)
        explained = await plans.explain(self.database_url, statements, force_index=False)
        return {
            "min": min(counts),
            "max": max(counts),
            "samples": counts,
            "sql": [statement.sql for statement in statements],
            "full_scans": [scan for plan in explained for scan in plan.full_scans],
        }


def ratio(value: float, floor: float) -> float:
    return round(value / floor, 2) if floor else 0.0


async def timed(calls: int, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """Median and p95 of ``calls`` sequential in-process calls (after two untimed ones)."""
    for _ in range(2):
        await call()
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        await call()
        times.append(time.perf_counter() - began)
    times.sort()
    return {
        "calls": calls,
        "median_ms": round(statistics.median(times) * 1000, 3),
        "p95_ms": round(times[max(0, int(calls * 0.95 + 0.5) - 1)] * 1000, 3),
    }


async def cold_start(database_url: str, artifacts: Path, logs: Path, samples: int) -> dict[str, Any]:
    seconds = []
    for sample in range(samples):
        process = serve(database_url, artifacts, logs / f"cold-start-{sample}.log")
        try:
            seconds.append(await wait_ready(process))
            rss = process.rss()
        finally:
            process.stop()
    return {
        "seconds": [round(s, 3) for s in seconds],
        "median_s": round(statistics.median(seconds), 3),
        "rss_at_ready_mb": round(rss / MB, 1),
    }


async def artifacts(server: Process, token: str, repetitions: int, size_mb: int) -> dict[str, Any]:
    """Upload and download ``size_mb`` MiB blobs (different bytes each time), sampling the server's memory."""
    base = random.Random(4).randbytes(size_mb * MB)
    results: dict[str, Any] = {"size_mb": size_mb, "upload": [], "download": []}
    for repetition in range(repetitions):
        blob = repetition.to_bytes(8, "big") + base[8:]
        sampler = RssSampler(server.ps)
        with sampler.sampling():
            up, sha256 = await transfer.upload(HOST, server.port, token, blob)
        results["upload"].append(
            {
                "seconds": round(up, 3),
                "mb_per_s": round(size_mb / up, 1),
                "rss_baseline_mb": round(sampler.baseline / MB, 1),
                "rss_peak_mb": round(sampler.peak / MB, 1),
            }
        )
        sampler = RssSampler(server.ps)
        with sampler.sampling():
            down = await transfer.download(HOST, server.port, token, sha256, zlib.crc32(blob), len(blob))
        results["download"].append(
            {
                "seconds": round(down, 3),
                "mb_per_s": round(size_mb / down, 1),
                "rss_baseline_mb": round(sampler.baseline / MB, 1),
                "rss_peak_mb": round(sampler.peak / MB, 1),
            }
        )
    for direction in ("upload", "download"):
        runs = results[direction]
        results[f"{direction}_mb_per_s"] = statistics.median(run["mb_per_s"] for run in runs)
        results[f"{direction}_rss_growth_mb"] = round(
            max(run["rss_peak_mb"] - run["rss_baseline_mb"] for run in runs), 1
        )
    return results


async def bench_backend(
    backend: str, size: fixture.Size, run_dir: Path, plan: Plan, *, keep: bool, probes_only: bool = False
) -> dict[str, Any]:
    """Everything measured on one backend at one size."""
    label = f"{backend}-{size.name}"
    print(f"\n== {label}: {size.models} models x {size.versions} versions", flush=True)
    result: dict[str, Any] = {
        "backend": backend,
        "size": {"name": size.name, "models": size.models, "versions": size.versions},
    }
    database_url = await create_database(backend, f"{run_dir.name}_{size.name}", run_dir)
    artifact_root = run_dir / f"artifacts-{label}"
    logs = run_dir / "logs"
    try:
        migrate(database_url)
        generated = await fixture.generate(
            database_url, models=size.models, versions=size.versions, progress=size.models > 1000
        )
        result["fixture"] = {
            "rows": generated.rows,
            "seconds": round(generated.seconds, 1),
            "rows_per_table": generated.rows_per_table,
            "database_mb": round(await database_size(database_url) / MB, 1),
        }
        print(f"   fixture: {generated.rows:,} rows in {generated.seconds:.1f} s", flush=True)
        if backend == "postgres":
            raw = await Raw.open(database_url)
            try:
                result["database_version"] = str((await raw.fetch("SHOW server_version"))[0][0])
            finally:
                await raw.close()
        async with running_app(database_url, artifact_root) as inproc:
            tokens = workloads.Tokens(
                reader=(await create_token(name="bench-reader", role=Role.READER))[1],
                writer=(await create_token(name="bench-writer", role=Role.WRITER))[1],
                deployer=(await create_token(name="bench-deployer", role=Role.DEPLOYER))[1],
            )
            result["cold_start"] = await cold_start(database_url, artifact_root, logs / label, 1 if probes_only else 3)
            print(f"   cold start: {result['cold_start']['seconds']} s", flush=True)
            if not probes_only:
                result["fields"] = await field_costs(plan)
            # The response cache off: these workloads measure executing the operations (the cached server is
            # measured after them, tests/benchmarks/cached.py). The webhook delivery worker off: this server stays
            # up during the outbox benchmark, whose thousands of deliveries it would otherwise work through during
            # the A/B rounds (more in the rounds that write them) and the steps after (webhook_delivery.py
            # measures delivering).
            uncached = {"MODELREG_RESPONSE_CACHE": "off", "MODELREG_WEBHOOK_WORKER": "false"}
            server = serve(database_url, artifact_root, logs / label / "server.log", env=uncached)
            try:
                await wait_ready(server)
                result["server"] = {"rss_after_start_mb": round(server.rss() / MB, 1), **_loaded(server)}
                bench = Bench(server, inproc, plan, database_url)
                raw = await Raw.open(database_url)
                try:
                    result["workloads"] = await _workloads(
                        bench, raw, tokens, size, run_dir, logs / label, probes_only=probes_only
                    )
                    if not probes_only:
                        base_url = f"http://{HOST}:{server.port}"
                        first = fixture.model_name(0)
                        result["ui_pages"] = await ui_pages.measure(base_url, tokens.reader, first, plan.n(20))
                        print(ui_pages.text(result["ui_pages"]), flush=True)
                        result["cached"] = await cached.measure(
                            bench,
                            raw,
                            tokens,
                            workloads.Promotions(models=size.models, versions=size.versions, token=tokens.deployer),
                            database_url=database_url,
                            artifact_root=artifact_root,
                            log=logs / label / "server-cached.log",
                        )
                        _print_cached(result["cached"])
                        # The webhook outbox's cost on promotions, A/B in rounds (tests/benchmarks/outbox.py).
                        result["outbox"] = await outbox.measure(
                            bench,
                            raw,
                            inproc,
                            workloads.Promotions(models=size.models, versions=size.versions, token=tokens.deployer),
                            database_url=database_url,
                            artifact_root=artifact_root,
                            log=logs / label / "server-outbox.log",
                            requests=plan.n(20),
                        )
                        print(outbox.text(result["outbox"]), flush=True)
                        result["artifacts"] = await artifacts(server, tokens.writer, 3, 100)
                        print(
                            f"   artifacts: up {result['artifacts']['upload_mb_per_s']} MB/s, down "
                            f"{result['artifacts']['download_mb_per_s']} MB/s",
                            flush=True,
                        )
                        # The most expensive document the node limit allows, with /healthz probed beside it.
                        base = f"http://{HOST}:{server.port}"
                        found = await responsiveness.measure(base, tokens.reader, seconds=plan.seconds, timeout=None)
                        result["responsiveness"] = found
                        print(
                            f"   responsiveness: document {found['document_median_s']} s, /healthz p99 "
                            f"{found['healthz_p99_ms']} ms (target < 100 ms)",
                            flush=True,
                        )
                        # Monitoring (docs/monitoring.md, "Cost"), on a database of its own.
                        result["monitoring"] = costs = await own_process("monitoring", backend, run_dir)
                        print(
                            f"   monitoring: recordWindow 100 x 20 median {costs['record']['median_ms']} ms; "
                            f"30 windows of 100 features read in {costs['read_30_windows']['median_ms']} ms",
                            flush=True,
                        )
                        # The 10,000-version dashboard (100 x 100), on a database of its own.
                        result["big_dashboard"] = await own_process("big_dashboard", backend, run_dir)
                        print(big_dashboard.text(result["big_dashboard"]), flush=True)
                finally:
                    await raw.close()
                result["server"]["peak_rss_under_load_mb"] = round(bench.peak_rss / MB, 1)
            finally:
                server.stop()
    finally:
        if not keep:
            await drop_database(database_url)
            shutil.rmtree(artifact_root, ignore_errors=True)  # 300 MB of uploaded blobs per backend
    return result


async def own_process(module: str, backend: str, run_dir: Path) -> dict[str, Any]:
    """``tests/benchmarks/<module>.py`` in a process of its own (its app and ORM are its own) on a new database,
    its result the JSON object it prints last (``--json``)."""
    database_url = await create_database(backend, f"{run_dir.name}_{module}", run_dir)
    try:
        done = subprocess.run(
            [sys.executable, "-m", f"tests.benchmarks.{module}", "--database-url", database_url, "--json"],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return found
    finally:
        await drop_database(database_url)


async def field_costs(plan: Plan) -> dict[str, Any]:
    """µs per executed field of the wide document and the dashboard, beside graphql-core's own (fields.py)."""
    reader = Principal(name="bench-reader", role=Role.READER)
    tune_garbage_collector(ServerTuning().gc_threshold)  # as modelreg serve runs (docs/performance.md)
    measured = {
        "wide": await fields.measure(fields.WIDE, reader, repetitions=plan.n(20)),
        "dashboard": await fields.measure(workloads.DASHBOARD, reader, repetitions=plan.n(20)),
    }
    for name, entry in measured.items():
        print(
            f"   fields, {name}: {entry['fields']:,} fields, {entry['us_per_field']} µs each "
            f"(graphql-core alone {entry['graphql_core_us_per_field']} µs; x{entry['ratio_to_graphql_core']})",
            flush=True,
        )
    return measured


def _print_cached(entry: dict[str, Any]) -> None:
    runs = ", ".join(f"{clients} client(s) {run['median_ms']} ms" for clients, run in entry["dashboard"].items())
    print(
        f"   dashboard cached: {runs}; 304 {entry['dashboard_304']['1']['median_ms']} ms; promote with the cache "
        f"x{entry.get('promote_vs_uncached')} of without; hit rate while promoting {entry['hit_rate_while_promoting']}",
        flush=True,
    )


def migrate(database_url: str) -> None:
    """``modelreg migrate`` in its own process: Tortoise's global context in this one belongs to the app."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate", "--database-url", database_url],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"modelreg migrate failed:\n{done.stdout}{done.stderr}")


def _loaded(server: Process) -> dict[str, bool]:
    """Whether the server process runs uvloop and httptools (uvicorn picks them when installed)."""
    try:
        paths = " ".join(m.path for m in server.ps.memory_maps())
    except Exception:
        return {}
    return {"uvloop": "uvloop" in paths, "httptools": "httptools" in paths}


async def _workloads(
    bench: Bench,
    raw: Raw,
    tokens: workloads.Tokens,
    size: fixture.Size,
    run_dir: Path,
    logs: Path,
    *,
    probes_only: bool,
) -> dict[str, Any]:
    models, versions = size.models, size.versions
    reads: dict[str, RequestFactory] = {
        "first_page": workloads.first_page(tokens),
        "model_page_20": workloads.model_page(tokens, models=models, first=20),
    }
    if not probes_only:
        reads = {
            "dashboard": workloads.dashboard(tokens),
            "model_page": workloads.model_page(tokens, models=models, first=100),
            **reads,
        }
    promotions = workloads.Promotions(models=models, versions=versions, token=tokens.deployer)
    registrations = workloads.Registrations(models=models, token=tokens.writer)

    # Capture one response per workload: the floor app answers with bodies of the same size.
    payloads: dict[str, Any] = {}
    for name, factory in reads.items():
        _, body = await bench.inproc.request(factory(0, 0))
        payloads[name] = orjson.loads(body)
    await promotions.refresh(raw)
    _, body = await bench.inproc.request(promotions.factory(1)(0, 0))
    payloads["promote"] = orjson.loads(body)
    _, body = await bench.inproc.request(registrations.factory(1)(0, 0))
    payloads["register"] = orjson.loads(body)
    payload_file = run_dir / f"payloads-{size.name}-{raw.backend}.json"
    payload_file.write_bytes(orjson.dumps(payloads))
    floor_server = serve_floor(payload_file, logs / "floor.log")
    results: dict[str, Any] = {}
    try:
        await wait_ready(floor_server)
        for name, factory in reads.items():
            entry: dict[str, Any] = {"response_bytes": len(orjson.dumps(payloads[name]))}
            entry["statements"] = await bench.statements(factory)
            entry["runs"] = {"1": await bench.load(factory, 1, 100)}
            if not probes_only:
                entry["runs"]["4"] = await bench.load(factory, 4, 200)
            floor = _to_floor(factory, name)
            entry["floor_http"] = {"1": await bench.load(floor, 1, 100, port=floor_server.port)}
            if not probes_only:
                entry["floor_http"]["4"] = await bench.load(floor, 4, 200, port=floor_server.port)
            entry["ratio_to_floor_http"] = {
                clients: ratio(entry["runs"][clients]["median_ms"], entry["floor_http"][clients]["median_ms"])
                for clients in entry["runs"]
            }
            results[name] = entry
            _print(name, entry)
        if "dashboard" in results:
            dashboard = results["dashboard"]
            dashboard.update(await _dashboard_floor(bench, raw, reads["dashboard"]))
            dashboard["ratio_to_floor_inprocess"] = ratio(
                dashboard["runs"]["1"]["median_ms"], dashboard["floor_inprocess"]["median_ms"]
            )

        entry = {"response_bytes": len(orjson.dumps(payloads["promote"]))}
        await promotions.refresh(raw)
        entry["statements"] = await bench.statements(promotions.factory(1))
        entry["runs"] = {"1": await bench.load(promotions.factory(1), 1, 300)}
        if not probes_only:
            entry["runs"]["8"] = await bench.load(promotions.factory(8), 8, 400)
        entry["floor_http"] = {
            "1": await bench.load(_to_floor(promotions.factory(1), "promote"), 1, 100, port=floor_server.port)
        }
        await promotions.refresh(raw)
        entry["floor_inprocess"] = await _promote_floor(raw, promotions, bench.plan)
        entry["ratio_to_floor_http"] = {
            "1": ratio(entry["runs"]["1"]["median_ms"], entry["floor_http"]["1"]["median_ms"])
        }
        entry["ratio_to_floor_inprocess"] = ratio(
            entry["runs"]["1"]["median_ms"], entry["floor_inprocess"]["median_ms"]
        )
        results["promote"] = entry
        _print("promote", entry)

        if not probes_only:
            entry = {"response_bytes": len(orjson.dumps(payloads["register"]))}
            entry["statements"] = await bench.statements(registrations.factory(1))
            entry["runs"] = {
                "1": await bench.load(registrations.factory(1), 1, 200),
                "4": await bench.load(registrations.factory(4), 4, 200),
            }
            entry["floor_http"] = {
                "1": await bench.load(_to_floor(registrations.factory(1), "register"), 1, 100, port=floor_server.port)
            }
            entry["ratio_to_floor_http"] = {
                "1": ratio(entry["runs"]["1"]["median_ms"], entry["floor_http"]["1"]["median_ms"])
            }
            results["register"] = entry
            _print("register", entry)
    finally:
        floor_server.stop()
    return results


def _to_floor(factory: RequestFactory, name: str) -> RequestFactory:
    return lambda client, number: workloads.floor_request(factory(client, number), name)


async def _dashboard_floor(bench: Bench, raw: Raw, request: RequestFactory) -> dict[str, Any]:
    """The in-process floor; first, check it reads exactly the data the API returns now."""
    _, body = await bench.inproc.request(request(0, 0))
    floor = await dashboard_data(raw)
    entry: dict[str, Any] = {"floor_matches_api": floor == orjson.loads(body)["data"]}
    if not entry["floor_matches_api"]:
        print("   WARNING: the hand-written dashboard differs from the API's data", flush=True)
    entry["floor_inprocess"] = await timed(bench.plan.n(50), lambda: dashboard_floor(raw))
    return entry


async def _promote_floor(raw: Raw, promotions: workloads.Promotions, plan: Plan) -> dict[str, Any]:
    counter = iter(range(10**9))

    async def one() -> None:
        index = workloads.owned_model(0, 1, next(counter), promotions.models)
        await promote_floor(
            raw,
            model=fixture.model_name(index),
            version=promotions.target(index),
            actor="bench-floor",
            reason="benchmark promotion",
        )

    return await timed(plan.n(100), one)


def _print(name: str, entry: dict[str, Any]) -> None:
    runs = ", ".join(
        f"{clients} client(s): median {run['median_ms']} ms, p95 {run['p95_ms']} ms, {run['throughput_per_s']}/s, "
        f"server CPU {run['server_cpu_ms_per_op']} ms/op"
        for clients, run in entry["runs"].items()
    )
    sql = entry["statements"]
    print(
        f"   {name}: {runs}; SQL {sql['min']}-{sql['max']}; ratio to HTTP floor {entry['ratio_to_floor_http']}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> int:
    plan = Plan(0.2 if args.quick else 1.0, args.seconds)
    stamp = datetime.now(UTC)
    run_dir = REPO / "var" / "bench" / stamp.strftime("%Y%m%d%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    size = fixture.LARGE if args.size == "large" else fixture.REFERENCE
    if args.models:
        size = fixture.Size(size.name, args.models, args.versions or size.versions)
    results = []
    for backend in args.backends.split(","):
        entry: dict[str, Any] = {"machine": report.machine(), "started_at": stamp.isoformat()}
        entry.update(await bench_backend(backend, size, run_dir, plan, keep=args.keep))
        if size.name == "large":
            # The same probes on the reference size, in the same run: the large size must stay within 2x.
            entry["reference_probes"] = await bench_backend(
                backend, fixture.REFERENCE, run_dir, plan, keep=False, probes_only=True
            )
        results.append(entry)
    written = report.write(results, Path(args.out), stamp, quick=args.quick, note=args.note)
    print("\n" + report.targets_text(results))
    print("written: " + ", ".join(str(path) for path in written))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", choices=["reference", "large"], default="reference")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--models", type=int, help="override the size's number of models (trials)")
    parser.add_argument("--versions", type=int, help="override the size's versions per model (trials)")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks"))
    parser.add_argument("--quick", action="store_true", help="a fifth of the requests: checks the suite runs")
    parser.add_argument("--seconds", type=float, default=15.0, help="time limit of one measurement (default 15)")
    parser.add_argument("--note", help="a line for the top of the markdown, e.g. what the run is worth")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases (var/bench, PostgreSQL)")
    args = parser.parse_args()
    sys.exit(uvloop.run(main_async(args)))


if __name__ == "__main__":
    main()
