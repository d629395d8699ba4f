"""The middleware stack reads a request's body once and parses its GraphQL document once.

``BodyLimit`` reads the body of ``POST /graphql`` and replays it; ``InspectOperation`` parses the document
(for the rate limit's cost and the access log) and execution reuses that parse instead of parsing again.
Parses are counted at graphql-core's parser, below every caller (Strawberry, the middleware, ours).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import DocumentNode
from graphql.language.parser import Parser
from starlette.applications import Starlette
from starlette.types import Message

from app.middleware.operation import Operation
from schema.build import schema
from schema.context import Context
from tests.support.helpers import Api


@pytest.fixture
def parsed() -> Iterator[list[str]]:
    """The text of every GraphQL document parsed while the test runs."""
    texts: list[str] = []
    original = Parser.parse_document

    def counting(parser: Parser) -> DocumentNode:
        texts.append(parser._lexer.source.body)
        return original(parser)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Parser, "parse_document", counting)
        yield texts


def fresh(template: str) -> str:
    """``template`` with a name no earlier request used, so no cache has parsed it before."""
    return template.replace("NAME", f"N{uuid.uuid4().hex}")


async def test_a_posted_document_is_parsed_once_for_the_access_log_the_rate_limit_and_execution(
    api: Api, parsed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    query = fresh("query NAME { viewer { name } }")
    with caplog.at_level(logging.INFO, logger="modelreg.access"):
        response = await api.client.post("/graphql", json={"query": query}, headers=api.headers("reader"))
    assert response.json() == {"data": {"viewer": {"name": "reader"}}}
    assert parsed == [query], "parsed once, by the middleware; execution reused it"
    name = query.split()[1]
    assert any(f"operation=query:{name}" in record.getMessage() for record in caplog.records)

    again = await api.client.post("/graphql", json={"query": query}, headers=api.headers("reader"))
    assert again.json() == {"data": {"viewer": {"name": "reader"}}}
    assert parsed == [query], "a document seen recently is not parsed again"


async def test_a_mutation_is_parsed_once(api: Api, parsed: list[str]) -> None:
    mutation = fresh('mutation NAME { createModel(input: {name: "once"}) { model { name } } }')
    assert await api.data(mutation) == {"createModel": {"model": {"name": "once"}}}
    assert parsed == [mutation]


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("query NAME { viewer { name }", "Syntax Error"),
        ("query NAME { viewer { " + "name " * 5000 + "} }", "Document contains more than 5000 tokens"),
    ],
)
async def test_a_document_that_does_not_parse_is_refused_after_one_parse(
    api: Api, parsed: list[str], template: str, error: str
) -> None:
    query = fresh(template)
    body = await api.post(query, as_="reader")
    assert "data" not in body  # a request error: nothing was executed (GraphQL-over-HTTP)
    [reported] = body["errors"]
    assert error in reported["message"]
    assert "extensions" not in reported, "document errors carry no code, as the framework reports them"
    assert parsed == [query], "the middleware's parse error is the one reported"


async def test_a_query_over_get_is_parsed_once(api: Api, parsed: list[str]) -> None:
    query = fresh("query NAME { viewer { name } }")
    response = await api.client.get(
        "/graphql", params={"query": query}, headers={**api.headers("reader"), "Accept": "application/json"}
    )
    assert response.json() == {"data": {"viewer": {"name": "reader"}}}
    assert parsed == [query]


async def test_without_the_http_layer_the_schema_parses_itself_once(parsed: list[str]) -> None:
    query = fresh("query NAME { __typename }")
    for _ in range(2):
        context = Context(principal=None, request_id="direct", allow_anonymous_read=False)
        result = await schema.execute(query, context_value=context)
        assert result.errors is None and result.data == {"__typename": "Query"}
    assert parsed == [query], "parsed by the schema's own cache the first time only"


async def test_the_body_is_read_from_the_client_once_and_replayed(app: Starlette, tokens: dict[str, str]) -> None:
    """The body arrives in pieces; ``BodyLimit`` takes each piece once and keeps the whole for the layers inside."""
    body = json.dumps({"query": "query Look { viewer { name } }", "operationName": "Look"}).encode()
    pieces = [body[start : start + 7] for start in range(0, len(body), 7)]
    incoming: list[Message] = [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces)
    ]
    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"registry"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {tokens['reader']}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("registry", 80),
    }
    await app(scope, receive, send)

    assert sent[0]["status"] == 200
    assert json.loads(b"".join(message.get("body", b"") for message in sent[1:])) == {
        "data": {"viewer": {"name": "reader"}}
    }
    assert calls == len(pieces), "each piece was asked of the client once, and nothing read past the body"
    assert scope["state"]["body"] == body, "the body kept for the layers inside"
    assert scope["state"]["operation"] == Operation(type="query", name="Look"), "inspected from the kept body"
