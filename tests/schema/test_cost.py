"""Query cost (schema/cost.py, docs/security.md "Limits"): every operation's worst-case node count is computed
from its document before it runs, and a document over the limit is refused with ``QUERY_TOO_COMPLEX`` before
any SQL (the token lookup aside), on both backends, however the cost is hidden: nested connections, fragments,
aliases, variables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, parse

from schema import cost as cost_module
from schema.build import schema
from schema.codes import ErrorCode
from schema.cost import LIST_CAPS, WIDTHS, operation_cost
from schema.cost_limit import DEFAULT_MAX_NODES
from tests.support.helpers import Api, StatementCounter

REPO = Path(__file__).parents[2]
GRAPHQL = schema._schema

#: The document of issue 11: four levels of first: 100 (over a hundred million versions).
ISSUE_DOCUMENT = """{ models(first:100){ nodes{ versions(first:100){ nodes{ model{ versions(first:100){ nodes{ model{
  versions(first:100){ nodes{ number } } } } } } } } } } }"""


def nested(first: int, levels: int, leaf: str = "number") -> str:
    """``levels`` connections of ``first``: models, then versions, then versions of each version's model..."""
    inner = leaf
    for level in range(levels - 1, 0, -1):
        inner = f"versions(first: {first}) {{ nodes {{ {inner} }} }}"
        if level > 1:
            inner = f"model {{ {inner} }}"
    return f"{{ models(first: {first}) {{ nodes {{ {inner} }} }} }}"


HOSTILE: dict[str, tuple[str, dict[str, Any]]] = {
    # A version's number alone at 25 or 40 over three levels is less than the dashboard reads (16,275 and
    # 65,640 nodes) and is allowed; with the metrics a dashboard shows, every shape is refused.
    **{
        f"first {first}, {levels} levels, metrics": (nested(first, levels, "number metrics { name value }"), {})
        for first in (25, 40, 100)
        for levels in (3, 4)
    },
    **{f"first {first}, 4 levels": (nested(first, 4), {}) for first in (40, 100)},
    "first 100, 3 levels": (nested(100, 3), {}),
    "the issue's document": (ISSUE_DOCUMENT, {}),
    "fragments": (
        """fragment V on Version { model { versions(first: 100) { nodes { number } } } }
        fragment M on Model { versions(first: 100) { nodes { ...V } } }
        { models(first: 100) { nodes { ...M } } }""",
        {},
    ),
    "fragments spread many times": (
        """fragment Leaf on Version { metrics { name } tags { key } featureNames }
        fragment Page on Model { versions(first: 100) { nodes { ...Leaf } } }
        { models(first: 100) { nodes { ...Page ... on Model { ...Page } } } }""",
        {},
    ),
    # Each alias alone costs 20,100 nodes and would pass; 26 of them cost 522,600.
    "aliases": (
        "{ "
        + " ".join(
            f"a{i}: models(first: 100) {{ nodes {{ tags {{ key }} versions(first: 100) {{ nodes {{ number }} }} }} }}"
            for i in range(26)
        )
        + " }",
        {},
    ),
    "variables": (
        "query($n: Int!) { models(first: $n) { nodes { versions(first: $n) { nodes { metrics { name } } } } } }",
        {"n": 100},
    ),
    "a variable's default": (
        "query($n: Int = 100) { models(first: $n) { nodes { versions(first: $n) { nodes { tags { key } } } } } }",
        {},
    ),
    "an interface": (
        """query($id: ID!) { node(id: $id) { ... on Model { versions(first: 100) { nodes { model {
        versions(first: 100) { nodes { featureNames } } } } } } } }""",
        {"id": "Model:1"},
    ),
    "rows of a comparison": (
        """{ compareVersions(model: "m", limit: 100) { rows { values version { model {
        versions(first: 100) { nodes { metrics { name } } } } } } } }""",
        {},
    ),
}


def test_every_list_field_of_the_schema_has_a_declared_cap() -> None:
    """A list field (outside connections) without a cap in LIST_CAPS would count as nothing: fail instead."""
    lists = set()
    for type_ in GRAPHQL.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            output = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(output, GraphQLList) and not type_.name.endswith("Connection"):
                lists.add(f"{type_.name}.{name}")
    assert lists - LIST_CAPS.keys() == set(), "list fields without a cap: add them to schema/cost.py LIST_CAPS"
    assert LIST_CAPS.keys() - lists == set(), "caps of fields the schema no longer has"
    assert all(field.split(".")[0] in GRAPHQL.type_map for field in WIDTHS)


def test_the_dashboard_example_costs_what_docs_say_and_passes() -> None:
    cost = operation_cost(GRAPHQL, parse((REPO / "examples" / "dashboard.graphql").read_text()))
    assert cost is not None
    assert cost.nodes == 346_100
    assert cost.costliest_path == "models.nodes.versions.nodes.metrics"
    assert cost.nodes * 1.4 < DEFAULT_MAX_NODES, "the dashboard leaves room for more fields"
    assert "346,100" in (REPO / "docs" / "security.md").read_text()


def test_the_count_follows_github() -> None:
    """Each connection: its first times the firsts above; plain lists their cap; a repeated field counts once
    (``nodes`` twice merge), but ``nodes`` and ``edges`` are both completed, so both count."""
    cost = operation_cost(
        GRAPHQL,
        parse(
            "{ models(first: 10) { totalCount nodes { name tags { key } } edges { node { tags { value } } } "
            "nodes { versions { nodes { number } } } } }"
        ),
    )
    assert cost is not None
    # models, their tags under nodes and under edges, versions at the default page
    assert cost.nodes == 10 + 10 * 100 + 10 * 100 + 10 * 20
    assert cost.requests == 1 + 10 + 10 + 10
    assert cost.points == 1
    missing_first = operation_cost(GRAPHQL, parse("{ models { nodes { name } } }"))
    assert missing_first is not None and missing_first.nodes == 20
    skipped = operation_cost(
        GRAPHQL,
        parse("query($no: Boolean!) { models(first: 5) { nodes { tags @include(if: $no) { key } } } }"),
        variables={"no": False},
    )
    assert skipped is not None and skipped.nodes == 5
    mutation = operation_cost(GRAPHQL, parse('mutation { demote(input: {model: "m"}) { retired { id } } }'))
    assert mutation is not None and mutation.points == 5 and mutation.nodes == 0


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_priced_over_the_limit(name: str) -> None:
    document, variables = HOSTILE[name]
    cost = operation_cost(GRAPHQL, parse(document), variables=variables)
    assert cost is not None and cost.nodes > DEFAULT_MAX_NODES, cost


def test_the_issue_document_is_refused_fast() -> None:
    """Price the issue's document within the 50 ms the issue allows (the median of 20; a few ms when quiet)."""
    timings = []
    for attempt in range(20):
        document = parse(ISSUE_DOCUMENT + " " * attempt)  # a new text each time: a priced one is remembered
        start = time.perf_counter()
        error = operation_cost(GRAPHQL, document)
        timings.append(time.perf_counter() - start)
        assert error is not None and error.over(DEFAULT_MAX_NODES) is not None
    assert sorted(timings)[len(timings) // 2] < 0.05, timings


def test_a_priced_document_is_remembered_for_the_variables_its_walk_reads() -> None:
    """The same text, operation and values of the variables the count reads give the remembered cost; another value
    of one of those is walked anew, and a variable the count does not read (a mutation's input) changes nothing."""
    page = (
        "query Page($n: Int, $tags: Boolean!) { models(first: $n) { nodes { name tags @include(if: $tags) { key } } } }"
    )
    first = operation_cost(GRAPHQL, parse(page), variables={"n": 5, "tags": False})
    assert first is not None and first.nodes == 5
    again = operation_cost(GRAPHQL, parse(page), variables={"n": 5, "tags": False, "unused": 1})
    assert again is first
    wider = operation_cost(GRAPHQL, parse(page), variables={"n": 7, "tags": False})
    assert wider is not None and wider.nodes == 7
    tags = LIST_CAPS["Model.tags"]
    assert isinstance(tags, int)
    tagged = operation_cost(GRAPHQL, parse(page), variables={"n": 5, "tags": True})
    assert tagged is not None and tagged.nodes == 5 + 5 * tags
    default = operation_cost(GRAPHQL, parse(page), variables={"tags": True})  # no n: the default page
    assert default is not None and default.nodes == 20 + 20 * tags
    assert operation_cost(GRAPHQL, parse(page), variables={"n": 5, "tags": False}) is first

    promote = "mutation($input: PromoteInput!) { promote(input: $input) { deployment { id } } }"
    priced = operation_cost(GRAPHQL, parse(promote), variables={"input": {"model": "a", "version": 1}})
    assert operation_cost(GRAPHQL, parse(promote), variables={"input": {"model": "b", "version": 2}}) is priced


def test_the_remembered_costs_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The least recently used document is forgotten first; a long document, or a walk that read a long value, is
    never remembered."""
    monkeypatch.setattr(cost_module, "_REMEMBERED_DOCUMENTS", 3)
    documents = [f"{{ models(first: {number + 1}) {{ nodes {{ name }} }} }}" for number in range(4)]
    for text in documents[:3]:
        operation_cost(GRAPHQL, parse(text))
    operation_cost(GRAPHQL, parse(documents[0]))  # now the most recently used
    operation_cost(GRAPHQL, parse(documents[3]))
    assert [text for text, _ in list(cost_module._REMEMBERED)[-3:]] == [documents[2], documents[0], documents[3]]
    assert len(cost_module._REMEMBERED) == 3
    long = "{ models(first: 2) { nodes { name } } }" + " " * cost_module._REMEMBERED_CHARS
    operation_cost(GRAPHQL, parse(long))
    assert all(text != long for text, _ in cost_module._REMEMBERED)
    # Nor a walk that read a long value (validation refuses this one after pricing) or one JSON would change.
    wide = "query Wide($n: Int) { models(first: $n) { nodes { name } } }"
    for value in ("x" * 1000, (1, 2), [1, "x" * 300]):
        operation_cost(GRAPHQL, parse(wide), variables={"n": value})
    assert all(text != wide for text, _ in cost_module._REMEMBERED)
    operation_cost(GRAPHQL, parse(wide), variables={"n": 3})
    assert any(text == wide for text, _ in cost_module._REMEMBERED)


def test_a_fragment_bomb_is_priced_in_linear_time() -> None:
    fragments = ["fragment F0 on Version { number }"]
    for index in range(1, 40):
        spread = f"...F{index - 1}"
        fragments.append(f"fragment F{index} on Version {{ {spread} a{index}: model {{ name }} {spread} }}")
    query = "{ models(first: 1) { nodes { versions(first: 1) { nodes { ...F39 } } } } }"
    document = parse("\n".join(fragments) + query)
    start = time.perf_counter()
    cost = operation_cost(GRAPHQL, document)
    assert time.perf_counter() - start < 0.5
    assert cost is not None and cost.nodes == 2


async def test_hostile_documents_are_refused_before_any_sql(api: Api, statements: StatementCounter) -> None:
    for name, (document, variables) in HOSTILE.items():
        statements.reset()
        started = time.perf_counter()
        body = await api.post(document, variables, as_="reader")
        elapsed = time.perf_counter() - started
        assert body.get("data") is None, name
        [error] = body["errors"]
        assert error["extensions"]["code"] == ErrorCode.QUERY_TOO_COMPLEX, (name, error)
        assert error["extensions"]["maxNodes"] == DEFAULT_MAX_NODES
        assert f"{DEFAULT_MAX_NODES:,}" in error["message"] and error["extensions"]["costliestPath"] in error["message"]
        assert all("api_token" in sql for sql in statements.sql), (name, statements.sql)  # the token lookup only
        if name == "the issue's document":
            # Priced, not walked node by node: counting its 101 million nodes one by one would take minutes. The
            # bound is loose on purpose (a few ms here; 183 ms once on a loaded CI host, where 50 ms failed):
            # the suite asserts no speeds, only that the work does not grow with the nodes priced.
            assert elapsed < 1.0, f"refused in {elapsed * 1000:.1f} ms"
            assert "models.nodes.versions.nodes.model.versions.nodes.model.versions" in error["message"]
            assert "101,010,100" in error["message"]


async def test_the_dashboard_runs(api: Api) -> None:
    data = await api.data((REPO / "examples" / "dashboard.graphql").read_text(), as_="reader")
    assert data["models"]["totalCount"] == 0


async def test_a_lower_limit_is_a_setting(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import Settings

    monkeypatch.setenv("MODELREG_MAX_NODES", "1000")
    assert Settings.from_env().max_nodes == 1000
