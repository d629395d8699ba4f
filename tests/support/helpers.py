"""Test helpers: a GraphQL client over the real ASGI app, a SQL statement counter, row counts."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from models.entities import (
    AuditEvent,
    Deployment,
    Environment,
    IdempotencyRecord,
    Metric,
    ModelVersion,
    RegisteredModel,
)
from models.environments.operations import declare_environment


class Api:
    """GraphQL over HTTP against the app, as a given role (or anonymously with ``as_=None``)."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def headers(self, as_: str | None) -> dict[str, str]:
        if as_ is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens.get(as_, as_)}"}

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = "admin",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={**self.headers(as_), **(headers or {})},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = "admin",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The ``data`` of a query that must succeed."""
        body = await self.post(query, variables, as_=as_, headers=headers)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = "admin"
    ) -> dict[str, Any]:
        """The single error of a query that must fail; its ``extensions.code`` is at ``["extensions"]["code"]``."""
        body = await self.post(query, variables, as_=as_)
        assert body.get("errors"), body
        assert len(body["errors"]) == 1, body["errors"]
        error: dict[str, Any] = body["errors"][0]
        return error

    async def code(self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = "admin") -> str:
        return str((await self.error(query, variables, as_=as_))["extensions"]["code"])


class StatementCounter(logging.Handler):
    """Counts statements from Tortoise's DEBUG records; connection open/close records are not statements."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.count = 0
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(("Created connection", "Closed connection")):
            return
        self.count += 1
        self.sql.append(message)

    def reset(self) -> None:
        self.count = 0
        self.sql.clear()


async def row_counts() -> dict[str, int]:
    """Rows per table: a failed mutation must leave these unchanged."""
    return {
        "models": await RegisteredModel.all().count(),
        "versions": await ModelVersion.all().count(),
        "metrics": await Metric.all().count(),
        "deployments": await Deployment.all().count(),
        "active": await Deployment.filter(retired_at__isnull=True).count(),
        "events": await AuditEvent.all().count(),
        "idempotency": await IdempotencyRecord.all().count(),
        "environments": await Environment.all().count(),
    }


REGISTER = """
mutation Register($input: RegisterVersionInput!) {
  registerVersion(input: $input) {
    version { id number status model { name versionCount } metrics { name value } tags { key value } }
    auditEvent { id action actor modelName requestId }
  }
}"""

PROMOTE = """
mutation Promote($input: PromoteInput!) {
  promote(input: $input) {
    changed
    deployment { id environment active version { number } reason deployedBy }
    previous { id active version { number } retiredAt retiredBy retiredReason }
    auditEvent { id action actor environment reason requestId version { number } previousVersion { number } }
  }
}"""

DEMOTE = """
mutation Demote($input: DemoteInput!) {
  demote(input: $input) {
    retired { id active version { number } retiredReason }
    auditEvent { id action environment version { number } previousVersion { number } }
  }
}"""

ROLLBACK = """
mutation Rollback($input: RollbackInput!) {
  rollback(input: $input) {
    deployment { id active version { number } }
    previous { id active version { number } }
    auditEvent { id action previousVersion { number } version { number } }
  }
}"""


async def register(api: Api, model: str, count: int = 1, **fields: Any) -> list[int]:
    """Register ``count`` versions of ``model`` and return their numbers."""
    numbers = []
    for _ in range(count):
        data = await api.data(REGISTER, {"input": {"model": model, **fields}})
        numbers.append(data["registerVersion"]["version"]["number"])
    return numbers


async def promote(api: Api, model: str, version: int, **fields: Any) -> dict[str, Any]:
    data = await api.data(PROMOTE, {"input": {"model": model, "version": version, **fields}})
    result: dict[str, Any] = data["promote"]
    return result


async def declare(*environments: str) -> None:
    """Declare environments beyond the default staging and production, as an admin would."""
    for name in environments:
        await declare_environment(name=name, actor="setup")
