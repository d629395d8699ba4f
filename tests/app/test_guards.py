"""The HTTP guards: rate limits per token, CORS with an allow-list, JSON-only POSTs to /graphql (no CSRF through
simple requests), and introspection and GraphiQL switched off for public deployments; and their settings."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from typing import Any

import pytest

from app.middleware.rate_limit import READ_POINTS
from app.rate_limit import RateLimiter
from app.settings import Settings
from models.errors import InvalidInput
from schema.cost import MUTATION_POINTS
from tests.app.test_abuse import serving
from tests.support.helpers import Api, row_counts
from tests.support.server import environment

CREATE = "mutation($name: String!) { createModel(input: {name: $name}) { model { name } } }"
VIEWER = "{ viewer { name } }"
BLOB = b"artifact bytes"


def tight(settings: Settings, **changes: Any) -> Settings:
    """Two mutations' worth of burst, and a refill too slow to matter during a test."""
    return dataclasses.replace(settings, rate_limit_per_second=0.001, rate_limit_burst=2 * MUTATION_POINTS, **changes)


async def post(api: Api, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = "writer") -> Any:
    return await api.client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=api.headers(as_)
    )


def assert_rate_limited(response: Any, *, graphql: bool = True) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-request-id"]
    if graphql:
        body = response.json()
        assert "data" not in body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] == int(response.headers["retry-after"])
        assert "retry in" in error["message"]
    else:
        assert response.json()["error"]["code"] == "RATE_LIMITED"


# --- rate limits ---------------------------------------------------------------------------------------------


async def test_mutations_past_the_burst_get_429_and_change_nothing(settings: Settings) -> None:
    async with serving(tight(settings)) as api:
        for name in ["one", "two"]:
            assert (await post(api, CREATE, {"name": name})).status_code == 200
        before = await row_counts()
        refused = await post(api, CREATE, {"name": "three"})
        assert_rate_limited(refused)
        assert "'writer'" in refused.json()["errors"][0]["message"], "the message names the token, not its secret"
        assert api.tokens["writer"] not in refused.text
        assert await row_counts() == before
        assert_rate_limited(await post(api, VIEWER), graphql=True)  # the bucket is empty for queries too
        # Other tokens have buckets of their own; health probes are never limited.
        assert (await post(api, CREATE, {"name": "three"}, as_="admin")).status_code == 200
        assert (await api.client.get("/healthz")).status_code == 200


async def test_a_mutation_costs_more_than_a_query(settings: Settings) -> None:
    async with serving(tight(settings)) as api:
        queries = int(2 * MUTATION_POINTS / READ_POINTS)
        for _ in range(queries):
            assert (await post(api, VIEWER, as_="reader")).status_code == 200
        assert_rate_limited(await post(api, VIEWER, as_="reader"))
        # The writer's bucket, the same size, holds only two mutations (checked above) but ten queries.
        assert (await post(api, CREATE, {"name": "a"})).status_code == 200
        for _ in range(queries - int(MUTATION_POINTS / READ_POINTS)):
            assert (await post(api, VIEWER)).status_code == 200
        assert_rate_limited(await post(api, VIEWER))


async def test_the_operation_named_by_operation_name_sets_the_cost(settings: Settings) -> None:
    document = (
        "query Look { viewer { name } } "
        "mutation Make($name: String!) { createModel(input: {name: $name}) { model { name } } }"
    )
    async with serving(tight(settings)) as api:
        for index in range(2):
            response = await api.client.post(
                "/graphql",
                json={"query": document, "operationName": "Make", "variables": {"name": f"m{index}"}},
                headers=api.headers("writer"),
            )
            assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert_rate_limited(
            await api.client.post(
                "/graphql", json={"query": document, "operationName": "Look"}, headers=api.headers("writer")
            )
        )


async def test_requests_without_a_valid_token_share_the_client_address_bucket(settings: Settings) -> None:
    """Inventing a new token for each request does not buy a new bucket."""
    async with serving(tight(settings, allow_anonymous_read=True)) as api:
        invented = [f"mreg_{str(index) * 43}" for index in range(10)]
        for token in invented[:2]:
            response = await post(api, CREATE, {"name": "x"}, as_=token)
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert_rate_limited(await post(api, CREATE, {"name": "x"}, as_=invented[2]))
        assert_rate_limited(await post(api, VIEWER, as_=None))
        assert (await post(api, VIEWER, as_="reader")).status_code == 200


async def test_artifact_routes_count_too(settings: Settings) -> None:
    async with serving(tight(settings)) as api:
        for _ in range(2):
            upload = await api.client.post("/api/artifacts", content=BLOB, headers=api.headers("writer"))
            assert upload.status_code in (200, 201), upload.text
        assert_rate_limited(
            await api.client.post("/api/artifacts", content=BLOB, headers=api.headers("writer")), graphql=False
        )
        sha256 = upload.json()["sha256"]
        for _ in range(int(2 * MUTATION_POINTS / READ_POINTS)):
            assert (await api.client.get(f"/api/artifacts/{sha256}", headers=api.headers("reader"))).status_code == 200
        assert_rate_limited(
            await api.client.get(f"/api/artifacts/{sha256}", headers=api.headers("reader")), graphql=False
        )


async def test_rate_limits_can_be_turned_off(settings: Settings) -> None:
    async with serving(dataclasses.replace(tight(settings), rate_limit_per_second=0)) as api:
        for index in range(5):
            assert (await post(api, CREATE, {"name": f"m{index}"})).status_code == 200


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2, burst=10, clock=lambda: now[0])
    assert limiter.take("a", 10) == 0
    assert limiter.take("a", 1) == pytest.approx(0.5), "one unit comes back every half second"
    assert limiter.take("b", 10) == 0, "buckets are per key"
    now[0] = 1.0
    assert limiter.take("a", 2) == 0
    assert limiter.take("a", 1) == pytest.approx(0.5)
    now[0] = 100.0
    assert limiter.take("a", 10) == 0, "refilled to the burst, not beyond"
    assert limiter.take("a", 1) > 0
    assert limiter.take("c", 50) == 0, "a cost above the burst is charged as the whole burst"


EXPENSIVE = "{ models(first: 100) { nodes { versions(first: 100) { nodes { number } } } } }"  # 101 fetches: 1 point
#: 1 + 100 + 100 * 20 fetches, 21 points: what a REST client would need, over 100 (GitHub's rule); 202,100 nodes.
COSTLY = "{ models(first: 100) { nodes { versions(first: 20) { nodes { tags { key } } } } } }"


async def test_every_graphql_response_says_what_it_cost_and_what_is_left(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, rate_limit_per_second=0.001, rate_limit_burst=100)) as api:
        first = await post(api, VIEWER, as_="reader")
        assert first.headers["x-ratelimit-limit"] == "100"
        assert first.headers["x-ratelimit-cost"] == "1"
        assert first.headers["x-ratelimit-remaining"] == "99"
        assert int(first.headers["x-ratelimit-reset"]) > int(time.time())
        costly = await post(api, COSTLY, as_="reader")
        assert costly.status_code == 200 and costly.headers["x-ratelimit-cost"] == "21", costly.headers
        assert costly.headers["x-ratelimit-remaining"] == "78"
        assert (await post(api, EXPENSIVE, as_="reader")).headers["x-ratelimit-cost"] == "1"
        # Refused as too complex before it runs: it costs what a refusal costs.
        refused = await post(
            api,
            "{ models(first: 100) { nodes { versions(first: 100) { nodes { metrics { name } } } } } }",
            as_="reader",
        )
        assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert refused.headers["x-ratelimit-cost"] == "1"
        mutation = await post(api, CREATE, {"name": "m"})
        assert mutation.headers["x-ratelimit-cost"] == str(MUTATION_POINTS)
        for _ in range(3):
            assert (await post(api, COSTLY, as_="reader")).status_code == 200
        empty = await post(api, COSTLY, as_="reader")
        assert_rate_limited(empty)
        assert empty.headers["x-ratelimit-cost"] == "0" and empty.headers["x-ratelimit-remaining"] == "13"


async def test_rate_limit_field_prices_a_document_without_running_it(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, rate_limit_per_second=0.001, rate_limit_burst=100)) as api:
        await post(api, CREATE, {"name": "m"})
        query = "{ rateLimit(dryRun: true) { cost nodeCount maxNodeCount limit remaining resetAt } " + COSTLY[1:]
        response = await post(api, query, as_="reader")
        body = response.json()
        assert "errors" not in body, body
        assert body["data"] == {
            "rateLimit": {
                "cost": 21,
                "nodeCount": 100 + 2_000 + 2_000 * 100,
                "maxNodeCount": 500_000,
                "limit": 100,
                "remaining": 100,
                "resetAt": body["data"]["rateLimit"]["resetAt"],
            }
        }, "a dry run answers rateLimit only, and charges nothing"
        assert response.headers["x-ratelimit-cost"] == "0"
        ran = (await post(api, "{ rateLimit { cost nodeCount remaining } viewer { name } }", as_="reader")).json()
        assert ran["data"] == {"rateLimit": {"cost": 1, "nodeCount": 0, "remaining": 99}, "viewer": {"name": "reader"}}


async def test_without_rate_limits_the_field_still_prices(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, rate_limit_per_second=0)) as api:
        off = await post(api, "{ rateLimit(dryRun: true) { cost limit remaining resetAt } }", as_="reader")
        assert off.json()["data"] == {"rateLimit": {"cost": 1, "limit": None, "remaining": None, "resetAt": None}}
        assert "x-ratelimit-cost" not in off.headers


def test_idle_buckets_are_forgotten_first() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=lambda: 0.0, max_buckets=2)
    limiter.take("a", 1)
    limiter.take("b", 1)
    limiter.take("a", 1)  # "a" is now the most recently used
    limiter.take("c", 1)  # evicts "b"
    assert limiter.take("a", 1) > 0, "the recently used bucket is kept (and empty)"
    assert limiter.take("b", 1) == 0, "a forgotten bucket starts full"


# --- CORS and content types ----------------------------------------------------------------------------------

ALLOWED = "https://dashboard.example.com"


async def test_cors_answers_allowed_origins_only(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, cors_origins=(ALLOWED,))) as api:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        allowed = await api.client.options("/graphql", headers={"Origin": ALLOWED, **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ALLOWED
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed.headers

        denied = await api.client.options("/graphql", headers={"Origin": "https://evil.example", **preflight})
        assert denied.status_code == 400
        assert "access-control-allow-origin" not in denied.headers

        headers = {**api.headers("reader"), "Origin": ALLOWED}
        answer = await api.client.post("/graphql", json={"query": VIEWER}, headers=headers)
        assert answer.json() == {"data": {"viewer": {"name": "reader"}}}
        assert answer.headers["access-control-allow-origin"] == ALLOWED
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()

        headers["Origin"] = "https://evil.example"
        other = await api.client.post("/graphql", json={"query": VIEWER}, headers=headers)
        assert "access-control-allow-origin" not in other.headers, "the browser will not let that page read it"


async def test_without_an_allow_list_no_origin_gets_cors_headers(api: Api) -> None:
    preflight = await api.client.options(
        "/graphql", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    answer = await api.client.post(
        "/graphql", json={"query": VIEWER}, headers={**api.headers("reader"), "Origin": ALLOWED}
    )
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
async def test_posts_that_skip_the_cors_preflight_are_refused(api: Api, content_type: str | None) -> None:
    """A form or a ``fetch`` with ``mode: no-cors`` on another origin can send these without asking first."""
    before = await row_counts()
    body = b'{"query": "mutation { createModel(input: {name: \\"csrf\\"}) { model { name } } }"}'
    headers = {**api.headers("admin"), **({"Content-Type": content_type} if content_type else {})}
    response = await api.client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 415
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "application/json" in error["message"]
    assert await row_counts() == before


async def test_json_with_a_charset_is_accepted(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b'{"query": "{ viewer { name } }"}',
        headers={**api.headers("reader"), "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"name": "reader"}}}


# --- introspection and GraphiQL ------------------------------------------------------------------------------

INTROSPECTION = ["{ __schema { queryType { name } } }", '{ __type(name: "Model") { name } }']


async def test_introspection_is_on_by_default(api: Api) -> None:
    for query in INTROSPECTION:
        assert (await api.post(query, as_="reader")).get("data"), query


async def test_introspection_can_be_turned_off(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, introspection=False)) as api:
        for query in INTROSPECTION:
            body = await api.post(query, as_="reader")
            assert "data" not in body, body
            assert "introspection" in body["errors"][0]["message"].lower()
        assert await api.data("{ __typename viewer { name } }", as_="reader") == {
            "__typename": "Query",
            "viewer": {"name": "reader"},
        }


async def test_graphiql_can_be_turned_off(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, graphiql=False)) as api:
        page = await api.client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()
        # Nor its scripts.
        assert (await api.client.get("/graphiql/graphiql@3.8.3/graphiql.min.js")).status_code == 404
        # Queries over GET still work for clients that use them.
        answer = await api.client.get(
            "/graphql", params={"query": VIEWER}, headers={**api.headers("reader"), "Accept": "application/json"}
        )
        assert answer.json() == {"data": {"viewer": {"name": "reader"}}}


# --- settings ------------------------------------------------------------------------------------------------


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings.from_env()
    assert (defaults.execution_timeout_seconds, defaults.rate_limit_per_second, defaults.rate_limit_burst) == (
        10.0,
        20.0,
        200.0,
    )
    assert (defaults.cors_origins, defaults.introspection, defaults.graphiql) == ((), True, True)
    monkeypatch.setenv("MODELREG_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("MODELREG_RATE_LIMIT", "0")
    monkeypatch.setenv("MODELREG_RATE_BURST", "50")
    monkeypatch.setenv("MODELREG_CORS_ORIGINS", " https://a.example.com/, http://localhost:3000 ")
    monkeypatch.setenv("MODELREG_INTROSPECTION", "false")
    monkeypatch.setenv("MODELREG_GRAPHIQL", "0")
    custom = Settings.from_env()
    assert custom.execution_timeout_seconds == 2.5
    assert (custom.rate_limit_per_second, custom.rate_limit_burst) == (0, 50)
    assert custom.cors_origins == ("https://a.example.com", "http://localhost:3000")
    assert (custom.introspection, custom.graphiql) == (False, False)
    assert Settings.from_env(introspection=True, graphiql=True).introspection, "flags win over the environment"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MODELREG_TIMEOUT_SECONDS", "0"),
        ("MODELREG_TIMEOUT_SECONDS", "soon"),
        ("MODELREG_RATE_LIMIT", "-1"),
        ("MODELREG_RATE_LIMIT", "nan"),
        ("MODELREG_RATE_BURST", "0.5"),
        ("MODELREG_CORS_ORIGINS", "dashboard.example.com"),
        ("MODELREG_GRAPHIQL", "nope"),  # was read as off, silently
        ("MODELREG_INTROSPECTION", "2"),
        ("MODELREG_ALLOW_ANONYMOUS_READ", "yes please"),
        ("MODELREG_MAX_ARTIFACT_BYTES", "2GB"),  # was a ValueError traceback
        ("MODELREG_MAX_ARTIFACT_BYTES", "0"),
        ("MODELREG_DATABASE_URL", "mysql://registry"),  # was an asyncpg traceback
        ("MODELREG_DATABASE_URL", "./var/modelreg.sqlite3"),
    ],
)
def test_unusable_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInput) as raised:
        Settings.from_env()
    assert raised.value.field == variable
    assert value in raised.value.message


@pytest.mark.parametrize(
    ("value", "meant"),
    [
        *[("true", True), ("TRUE", True), ("1", True), ("Yes", True), (" on ", True)],
        *[("false", False), ("False", False), ("0", False), ("NO", False), ("off", False)],
    ],
)
@pytest.mark.parametrize("variable", ["MODELREG_GRAPHIQL", "MODELREG_INTROSPECTION", "MODELREG_ALLOW_ANONYMOUS_READ"])
def test_boolean_settings_take_the_documented_values(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, meant: bool
) -> None:
    monkeypatch.setenv(variable, value)
    found = Settings.from_env()
    attribute = variable.removeprefix("MODELREG_").lower()
    assert getattr(found, attribute) is meant


def test_an_unusable_setting_is_one_line_from_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", "1"],
        env={**environment(), "MODELREG_GRAPHIQL": "nope"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "modelreg: MODELREG_GRAPHIQL: must be one of true/false/1/0/yes/no/on/off (any case), got 'nope'"
    ]
