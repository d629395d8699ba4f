"""Representative documents cost a fixed number of SQL statements, however big the registry (no N+1).

Counts include the token lookup. They are exact: the per-request batcher (schema/loaders.py) dispatches every
load of a level together, so a document's count does not depend on I/O timing. Each document runs a few
times to show that.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from models.deployments.operations import promote
from models.registry.operations import Registration, register_version
from tests.support.helpers import PROMOTE, REGISTER, Api, StatementCounter

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()
#: The benchmark targets (docs/performance.md, "Targets") allow the dashboard at most this many statements,
#: whatever the registry's size. It takes exactly this many: token, statistics, models page, model tags, active
#: deployments with their versions, versions page, history page with its versions, then the metrics and tags of
#: every version shown.
MAX_STATEMENTS = 8
RUNS = 3
METRICS = ("accuracy", "f1", "log_loss", "precision", "recall", "roc_auc")
VERSIONS_PER_MODEL = 4
#: (version, environment) in the order each model is deployed: some history in production, staging beside it.
PLAN = ((1, "production"), (2, "production"), (3, "production"), (2, "staging"))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The response cache off: these count what executing a document costs (a cached answer costs only the token
    lookup and the generation read, tests/app/test_response_cache.py). Modules that count with ``_count`` import
    this fixture too."""
    return uncached(settings)


def uncached(settings: Settings) -> Settings:
    return dataclasses.replace(settings, response_cache=False)


def _name(index: int) -> str:
    return f"model-{index:03d}"


def _metrics(number: int, *, without: tuple[str, ...] = ()) -> list[tuple[str, float]]:
    return [
        (metric, round(number / 10 + position / 100, 4))
        for position, metric in enumerate(METRICS)
        if metric not in without
    ]


async def _seed(first: int, last: int) -> None:
    """Models ``first`` to ``last - 1``, each with 4 versions (6 metrics, 2 tags) deployed per ``PLAN``."""
    for index in range(first, last):
        for number in range(1, VERSIONS_PER_MODEL + 1):
            await register_version(
                model=_name(index),
                registration=Registration(
                    description=f"version {number}",
                    metrics=_metrics(number),
                    tags=[("stage", f"candidate-{number}"), ("owner", f"team-{index % 3}")],
                    model_type="sklearn.linear_model.LogisticRegression",
                ),
                actor="seeder",
            )
        for version, environment in PLAN:
            await promote(model=_name(index), version=version, actor="seeder", environment=environment)


async def _count(
    api: Api, statements: StatementCounter, query: str, variables: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any], list[str]]:
    """Statements ``query`` takes (the same on every run), with its data and SQL. A warm-up request first settles
    authentication's own write (``last_used_at``)."""
    assert (await api.data("{ viewer { name } }"))["viewer"]["name"] == "admin"
    counts: list[int] = []
    data: dict[str, Any] = {}
    sql: list[str] = []
    for _ in range(RUNS):
        statements.reset()
        data = await api.data(query, variables)
        counts.append(statements.count)
        sql = list(statements.sql)
    assert len(set(counts)) == 1, f"the count varies from run to run: {counts}\n" + "\n".join(sql)
    return counts[0], data, sql


def _check_dashboard(data: dict[str, Any], models: int) -> None:
    statistics = data["registryStatistics"]
    assert statistics["modelCount"] == models
    assert statistics["versionCount"] == models * VERSIONS_PER_MODEL
    assert statistics["modelsInProduction"] == models
    assert statistics["promotionCount"] == models * len(PLAN)
    assert data["models"]["totalCount"] == models
    nodes = data["models"]["nodes"]
    assert [node["name"] for node in nodes] == [_name(index) for index in range(models)]
    for node in nodes:
        assert node["versionCount"] == VERSIONS_PER_MODEL
        production = node["production"]
        assert production is not None, f"{node['name']} has no production deployment"
        assert production["deployedBy"] == "seeder"
        assert production["version"]["number"] == 3
        assert [metric["name"] for metric in production["version"]["metrics"]] == sorted(METRICS)
        assert {tag["key"]: tag["value"] for tag in production["version"]["tags"]}["stage"] == "candidate-3"
        versions = node["versions"]["nodes"]
        assert [version["number"] for version in versions] == [4, 3, 2, 1]
        assert [version["activeEnvironments"] for version in versions] == [[], ["production"], ["staging"], []]
        assert all(len(version["metrics"]) == len(METRICS) for version in versions)
        history = node["deploymentHistory"]
        assert history["totalCount"] == len(PLAN)
        assert [(entry["environment"], entry["version"]["number"], entry["active"]) for entry in history["nodes"]] == [
            ("staging", 2, True),
            ("production", 3, True),
            ("production", 2, False),
            ("production", 1, False),
        ]


async def test_dashboard_statement_count_does_not_grow_with_models(
    api: Api, statements: StatementCounter, backend: str
) -> None:
    await _seed(0, 5)
    few, data, few_sql = await _count(api, statements, DASHBOARD)
    _check_dashboard(data, 5)

    await _seed(5, 50)
    many, data, many_sql = await _count(api, statements, DASHBOARD)
    _check_dashboard(data, 50)

    print(f"\n{backend}: dashboard statements with 5 models {few}, with 50 models {many}")
    assert many == few, "statements grow with the number of models:\n" + "\n".join(
        [f"--- 5 models ({few})", *few_sql, f"--- 50 models ({many})", *many_sql]
    )
    assert many <= MAX_STATEMENTS, f"{many} statements (at most {MAX_STATEMENTS}):\n" + "\n".join(many_sql)


MODEL_PAGE = """
query ModelPage($name: String!, $numbers: [Int!]) {
  model(name: $name) {
    name description versionCount tags { key value }
    production { deployedAt version { number metrics { name value } } }
    versions(first: 100, orderBy: {field: METRIC, metric: "roc_auc", direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number status createdAt activeEnvironments
        metric(name: "roc_auc") metrics { name value } tags { key value }
      }
    }
    deploymentHistory(first: 20) {
      totalCount
      nodes { environment active deployedAt deployedBy reason version { number } }
    }
  }
  compareVersions(model: $name, numbers: $numbers, sortBy: "roc_auc") {
    metricNames
    rows { version { number activeEnvironments } values deltasFromProduction }
  }
}"""
#: Token; the model by name, and compareVersions' two (model, versions and production; their metrics); the
#: model's tags, active deployments, versions page and history page; the versions' metrics and tags.
MODEL_PAGE_STATEMENTS = 9


async def _seed_model(first: int, last: int) -> None:
    """Versions ``first`` to ``last - 1`` of model "page": every third lacks roc_auc; each fourth is promoted."""
    for number in range(first, last):
        await register_version(
            model="page",
            registration=Registration(
                metrics=_metrics(number, without=("roc_auc",) if number % 3 == 0 else ()),
                tags=[("stage", f"candidate-{number}")],
            ),
            actor="seeder",
        )
        if number % 4 == 0:
            await promote(model="page", version=number, actor="seeder")


def _check_model_page(data: dict[str, Any], versions: int) -> None:
    page = data["model"]["versions"]
    assert page["totalCount"] == versions
    numbers = [node["number"] for node in page["nodes"]]
    with_metric = [n for n in range(versions, 0, -1) if n % 3]
    # roc_auc grows with the number; versions lacking it come last, newest first among themselves.
    assert numbers == [*with_metric, *[n for n in range(versions, 0, -1) if not n % 3]]
    assert all(node["metric"] is None for node in page["nodes"][len(with_metric) :])
    production = max(n for n in range(1, versions + 1) if n % 4 == 0)
    assert data["model"]["production"]["version"]["number"] == production
    assert {node["number"]: node["activeEnvironments"] for node in page["nodes"]}[production] == ["production"]
    history = data["model"]["deploymentHistory"]
    assert history["totalCount"] == versions // 4
    assert [node["version"]["number"] for node in history["nodes"]] == list(range(production, 0, -4))
    rows = data["compareVersions"]["rows"]
    assert [row["version"]["number"] for row in rows] == [4, 2, 3]  # by roc_auc, lacking it last


async def test_model_page_statement_count_does_not_grow_with_versions(
    api: Api, statements: StatementCounter, backend: str
) -> None:
    variables = {"name": "page", "numbers": [2, 3, 4]}
    await _seed_model(1, 9)
    few, data, few_sql = await _count(api, statements, MODEL_PAGE, variables)
    _check_model_page(data, 8)

    await _seed_model(9, 61)
    many, data, many_sql = await _count(api, statements, MODEL_PAGE, variables)
    _check_model_page(data, 60)

    print(f"\n{backend}: model page statements with 8 versions {few}, with 60 versions {many}")
    assert few == many == MODEL_PAGE_STATEMENTS, "\n".join(
        [f"--- 8 versions ({few})", *few_sql, f"--- 60 versions ({many})", *many_sql]
    )


#: Token; the promotion's read (model, version, active deployment and its version, the environment's protection
#: rules and the head of the model's audit chain; PostgreSQL first takes, in one statement of its own, the model's
#: row lock, the environment's share lock and its shared protection lock, models/deployments/state.py); then the
#: writes: on SQLite retire the active deployment, insert the new one, insert the audit event; on PostgreSQL all
#: three in one statement (its read allocated the new deployment's id, models/deployments/switch.py). The
#: payload's versions were read by the promotion, so it needs no statement of its own. The event's webhook
#: deliveries cost no statement: the insert of the event writes them (the database's outbox trigger,
#: docs/events.md). BEGIN and COMMIT are not counted; on PostgreSQL the COMMIT's message also advances the
#: response cache's generation (models/db/generation.py), which is not counted either.
PROMOTE_STATEMENTS = {"sqlite": 5, "postgres": 4}
#: The same with an idempotency key: expired keys are cleared, the key is claimed, and its result stored.
PROMOTE_WITH_KEY_STATEMENTS = {"sqlite": 8, "postgres": 7}


async def test_promote_statement_count(api: Api, statements: StatementCounter, backend: str) -> None:
    await _seed(0, 1)
    assert (await api.data("{ viewer { name } }"))["viewer"]["name"] == "admin"
    for version, key, expected in (
        (4, None, PROMOTE_STATEMENTS),
        (1, "release-1", PROMOTE_WITH_KEY_STATEMENTS),
    ):
        statements.reset()
        data = await api.data(PROMOTE, {"input": {"model": _name(0), "version": version, "idempotencyKey": key}})
        result = data["promote"]
        assert result["changed"] is True
        assert result["deployment"]["version"]["number"] == version
        assert result["previous"]["active"] is False
        assert result["auditEvent"]["version"]["number"] == version
        assert result["auditEvent"]["previousVersion"]["number"] == result["previous"]["version"]["number"]
        assert statements.count == expected[backend], "\n".join(statements.sql)


#: Token; lock the model; bump its version count; insert the version, its metrics (one statement), its tags (one);
#: read the head of the model's audit chain and insert the audit event (which writes its webhook deliveries);
#: then the payload's model, and the version's metrics and tags together.
REGISTER_STATEMENTS = 10


async def test_register_version_statement_count(api: Api, statements: StatementCounter) -> None:
    await _seed(0, 1)
    assert (await api.data("{ viewer { name } }"))["viewer"]["name"] == "admin"
    statements.reset()
    data = await api.data(
        REGISTER,
        {
            "input": {
                "model": _name(0),
                "metrics": [{"name": name, "value": value} for name, value in _metrics(5)],
                "tags": [{"key": "stage", "value": "candidate-5"}, {"key": "owner", "value": "team-0"}],
            }
        },
    )
    version = data["registerVersion"]["version"]
    assert version["number"] == VERSIONS_PER_MODEL + 1
    assert version["model"]["versionCount"] == VERSIONS_PER_MODEL + 1
    assert [metric["name"] for metric in version["metrics"]] == sorted(METRICS)
    assert [tag["key"] for tag in version["tags"]] == ["owner", "stage"]
    assert statements.count == REGISTER_STATEMENTS, "\n".join(statements.sql)
