"""A page of versions reads the columns its document selects, and counts only when the document asks for the count
(schema/selection.py, ``VERSION_COLUMNS`` in schema/types.py), and answers exactly what reading whole rows answers."""

from __future__ import annotations

import hashlib
from typing import Any, cast

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLNonNull,
    GraphQLObjectType,
    OperationDefinitionNode,
    get_named_type,
    parse,
)

from models.deployments.operations import promote
from models.registry.operations import Registration, register_version
from schema.build import schema
from schema.selection import node_fields, shape
from schema.types import VERSION_COLUMNS, version_columns
from tests.schema.test_sql_counts import DASHBOARD, _count, settings  # noqa: F401  # the response cache off
from tests.support.helpers import Api, StatementCounter

VERSION_TYPE = cast(GraphQLObjectType, schema._schema.type_map["Version"])


class _Resolving:
    """What graphql-core's ``GraphQLResolveInfo`` tells ``shape``: the field's nodes (here every node at ``path``,
    as graphql-core gives those of one response key) and the document's fragments."""

    def __init__(self, document: str, *path: str) -> None:
        parsed = parse(document)
        self.fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
        operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
        selections = list(operation.selection_set.selections)
        nodes: list[FieldNode] = []
        for name in path:
            nodes = [s for s in selections if isinstance(s, FieldNode) and s.name.value == name]
            selections = [s for node in nodes if node.selection_set for s in node.selection_set.selections]
        self.field_nodes = nodes


def test_shape_merges_fields_fragments_and_inline_fragments() -> None:
    resolving = _Resolving(
        """
        query { model(name: "m") {
          versions(first: 5) { nodes { number ...Facts } }
          versions(first: 5) @include(if: true) {
            edges { node { ... on Version { createdAt } } }
            totalCount
          }
        } }
        fragment Facts on Version { status ...More }
        fragment More on Version { description metric(name: "f1") }
        """,
        "model",
        "versions",
    )
    assert len(resolving.field_nodes) == 2
    selected = shape(resolving)
    assert set(selected) == {"nodes", "edges", "totalCount"}
    assert node_fields(selected) == frozenset({"number", "status", "description", "metric", "createdAt"})
    assert node_fields(selected, "version") is None
    assert shape(resolving) is selected  # computed once for the same field nodes


def test_a_connection_selected_without_nodes_needs_no_node_fields() -> None:
    selected = shape(_Resolving('{ model(name: "m") { versions { totalCount } } }', "model", "versions"))
    assert node_fields(selected) is None
    assert version_columns(node_fields(selected)) == frozenset({"id", "model_id", "number"})


def test_every_listed_field_is_a_version_field_and_an_unlisted_one_reads_the_whole_row() -> None:
    assert set(VERSION_COLUMNS) - {"__typename"} <= set(VERSION_TYPE.fields)
    assert version_columns(frozenset({"number", "status", "artifact"})) == frozenset(
        {
            "id",
            "model_id",
            "number",
            "status",
            "artifact_id",
            "artifact_format",
        }
    )
    assert version_columns(frozenset({"number", "deployments"})) is None
    assert version_columns(frozenset({"number", "aFieldAddedLater"})) is None


def _selection(name: str) -> str:
    """The field ``name`` of Version as a document selects it: with its argument, and below it what it has."""
    field = VERSION_TYPE.fields[name]
    arguments = '(name: "f1")' if name == "metric" else ""
    below = get_named_type(field.type)
    if not isinstance(below, GraphQLObjectType):
        return f"{name}{arguments}"
    leaves = [
        sub
        for sub, of in below.fields.items()
        if not isinstance(get_named_type(of.type), GraphQLObjectType)
        and not any(isinstance(argument.type, GraphQLNonNull) for argument in of.args.values())
    ]
    return f"{name}{arguments} {{ {' '.join(leaves)} }}"


async def _seed_full_versions(api: Api) -> None:
    """Two models whose versions fill every field (an artifact too), some deployed and some in their history."""
    blob = b"a version's bytes"
    uploaded = await api.client.post("/api/artifacts", content=blob, headers=api.headers("admin"))
    assert uploaded.status_code == 201, uploaded.text
    for model in ("churn", "fraud"):
        for number in (1, 2, 3):
            await register_version(
                model=model,
                registration=Registration(
                    description=f"{model} {number}",
                    metrics=[("f1", number / 10), ("accuracy", number / 5)],
                    tags=[("owner", model)],
                    hyperparameters={"C": number, "penalty": "l2"},
                    feature_names=["age", "tenure"],
                    model_type="sklearn.linear_model.LogisticRegression",
                    framework="scikit-learn 1.9.1",
                    dataset_version=f"2026-12-0{number}",
                    training_duration_seconds=12.5 * number,
                    artifact_sha256=hashlib.sha256(blob).hexdigest() if number == 2 else None,
                    artifact_format="joblib" if number == 2 else None,
                ),
                actor="seeder",
            )
        for number, environment in ((1, "production"), (2, "production"), (2, "staging")):
            await promote(model=model, version=number, actor="seeder", environment=environment)


@pytest.mark.parametrize("name", sorted(VERSION_TYPE.fields))
async def test_each_version_field_alone_answers_what_the_whole_row_answers(api: Api, name: str) -> None:
    """Selected alone, a field reads only its columns; beside ``deployments`` the whole row is read. The answers
    match, on a versions page and on a deployment history's versions, in each statement form (pages of 1 and 2
    models: SQLite's arms and PostgreSQL's lateral join; more is the same statement)."""
    await _seed_full_versions(api)
    field = _selection(name)
    document = """
    query ($first: Int!) { models(first: $first) { nodes {
      narrow: versions(first: 3) { nodes { %(field)s } }
      whole: versions(first: 3) { nodes { %(field)s deployments { id } } }
      narrowHistory: deploymentHistory(first: 3) { nodes { version { %(field)s } } }
      wholeHistory: deploymentHistory(first: 3) { nodes { version { %(field)s deployments { id } } } }
    } } }"""
    for first in (1, 2):
        data = await api.data(document % {"field": field}, {"first": first})
        for model in data["models"]["nodes"]:
            narrow = [node[name] for node in model["narrow"]["nodes"]]
            assert narrow == [node[name] for node in model["whole"]["nodes"]]
            history = [node["version"][name] for node in model["narrowHistory"]["nodes"]]
            assert history == [node["version"][name] for node in model["wholeHistory"]["nodes"]]
            assert len(narrow) == 3 and len(history) == 3
            if name not in {"artifact", "referenceProfile", "deployments"}:
                assert any(value not in (None, [], {}) for value in narrow), (name, narrow)


async def test_the_dashboard_reads_the_version_columns_it_shows_and_counts_what_it_shows(
    api: Api, statements: StatementCounter
) -> None:
    await _seed_full_versions(api)
    _, data, sql = await _count(api, statements, DASHBOARD)
    pages = [s for s in sql if '"v.number"' in s and "JOIN version t ON" in s]
    histories = [s for s in sql if '"v.number"' in s and "JOIN version tv ON" in s]
    assert len(pages) == 1 and len(histories) == 1, sql
    # versions(first: 5) { nodes { number status createdAt activeEnvironments metrics } }: no count
    assert '"v.status"' in pages[0] and '"v.created_at"' in pages[0]
    assert '"v.hyperparameters"' not in pages[0] and '"v.description"' not in pages[0]
    assert "COUNT(" not in pages[0]
    # deploymentHistory(first: 5) { totalCount nodes { ... version { number } } }: counted
    assert '"v.status"' not in histories[0] and "COUNT(" in histories[0]
    assert data["models"]["nodes"][0]["deploymentHistory"]["totalCount"] == 3


async def test_a_page_that_selects_its_total_counts_it(api: Api) -> None:
    await _seed_full_versions(api)
    data = await api.data(
        '{ model(name: "churn") { versions(first: 1) { totalCount nodes { number } }'
        " deploymentHistory(first: 1) { nodes { environment } } } }"
    )
    assert data["model"]["versions"] == {"totalCount": 3, "nodes": [{"number": 3}]}
    pages = '{ model(name: "churn") { versions(first: 3) { pageInfo { endCursor } } } }'
    end = (await api.data(pages))["model"]["versions"]["pageInfo"]["endCursor"]
    after: dict[str, Any] = await api.data(
        'query ($after: String) { model(name: "churn") {'
        " versions(first: 2, after: $after) { totalCount nodes { number } } } }",
        {"after": end},
    )
    assert after["model"]["versions"] == {"totalCount": 3, "nodes": []}  # past the end: counted apart
