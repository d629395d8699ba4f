"""A page's data: one GraphQL document from ``queries/``, executed in-process as the visitor's principal.

The pages go through the API itself (the same schema, permissions, token scopes, limits and DataLoaders as a
``POST /graphql``), so the UI can show nothing and do nothing that the visitor's token could not through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import strawberry

from app.auth import Credentials
from schema.codes import ErrorCode
from schema.context import Context

QUERIES = Path(__file__).parent / "queries"


@cache
def document(name: str) -> str:
    """The text of ``queries/<name>.graphql`` (read once)."""
    return (QUERIES / f"{name}.graphql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Problem:
    """One error of a result, as the API reported it."""

    code: str
    message: str
    path: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Answer:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def code(self) -> str | None:
        """The first error's code, if any."""
        return self.problems[0].code if self.problems else None


async def run(
    schema: strawberry.Schema,
    name: str,
    *,
    who: Credentials,
    request_id: str,
    allow_anonymous_read: bool,
    variables: dict[str, Any] | None = None,
) -> Answer:
    context = Context(
        principal=who.principal, auth_error=who.error, request_id=request_id, allow_anonymous_read=allow_anonymous_read
    )
    result = await schema.execute(document(name), variable_values=variables, context_value=context)
    context.loaders.clear()  # the rows are in result.data now (schema/loaders.py, Loaders.clear)
    problems = [
        Problem(
            code=str((error.extensions or {}).get("code", ErrorCode.INTERNAL_SERVER_ERROR)),
            message=error.message,
            path=tuple(error.path or ()),
        )
        for error in result.errors or []
    ]
    return Answer(data=result.data or {}, problems=problems)
