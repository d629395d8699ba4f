"""The response cache, ETags and automatic persisted queries, in one process (tests/db/test_cache_instances.py
checks the guarantee across processes): an answer is served again only while no write has committed, never
across callers who may see different things, and never when it had errors."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import httpx
import orjson
import pytest

from app.response_cache import CacheKey, ResponseCache
from app.settings import Settings
from models.entities import Role
from models.tokens.operations import create_token
from tests.app.test_abuse import serving
from tests.support.helpers import Api, StatementCounter, register

MODELS = "query Names { models(first: 10) { edges { node { name description } } } }"
UPDATE = "mutation($input: UpdateModelInput!) { updateModel(input: $input) { model { description } } }"
WRITE = 'mutation { updateModel(input: {name: "written", description: "same"}) { model { description } } }'
VIEWER = "{ viewer { name role } }"


async def _get(api: Api, query: str, *, as_: str | None = "admin", **headers: str) -> httpx.Response:
    return await api.client.post("/graphql", json={"query": query}, headers={**api.headers(as_), **headers})


async def test_an_answer_is_served_again_until_a_write_commits(api: Api) -> None:
    await register(api, "churn")
    first, second = await _get(api, MODELS), await _get(api, MODELS)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    await api.data(UPDATE, {"input": {"name": "churn", "description": "changed"}})
    after = await _get(api, MODELS)
    assert after.headers["x-cache"] == "miss" and after.headers["etag"] != first.headers["etag"]
    assert after.json()["data"]["models"]["edges"][0]["node"]["description"] == "changed"


async def test_a_refused_write_advances_nothing(api: Api) -> None:
    await register(api, "steady")
    await _get(api, MODELS)
    error = await api.error(UPDATE, {"input": {"name": "missing", "description": "x"}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert (await _get(api, MODELS)).headers["x-cache"] == "hit"


async def test_if_none_match_gets_304_without_executing(api: Api, statements: StatementCounter) -> None:
    await register(api, "tagged")
    etag = (await _get(api, MODELS)).headers["etag"]
    statements.reset()
    unchanged = await _get(api, MODELS, **{"if-none-match": f'W/{etag}, "other"'})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert statements.count == 1, statements.sql  # the token lookup only: nothing executed
    await register(api, "tagged")
    changed = await _get(api, MODELS, **{"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_the_etag_depends_on_the_media_type(api: Api) -> None:
    json_answer = await _get(api, MODELS, accept="application/json")
    graphql_answer = await _get(api, MODELS, accept="application/graphql-response+json")
    assert json_answer.headers["etag"] != graphql_answer.headers["etag"]
    assert graphql_answer.headers["content-type"] == "application/graphql-response+json"


async def test_answers_with_errors_and_mutations_are_never_stored(api: Api) -> None:
    missing = '{ model(name: "absent") { name } }'
    for _ in range(2):
        answer = await _get(api, missing)
        assert answer.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert "x-cache" not in answer.headers and "etag" not in answer.headers
    await register(api, "written")
    for _ in range(2):
        answer = await _get(api, WRITE)
        assert "errors" not in answer.json() and "x-cache" not in answer.headers and "etag" not in answer.headers


async def test_callers_who_may_see_different_models_get_their_own_answers(api: Api) -> None:
    await register(api, "team-a-model")
    await register(api, "team-b-model")
    _, scoped = await create_token(name="team-a", role=Role.READER, model_patterns=["team-a-*"])
    _, other_reader = await create_token(name="reader-2", role=Role.READER)
    names = "{ models { edges { node { name } } } }"
    everything = await _get(api, names, as_="reader")
    limited = await _get(api, names, as_=scoped)
    assert limited.headers["x-cache"] == "miss"
    assert [e["node"]["name"] for e in limited.json()["data"]["models"]["edges"]] == ["team-a-model"]
    assert len(everything.json()["data"]["models"]["edges"]) == 2
    # Another token with the same role and scopes may share the answer ...
    assert (await _get(api, names, as_=other_reader)).headers["x-cache"] == "hit"
    # ... but not an answer that describes the token itself.
    assert (await api.data(VIEWER, as_="reader"))["viewer"]["name"] == "reader"
    assert (await api.data(VIEWER, as_=other_reader))["viewer"]["name"] == "reader-2"


async def test_variables_and_operation_names_are_part_of_the_key(api: Api) -> None:
    await register(api, "first")
    await register(api, "second")
    query = "query One($name: String!) { model(name: $name) { name } }"
    one = await api.client.post(
        "/graphql", json={"query": query, "variables": {"name": "first"}}, headers=api.headers("admin")
    )
    two = await api.client.post(
        "/graphql", json={"query": query, "variables": {"name": "second"}}, headers=api.headers("admin")
    )
    assert one.json()["data"]["model"]["name"] == "first" and two.json()["data"]["model"]["name"] == "second"
    assert two.headers["x-cache"] == "miss"
    # Spacing and comments do not make a different document.
    spaced = "# the same\nquery One($name: String!) {\n  model(name: $name) {\n    name\n  }\n}"
    again = await api.client.post(
        "/graphql", json={"query": spaced, "variables": {"name": "first"}}, headers=api.headers("admin")
    )
    assert again.headers["x-cache"] == "hit" and again.content == one.content


async def test_the_cache_can_be_turned_off(settings: Settings) -> None:
    async with serving(dataclasses.replace(settings, response_cache=False)) as api:
        for _ in range(2):
            answer = await _get(api, MODELS)
            assert answer.status_code == 200 and "x-cache" not in answer.headers and "etag" not in answer.headers


def test_the_store_forgets_the_least_recently_used_answers_by_bytes() -> None:
    cache = ResponseCache(max_bytes=3 * 1_300)
    keys = [CacheKey(f"{n:064x}", "g1") for n in range(4)]
    for key in keys[:3]:
        cache.put(key, b"x" * 1_000)
    assert cache.get(keys[0]) is not None  # now the most recently used
    cache.put(keys[3], b"y" * 1_000)
    assert cache.get(keys[1]) is None and cache.get(keys[0]) is not None and cache.get(keys[3]) is not None
    assert cache.bytes <= cache.max_bytes and cache.stats.evictions == 1
    assert cache.get(CacheKey(keys[0].digest, "g2")) is None  # another generation: not the same answer
    cache.put(CacheKey("big", "g1"), b"z" * 10_000)  # larger than the whole store: not kept
    assert cache.get(CacheKey("big", "g1")) is None and cache.stats.hits == 3


def _persisted(sha256: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


async def test_automatic_persisted_queries(api: Api) -> None:
    await register(api, "persisted")
    sha256 = hashlib.sha256(MODELS.encode()).hexdigest()
    headers = api.headers("admin")
    unknown = await api.client.post("/graphql", json={"extensions": _persisted(sha256)}, headers=headers)
    assert unknown.status_code == 200
    [error] = unknown.json()["errors"]
    assert error == {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    sent = await api.client.post("/graphql", json={"query": MODELS, "extensions": _persisted(sha256)}, headers=headers)
    assert sent.json()["data"]["models"]["edges"][0]["node"]["name"] == "persisted"
    # Now by hash alone, over GET, so a proxy can keep it; the answer and its ETag are the document's.
    params = {"extensions": orjson.dumps(_persisted(sha256)).decode(), "operationName": "Names"}
    by_hash = await api.client.get("/graphql", params=params, headers={**headers, "accept": "application/json"})
    assert by_hash.status_code == 200 and by_hash.content == sent.content
    again = await api.client.get(
        "/graphql", params=params, headers={**headers, "if-none-match": by_hash.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("extensions", "says"),
    [
        (_persisted("0" * 64), "provided sha does not match query"),
        (_persisted("ABC"), "64 lowercase hex digits"),
        ({"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}, "only version 1"),
    ],
)
async def test_a_persisted_query_that_does_not_fit_is_refused(api: Api, extensions: dict[str, Any], says: str) -> None:
    answer = await api.client.post(
        "/graphql", json={"query": MODELS, "extensions": extensions}, headers=api.headers("admin")
    )
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and says in error["message"]


async def test_no_cached_answer_or_304_for_a_request_that_would_be_refused(api: Api) -> None:
    """The cache and ``If-None-Match`` are consulted before anything runs: they must not answer a request that
    running would refuse (found by a review: each of these got 304 or a cached 200)."""
    await register(api, "refusals")
    cached = await _get(api, MODELS)
    assert cached.headers["x-cache"] == "miss"
    assert (await _get(api, MODELS, **{"if-none-match": "*"})).status_code == 304  # a current answer is stored
    # Anonymous, while anonymous reads are off: UNAUTHENTICATED, not 304, whatever the precondition.
    anonymous = await api.client.post("/graphql", json={"query": MODELS}, headers={"if-none-match": "*"})
    assert anonymous.status_code == 200 and anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # "*" when nothing is stored for the request: it runs.
    fresh = await _get(api, VIEWER, **{"if-none-match": "*"})
    assert fresh.status_code == 200 and fresh.json()["data"]["viewer"]["name"]
    # Malformed parameters that a cached request's key would otherwise have ignored.
    headers = {**api.headers("admin"), "accept": "application/json"}
    params = {"query": MODELS}
    assert (await api.client.get("/graphql", params=params, headers=headers)).status_code == 200
    for bad in ({"variables": "{"}, {"extensions": "[["}, {"variables": ""}, {"extensions": ""}):
        refused = await api.client.get("/graphql", params={**params, **bad}, headers=headers)
        assert refused.status_code == 400 and "x-cache" not in refused.headers, refused.text
    named = await api.client.post("/graphql", json={"query": MODELS, "operationName": 5}, headers=headers)
    assert named.status_code == 400 and "x-cache" not in named.headers


async def test_a_persisted_document_is_remembered_only_once_it_has_run(api: Api) -> None:
    """A hash with its document was remembered on sight: an anonymous or refused caller, or a document that does
    not parse, could fill the store and evict the documents of those who run them."""
    headers = api.headers("admin")
    stolen = "query Stolen { models { totalCount } }"
    by_hash = {"extensions": _persisted(hashlib.sha256(stolen.encode()).hexdigest())}
    anonymous = await api.client.post("/graphql", json={"query": stolen, **by_hash})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bogus = await api.client.post(
        "/graphql", json={"query": stolen, **by_hash}, headers={"authorization": "Bearer mreg_bogus"}
    )
    assert bogus.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    garbage = "this is not graphql"
    garbage_hash = {"extensions": _persisted(hashlib.sha256(garbage.encode()).hexdigest())}
    unparsed = await api.client.post("/graphql", json={"query": garbage, **garbage_hash}, headers=headers)
    assert "data" not in unparsed.json() and unparsed.json()["errors"]
    for hashed in (by_hash, garbage_hash):
        unknown = await api.client.post("/graphql", json=hashed, headers=headers)
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    ran = await api.client.post("/graphql", json={"query": stolen, **by_hash}, headers=headers)
    assert ran.json()["data"]["models"]["totalCount"] == 0
    assert (await api.client.post("/graphql", json=by_hash, headers=headers)).json()["data"] == ran.json()["data"]
