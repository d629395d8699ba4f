"""docs/api.md, "Limits", "Calling the API", "Other routes" and "Errors": document limits, body limits, batching,
GET, GraphiQL, health probes, request ids and the masking of unexpected errors.

Depth is counted as the framework (graphql-depth-limit and Strawberry's QueryDepthLimiter) counts it: a
root field is at depth 0, so ``{ model { versions { totalCount } } }`` has depth 2.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import print_ast
from graphql.language import Lexer, Source, TokenKind
from strawberry.schema.schema import validate_document as strawberry_validation

from app.middleware.request_id import acceptable_request_id
from models.db.connection import connection
from models.entities import RegisteredModel
from schema import build, document
from schema.context import Context
from tests.support.helpers import Api, register, row_counts

MIB = 1024 * 1024


async def send(api: Api, query: str, variables: dict[str, Any] | None = None, *, as_: str = "admin") -> dict[str, Any]:
    """POST a document and return the JSON body, whatever the status (limits follow the framework's defaults)."""
    response = await api.client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=api.headers(as_)
    )
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def assert_rejected(body: dict[str, Any]) -> None:
    """Refused before execution: errors, and no data at all."""
    assert body.get("errors"), body
    assert "data" not in body, body  # GraphQL-over-HTTP: a request error has no data entry


def assert_accepted(body: dict[str, Any]) -> None:
    assert "errors" not in body, body["errors"]
    assert body["data"] is not None


# --- depth ---------------------------------------------------------------------------------------------------

LEAF = {"model": "name", "versions": "totalCount", "nodes": "number"}


def nest(fields: list[str]) -> str:
    """``fields`` nested one inside the other, the last one closed with a scalar leaf."""
    text = LEAF[fields[-1].split("(")[0]]
    for field in reversed(fields):
        text = f"{field} {{ {text} }}"
    return text


def deep_query(depth: int) -> str:
    """``model(name: "m") { versions { nodes { model { versions ... } } } }`` with its leaf at ``depth``."""
    cycle = ["versions", "nodes", "model"]
    fields = ['model(name: "m")', *[cycle[(i - 1) % 3] for i in range(1, depth)]]
    return "{ " + nest(fields) + " }"


def deep_mutation(depth: int, name: str) -> str:
    """``createModel(...) { model { versions { nodes { model ... } } } }`` with its leaf at ``depth``."""
    cycle = ["model", "versions", "nodes"]
    fields = [f'createModel(input: {{name: "{name}"}})', *[cycle[(i - 1) % 3] for i in range(1, depth)]]
    return "mutation { " + nest(fields) + " }"


def leaf_of(data: Any) -> Any:
    while isinstance(data, dict | list):
        data = data[0] if isinstance(data, list) else next(iter(data.values()))
    return data


async def test_twelve_levels_are_fine(api: Api) -> None:
    await register(api, "m")
    body = await send(api, deep_query(12), as_="reader")
    assert_accepted(body)
    assert leaf_of(body["data"]) == 1  # model -> versions -> nodes -> ... -> number of version 1
    created = await send(api, deep_mutation(12, "deep12"))
    assert_accepted(created)
    assert await RegisteredModel.filter(name="deep12").count() == 1


@pytest.mark.parametrize("depth", [13, 14, 30])
async def test_deeper_than_twelve_levels_is_rejected_before_execution(api: Api, depth: int) -> None:
    await register(api, "m")
    assert_rejected(await send(api, deep_query(depth), as_="reader"))
    before = await row_counts()
    assert_rejected(await send(api, deep_mutation(depth, "deep")))
    assert await row_counts() == before
    assert await RegisteredModel.filter(name="deep").count() == 0


async def test_depth_hidden_in_fragments_is_rejected(api: Api) -> None:
    await register(api, "m")
    # Each fragment adds three levels; spread inside one another they reach depth 12, or 13 with one more field.
    query = """
    query { model(name: "m") { ...A } }
    fragment A on Model { versions { nodes { model { ...B } } } }
    fragment B on Model { versions { nodes { model { ...C } } } }
    fragment C on Model { versions { nodes { model { ...D } } } }
    fragment D on Model { versions { nodes { LEAF } } }
    """
    assert_accepted(await send(api, query.replace("LEAF", "number"), as_="reader"))  # depth 12
    assert_rejected(await send(api, query.replace("LEAF", "model { name }"), as_="reader"))  # depth 13


# --- aliases -------------------------------------------------------------------------------------------------


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(count)) + " }"


async def test_thirty_aliases_are_fine(api: Api) -> None:
    body = await send(api, aliased(30), as_="reader")
    assert_accepted(body)
    assert len(body["data"]) == 30
    assert all(value == {"name": "reader"} for value in body["data"].values())


async def test_more_than_thirty_aliases_are_rejected_before_execution(api: Api) -> None:
    assert_rejected(await send(api, aliased(31), as_="reader"))
    mutation = (
        "mutation { "
        + " ".join(f'c{i}: createModel(input: {{name: "alias{i}"}}) {{ model {{ name }} }}' for i in range(31))
        + " }"
    )
    before = await row_counts()
    assert_rejected(await send(api, mutation))
    assert await row_counts() == before


async def test_aliases_in_fragment_spreads_count(api: Api) -> None:
    await register(api, "m")

    def document(per_fragment: int) -> str:
        inner = " ".join(f"n{i}: name" for i in range(per_fragment))
        return (
            'query { x: model(name: "m") { ...F } y: model(name: "m") { ...F } } '
            f"fragment F on Model {{ {inner} }}"
        )

    assert_accepted(await send(api, document(14), as_="reader"))  # 2 + 2 * 14 = 30
    assert_rejected(await send(api, document(15), as_="reader"))  # 2 + 2 * 15 = 32

    # Nested spreads: no alias at all in the operation itself.
    nested = (
        "query { ...Outer ...Other } "
        "fragment Outer on Query { ...Inner } "
        "fragment Other on Query { " + " ".join(f"o{i}: viewer {{ name }}" for i in range(16)) + " } "
        "fragment Inner on Query { " + " ".join(f"i{i}: viewer {{ name }}" for i in range(15)) + " }"
    )
    assert_rejected(await send(api, nested, as_="reader"))  # 31

    before = await row_counts()
    hidden = (
        "mutation { ...M } fragment M on Mutation { "
        + " ".join(f'c{i}: createModel(input: {{name: "frag{i}"}}) {{ model {{ name }} }}' for i in range(31))
        + " }"
    )
    assert_rejected(await send(api, hidden))
    assert await row_counts() == before


# --- tokens and circular fragments ---------------------------------------------------------------------------


def token_count(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def register_with_features(count: int) -> str:
    names = " ".join(f'"f{i}"' for i in range(count))
    return f'mutation {{ registerVersion(input: {{model: "m", featureNames: [{names}]}}) {{ version {{ number }} }} }}'


async def test_five_thousand_tokens_are_fine(api: Api) -> None:
    document = register_with_features(4977)
    assert token_count(document) == 5000
    body = await send(api, document)
    assert_accepted(body)
    assert body["data"]["registerVersion"]["version"]["number"] == 1


async def test_more_than_five_thousand_tokens_are_rejected_before_execution(api: Api) -> None:
    document = register_with_features(4978)
    assert token_count(document) == 5001
    before = await row_counts()
    assert_rejected(await send(api, document))
    assert_rejected(await send(api, register_with_features(20_000)))
    assert await row_counts() == before
    assert await RegisteredModel.filter(name="m").count() == 0


async def test_a_document_executed_without_the_http_layer_is_held_to_the_same_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``schema.execute`` (a test, a script) gets no document from the middleware: ``ParsedOnce`` parses it under
    the token limit and validates it, remembering the errors per text and per schema (schema/document.py)."""
    validations: list[str] = []
    real = strawberry_validation

    def counted(schema: Any, parsed: Any, rules: Any) -> Any:
        validations.append(print_ast(parsed))
        return real(schema, parsed, rules)

    monkeypatch.setattr(document, "validate_document", counted)
    document._cached_validation.cache_clear()
    context = Context(principal=None, request_id="limits", allow_anonymous_read=True)

    over = await build.schema.execute(register_with_features(4978), context_value=context)
    assert over.errors and "more than 5000 tokens" in over.errors[0].message and not validations

    deep = "{ " + nest(['model(name: "m")', *["versions(first: 1)", "nodes"] * 6, "model"]) + " }"
    answers = [await build.schema.execute(deep, context_value=context) for _ in range(3)]
    assert all(answer.errors and "exceeds maximum operation depth" in answer.errors[0].message for answer in answers)
    assert len(validations) == 1  # the same text, validated once

    # The same text on a schema without introspection is validated for that schema: refused there only.
    introspection = "{ __schema { queryType { name } } }"
    opened = await build.schema.execute(introspection, context_value=context)
    closed = await build.build_schema(introspection=False).execute(introspection, context_value=context)
    assert opened.errors is None and opened.data == {"__schema": {"queryType": {"name": "Query"}}}
    assert closed.errors and "introspection" in closed.errors[0].message.lower()
    assert len(validations) == 3


async def test_circular_fragments_are_rejected_before_execution(api: Api) -> None:
    query = """
    query { ...A }
    fragment A on Query { viewer { name } ...B }
    fragment B on Query { models { totalCount } ...A }
    """
    assert_rejected(await send(api, query, as_="reader"))
    self_loop = "query { ...A } fragment A on Query { viewer { name } ...A }"
    assert_rejected(await send(api, self_loop, as_="reader"))
    mutation = """
    mutation { ...A }
    fragment A on Mutation { createModel(input: {name: "loop"}) { model { name } } ...B }
    fragment B on Mutation { ...A }
    """
    before = await row_counts()
    assert_rejected(await send(api, mutation))
    assert await row_counts() == before


# --- HTTP: body size, batching, GET --------------------------------------------------------------------------


def body_of_size(size: int, query: str = "{ viewer { name } }") -> bytes:
    """A valid GraphQL request body of exactly ``size`` bytes (padded with an unused variable)."""
    empty = json.dumps({"query": query, "variables": {"pad": ""}}).encode()
    body = json.dumps({"query": query, "variables": {"pad": "x" * (size - len(empty))}}).encode()
    assert len(body) == size
    return body


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def json_headers(api: Api) -> dict[str, str]:
    return {**api.headers("admin"), "Content-Type": "application/json"}


async def test_body_of_one_mib_is_fine(api: Api) -> None:
    response = await api.client.post("/graphql", content=body_of_size(MIB), headers=json_headers(api))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"viewer": {"name": "admin"}}
    chunked = await api.client.post("/graphql", content=chunks(body_of_size(MIB)), headers=json_headers(api))
    assert "content-length" not in chunked.request.headers
    assert chunked.status_code == 200, chunked.text
    assert chunked.json()["data"] == {"viewer": {"name": "admin"}}


async def test_body_over_one_mib_is_413(api: Api) -> None:
    mutation = 'mutation { createModel(input: {name: "big"}) { model { name } } }'
    before = await row_counts()
    response = await api.client.post("/graphql", content=body_of_size(MIB + 1, mutation), headers=json_headers(api))
    assert response.request.headers["content-length"] == str(MIB + 1)
    assert response.status_code == 413
    much = await api.client.post("/graphql", content=body_of_size(3 * MIB, mutation), headers=json_headers(api))
    assert much.status_code == 413
    assert await row_counts() == before


async def test_chunked_body_over_one_mib_is_413(api: Api) -> None:
    mutation = 'mutation { createModel(input: {name: "big"}) { model { name } } }'
    before = await row_counts()
    response = await api.client.post(
        "/graphql", content=chunks(body_of_size(MIB + 1, mutation)), headers=json_headers(api)
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert await row_counts() == before


async def test_batched_request_is_400(api: Api) -> None:
    before = await row_counts()
    for batch in (
        [{"query": "{ viewer { name } }"}],
        [{"query": "{ viewer { name } }"}, {"query": "{ models { totalCount } }"}],
        [{"query": 'mutation { createModel(input: {name: "batched"}) { model { name } } }'}],
    ):
        response = await api.client.post("/graphql", json=batch, headers=api.headers("admin"))
        assert response.status_code == 400, (batch, response.text)
    assert await row_counts() == before


async def test_mutation_over_get_is_refused(api: Api) -> None:
    before = await row_counts()
    for query in (
        'mutation { createModel(input: {name: "viaget"}) { model { name } } }',
        'mutation Named { createModel(input: {name: "viaget"}) { model { name } } }',
    ):
        response = await api.client.get(
            "/graphql",
            params={"query": query},
            headers={**api.headers("admin"), "Accept": "application/json"},
        )
        assert response.status_code in (400, 405), response.text
    assert await row_counts() == before
    assert await RegisteredModel.filter(name="viaget").count() == 0


async def test_get_with_html_accept_serves_graphiql(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_healthz_and_readyz(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


# --- request ids ---------------------------------------------------------------------------------------------

CREATE = "mutation($name: String!) { createModel(input: {name: $name}) { auditEvent { requestId } } }"


async def test_given_request_id_is_echoed_and_audited(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": CREATE, "variables": {"name": "traced"}},
        headers={**api.headers("admin"), "X-Request-ID": "req-7f3a.42:b_c"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-7f3a.42:b_c"
    assert response.json()["data"]["createModel"]["auditEvent"]["requestId"] == "req-7f3a.42:b_c"
    events = await api.data('{ auditEvents(filter: {model: "traced"}) { nodes { requestId } } }', as_="reader")
    assert events["auditEvents"]["nodes"] == [{"requestId": "req-7f3a.42:b_c"}]
    health = await api.client.get("/healthz", headers={"X-Request-ID": "probe-1"})
    assert health.headers["x-request-id"] == "probe-1"


async def test_request_id_is_generated_when_missing(api: Api) -> None:
    seen: list[str] = []
    for name in ["one", "two"]:
        response = await api.client.post(
            "/graphql", json={"query": CREATE, "variables": {"name": name}}, headers=api.headers("admin")
        )
        assert response.status_code == 200
        generated = response.headers.get("x-request-id")
        assert generated, "a request id is generated and echoed"
        assert response.json()["data"]["createModel"]["auditEvent"]["requestId"] == generated
        seen.append(generated)
    assert seen[0] != seen[1]
    assert (await api.client.get("/healthz")).headers.get("x-request-id")


# --- unexpected errors ---------------------------------------------------------------------------------------

LEAKS = re.compile(
    r"traceback|select |insert |drop table|no such table|does not exist|relation|sqlite|asyncpg|postgres|"
    r"tortoise|\.py\b|/work/|/usr/|/tmp/|line \d+|File \"",
    re.IGNORECASE,
)


async def test_unexpected_errors_are_masked_and_logged(
    api: Api, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    await register(api, "m", metrics=[{"name": "auc", "value": 0.9}])
    await connection().execute_script("DROP TABLE metric CASCADE" if backend == "postgres" else "DROP TABLE metric")

    logger = logging.getLogger("modelreg.graphql")
    logger.addHandler(caplog.handler)  # also when the app's logging set-up stops propagation
    try:
        with caplog.at_level(logging.ERROR, logger="modelreg.graphql"):
            response = await api.client.post(
                "/graphql",
                json={"query": '{ model(name: "m") { name latestVersion { number metrics { name value } } } }'},
                headers={**api.headers("reader"), "X-Request-ID": "boom-1234"},
            )
    finally:
        logger.removeHandler(caplog.handler)

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "boom-1234"
    body = response.json()
    errors = body["errors"]
    assert errors
    assert {error["extensions"]["code"] for error in errors} == {"INTERNAL_SERVER_ERROR"}
    for error in errors:
        assert "boom-1234" in error["message"]
        leaked = LEAKS.search(json.dumps(error))
        assert leaked is None, f"error reveals internals ({leaked.group(0)!r}): {error}"

    records = [r for r in caplog.records if r.name == "modelreg.graphql" and r.levelno >= logging.ERROR]
    assert records, "the unexpected error is logged"
    assert any(r.exc_info for r in records), "with its traceback"
    assert any("boom-1234" in r.getMessage() for r in records), "with the request id"

    # The rest of the API keeps answering.
    assert (await api.data('{ model(name: "m") { name } }', as_="reader")) == {"model": {"name": "m"}}


@pytest.mark.parametrize(
    "given",
    [
        "mreg_" + "a1B2" * 11,  # a modelreg token
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",  # a JWT
        "Bearer-abc",
        "ghp_0123456789abcdefABCDEF",
        "AKIAIOSFODNN7EXAMPLE",
        "q8Zr4Tn2Lm9Xv6Bc1Hd5Jf3",  # 23 mixed letters and digits: a base62 secret
        "x" * 129,
        "has space",
        "semi;colon",
        "é-accent",
    ],
)
async def test_a_request_id_that_looks_like_a_secret_or_is_odd_is_replaced(
    api: Api, given: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="modelreg"):
        response = await api.client.post(
            "/graphql",
            json={"query": CREATE, "variables": {"name": "traced"}},
            headers=[
                *((name.encode(), value.encode()) for name, value in api.headers("admin").items()),
                (b"x-request-id", given.encode()),
            ],
        )
    assert response.status_code == 200
    replaced = response.headers["x-request-id"]
    assert replaced != given and re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert response.json()["data"]["createModel"]["auditEvent"]["requestId"] == replaced
    assert given not in caplog.text and given not in response.text


@pytest.mark.parametrize(
    "given", ["req-7f3a.42:b_c", "3f2a9c0e-1b2d-4c5e-8f90-a1b2c3d4e5f6", "0" * 128, "build:1234:step-7"]
)
def test_ordinary_request_ids_are_kept(given: str) -> None:
    assert acceptable_request_id(given)
    assert acceptable_request_id(uuid.uuid4().hex)
