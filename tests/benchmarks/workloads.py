"""What the benchmark sends: the GraphQL documents of each workload and the requests that vary per call.

Request factories take (client number, request number) and return the prepared bytes. Writes are spread
so that concurrent clients never touch the same model: client ``c`` of ``n`` owns the models ``m`` with
``m % n == c``, so PostgreSQL's row locks never make clients wait on each other (SQLite serialises every
write anyway).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.database import Raw
from tests.benchmarks.fixture import METRICS, model_name
from tests.benchmarks.loadclient import RequestFactory, graphql_request, request_bytes

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()

#: A model's page: its versions ordered by a metric, a comparison of 20 versions, its deployment history.
MODEL_PAGE = """
query ModelPage($name: String!, $first: Int!, $metric: String!) {
  model(name: $name) {
    name
    description
    versionCount
    tags { key value }
    production { deployedAt deployedBy version { number } }
    versions(first: $first, orderBy: { field: METRIC, direction: DESC, metric: $metric }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        status
        createdAt
        modelType
        datasetVersion
        activeEnvironments
        metrics { name value }
        tags { key value }
      }
    }
    deploymentHistory(first: 10) {
      totalCount
      nodes { environment active deployedAt deployedBy reason retiredAt version { number } }
    }
  }
  compareVersions(model: $name, sortBy: $metric, direction: DESC, limit: 20) {
    metricNames
    rows { version { number } values deltasFromProduction }
  }
}"""

#: The registry's first page of models, as a listing screen shows it.
FIRST_PAGE = """
query FirstPage {
  models(first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { name description versionCount updatedAt production { deployedAt version { number } } }
  }
}"""

PROMOTE = """
mutation Promote($input: PromoteInput!) {
  promote(input: $input) {
    changed
    deployment { id deployedAt version { number } }
    previous { id version { number } }
    auditEvent { id action }
  }
}"""

REGISTER = """
mutation Register($input: RegisterVersionInput!) {
  registerVersion(input: $input) {
    version { id number }
    auditEvent { id }
  }
}"""

SORT_METRIC = "roc_auc"


@dataclass(frozen=True)
class Tokens:
    reader: str
    writer: str
    deployer: str


def constant(raw: bytes) -> RequestFactory:
    return lambda client, number: raw


def dashboard(tokens: Tokens) -> RequestFactory:
    return constant(graphql_request(DASHBOARD, token=tokens.reader))


def first_page(tokens: Tokens) -> RequestFactory:
    return constant(graphql_request(FIRST_PAGE, token=tokens.reader))


def model_page(tokens: Tokens, *, models: int, first: int) -> RequestFactory:
    """A different model's page on every request, so nothing is served from a warm spot."""
    prepared = [
        graphql_request(
            MODEL_PAGE, {"name": model_name(index), "first": first, "metric": SORT_METRIC}, token=tokens.reader
        )
        for index in range(min(models, 500))
    ]
    return lambda client, number: prepared[(number * 7 + client * 13) % len(prepared)]


def owned_model(client: int, clients: int, number: int, models: int) -> int:
    """Client ``client`` of ``clients`` cycles through the models it owns (``index % clients == client``)."""
    owned = max(1, models // clients)
    return client + clients * (number % owned)


class Promotions:
    """Which version is in production for each model, so every promotion really changes it."""

    def __init__(self, *, models: int, versions: int, token: str) -> None:
        self.models = models
        self.versions = versions
        self.token = token
        self.current: dict[int, int] = {}

    async def refresh(self, raw: Raw) -> None:
        """Read what is in production now (floors and earlier runs promote too)."""
        rows = await raw.fetch(
            "SELECT d.model_id, v.number FROM deployment d JOIN version v ON v.id = d.version_id "
            "WHERE d.environment = 'production' AND d.retired_at IS NULL"
        )
        self.current = {int(model_id) - 1: int(number) for model_id, number in rows}

    def target(self, index: int) -> int:
        """The next version to promote for model ``index`` (never the one in production), and remember it."""
        number = self.current.get(index, 0) % self.versions + 1
        self.current[index] = number
        return number

    def factory(self, clients: int) -> RequestFactory:
        def make(client: int, number: int) -> bytes:
            index = owned_model(client, clients, number, self.models)
            variables: dict[str, object] = {
                "input": {
                    "model": model_name(index),
                    "version": self.target(index),
                    "reason": "benchmark promotion",
                }
            }
            return graphql_request(PROMOTE, variables, token=self.token)

        return make


class Registrations:
    """registerVersion with 6 metrics, 5 tags, a description, hyperparameters and feature names."""

    def __init__(self, *, models: int, token: str, seed: int = 4) -> None:
        self.models = models
        self.token = token
        self.rng = random.Random(seed)
        self.features = [f"feature_{index:02d}" for index in range(20)]

    def factory(self, clients: int) -> RequestFactory:
        def make(client: int, number: int) -> bytes:
            index = owned_model(client, clients, number, self.models)
            quality = 0.8 + self.rng.random() * 0.15
            variables: dict[str, Any] = {
                "input": {
                    "model": model_name(index),
                    "description": f"benchmark registration {client}-{number}",
                    "metrics": [
                        {"name": name, "value": round(quality + position / 100, 6)}
                        for position, name in enumerate(METRICS)
                    ],
                    "tags": [
                        {"key": "dataset", "value": "ds-bench"},
                        {"key": "git_sha", "value": f"{self.rng.getrandbits(48):012x}"},
                        {"key": "owner", "value": "team-bench"},
                        {"key": "run_id", "value": f"bench-{client}-{number}"},
                        {"key": "stage", "value": "candidate"},
                    ],
                    "hyperparameters": {"C": round(self.rng.uniform(0.01, 10), 4), "max_iter": 200, "penalty": "l2"},
                    "featureNames": self.features,
                    "modelType": "sklearn.linear_model.LogisticRegression",
                    "framework": "scikit-learn 1.9.1",
                    "datasetVersion": "ds-bench",
                    "trainingDurationSeconds": round(self.rng.uniform(5, 600), 3),
                }
            }
            return graphql_request(REGISTER, variables, token=self.token)

        return make


def floor_request(raw: bytes, name: str) -> bytes:
    """The same request body (and headers) sent to the floor app's route for ``name``."""
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.lower() not in {"host", "connection", "content-length"}:
            headers[key] = value.strip()
    return request_bytes("POST", f"/floor/{name}", body, headers)
