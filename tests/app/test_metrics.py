"""``GET /metrics``: off by default; requests by bounded operation label and outcome, cache hits and misses,
statements per request, rate-limit refusals and pool use, added up over every worker of ``--workers``."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.settings import Settings
from tests.app.test_abuse import serving
from tests.support.helpers import StatementCounter, promote, register
from tests.support.instances import Instance, seed, start_all, stop_all

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()


@pytest.fixture
def backend() -> str:
    """SQLite only, but for the pool gauge: the metrics are the HTTP layer's (the cross-worker test uses SQLite)."""
    return "sqlite"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_are_off_unless_asked_for(settings: Settings) -> None:
    async with serving(settings) as api:
        assert (await api.client.get("/metrics")).status_code == 404


async def test_requests_cache_statements_and_refusals_are_counted(settings: Settings) -> None:
    # Rate limits in points (docs/api.md): the registration 5, each dashboard 15, the viewer query 1: a bucket of
    # 66 is empty after them, so the next viewer query is refused.
    settings = dataclasses.replace(
        settings, metrics=True, rate_limit_per_second=0.001, rate_limit_burst=66, metrics_operations=("TeamBoard",)
    )
    async with serving(settings) as api:
        before = _samples((await api.client.get("/metrics")).text)
        await register(api, "watched")  # one mutation (cost 5)
        for name in ("Dashboard", "Dashboard", "TeamBoard", "Invented123"):
            document = DASHBOARD.replace("query Dashboard", f"query {name}")
            await api.data(document)
        await api.data("{ viewer { name } }")  # anonymous operation
        refused = await api.client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=api.headers("admin"))
        assert refused.status_code == 429
        exposition = await api.client.get("/metrics")
        after = _samples(exposition.text)

    assert exposition.headers["content-type"].startswith("text/plain")

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    count = "modelreg_graphql_request_duration_seconds_count"
    assert grew(count, operation="Dashboard", type="query", outcome="ok") == 1
    assert grew(count, operation="Dashboard", type="query", outcome="cached") == 1
    assert grew(count, operation="TeamBoard", type="query", outcome="ok") == 1
    assert grew(count, operation="other", type="query", outcome="ok") == 1  # an unknown name is not a label
    assert grew(count, operation="Register", type="mutation", outcome="ok") == 1
    assert grew(count, operation="anonymous", type="query", outcome="ok") == 1
    assert grew(count, operation="anonymous", type="query", outcome="rate_limited") == 1
    assert not any("Invented123" in str(key) for key in after)
    assert grew("modelreg_response_cache_requests_total", result="hit") == 1
    assert grew("modelreg_response_cache_requests_total", result="miss") == 4
    assert grew("modelreg_rate_limited_total") == 1
    # A cached answer costs the token lookup alone; executed ones more (the registration most).
    assert grew("modelreg_sql_statements_per_request_bucket", le="1.0") >= 1
    assert grew("modelreg_sql_statements_per_request_sum") > grew("modelreg_sql_statements_per_request_count") >= 7
    assert ("modelreg_db_pool_connections", (("state", "idle"),)) in after


async def test_statements_per_request_are_every_statement_the_request_sent(
    settings: Settings, statements: StatementCounter
) -> None:
    """The loaders' statements included, which run in a task of the batcher's (schema/loaders.py): a dashboard's
    count is its eight (tests/schema/test_sql_counts.py), and equals the statement log's for that request."""
    settings = dataclasses.replace(settings, metrics=True, response_cache=False)
    async with serving(settings) as api:
        await register(api, "watched", 2)
        await promote(api, "watched", 1)
        await api.data("{ viewer { name } }")  # settles authentication's own write (last_used_at)
        before = _samples((await api.client.get("/metrics")).text)
        statements.reset()
        await api.data(DASHBOARD)
        sent = statements.count
        after = _samples((await api.client.get("/metrics")).text)
    observed = _value(after, "modelreg_sql_statements_per_request_sum") - _value(
        before, "modelreg_sql_statements_per_request_sum"
    )
    assert observed == sent == 8


def test_workers_report_together(database_url: str, tmp_path: Path) -> None:
    token = asyncio_run_seed(database_url)
    instance = Instance(database_url, tmp_path / "artifacts", args=["--workers", "2"], env={"MODELREG_METRICS": "on"})
    requests = 40
    try:
        start_all([instance], migrate_first=False)
        headers = {"authorization": f"Bearer {token}"}
        for _ in range(requests):  # a new connection each time, so the kernel hands them to either worker
            with httpx.Client(base_url=instance.url, headers=headers) as client:
                answer = client.post("/graphql", json={"query": "query Models { models { totalCount } }"})
                assert answer.status_code == 200, answer.text
        text = httpx.get(f"{instance.url}/metrics").text
    finally:
        stop_all([instance])
    samples = _samples(text)
    total = sum(
        value
        for (name, labels), value in samples.items()
        if name == "modelreg_graphql_request_duration_seconds_count" and ("operation", "Models") in labels
    )
    assert total == requests
    assert re.search(r'^modelreg_response_cache_requests_total\{result="miss"\} [1-9]', text, re.MULTILINE), text


def asyncio_run_seed(database_url: str) -> str:
    import asyncio

    return asyncio.run(seed(database_url, ["m"], 1, token_name="metrics"))
