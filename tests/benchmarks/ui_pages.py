"""The web UI's page times in ``make bench``: each page fetched in turn by one signed-in browser-like client.

One client at a time over loopback, so a request's time is the server's (the issue's target: every page under
300 ms of server time on the reference registry). Run alone against a running server:

    .venv/bin/python -m tests.benchmarks.ui_pages URL TOKEN MODEL [--samples 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx

from app.ui.session import SESSION_COOKIE

#: The target of docs/ui.md, "Speed": a page's median server time.
TARGET_MS = 300.0


def pages(model: str) -> dict[str, str]:
    """Each page's name and path for ``model`` (its version 1 and the newest versions)."""
    return {
        "models": "/",
        "models (filtered)": "/?q=model-0&prod=yes&sort=updated&dir=desc",
        "model": f"/models/{model}",
        "model (sorted by a metric)": f"/models/{model}?sort=metric:accuracy&dir=desc",
        "version": f"/models/{model}/versions/1",
        "compare": f"/models/{model}/compare",
        "audit": "/audit",
        "monitoring": "/monitoring",
    }


async def measure(base_url: str, token: str, model: str, samples: int) -> dict[str, Any]:
    """Median, p95 and max milliseconds per page, and whether every median meets ``TARGET_MS``."""
    timings: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30, cookies={SESSION_COOKIE: token}) as client:
        for name, path in pages(model).items():
            ms = []
            for _ in range(samples + 1):  # the first warms caches and is not counted
                started = time.perf_counter()
                response = await client.get(path)
                ms.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"ui pages: {path} answered {response.status_code}: {response.text[:300]}")
            ms = sorted(ms[1:])
            timings[name] = {
                "path": path,
                "median_ms": round(statistics.median(ms), 1),
                "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 1),
                "max_ms": round(ms[-1], 1),
            }
    return {"pages": timings, "target_ms": TARGET_MS, "met": all(t["median_ms"] < TARGET_MS for t in timings.values())}


def text(result: dict[str, Any]) -> str:
    lines = [f"   ui pages (target: median under {result['target_ms']:g} ms): {'met' if result['met'] else 'MISSED'}"]
    for name, page in result["pages"].items():
        lines.append(f"     {name}: median {page['median_ms']} ms, p95 {page['p95_ms']} ms, max {page['max_ms']} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("model")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    print(text(asyncio.run(measure(args.url.rstrip("/"), args.token, args.model, args.samples))))


if __name__ == "__main__":
    main()
