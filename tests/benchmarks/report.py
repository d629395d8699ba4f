"""Results: the machine they were measured on, the JSON files, the markdown table, the targets of issue 4."""

from __future__ import annotations

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

from tests.server import REPO


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
    unit: str
    limit: float
    #: True: the value must stay below the limit; False: above it.
    below: bool
    value: Callable[[dict[str, Any]], float | None]
    #: The limit itself is allowed ("at most 8 statements").
    inclusive: bool = False

    @property
    def bound(self) -> str:
        sign = ("<=" if self.inclusive else "<") if self.below else (">=" if self.inclusive else ">")
        return f"{sign} {self.limit:g}{self.unit}"

    def judge(self, result: dict[str, Any]) -> tuple[float | None, bool | None]:
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


def _growth(result: dict[str, Any], name: str) -> float | None:
    reference = result.get("reference_probes")
    if reference is None:
        return None
    large = _w(result, name, "runs", "1", "median_ms")
    small = reference["workloads"][name]["runs"]["1"]["median_ms"]
    return round(float(large) / float(small), 2)


#: Issue 4's targets (defined for SQLite, one worker, this 2-core machine kind).
TARGETS = (
    Target("dashboard median, 1 client", "ms", 60, True, lambda r: _w(r, "dashboard", "runs", "1", "median_ms")),
    Target(
        "dashboard SQL statements (most seen)", "", 8, True, lambda r: _w(r, "dashboard", "statements", "max"), True
    ),
    Target(
        "dashboard / in-process SQL+orjson floor",
        "x",
        3,
        True,
        lambda r: _w(r, "dashboard", "ratio_to_floor_inprocess"),
    ),
    Target("promote, sequential", "/s", 300, False, lambda r: _w(r, "promote", "runs", "1", "throughput_per_s")),
    Target("promote, 8 clients", "/s", 250, False, lambda r: _w(r, "promote", "runs", "8", "throughput_per_s")),
    Target("cold start to first /readyz 200", "s", 1.5, True, lambda r: r["cold_start"]["median_s"]),
    Target("server RSS under load", "MB", 150, True, lambda r: r["server"]["peak_rss_under_load_mb"]),
    Target("artifact upload (100 MB)", "MB/s", 200, False, lambda r: r["artifacts"]["upload_mb_per_s"]),
    Target("artifact download (100 MB)", "MB/s", 200, False, lambda r: r["artifacts"]["download_mb_per_s"]),
    Target(
        "server memory growth during a 100 MB transfer",
        "MB",
        32,
        True,
        lambda r: max(r["artifacts"]["upload_rss_growth_mb"], r["artifacts"]["download_rss_growth_mb"]),
    ),
    Target("first page of models, large / reference", "x", 2, True, lambda r: _growth(r, "first_page")),
    Target("model page by a metric (20), large / reference", "x", 2, True, lambda r: _growth(r, "model_page_20")),
    Target("promotion, large / reference", "x", 2, True, lambda r: _growth(r, "promote")),
)


def targets_text(results: list[dict[str, Any]]) -> str:
    lines = ["Targets (issue 4; defined for SQLite, one worker):"]
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
        reference = result["reference_probes"]["workloads"][name]["runs"]["1"]["median_ms"]
        return f"{reference} -> {_w(result, name, 'runs', '1', 'median_ms')}"

    return cell


def markdown(results: list[dict[str, Any]], stamp: datetime, *, quick: bool) -> str:
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
    if quick:
        lines.append("**Quick run (`--quick`, a fifth of the requests): a check of the suite, not a measurement.**")
    lines += ["", "## Workloads", "", *_runs_table(results), "", "## Floors and fixed costs", ""]
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
    if any("reference_probes" in r for r in results):
        for name in ("first_page", "model_page_20", "promote"):
            row(f"{name}: reference median ms -> large median ms", _growth_cell(name))
    lines += [
        "",
        "## Targets (issue 4; defined for SQLite, one worker)",
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


def write(results: list[dict[str, Any]], folder: Path, stamp: datetime, *, quick: bool) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    size = results[0]["size"]["name"]
    suffix = "" if size == "reference" else f"-{size}"
    written = []
    for result in results:
        path = folder / f"{stamp:%Y-%m-%d}{suffix}-{result['backend']}.json"
        path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        written.append(path)
    table = folder / f"{stamp:%Y-%m-%d}{suffix}.md"
    table.write_text(markdown(results, stamp, quick=quick))
    written.append(table)
    return written
