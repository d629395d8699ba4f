"""GraphQL over HTTP at the request level: refusals in the JSON error shape, no ``data`` on a request error, and
``application/graphql-response+json`` with its status codes for clients that ask for it.

The HTTP layer does not depend on the database backend, so these run on SQLite alone.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import httpx
import pytest

from app.graphql_http import GRAPHQL_RESPONSE, JSON, preferred_media_type
from app.settings import Settings
from tests.app.test_abuse import serving
from tests.support.helpers import Api


@pytest.fixture
def backend() -> str:
    """SQLite only: this module's subject is the HTTP layer (overrides the conftest's two backends)."""
    return "sqlite"


QUERY = "{ viewer { name } }"
PROMOTE = 'mutation { promote(input: {model: "nope", version: 1}) { changed } }'
BAD_VARIABLE = 'query($n: Int!) { model(name: "x") { version(number: $n) { number } } }'


async def _post(api: Api, body: bytes | str, *, accept: str | None = None, **headers: str) -> httpx.Response:
    sent = {"content-type": "application/json", **api.headers("reader"), **headers}
    if accept is not None:
        sent["accept"] = accept
    return await api.client.post("/graphql", content=body, headers=sent)


def _refused(response: httpx.Response, status: int, code: str = "BAD_USER_INPUT") -> str:
    """The one error of a request refused before execution, in the JSON error shape; its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON
    body: dict[str, Any] = response.json()
    assert list(body) == ["errors"], body  # no data entry at all
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    message: str = error["message"]
    return message


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'[{"query": "{ __typename }"}]', "batched requests (a JSON array) are not supported"),
        (b"{bad", "the request body is not valid JSON"),
        (b"{}", "No GraphQL query found"),
        (b'{"query": 1}', "`query` must be a string"),
        (b'{"query": "query A { __typename }", "operationName": "B"}', 'Unknown operation named "B"'),
        # graphql-core's request error; Strawberry ran the first operation, charged as one it could not price
        (b'{"query": "query A { __typename } query B { viewer { name } }"}', "Must provide operation name"),
        (b'{"query": "{ __typename }", "operationName": 5}', "operationName"),
        # valid JSON, but no request: was an AttributeError in Strawberry, a 500 and a dropped connection
        (b'"{ __typename }"', "the request body must be a JSON object"),
        (b"5", "the request body must be a JSON object"),
        (b"null", "the request body must be a JSON object"),
    ],
)
async def test_a_malformed_request_is_a_json_error(api: Api, body: bytes, says: str) -> None:
    assert says in _refused(await _post(api, body), 400)


async def test_a_body_nested_100000_levels_deep_is_a_400_and_one_log_line(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        message = _refused(await _post(api, deep), 400)
    assert message.startswith("the request body is not valid JSON: depth limit exceeded"), message
    lines = [record for record in caplog.records if record.name.startswith(("modelreg", "uvicorn", "strawberry"))]
    assert [record.name for record in lines] == ["modelreg.access"], [record.getMessage() for record in lines]
    assert " 400 " in lines[0].getMessage() and not any(record.exc_info for record in caplog.records)


async def test_a_mutation_over_get_is_405_naming_post(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": PROMOTE}, headers={**api.headers("admin"), "accept": "application/json"}
    )
    assert "needs POST /graphql" in _refused(response, 405)
    assert response.headers["allow"] == "POST"
    # A query over GET runs.
    answer = await api.client.get("/graphql", params={"query": QUERY}, headers=api.headers("reader"))
    assert (answer.status_code, answer.json()) == (200, {"data": {"viewer": {"name": "reader"}}})


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8"])
async def test_media_types_are_case_insensitive(api: Api, content_type: str) -> None:
    response = await _post(api, '{"query": "{ __typename }"}', **{"content-type": content_type})
    assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})


@pytest.mark.parametrize(
    ("document", "variables"),
    [("{ viewer { name }", None), ("{ nope }", None), (BAD_VARIABLE, {"n": "seven"})],
    ids=["syntax", "validation", "variable"],
)
async def test_a_request_error_has_no_data(api: Api, document: str, variables: dict[str, str] | None) -> None:
    body = httpx.Request("POST", "/", json={"query": document, "variables": variables}).content
    legacy = await _post(api, body)
    assert (legacy.status_code, legacy.headers["content-type"]) == (200, JSON)
    assert list(legacy.json()) == ["errors"], legacy.json()
    # Asked for the GraphQL response media type, the same errors come with that type and 400.
    current = await _post(api, body, accept=GRAPHQL_RESPONSE)
    assert (current.status_code, current.headers["content-type"]) == (400, GRAPHQL_RESPONSE)
    assert current.json() == legacy.json()


async def test_an_executed_operation_keeps_data_and_200_in_either_media_type(api: Api) -> None:
    for accept in (GRAPHQL_RESPONSE, f"{JSON};q=0.5, {GRAPHQL_RESPONSE}"):
        ok = await _post(api, '{"query": "{ viewer { name } }"}', accept=accept)
        assert (ok.status_code, ok.headers["content-type"], ok.json()) == (
            200,
            GRAPHQL_RESPONSE,
            {"data": {"viewer": {"name": "reader"}}},
        )
        # A field error (the reader may not promote) is not a request error: data is there, null.
        refused = await _post(api, httpx.Request("POST", "/", json={"query": PROMOTE}).content, accept=accept)
        assert (refused.status_code, refused.headers["content-type"]) == (200, GRAPHQL_RESPONSE)
        assert refused.json()["data"] is None and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    plain = await _post(api, '{"query": "{ __typename }"}', accept=f"{GRAPHQL_RESPONSE};q=0.5, {JSON}")
    assert plain.headers["content-type"] == JSON


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("text/html", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE};q=0.9", JSON),
        (f"{GRAPHQL_RESPONSE};q=0", JSON),
        (f"{GRAPHQL_RESPONSE};q=nope", JSON),
    ],
)
def test_the_media_type_follows_accept(accept: str | None, chosen: str) -> None:
    assert preferred_media_type(accept) == chosen


async def test_graphiql_turned_off_is_a_json_404(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, graphiql=False)) as api:
        response = await api.client.get("/graphql", headers={"accept": "text/html"})
        _refused(response, 404, "NOT_FOUND")


async def test_another_method_is_a_json_405(api: Api) -> None:
    response = await api.client.put("/graphql", content=b"{}", headers={"content-type": "application/json"})
    assert "PUT is not allowed on /graphql" in _refused(response, 405)
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "HEAD", "POST"]
    # Elsewhere Starlette's plain answers stay.
    assert (await api.client.put("/healthz")).text == "Method Not Allowed"


async def test_a_get_with_variables_that_are_not_json_names_the_parameter(api: Api) -> None:
    params = {"query": "query($n: String!) { model(name: $n) { name } }", "variables": "{n: 1"}
    response = await api.client.get("/graphql", params=params, headers=api.headers("reader"))
    assert _refused(response, 400).startswith("the query parameter 'variables' is not valid JSON: ")


async def test_head_is_get_without_the_body_cached_or_not(api: Api) -> None:
    """RFC 9110, 9.3.2: the same status and headers as GET. HEAD was refused (405) until the answer was cached, then
    answered from the cache."""
    url = "/graphql?query=%7B__typename%7D"
    first = await api.client.head(url, headers=api.headers("reader"))
    got = await api.client.get(url, headers=api.headers("reader"))
    again = await api.client.head(url, headers=api.headers("reader"))
    assert first.status_code == got.status_code == again.status_code == 200
    for header in ("content-type", "etag", "content-length"):
        assert first.headers[header] == got.headers[header] == again.headers[header]


async def test_a_subscription_over_http_is_refused_naming_the_websocket(api: Api) -> None:
    """It ran as a query whose root field cannot resolve: an INTERNAL_SERVER_ERROR and a logged traceback."""
    document = "subscription { auditEvents { id } }"
    posted = await _post(api, f'{{"query": "{document}"}}')
    assert "WebSocket" in _refused(posted, 400)
    got = await api.client.get("/graphql", params={"query": document}, headers=api.headers("reader"))
    assert "WebSocket" in _refused(got, 400)
