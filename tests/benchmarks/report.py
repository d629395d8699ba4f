"""Results: the machine they were measured on, the JSON files, the markdown table, the benchmark targets."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
import psutil

from tests.support.server import REPO


def machine() -> dict[str, Any]:
    cpu_model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
    )
    packages = ("strawberry-graphql", "starlette", "uvicorn", "tortoise-orm", "aiosqlite", "asyncpg", "orjson")
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: metadata.version(name) for name in packages},
        "commit": commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else ""),
        # Other processes on the machine make numbers noisy; the load average at the start says how busy it was.
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    value: Callable[[dict[str, Any]], float | None]
    unit: str = ""
    #: True: the value must stay below the limit; False: above it.
    below: bool = True
    #: The limit itself is allowed ("at most 8 statements").
    inclusive: bool = False
    #: The registry sizes the target is defined for.
    sizes: tuple[str, ...] = ("reference",)

    @property
    def bound(self) -> str:
        sign = ("<=" if self.inclusive else "<") if self.below else (">=" if self.inclusive else ">")
        return f"{sign} {self.limit:g}{self.unit}"

    def judge(self, result: dict[str, Any]) -> tuple[float | None, bool | None]:
        if result["size"]["name"] not in self.sizes:
            return None, None
        try:
            value = self.value(result)
        except (KeyError, TypeError, ZeroDivisionError):
            return None, None
        if value is None:
            return None, None
        if self.inclusive:
            return value, (value <= self.limit if self.below else value >= self.limit)
        return value, (value < self.limit if self.below else value > self.limit)


def _w(result: dict[str, Any], *path: str) -> Any:
    node: Any = result["workloads"]
    for key in path:
        node = node[key]
    return node


def _growth(name: str, measure: str) -> Callable[[dict[str, Any]], float]:
    """Large size / reference size of one single-client measure of a size probe."""

    def value(result: dict[str, Any]) -> float:
        large = _w(result, name, "runs", "1", measure)
        small = result["reference_probes"]["workloads"][name]["runs"]["1"][measure]
        return round(float(large) / float(small), 2)

    return value


_PROBES = (
    ("first_page", "first page of models"),
    ("model_page_20", "model page by a metric"),
    ("promote", "promotion"),
)
_ANY_SIZE = ("reference", "large")

#: The benchmark targets (docs/performance.md, "Targets"; defined for SQLite, one worker, this 2-core machine
#: kind). The large size's "within 2x" is judged on the median latency and, less sensitive to other load on the
#: machine, on the server CPU per operation.
TARGETS = (
    Target(
        "dashboard median, 1 client",
        50,
        lambda r: _w(r, "dashboard", "runs", "1", "median_ms") if r["backend"] == "sqlite" else None,
        "ms",
    ),
    Target(
        "dashboard SQL statements (most seen)",
        8,
        lambda r: _w(r, "dashboard", "statements", "max"),
        inclusive=True,
        sizes=_ANY_SIZE,
    ),
    Target("dashboard / in-process SQL+orjson floor", 3, lambda r: _w(r, "dashboard", "ratio_to_floor_inprocess"), "x"),
    Target(
        "dashboard median, 1 client, PostgreSQL",
        60,
        lambda r: _w(r, "dashboard", "runs", "1", "median_ms") if r["backend"] == "postgres" else None,
        "ms",
    ),
    Target(
        "dashboard cached median over HTTP, 1 client", 5, lambda r: r["cached"]["dashboard"]["1"]["median_ms"], "ms"
    ),
    Target(
        "promote with the cache / without, same run",
        0.9,
        lambda r: r["cached"]["promote_vs_uncached"],
        "x",
        below=False,
    ),
    Target(
        "promotion rate with 5 webhooks wanting every event / with none (outbox, HTTP, A/B rounds, 1 / median)",
        0.9,
        lambda r: r["outbox"]["http"]["ratio"],
        "x",
        below=False,
        inclusive=True,
    ),
    Target(
        "promotion rate with the outbox / without it (in process, A/B rounds, 1 / median)",
        0.9,
        lambda r: r["outbox"]["in_process"]["ratio"],
        "x",
        below=False,
        inclusive=True,
    ),
    Target("promote, sequential", 300, lambda r: _w(r, "promote", "runs", "1", "throughput_per_s"), "/s", below=False),
    Target("promote, 8 clients", 250, lambda r: _w(r, "promote", "runs", "8", "throughput_per_s"), "/s", below=False),
    Target("cold start to first /readyz 200", 1.5, lambda r: r["cold_start"]["median_s"], "s"),
    Target(
        "monitoring: recordWindow of 100 features x 20 bins, median",
        20,
        lambda r: r["monitoring"]["record"]["median_ms"] if "monitoring" in r else None,
        "ms",
    ),
    Target(
        "10,000-version dashboard, one request with the node limit raised (in process), median",
        600,
        lambda r: r["big_dashboard"]["one_request"]["median_ms"] if "big_dashboard" in r else None,
        "ms",
    ),
    Target("server RSS under load", 150, lambda r: r["server"]["peak_rss_under_load_mb"], "MB"),
    Target("artifact upload (100 MB)", 200, lambda r: r["artifacts"]["upload_mb_per_s"], "MB/s", below=False),
    Target("artifact download (100 MB)", 200, lambda r: r["artifacts"]["download_mb_per_s"], "MB/s", below=False),
    Target(
        "server memory growth during a 100 MB transfer",
        32,
        lambda r: max(r["artifacts"]["upload_rss_growth_mb"], r["artifacts"]["download_rss_growth_mb"]),
        "MB",
        sizes=_ANY_SIZE,
    ),
    *(
        Target(f"{label}, large / reference ({what})", 2, _growth(name, measure), "x", sizes=("large",))
        for name, label in _PROBES
        for measure, what in (("median_ms", "median"), ("server_cpu_ms_per_op", "server CPU"))
    ),
)


def targets_text(results: list[dict[str, Any]]) -> str:
    lines = ["The benchmark targets (docs/performance.md), defined for SQLite, one worker:"]
    for target in TARGETS:
        cells = []
        for result in results:
            value, met = target.judge(result)
            if met is None:
                continue
            verdict = "met" if met else "MISSED"
            cells.append(f"{result['backend']} {value:g}{target.unit} {verdict}")
        if cells:
            lines.append(f"  {target.name} ({target.bound}): " + "; ".join(cells))
    return "\n".join(lines)


def _runs_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| workload | backend | clients | median ms | p95 ms | req/s | server CPU ms/op | SQL/op | "
        "HTTP floor median ms | x HTTP floor |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for name, entry in result.get("workloads", {}).items():
            sql = entry["statements"]
            statements = str(sql["min"]) if sql["min"] == sql["max"] else f"{sql['min']}-{sql['max']}"
            for clients, run in entry["runs"].items():
                floor = entry.get("floor_http", {}).get(clients)
                lines.append(
                    f"| {name} | {result['backend']} | {clients} | {run['median_ms']:.1f} | {run['p95_ms']:.1f} | "
                    f"{run['throughput_per_s']:.0f} | {run['server_cpu_ms_per_op']:.2f} | {statements} | "
                    + (f"{floor['median_ms']:.2f} | {entry['ratio_to_floor_http'][clients]:.1f} |" if floor else "| |")
                )
    return lines


def _growth_cell(name: str) -> Callable[[dict[str, Any]], str]:
    def cell(result: dict[str, Any]) -> str:
        small = result["reference_probes"]["workloads"][name]["runs"]["1"]
        large = _w(result, name, "runs", "1")
        return (
            f"{small['median_ms']} -> {large['median_ms']} ms; "
            f"CPU {small['server_cpu_ms_per_op']} -> {large['server_cpu_ms_per_op']} ms/op"
        )

    return cell


def _outbox_cell(comparison: str) -> Callable[[dict[str, Any]], str]:
    """Both arms of an outbox A/B (tests/benchmarks/outbox.py): median ms and rate, with on / off of each."""

    def cell(result: dict[str, Any]) -> str:
        entry = result["outbox"][comparison]
        off, on = entry["off"], entry["on"]
        return (
            f"{off['median_ms']} / {on['median_ms']} ms (x{entry['ratio']}); {off['throughput_per_s']} / "
            f"{on['throughput_per_s']}/s (totals x{entry['ratio_of_totals']})"
        )

    return cell


def _big_dashboard_cell(result: dict[str, Any]) -> str:
    """tests/benchmarks/big_dashboard.py: the three ways of reading 100 x 100, median ms each."""
    if "big_dashboard" not in result:
        return ""
    big = result["big_dashboard"]
    limited = big["pages_within_the_default_limit"]
    return (
        f"{big['one_request']['median_ms']} / {big['pages_of_10']['median_ms']} / {limited['median_ms']} "
        f"({limited['requests']} pages of {limited['models_per_page']})"
    )


def _field_cell(document: str, what: str) -> Callable[[dict[str, Any]], str]:
    def cell(result: dict[str, Any]) -> str:
        entry = result["fields"][document]
        if what == "count":
            return f"{entry['fields']:,}"
        return f"{entry['us_per_field']} / {entry['graphql_core_us_per_field']} (x{entry['ratio_to_graphql_core']})"

    return cell


def markdown(results: list[dict[str, Any]], stamp: datetime, *, quick: bool, note: str | None = None) -> str:
    first = results[0]
    info = first["machine"]
    size = first["size"]
    lines = [
        f"# Benchmark {stamp:%Y-%m-%d}: {size['name']} size ({size['models']:,} models x {size['versions']} versions)",
        "",
        f"Machine: {info['cores']} cores, {info['cpu_model']}, {info['memory_gb']} GB; Python {info['python']}; "
        f"SQLite {info['sqlite']}"
        + "".join(
            f"; PostgreSQL {r['database_version']}"
            for r in results
            if r["backend"] == "postgres" and r.get("database_version")
        )
        + f"; commit {info['commit']}; load average at start {info['load_average_at_start']}.",
        "One `modelreg serve` worker over loopback; the raw asyncio load client in another process.",
    ]
    if note:
        lines += ["", f"**{note}**"]
    if quick:
        lines.append("**Quick run (`--quick`, a fifth of the requests): a check of the suite, not a measurement.**")
    lines += ["", "## Workloads", "", *_runs_table(results), ""]
    scans = [
        f"- {name} ({result['backend']}): " + "; ".join(sorted(set(entry["statements"]["full_scans"])))
        for result in results
        for name, entry in result.get("workloads", {}).items()
        if entry["statements"].get("full_scans")
    ]
    lines += [
        "Full scans of `version`, `metric` or `deployment` in the plans of each workload's statements "
        "(the planner's own choice on this registry): " + ("none." if not scans else ""),
        *scans,
        "",
        "## Floors and fixed costs",
        "",
    ]
    lines += ["| measure | " + " | ".join(r["backend"] for r in results) + " |", "| --- |" + " ---: |" * len(results)]

    def row(label: str, get: Callable[[dict[str, Any]], Any]) -> None:
        cells = []
        for result in results:
            try:
                cells.append(str(get(result)))
            except (KeyError, TypeError):
                cells.append("")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("fixture rows / seconds to write", lambda r: f"{r['fixture']['rows']:,} / {r['fixture']['seconds']}")
    row("database size MB", lambda r: r["fixture"]["database_mb"])
    row(
        "dashboard in-process floor (SQL + orjson) median ms",
        lambda r: _w(r, "dashboard", "floor_inprocess", "median_ms"),
    )
    row("dashboard floor reads the same data as the API", lambda r: _w(r, "dashboard", "floor_matches_api"))
    row("dashboard / in-process floor", lambda r: _w(r, "dashboard", "ratio_to_floor_inprocess"))
    row("dashboard response bytes", lambda r: _w(r, "dashboard", "response_bytes"))
    row(
        "promote in-process floor (hand-written transaction) median ms",
        lambda r: _w(r, "promote", "floor_inprocess", "median_ms"),
    )
    row("promote / in-process floor", lambda r: _w(r, "promote", "ratio_to_floor_inprocess"))
    row("cold start s (samples)", lambda r: r["cold_start"]["seconds"])
    row("server RSS after start MB", lambda r: r["server"]["rss_after_start_mb"])
    row("server peak RSS under load MB", lambda r: r["server"]["peak_rss_under_load_mb"])
    row("uvloop / httptools in the server", lambda r: f"{r['server'].get('uvloop')} / {r['server'].get('httptools')}")
    row("artifact upload MB/s (100 MB)", lambda r: r["artifacts"]["upload_mb_per_s"])
    row("artifact download MB/s (100 MB)", lambda r: r["artifacts"]["download_mb_per_s"])
    row(
        "server RSS growth during a transfer MB",
        lambda r: f"{r['artifacts']['upload_rss_growth_mb']} up, {r['artifacts']['download_rss_growth_mb']} down",
    )
    row(
        "dashboard cached median ms, 1 / 4 clients",
        lambda r: " / ".join(str(r["cached"]["dashboard"][c]["median_ms"]) for c in ("1", "4")),
    )
    row("dashboard 304 (If-None-Match) median ms", lambda r: r["cached"]["dashboard_304"]["1"]["median_ms"])
    row("promote/s with the cache / without (same run)", lambda r: r["cached"]["promote_vs_uncached"])
    row("cache hit rate, dashboard polled while promoting", lambda r: r["cached"]["hit_rate_while_promoting"])
    row(
        "10,000-version dashboard ms (in process): one request, node limit raised / 10 pages of 10 models, raised / "
        "pages the default limit allows",
        _big_dashboard_cell,
    )
    row("promote, outbox over HTTP: median and rate, no webhook / 5 wanting every event", _outbox_cell("http"))
    row("promote, outbox in process: median and rate, outbox removed / present", _outbox_cell("in_process"))
    for document in ("wide", "dashboard"):
        row(f"fields executed, {document} document", _field_cell(document, "count"))
        row(f"µs per field, {document}: modelreg / graphql-core alone (ratio)", _field_cell(document, "cost"))
    if any("reference_probes" in r for r in results):
        for name in ("first_page", "model_page_20", "promote"):
            row(f"{name}: reference -> large (median; server CPU per op)", _growth_cell(name))
    lines += [
        "",
        "## The benchmark targets (docs/performance.md), defined for SQLite, one worker",
        "",
        "| target | limit | " + " | ".join(r["backend"] for r in results) + " |",
        "| --- | --- |" + " --- |" * len(results),
    ]
    for target in TARGETS:
        cells = []
        for result in results:
            value, met = target.judge(result)
            cells.append("" if met is None else f"{value:g}{target.unit} {'met' if met else '**missed**'}")
        if any(cells):
            lines.append(f"| {target.name} | {target.bound} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write(
    results: list[dict[str, Any]], folder: Path, stamp: datetime, *, quick: bool, note: str | None = None
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    size = results[0]["size"]["name"]
    suffix = "" if size == "reference" else f"-{size}"
    written = []
    for result in results:
        path = folder / f"{stamp:%Y-%m-%d}{suffix}-{result['backend']}.json"
        path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        written.append(path)
    table = folder / f"{stamp:%Y-%m-%d}{suffix}.md"
    table.write_text(markdown(results, stamp, quick=quick, note=note))
    written.append(table)
    return written


def main() -> None:
    """Rewrite the markdown table from result files: ``python -m tests.benchmarks.report A.json B.json``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", nargs="+", type=Path, help="<date>[-large]-<backend>.json files of one run")
    parser.add_argument("--note", help="a line for the top of the markdown")
    args = parser.parse_args()
    results = [orjson.loads(path.read_bytes()) for path in args.results]
    stamp = datetime.fromisoformat(results[0]["started_at"])
    size = results[0]["size"]["name"]
    table = args.results[0].parent / f"{stamp:%Y-%m-%d}{'' if size == 'reference' else '-' + size}.md"
    table.write_text(markdown(results, stamp, quick=False, note=args.note))
    print(f"written: {table}")


if __name__ == "__main__":
    main()
