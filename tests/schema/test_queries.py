"""Read side of the contract: connections, filters, orderings, comparisons, statistics, audit trail, nodes.

Every test runs on SQLite and on PostgreSQL (see conftest.py). Model names used in ordering tests are
lowercase letters and zero-padded digits only, so every database collation orders them the same way.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from models.clock import now
from models.db.connection import write_transaction
from models.entities import AuditAction, AuditEvent, RegisteredModel
from models.tokens.operations import operator_actor
from tests.support.helpers import DEMOTE, ROLLBACK, Api, promote, register, row_counts

CREATE_MODEL = """
mutation Create($input: CreateModelInput!) {
  createModel(input: $input) { model { id name } auditEvent { id } }
}"""

UPDATE_MODEL = """
mutation Update($input: UpdateModelInput!) {
  updateModel(input: $input) { model { name } }
}"""

ARCHIVE = """
mutation Archive($input: ArchiveVersionInput!) {
  archiveVersion(input: $input) { version { number status } }
}"""

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

MODELS = f"""
query Models($first: Int, $after: String, $filter: ModelFilter, $orderBy: ModelOrder) {{
  models(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {{
    totalCount
    {PAGE_INFO}
    edges {{ cursor node {{ name }} }}
    nodes {{ name }}
  }}
}}"""

VERSIONS = f"""
query Versions($model: String!, $first: Int, $after: String, $filter: VersionFilter, $orderBy: VersionOrder) {{
  model(name: $model) {{
    versions(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {{
      totalCount
      {PAGE_INFO}
      edges {{ cursor node {{ number }} }}
      nodes {{ number }}
    }}
  }}
}}"""

EVENTS = f"""
query Events($first: Int, $after: String, $filter: AuditEventFilter) {{
  auditEvents(first: $first, after: $after, filter: $filter) {{
    totalCount
    {PAGE_INFO}
    edges {{ cursor node {{ id }} }}
    nodes {{ id action actor modelName at requestId }}
  }}
}}"""

COMPARE = """
query Compare($model: String!, $numbers: [Int!], $sortBy: String, $direction: SortDirection, $limit: Int) {
  compareVersions(model: $model, numbers: $numbers, sortBy: $sortBy, direction: $direction, limit: $limit) {
    model { name }
    metricNames
    rows { version { number } values deltasFromProduction }
  }
}"""

Fetch = Callable[[str | None], Awaitable[dict[str, Any]]]


# --- helpers -------------------------------------------------------------------------------------------------


async def create_model(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    data = await api.data(CREATE_MODEL, {"input": {"name": name, **fields}})
    created: dict[str, Any] = data["createModel"]
    return created


async def models(api: Api, **variables: Any) -> dict[str, Any]:
    connection: dict[str, Any] = (await api.data(MODELS, variables, as_="reader"))["models"]
    assert connection["nodes"] == [edge["node"] for edge in connection["edges"]]
    return connection


async def versions(api: Api, model: str, **variables: Any) -> dict[str, Any]:
    connection: dict[str, Any] = (await api.data(VERSIONS, {"model": model, **variables}, as_="reader"))["model"][
        "versions"
    ]
    assert connection["nodes"] == [edge["node"] for edge in connection["edges"]]
    return connection


async def events(api: Api, **variables: Any) -> dict[str, Any]:
    connection: dict[str, Any] = (await api.data(EVENTS, variables, as_="reader"))["auditEvents"]
    return connection


def names(connection: dict[str, Any]) -> list[str]:
    return [node["name"] for node in connection["nodes"]]


def numbers(connection: dict[str, Any]) -> list[int]:
    return [node["number"] for node in connection["nodes"]]


def assert_page_info(connection: dict[str, Any], *, has_next: bool, has_previous: bool) -> None:
    info = connection["pageInfo"]
    assert info["hasNextPage"] is has_next
    assert info["hasPreviousPage"] is has_previous
    edges = connection["edges"]
    if edges:
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["endCursor"] == edges[-1]["cursor"]
    else:
        assert info["startCursor"] is None
        assert info["endCursor"] is None


async def walk(fetch: Fetch, *, total: int) -> list[dict[str, Any]]:
    """Follow ``endCursor`` until ``hasNextPage`` is false, checking each page's pageInfo and totalCount."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = await fetch(after)
        assert page["totalCount"] == total
        has_next = page["pageInfo"]["hasNextPage"]
        assert_page_info(page, has_next=has_next, has_previous=after is not None)
        assert page["edges"], "a page before the end is never empty"
        pages.append(page)
        if not has_next:
            return pages
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 200, "pagination does not terminate"


# --- models ------------------------------------------------------------------------------------------------


async def test_models_default_order_is_name_ascending(api: Api) -> None:
    for name in ["delta", "alpha", "echo", "charlie", "bravo"]:
        await create_model(api, name)
    connection = await models(api)
    assert names(connection) == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert connection["totalCount"] == 5
    assert_page_info(connection, has_next=False, has_previous=False)


async def test_models_first_defaults_to_20_and_allows_100(api: Api) -> None:
    expected = [f"m{i:02d}" for i in range(25)]
    for name in reversed(expected):
        await create_model(api, name)
    default = await models(api)
    assert names(default) == expected[:20]
    assert default["totalCount"] == 25
    assert_page_info(default, has_next=True, has_previous=False)
    everything = await models(api, first=100)
    assert names(everything) == expected
    assert_page_info(everything, has_next=False, has_previous=False)


async def test_models_page_size_out_of_range_is_bad_user_input(api: Api) -> None:
    await create_model(api, "alpha")
    for first in [101, 1000, -1]:
        assert await api.code(MODELS, {"first": first}, as_="reader") == "BAD_USER_INPUT", first


async def test_models_empty_result_has_null_cursors(api: Api) -> None:
    await create_model(api, "alpha")
    connection = await models(api, filter={"nameContains": "zzz"})
    assert connection["edges"] == []
    assert connection["totalCount"] == 0
    assert_page_info(connection, has_next=False, has_previous=False)


async def test_models_keyset_pagination_walks_everything_once(api: Api) -> None:
    expected = [f"m{i:02d}" for i in range(25)]
    for name in [*expected[::2], *expected[1::2]]:
        await create_model(api, name)
    for first in [1, 3, 7, 25]:

        async def fetch(after: str | None, first: int = first) -> dict[str, Any]:
            return await models(api, first=first, after=after)

        pages = await walk(fetch, total=25)
        assert [name for page in pages for name in names(page)] == expected
        assert len(pages) == -(-25 // first)
        assert all(len(page["edges"]) == first for page in pages[:-1])


async def test_models_pagination_total_count_is_the_filtered_set(api: Api) -> None:
    for i in range(12):
        await create_model(api, f"keep{i:02d}")
    for i in range(5):
        await create_model(api, f"other{i:02d}")

    async def fetch(after: str | None) -> dict[str, Any]:
        return await models(api, first=5, after=after, filter={"nameContains": "keep"})

    pages = await walk(fetch, total=12)
    assert [name for page in pages for name in names(page)] == [f"keep{i:02d}" for i in range(12)]


async def test_models_cursor_survives_inserts_before_and_after_it(api: Api) -> None:
    original = [f"m{i}" for i in range(10, 20)]
    for name in original:
        await create_model(api, name)
    first_page = await models(api, first=5)
    assert names(first_page) == original[:5]
    cursor = first_page["pageInfo"]["endCursor"]

    for name in ["m00", "m05", "m145", "m155", "m99"]:  # before the cursor, after it, and between old rows
        await create_model(api, name)

    seen = names(first_page)
    after: str | None = cursor
    while True:
        page = await models(api, first=3, after=after)
        seen.extend(names(page))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)), f"duplicates: {seen}"
    assert set(original) <= set(seen), f"skipped pre-existing rows: {set(original) - set(seen)}"
    assert seen == [*original[:5], "m145", "m15", "m155", *original[6:], "m99"]


async def test_models_garbage_cursor_is_bad_user_input(api: Api) -> None:
    await create_model(api, "alpha")
    for cursor in ["garbage", "Zm9v", "", "!!!!", "eyJhIjogMX0", "W10", "bnVsbA"]:
        assert await api.code(MODELS, {"after": cursor}, as_="reader") == "BAD_USER_INPUT", cursor


async def test_models_cursor_of_another_ordering_or_list_is_bad_user_input(api: Api) -> None:
    for name in ["alpha", "bravo", "charlie"]:
        await create_model(api, name)
    by_created = await models(api, first=1, orderBy={"field": "CREATED_AT", "direction": "ASC"})
    cursor = by_created["pageInfo"]["endCursor"]
    assert await api.code(MODELS, {"first": 1, "after": cursor}, as_="reader") == "BAD_USER_INPUT"
    by_name_desc = await models(api, first=1, orderBy={"field": "NAME", "direction": "DESC"})
    cursor = by_name_desc["pageInfo"]["endCursor"]
    assert await api.code(MODELS, {"first": 1, "after": cursor}, as_="reader") == "BAD_USER_INPUT"
    await register(api, "alpha", 3)
    cursor = (await versions(api, "alpha", first=1))["pageInfo"]["endCursor"]
    assert await api.code(MODELS, {"first": 1, "after": cursor}, as_="reader") == "BAD_USER_INPUT"


async def test_models_order_by_created_at_updated_at_and_name_desc(api: Api) -> None:
    created = ["charlie", "alpha", "echo", "bravo", "delta"]
    for name in created:
        await create_model(api, name)
        await asyncio.sleep(0.002)
    await api.data(UPDATE_MODEL, {"input": {"name": "echo", "description": "touched"}})
    await asyncio.sleep(0.002)
    await api.data(UPDATE_MODEL, {"input": {"name": "charlie", "description": "touched"}})

    async def ordered(field: str, direction: str) -> list[str]:
        return names(await models(api, orderBy={"field": field, "direction": direction}))

    assert await ordered("CREATED_AT", "ASC") == created
    assert await ordered("CREATED_AT", "DESC") == created[::-1]
    assert await ordered("UPDATED_AT", "ASC") == ["alpha", "bravo", "delta", "echo", "charlie"]
    assert await ordered("UPDATED_AT", "DESC") == ["charlie", "echo", "delta", "bravo", "alpha"]
    assert await ordered("NAME", "DESC") == ["echo", "delta", "charlie", "bravo", "alpha"]
    assert await ordered("NAME", "ASC") == ["alpha", "bravo", "charlie", "delta", "echo"]


async def test_a_date_time_cursor_written_without_an_offset_or_in_another_pages_as_the_servers_own(api: Api) -> None:
    """A cursor holds its date-time in UTC with ``+00:00``. One a client writes by hand without an offset (read
    as UTC) or in another offset names the same instant, and continues the list at the same place: on SQLite,
    which compares the stored text, as on PostgreSQL."""
    created = [f"m{index}" for index in range(5)]
    for name in created:
        await create_model(api, name)
    order = {"field": "CREATED_AT", "direction": "ASC"}
    first = await models(api, first=2, orderBy=order)
    _, (instant, last_id) = json.loads(base64.urlsafe_b64decode(first["pageInfo"]["endCursor"] + "=="))
    at = datetime.fromisoformat(instant)
    assert at.utcoffset() == timedelta(0)

    def cursor(written: str) -> str:
        raw = json.dumps(["model:CREATED_AT:ASC", [written, last_id]]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    expected = names(await models(api, first=10, after=first["pageInfo"]["endCursor"], orderBy=order))
    assert expected == created[2:]
    for written in [
        at.replace(tzinfo=None).isoformat(),
        at.astimezone(timezone(timedelta(hours=2))).isoformat(),
        at.astimezone(timezone(timedelta(hours=-5, minutes=-30))).isoformat(),
    ]:
        assert names(await models(api, first=10, after=cursor(written), orderBy=order)) == expected, written


async def test_a_nested_page_of_none_still_counts(api: Api) -> None:
    """``first: 0`` asks for a count alone: read without ``pageInfo`` too (no row past the page), the total is
    there, for a model's versions and its deployment history, alone and under a list of models."""
    await create_model(api, "alpha")
    await register(api, "alpha", 3)
    await promote(api, "alpha", 1)
    await promote(api, "alpha", 2)
    query = """{ model(name: "alpha") { versions(first: 0) { totalCount nodes { number } }
      deploymentHistory(first: 0) { totalCount } }
      models(first: 5) { nodes { versions(first: 0) { totalCount } deploymentHistory(first: 0) { totalCount } } } }"""
    data = await api.data(query, as_="reader")
    assert data["model"] == {"versions": {"totalCount": 3, "nodes": []}, "deploymentHistory": {"totalCount": 2}}
    assert data["models"]["nodes"] == [{"versions": {"totalCount": 3}, "deploymentHistory": {"totalCount": 2}}]


async def test_models_pagination_in_other_orders(api: Api) -> None:
    created = [f"m{(i * 5) % 9}" for i in range(9)]
    for name in created:
        await create_model(api, name)
    for field, direction, expected in [
        ("CREATED_AT", "DESC", created[::-1]),
        ("UPDATED_AT", "ASC", created),
        ("NAME", "DESC", sorted(created, reverse=True)),
    ]:
        order = {"field": field, "direction": direction}

        async def fetch(after: str | None, order: dict[str, str] = order) -> dict[str, Any]:
            return await models(api, first=2, after=after, orderBy=order)

        pages = await walk(fetch, total=9)
        assert [name for page in pages for name in names(page)] == expected, order


async def test_models_filter_name_contains_is_case_insensitive(api: Api) -> None:
    for name in ["FraudDetector", "fraud-lite", "churn", "antiFRAUD.v2", "frau"]:
        await create_model(api, name)
    connection = await models(api, filter={"nameContains": "fRaUd"})
    assert set(names(connection)) == {"FraudDetector", "fraud-lite", "antiFRAUD.v2"}
    assert connection["totalCount"] == 3


async def test_models_filter_name_contains_is_a_literal_substring(api: Api) -> None:
    for name in ["a_b", "axb", "a.b", "a-b"]:
        await create_model(api, name)
    assert names(await models(api, filter={"nameContains": "_"})) == ["a_b"]
    assert names(await models(api, filter={"nameContains": "a_b"})) == ["a_b"]
    assert names(await models(api, filter={"nameContains": "%"})) == []
    assert names(await models(api, filter={"nameContains": "a%b"})) == []
    assert names(await models(api, filter={"nameContains": "."})) == ["a.b"]


@pytest.mark.parametrize("fragment", ["\u017f", "\u212a", "\u0130", "\u017fig", "\u00e9"])
async def test_models_filter_name_contains_folds_ascii_only_on_every_backend(api: Api, fragment: str) -> None:
    """Names are ASCII, so a fragment with any other character matches none, on PostgreSQL too, whose ILIKE folds
    some of them onto ASCII letters (the long s onto s, the Kelvin sign onto k, the dotted capital I onto i)."""
    for name in ["sigma", "kappa", "iris", "SIGNAL"]:
        await create_model(api, name)
    connection = await models(api, filter={"nameContains": fragment})
    assert (connection["totalCount"], names(connection)) == (0, [])
    assert (await models(api, filter={"nameContains": "Si"}))["totalCount"] == 2  # ASCII letters still fold


async def test_models_filter_tag_matches_exact_key_and_value(api: Api) -> None:
    await create_model(api, "a", tags=[{"key": "team", "value": "risk"}, {"key": "tier", "value": "1"}])
    await create_model(api, "b", tags=[{"key": "team", "value": "riskier"}])
    await create_model(api, "c", tags=[{"key": "owner", "value": "risk"}])
    await create_model(api, "d", tags=[{"key": "team", "value": "risk"}])
    await create_model(api, "e")
    connection = await models(api, filter={"tag": {"key": "team", "value": "risk"}})
    assert names(connection) == ["a", "d"]
    assert connection["totalCount"] == 2
    both = await models(api, filter={"tag": {"key": "team", "value": "risk"}, "nameContains": "D"})
    assert names(both) == ["d"]


async def test_models_filter_has_production(api: Api) -> None:
    await register(api, "live", 2)
    await promote(api, "live", 1)
    await register(api, "staged", 1)
    await promote(api, "staged", 1, environment="staging")
    await register(api, "demoted", 1)
    await promote(api, "demoted", 1)
    await api.data(DEMOTE, {"input": {"model": "demoted"}})
    await register(api, "swapped", 2)
    await promote(api, "swapped", 1)
    await promote(api, "swapped", 2)
    await create_model(api, "empty")

    yes = await models(api, filter={"hasProduction": True})
    assert names(yes) == ["live", "swapped"]
    assert yes["totalCount"] == 2
    no = await models(api, filter={"hasProduction": False})
    assert names(no) == ["demoted", "empty", "staged"]
    assert no["totalCount"] == 3
    assert names(await models(api)) == ["demoted", "empty", "live", "staged", "swapped"]


# --- Model.versions ----------------------------------------------------------------------------------------


async def test_versions_newest_first_by_default(api: Api) -> None:
    await register(api, "m", 5)
    connection = await versions(api, "m")
    assert numbers(connection) == [5, 4, 3, 2, 1]
    assert connection["totalCount"] == 5
    assert_page_info(connection, has_next=False, has_previous=False)


async def test_versions_pagination_newest_first(api: Api) -> None:
    await register(api, "m", 7)
    await register(api, "other", 3)  # another model's versions never leak in

    async def fetch(after: str | None) -> dict[str, Any]:
        return await versions(api, "m", first=3, after=after)

    pages = await walk(fetch, total=7)
    assert [n for page in pages for n in numbers(page)] == [7, 6, 5, 4, 3, 2, 1]


async def test_versions_order_by_number_and_created_at(api: Api) -> None:
    await register(api, "m", 4)
    by_number = await versions(api, "m", orderBy={"field": "NUMBER", "direction": "ASC"})
    assert numbers(by_number) == [1, 2, 3, 4]
    by_created = await versions(api, "m", orderBy={"field": "CREATED_AT", "direction": "DESC"})
    assert numbers(by_created) == [4, 3, 2, 1]
    by_created_asc = await versions(api, "m", first=3, orderBy={"field": "CREATED_AT", "direction": "ASC"})
    assert numbers(by_created_asc) == [1, 2, 3]
    rest = await versions(
        api,
        "m",
        first=3,
        after=by_created_asc["pageInfo"]["endCursor"],
        orderBy={"field": "CREATED_AT", "direction": "ASC"},
    )
    assert numbers(rest) == [4]


async def test_versions_filters(api: Api) -> None:
    await register(api, "m", metrics=[{"name": "auc", "value": 0.7}], datasetVersion="ds-1")  # 1
    await register(api, "m", metrics=[{"name": "auc", "value": 0.8}], datasetVersion="ds-2")  # 2
    await register(api, "m", metrics=[{"name": "f1", "value": 0.95}], datasetVersion="ds-1")  # 3
    await register(api, "m", metrics=[{"name": "auc", "value": 0.9}])  # 4
    await register(api, "m", metrics=[{"name": "auc", "value": 0.85}], datasetVersion="ds-1")  # 5
    await api.data(ARCHIVE, {"input": {"model": "m", "version": 2}})
    await api.data(ARCHIVE, {"input": {"model": "m", "version": 3}})

    archived = await versions(api, "m", filter={"status": "ARCHIVED"})
    assert numbers(archived) == [3, 2]
    assert archived["totalCount"] == 2
    ready = await versions(api, "m", filter={"status": "READY"})
    assert numbers(ready) == [5, 4, 1]
    assert ready["totalCount"] == 3

    ds1 = await versions(api, "m", filter={"datasetVersion": "ds-1"})
    assert numbers(ds1) == [5, 3, 1]
    assert ds1["totalCount"] == 3

    good = await versions(api, "m", filter={"metricAtLeast": {"name": "auc", "value": 0.8}})
    assert numbers(good) == [5, 4, 2]  # >= includes the boundary; versions without auc are left out
    assert good["totalCount"] == 3

    combined = await versions(
        api, "m", first=1, filter={"metricAtLeast": {"name": "auc", "value": 0.75}, "status": "READY"}
    )
    assert numbers(combined) == [5]
    assert combined["totalCount"] == 2
    assert_page_info(combined, has_next=True, has_previous=False)

    assert numbers(await versions(api, "m", filter={"datasetVersion": "nope"})) == []


# auc per version number; 2 and 5 lack it.
AUC = {1: 0.5, 3: 0.9, 4: 0.7, 6: 0.6, 7: 0.65}
WITHOUT_AUC = {2, 5}


async def _register_auc_versions(api: Api) -> None:
    for number in range(1, 8):
        metrics = [{"name": "loss", "value": 1.0 / number}]
        if number in AUC:
            metrics.append({"name": "auc", "value": AUC[number]})
        assert await register(api, "m", metrics=metrics) == [number]


async def test_versions_order_by_metric_puts_lacking_last_and_pages_across_them(api: Api) -> None:
    await _register_auc_versions(api)
    for direction in ["DESC", "ASC"]:
        order = {"field": "METRIC", "direction": direction, "metric": "auc"}
        everything = numbers(await versions(api, "m", orderBy=order))
        with_metric = sorted(AUC, key=AUC.__getitem__, reverse=direction == "DESC")
        assert everything[: len(AUC)] == with_metric, direction
        assert set(everything[len(AUC) :]) == WITHOUT_AUC, direction
        assert len(everything) == 7
        for first in [1, 2, 3, 4, 5, 6]:  # page boundaries fall before, on and after the lacking-metric rows

            async def fetch(after: str | None, first: int = first, order: dict[str, str] = order) -> dict[str, Any]:
                return await versions(api, "m", first=first, after=after, orderBy=order)

            pages = await walk(fetch, total=7)
            assert [n for page in pages for n in numbers(page)] == everything, (direction, first)


async def test_versions_order_by_metric_pages_through_ties(api: Api) -> None:
    values = [0.5, 0.5, None, 0.5, None, 0.7, 0.5]
    for value in values:
        await register(api, "ties", metrics=[] if value is None else [{"name": "auc", "value": value}])
    lacking = {n for n, v in enumerate(values, 1) if v is None}
    for direction in ["DESC", "ASC"]:
        order = {"field": "METRIC", "direction": direction, "metric": "auc"}
        everything = numbers(await versions(api, "ties", orderBy=order))
        assert sorted(everything) == list(range(1, 8))
        with_metric, without = everything[: -len(lacking)], everything[-len(lacking) :]
        assert set(without) == lacking
        assert with_metric[0 if direction == "DESC" else -1] == 6  # the one 0.7 among the 0.5s
        for first in [1, 2, 3]:

            async def fetch(after: str | None, first: int = first, order: dict[str, str] = order) -> dict[str, Any]:
                return await versions(api, "ties", first=first, after=after, orderBy=order)

            walked = [n for page in await walk(fetch, total=7) for n in numbers(page)]
            assert walked == everything, (direction, first)


async def test_versions_order_by_metric_with_filter_counts_filtered_set(api: Api) -> None:
    await _register_auc_versions(api)
    await api.data(ARCHIVE, {"input": {"model": "m", "version": 3}})
    await api.data(ARCHIVE, {"input": {"model": "m", "version": 5}})
    order = {"field": "METRIC", "direction": "DESC", "metric": "auc"}

    async def fetch(after: str | None) -> dict[str, Any]:
        return await versions(api, "m", first=2, after=after, orderBy=order, filter={"status": "READY"})

    pages = await walk(fetch, total=5)
    walked = [n for page in pages for n in numbers(page)]
    assert walked == [4, 7, 6, 1, 2]


async def test_versions_order_by_metric_without_metric_is_bad_user_input(api: Api) -> None:
    await register(api, "m", 2)
    order = {"field": "METRIC", "direction": "DESC"}
    assert await api.code(VERSIONS, {"model": "m", "orderBy": order}, as_="reader") == "BAD_USER_INPUT"


async def test_versions_cursor_of_another_ordering_is_bad_user_input(api: Api) -> None:
    await _register_auc_versions(api)
    by_metric = await versions(api, "m", first=2, orderBy={"field": "METRIC", "direction": "DESC", "metric": "auc"})
    cursor = by_metric["pageInfo"]["endCursor"]
    for order in [
        None,
        {"field": "METRIC", "direction": "ASC", "metric": "auc"},
        {"field": "METRIC", "direction": "DESC", "metric": "loss"},
    ]:
        variables = {"model": "m", "first": 2, "after": cursor, "orderBy": order}
        assert await api.code(VERSIONS, variables, as_="reader") == "BAD_USER_INPUT", order
    variables = {"model": "m", "after": "not a cursor"}
    assert await api.code(VERSIONS, variables, as_="reader") == "BAD_USER_INPUT"
    assert await api.code(VERSIONS, {"model": "m", "first": 101}, as_="reader") == "BAD_USER_INPUT"


# --- Model fields ------------------------------------------------------------------------------------------

MODEL_FIELDS = """
query One($name: String!, $number: Int!) {
  model(name: $name) {
    name
    versionCount
    latestVersion { number }
    version(number: $number) { number model { name } }
    tags { key value }
  }
}"""


async def test_model_latest_version_version_count_and_tags(api: Api) -> None:
    await create_model(api, "m", tags=[{"key": "team", "value": "risk"}, {"key": "domain", "value": "cards"}])
    empty = (await api.data(MODEL_FIELDS, {"name": "m", "number": 1}, as_="reader"))["model"]
    assert empty["versionCount"] == 0
    assert empty["latestVersion"] is None
    assert empty["version"] is None
    assert sorted((t["key"], t["value"]) for t in empty["tags"]) == [("domain", "cards"), ("team", "risk")]

    await register(api, "m", 3)
    await api.data(ARCHIVE, {"input": {"model": "m", "version": 3}})
    found = (await api.data(MODEL_FIELDS, {"name": "m", "number": 2}, as_="reader"))["model"]
    assert found["versionCount"] == 3  # archived versions count
    assert found["latestVersion"] == {"number": 3}
    assert found["version"] == {"number": 2, "model": {"name": "m"}}
    missing = (await api.data(MODEL_FIELDS, {"name": "m", "number": 9}, as_="reader"))["model"]
    assert missing["version"] is None

    await api.data(UPDATE_MODEL, {"input": {"name": "m", "tags": [{"key": "team", "value": "fraud"}]}})
    replaced = (await api.data(MODEL_FIELDS, {"name": "m", "number": 1}, as_="reader"))["model"]
    assert replaced["tags"] == [{"key": "team", "value": "fraud"}]


async def test_model_by_name_missing_is_null_with_not_found(api: Api) -> None:
    body = await api.post('{ model(name: "nope") { name } }', as_="reader")
    assert body["data"] == {"model": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


# --- compareVersions ---------------------------------------------------------------------------------------


async def _register_comparison(api: Api) -> None:
    await register(api, "cmp", metrics=[{"name": "auc", "value": 0.7}, {"name": "f1", "value": 0.5}])  # 1
    await register(api, "cmp", metrics=[{"name": "auc", "value": 0.8}])  # 2
    await register(api, "cmp", metrics=[{"name": "loss", "value": 0.2}])  # 3
    await register(api, "cmp", metrics=[{"name": "auc", "value": 0.9}, {"name": "f1", "value": 0.6}])  # 4
    await register(api, "cmp", metrics=[{"name": "zeta", "value": 1.0}])  # 5


async def compare(api: Api, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api.data(COMPARE, {"model": "cmp", **variables}, as_="reader"))["compareVersions"]
    return result


def rows(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["version"]["number"]: row for row in result["rows"]}


def approx_list(values: list[float | None]) -> list[Any]:
    return [None if v is None else pytest.approx(v) for v in values]


async def test_compare_versions_default_is_newest_limit(api: Api) -> None:
    await _register_comparison(api)
    everything = await compare(api)
    assert everything["model"] == {"name": "cmp"}
    assert set(rows(everything)) == {1, 2, 3, 4, 5}
    assert everything["metricNames"] == ["auc", "f1", "loss", "zeta"]

    newest = await compare(api, limit=2)
    assert set(rows(newest)) == {4, 5}
    assert newest["metricNames"] == ["auc", "f1", "zeta"]
    assert rows(newest)[5]["values"] == [None, None, 1.0]
    assert rows(newest)[4]["values"] == approx_list([0.9, 0.6, None])


async def test_compare_versions_explicit_numbers_and_number_order(api: Api) -> None:
    await _register_comparison(api)
    result = await compare(api, numbers=[3, 1], direction="ASC")
    assert [row["version"]["number"] for row in result["rows"]] == [1, 3]
    assert result["metricNames"] == ["auc", "f1", "loss"]
    by_number = rows(result)
    assert by_number[1]["values"] == approx_list([0.7, 0.5, None])
    assert by_number[3]["values"] == approx_list([None, None, 0.2])
    for row in result["rows"]:
        assert len(row["values"]) == len(result["metricNames"])
        assert row["deltasFromProduction"] == [None, None, None]  # nothing in production

    descending = await compare(api, numbers=[1, 4, 2], direction="DESC")
    assert [row["version"]["number"] for row in descending["rows"]] == [4, 2, 1]


async def test_compare_versions_deltas_from_production(api: Api) -> None:
    await _register_comparison(api)
    await promote(api, "cmp", 2)
    result = await compare(api, numbers=[1, 2, 3, 4])
    assert result["metricNames"] == ["auc", "f1", "loss"]
    by_number = rows(result)
    assert by_number[1]["deltasFromProduction"] == approx_list([0.7 - 0.8, None, None])
    assert by_number[2]["deltasFromProduction"] == approx_list([0.0, None, None])
    assert by_number[3]["deltasFromProduction"] == [None, None, None]
    assert by_number[4]["deltasFromProduction"] == approx_list([0.9 - 0.8, None, None])

    # The production version need not be among the compared ones.
    await promote(api, "cmp", 4)
    other = await compare(api, numbers=[1, 3])
    assert rows(other)[1]["deltasFromProduction"] == approx_list([0.7 - 0.9, 0.5 - 0.6, None])
    assert rows(other)[3]["deltasFromProduction"] == [None, None, None]

    # A non-production environment is not the baseline.
    await api.data(DEMOTE, {"input": {"model": "cmp"}})
    await promote(api, "cmp", 1, environment="staging")
    nothing = await compare(api, numbers=[2, 4])
    assert all(row["deltasFromProduction"] == [None, None] for row in nothing["rows"])


async def test_compare_versions_sort_by_metric_lacking_last(api: Api) -> None:
    await _register_comparison(api)
    for direction, with_auc in [("DESC", [4, 2, 1]), ("ASC", [1, 2, 4])]:
        for variables in [{"numbers": [1, 2, 3, 4, 5]}, {}]:
            result = await compare(api, sortBy="auc", direction=direction, **variables)
            order = [row["version"]["number"] for row in result["rows"]]
            assert order[:3] == with_auc, direction
            assert set(order[3:]) == {3, 5}, direction


async def test_compare_versions_errors_and_limit_bounds(api: Api) -> None:
    await _register_comparison(api)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"model": "nope"}, "NOT_FOUND"),
        ({"numbers": [1, 99]}, "NOT_FOUND"),
        ({"numbers": [42]}, "NOT_FOUND"),
        ({"limit": 0}, "BAD_USER_INPUT"),
        ({"limit": 101}, "BAD_USER_INPUT"),
        ({"limit": -5}, "BAD_USER_INPUT"),
    ]
    for variables, code in cases:
        error = await api.error(COMPARE, {"model": "cmp", **variables}, as_="reader")
        assert error["extensions"]["code"] == code, variables
    assert [row["version"]["number"] for row in (await compare(api, limit=1))["rows"]] == [5]
    assert set(rows(await compare(api, limit=100))) == {1, 2, 3, 4, 5}


async def test_compare_versions_many_bad_numbers_are_each_bad_user_input(api: Api) -> None:
    """Past graphql-core's limit of errors per request, its last error ("Execution aborted") is coded too."""
    await _register_comparison(api)
    body = await api.post(COMPARE, {"model": "cmp", "numbers": ["x"] * 60}, as_="reader")
    errors = body["errors"]
    assert len(errors) > 50
    assert "error limit reached" in errors[-1]["message"]
    assert {error.get("extensions", {}).get("code") for error in errors} == {"BAD_USER_INPUT"}
    assert body.get("data") is None


VERSION_NUMBER = 'query($number: Int!) { model(name: "cmp") { name version(number: $number) { number } } }'
VERSION_METRIC = 'query($name: String!) { model(name: "cmp") { version(number: 1) { number metric(name: $name) } } }'


@pytest.mark.parametrize("number", [0, -1])
async def test_version_number_below_one_is_bad_user_input_as_in_compare_versions(api: Api, number: int) -> None:
    await _register_comparison(api)
    body = await api.post(VERSION_NUMBER, {"number": number}, as_="reader")
    assert body["data"] == {"model": {"name": "cmp", "version": None}}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "number"}
    assert error["message"] == f"number: version numbers start at 1 (got {number})"
    assert error["path"] == ["model", "version"]
    compared = await api.error(COMPARE, {"model": "cmp", "numbers": [number]}, as_="reader")
    assert compared["extensions"]["code"] == "BAD_USER_INPUT"
    assert "version numbers start at 1" in compared["message"]
    # In a list of models too, where the field is completed apart from graphql-core (schema/levels.py).
    listed = await api.post(f"{{ models {{ nodes {{ version(number: {number}) {{ number }} }} }} }}", as_="reader")
    assert [e["extensions"]["code"] for e in listed["errors"]] == ["BAD_USER_INPUT"]
    assert listed["data"] == {"models": {"nodes": [{"version": None}]}}


@pytest.mark.parametrize("name", ["", "x" * 100_000, " auc", "auc\u200b"])
async def test_metric_name_is_checked_as_in_compare_versions(api: Api, name: str) -> None:
    await _register_comparison(api)
    body = await api.post(VERSION_METRIC, {"name": name}, as_="reader")
    assert body["data"] == {"model": {"version": {"number": 1, "metric": None}}}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "name"}
    assert error["message"].startswith("name: metric names are 1 to 128 characters")
    assert "x" * 1000 not in str(body)
    compared = await api.error(COMPARE, {"model": "cmp", "sortBy": name}, as_="reader")
    assert compared["extensions"]["code"] == "BAD_USER_INPUT"
    # A valid name still answers its value, or null (without an error) for a metric the version lacks.
    found = await api.data(VERSION_METRIC, {"name": "auc"}, as_="reader")
    assert found["model"]["version"]["metric"] == pytest.approx(0.7)
    assert (await api.data(VERSION_METRIC, {"name": "x" * 128}, as_="reader"))["model"]["version"]["metric"] is None


# --- registryStatistics ------------------------------------------------------------------------------------

STATISTICS = """
{ registryStatistics {
    modelCount versionCount modelsInProduction activeDeploymentCount promotionCount
    averageProductionMetrics { name value }
    generatedAt
} }"""


async def test_registry_statistics_of_an_empty_registry(api: Api) -> None:
    stats = (await api.data(STATISTICS, as_="reader"))["registryStatistics"]
    assert stats["modelCount"] == 0
    assert stats["versionCount"] == 0
    assert stats["modelsInProduction"] == 0
    assert stats["activeDeploymentCount"] == 0
    assert stats["promotionCount"] == 0
    assert stats["averageProductionMetrics"] == []
    assert datetime.fromisoformat(stats["generatedAt"]).tzinfo is not None


async def test_registry_statistics(api: Api) -> None:
    await register(api, "a", metrics=[{"name": "auc", "value": 0.7}, {"name": "f1", "value": 0.4}])
    await register(api, "a", metrics=[{"name": "auc", "value": 0.8}, {"name": "f1", "value": 0.5}])
    await promote(api, "a", 1)  # PROMOTED
    await promote(api, "a", 2)  # PROMOTED
    await api.data(ROLLBACK, {"input": {"model": "a"}})  # ROLLED_BACK: back to 1
    await promote(api, "a", 2)  # PROMOTED: production of a is 2
    await promote(api, "a", 2)  # unchanged: no event

    await register(api, "b", metrics=[{"name": "loss", "value": 0.3}, {"name": "auc", "value": 0.6}])
    await register(api, "b", metrics=[{"name": "auc", "value": 0.1}, {"name": "beta", "value": 9.0}])
    await promote(api, "b", 1)  # PROMOTED
    await promote(api, "b", 2, environment="staging")  # PROMOTED, not production

    await register(api, "c", metrics=[{"name": "auc", "value": 0.99}])
    await promote(api, "c", 1)  # PROMOTED
    await api.data(DEMOTE, {"input": {"model": "c"}})  # not a promotion; c leaves production

    await create_model(api, "d")

    before = now()
    stats = (await api.data(STATISTICS, as_="reader"))["registryStatistics"]
    assert stats["modelCount"] == 4
    assert stats["versionCount"] == 5
    assert stats["modelsInProduction"] == 2
    assert stats["activeDeploymentCount"] == 3
    assert stats["promotionCount"] == 7
    # It counts deployments: the 6 PROMOTED events and the rollback (docs/api.md, "Behaviour notes").
    promoted = await AuditEvent.filter(action=AuditAction.PROMOTED).count()
    assert (promoted, (await row_counts())["deployments"]) == (6, stats["promotionCount"])
    averages = stats["averageProductionMetrics"]
    assert [m["name"] for m in averages] == ["auc", "f1", "loss"]
    assert [m["value"] for m in averages] == [pytest.approx((0.8 + 0.6) / 2), pytest.approx(0.5), pytest.approx(0.3)]
    generated = datetime.fromisoformat(stats["generatedAt"])
    assert before - timedelta(seconds=5) <= generated <= now() + timedelta(seconds=5)


# --- audit events ------------------------------------------------------------------------------------------


async def _audit_history(api: Api) -> datetime:
    """Five events by three actors; returns an instant between the second and the third."""
    await api.data(CREATE_MODEL, {"input": {"name": "a"}}, as_="writer")  # 1 MODEL_CREATED a writer
    await register(api, "a")  # 2 VERSION_REGISTERED a admin
    await asyncio.sleep(0.05)
    middle = datetime.now(UTC)
    await asyncio.sleep(0.05)
    await register(api, "b")  # 3 MODEL_CREATED b admin, 4 VERSION_REGISTERED b admin
    await api.data(
        """mutation($input: PromoteInput!) { promote(input: $input) { changed } }""",
        {"input": {"model": "b", "version": 1}},
        as_="deployer",
    )  # 5 PROMOTED b deployer
    return middle


EXPECTED_EVENTS = [
    ("PROMOTED", "b", "deployer"),
    ("VERSION_REGISTERED", "b", "admin"),
    ("MODEL_CREATED", "b", "admin"),
    ("VERSION_REGISTERED", "a", "admin"),
    ("MODEL_CREATED", "a", "writer"),
    # The oldest: the ``tokens`` fixture created a token per role before the test, on the registry's chain.
    *[("TOKEN_CREATED", "", operator_actor())] * 4,
]


def triples(connection: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(n["action"], n["modelName"], n["actor"]) for n in connection["nodes"]]


async def test_audit_events_newest_first(api: Api) -> None:
    await _audit_history(api)
    connection = await events(api)
    assert triples(connection) == EXPECTED_EVENTS
    assert connection["totalCount"] == 9
    stamps = [datetime.fromisoformat(n["at"]) for n in connection["nodes"]]
    assert all(stamp.tzinfo is not None for stamp in stamps)
    assert stamps == sorted(stamps, reverse=True)


async def test_audit_events_filters(api: Api) -> None:
    await _audit_history(api)
    for filter, expected in [
        ({"model": "b"}, [0, 1, 2]),
        ({"model": "a"}, [3, 4]),
        ({"model": "zzz"}, []),
        ({"action": "VERSION_REGISTERED"}, [1, 3]),
        ({"action": "DEMOTED"}, []),
        ({"actor": "writer"}, [4]),
        ({"actor": "admin"}, [1, 2, 3]),
        ({"actor": "nobody"}, []),
        ({"model": "b", "actor": "admin", "action": "MODEL_CREATED"}, [2]),
    ]:
        connection = await events(api, filter=filter)
        assert triples(connection) == [EXPECTED_EVENTS[i] for i in expected], filter
        assert connection["totalCount"] == len(expected), filter


async def _check_since_and_until(api: Api, middle: datetime, instant: str) -> None:
    later = await events(api, filter={"since": instant})
    assert triples(later) == EXPECTED_EVENTS[:3], f"since {instant}"
    earlier = await events(api, filter={"until": instant})
    assert triples(earlier) == EXPECTED_EVENTS[3:], f"until {instant}"
    assert earlier["totalCount"] == 6
    start = (middle - timedelta(hours=1)).isoformat()
    window = await events(api, filter={"since": start, "until": instant, "actor": "admin"})
    assert triples(window) == [EXPECTED_EVENTS[3]], f"since {start} until {instant}"


async def test_audit_events_since_and_until_in_utc(api: Api) -> None:
    middle = await _audit_history(api)
    await _check_since_and_until(api, middle, middle.isoformat())
    await _check_since_and_until(api, middle, middle.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


async def test_audit_events_since_and_until_with_other_offsets(api: Api) -> None:
    """The same instant written with a non-UTC offset selects the same events (DateTime carries its offset)."""
    middle = await _audit_history(api)
    for hours in [2, -7]:
        await _check_since_and_until(api, middle, middle.astimezone(timezone(timedelta(hours=hours))).isoformat())


async def test_audit_events_bad_input_is_bad_user_input(api: Api) -> None:
    await _audit_history(api)
    for value in ["2026-01-01T00:00:00", "2026-01-01", "yesterday", "2026-13-01T00:00:00+00:00"]:
        for key in ("since", "until"):
            code = await api.code(EVENTS, {"filter": {key: value}}, as_="reader")
            assert code == "BAD_USER_INPUT", (key, value)
    assert await api.code(EVENTS, {"filter": {"model": "bad name!"}}, as_="reader") == "BAD_USER_INPUT"
    assert await api.code(EVENTS, {"first": 101}, as_="reader") == "BAD_USER_INPUT"
    assert await api.code(EVENTS, {"first": -1}, as_="reader") == "BAD_USER_INPUT"
    assert await api.code(EVENTS, {"after": "garbage"}, as_="reader") == "BAD_USER_INPUT"


async def test_audit_events_pagination(api: Api) -> None:
    await _audit_history(api)

    async def fetch(after: str | None) -> dict[str, Any]:
        return await events(api, first=2, after=after)

    pages = await walk(fetch, total=9)
    assert [len(page["nodes"]) for page in pages] == [2, 2, 2, 2, 1]
    assert [t for page in pages for t in triples(page)] == EXPECTED_EVENTS

    async def fetch_filtered(after: str | None) -> dict[str, Any]:
        return await events(api, first=1, after=after, filter={"actor": "admin"})

    filtered = await walk(fetch_filtered, total=3)
    assert [t for page in filtered for t in triples(page)] == [EXPECTED_EVENTS[i] for i in (1, 2, 3)]


async def test_audit_events_cursor_survives_new_events(api: Api) -> None:
    await _audit_history(api)
    first = await events(api, first=2)
    await register(api, "c")  # two newer events: they are before the cursor in newest-first order
    rest = await events(api, first=10, after=first["pageInfo"]["endCursor"])
    assert triples(rest) == EXPECTED_EVENTS[2:]
    assert rest["totalCount"] == 11


MODEL_EVENTS = f"""
query ModelEvents($name: String!, $first: Int, $after: String) {{
  model(name: $name) {{
    auditEvents(first: $first, after: $after) {{
      totalCount
      {PAGE_INFO}
      edges {{ cursor node {{ id }} }}
      nodes {{ action actor modelName model {{ name }} version {{ number }} }}
    }}
  }}
}}"""


async def test_model_audit_events(api: Api) -> None:
    await _audit_history(api)
    await register(api, "a")  # VERSION_REGISTERED a admin, version 2
    data = await api.data(MODEL_EVENTS, {"name": "a"}, as_="reader")
    connection = data["model"]["auditEvents"]
    assert [(n["action"], n["actor"], (n["version"] or {}).get("number")) for n in connection["nodes"]] == [
        ("VERSION_REGISTERED", "admin", 2),
        ("VERSION_REGISTERED", "admin", 1),
        ("MODEL_CREATED", "writer", None),
    ]
    assert {n["modelName"] for n in connection["nodes"]} == {"a"}
    assert {n["model"]["name"] for n in connection["nodes"]} == {"a"}
    assert connection["totalCount"] == 3

    async def fetch(after: str | None) -> dict[str, Any]:
        page: dict[str, Any] = (await api.data(MODEL_EVENTS, {"name": "a", "first": 2, "after": after}, as_="reader"))[
            "model"
        ]["auditEvents"]
        return page

    pages = await walk(fetch, total=3)
    assert [n["action"] for page in pages for n in page["nodes"]] == [
        "VERSION_REGISTERED",
        "VERSION_REGISTERED",
        "MODEL_CREATED",
    ]
    assert await api.code(MODEL_EVENTS, {"name": "a", "first": 101}, as_="reader") == "BAD_USER_INPUT"


# --- node --------------------------------------------------------------------------------------------------

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Model { name }
    ... on Version { number model { name } }
    ... on Deployment { environment version { number } }
    ... on AuditEvent { action modelName }
  }
}"""


async def test_node_round_trips_every_type(api: Api) -> None:
    registered = await api.data(
        """mutation { registerVersion(input: {model: "m"}) { version { id model { id } } auditEvent { id } } }"""
    )
    model_id = registered["registerVersion"]["version"]["model"]["id"]
    version_id = registered["registerVersion"]["version"]["id"]
    event_id = registered["registerVersion"]["auditEvent"]["id"]
    deployment_id = (await promote(api, "m", 1, environment="staging"))["deployment"]["id"]
    ids = {model_id, version_id, event_id, deployment_id}
    assert len(ids) == 4, "global ids are distinct across types"

    async def node(node_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await api.data(NODE, {"id": node_id}, as_="reader"))["node"]
        assert found["id"] == node_id
        return found

    assert await node(model_id) == {"__typename": "Model", "id": model_id, "name": "m"}
    assert await node(version_id) == {"__typename": "Version", "id": version_id, "number": 1, "model": {"name": "m"}}
    assert await node(deployment_id) == {
        "__typename": "Deployment",
        "id": deployment_id,
        "environment": "staging",
        "version": {"number": 1},
    }
    assert await node(event_id) == {
        "__typename": "AuditEvent",
        "id": event_id,
        "action": "VERSION_REGISTERED",
        "modelName": "m",
    }
    listed = await models(api)
    assert listed["nodes"] == [{"name": "m"}]
    model_ids = (await api.data("{ models { nodes { id } } }", as_="reader"))["models"]["nodes"]
    assert model_ids == [{"id": model_id}]


async def test_node_malformed_id_is_bad_user_input(api: Api) -> None:
    await register(api, "m")
    for node_id in ["", "not-an-id", "!!!", "12345", "Zm9vYmFy", "TW9kZWw6eA", "VGFibGU6MQ"]:
        assert await api.code(NODE, {"id": node_id}, as_="reader") == "BAD_USER_INPUT", node_id


async def test_node_unknown_id_is_not_found_with_null_node(api: Api) -> None:
    # A well-formed id whose row no longer exists: made through the ORM, read once, deleted again.
    stamp = now()
    ghost = await RegisteredModel.create(name="ghost", created_at=stamp, created_by="test", updated_at=stamp)
    ghost_id = (await api.data('{ model(name: "ghost") { id } }', as_="reader"))["model"]["id"]
    assert (await api.data(NODE, {"id": ghost_id}, as_="reader"))["node"]["name"] == "ghost"
    async with write_transaction() as conn:  # as every write does, so cached answers are not served after it
        await ghost.delete(using_db=conn)

    body = await api.post(NODE, {"id": ghost_id}, as_="reader")
    assert body["data"] == {"node": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
