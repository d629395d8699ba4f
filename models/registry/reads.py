"""Reading models and versions: paged lists with filters and keyset cursors, and batch reads by key.

Lists nested under several parents (each model's versions, say) take the parents' ids and return a page
per parent from one statement, so a dashboard's cost does not grow with the number of models. The batch
reads by key take one statement each; the per-request DataLoaders in ``schema/loaders.py`` call them.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from models import validation
from models.db.connection import connection, fetch_table, one_of
from models.db.paging import Cursor, Key, Nested, Ordering, Page, decode_cursor, windowed
from models.db.rows import builder, columns
from models.entities import Deployment, ModelTag, ModelVersion, RegisteredModel, VersionStatus
from models.tokens.scopes import model_name_filter


class ModelOrderField(StrEnum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


class VersionOrderField(StrEnum):
    NUMBER = "NUMBER"
    CREATED_AT = "CREATED_AT"
    METRIC = "METRIC"


@dataclass(frozen=True)
class ModelQuery:
    name_contains: str | None = None
    tag: tuple[str, str] | None = None
    has_production: bool | None = None
    order: ModelOrderField = ModelOrderField.NAME
    descending: bool = False


@dataclass(frozen=True)
class VersionQuery:
    """Filter and order of a model's versions. Hashable: DataLoaders batch parents that share one."""

    status: VersionStatus | None = None
    metric_at_least: tuple[str, float] | None = None
    dataset_version: str | None = None
    order: VersionOrderField = VersionOrderField.NUMBER
    descending: bool = True
    order_metric: str | None = None


_MODEL_COLUMNS = {
    ModelOrderField.NAME: "name",
    ModelOrderField.CREATED_AT: "created_at",
    ModelOrderField.UPDATED_AT: "updated_at",
}


async def list_models(
    *, query: ModelQuery, first: int, after: str | None, within: tuple[str, ...] | None = None
) -> Page[RegisteredModel]:
    """A page of models; ``within``: only those a token scoped to these name patterns may see."""
    column = _MODEL_COLUMNS[query.order]
    ordering = Ordering(
        f"model:{query.order}:{'DESC' if query.descending else 'ASC'}",
        (Key(column, query.descending, kind="text" if column == "name" else "datetime"), Key("id", query.descending)),
    )
    cursor = decode_cursor(ordering, after)
    rows = RegisteredModel.all()
    if within is not None:
        rows = rows.filter(model_name_filter(within))
    if query.name_contains and not query.name_contains.isascii():
        # Names are ASCII (validation.MODEL_NAME), so no name contains this. PostgreSQL's ILIKE would fold some such
        # characters onto ASCII ones (U+017F onto "s", the Kelvin sign U+212A onto "k") where SQLite's LIKE folds
        # ASCII only: answering nothing here makes the match ASCII-case-insensitive on both backends.
        rows = rows.filter(id__in=[])
    elif query.name_contains:
        rows = rows.filter(name__icontains=query.name_contains)
    if query.tag is not None:
        key, value = query.tag
        rows = rows.filter(id__in=Subquery(ModelTag.filter(key=key, value=value).values("model_id")))
    if query.has_production is not None:
        in_production = Subquery(
            Deployment.filter(environment=validation.DEFAULT_ENVIRONMENT, retired_at__isnull=True).values("model_id")
        )
        rows = rows.filter(id__in=in_production) if query.has_production else rows.exclude(id__in=in_production)
    # The size of the whole filtered set rides on every row of the page: one statement, not COUNT then SELECT.
    filtered = rows
    total_sql = Subquery(filtered.annotate(count=Count("id")).values("count"))
    if cursor is not None:
        value, last_id = cursor
        op = "lt" if query.descending else "gt"
        rows = rows.filter(Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": last_id}))
    direction = "-" if query.descending else ""
    found = await rows.annotate(total=total_sql).order_by(f"{direction}{column}", f"{direction}id").limit(first + 1)
    # Without rows (only past the end of the list, or an empty set), nothing carried the total.
    total = found[0].total if found else await filtered.count() if cursor is not None else 0  # type: ignore[attr-defined]
    return Page(
        edges=[(Cursor(ordering, [getattr(m, column), m.id]), m) for m in found[:first]],
        total=int(total),
        has_next=len(found) > first,
        has_previous=cursor is not None,
    )


def version_ordering(query: VersionQuery) -> Ordering:
    direction = "DESC" if query.descending else "ASC"
    d = query.descending
    if query.order == VersionOrderField.NUMBER:
        return Ordering(f"version:NUMBER:{direction}", (Key("number", d),))
    if query.order == VersionOrderField.CREATED_AT:
        return Ordering(f"version:CREATED_AT:{direction}", (Key("created_at", d, kind="datetime"), Key("number", d)))
    return Ordering(
        f"version:METRIC:{query.order_metric}:{direction}",
        (Key("sort_metric", d, nullable=True, kind="number"), Key("number", d)),
    )


async def list_versions(
    *,
    model_ids: Sequence[int],
    query: VersionQuery,
    first: int,
    after: str | None,
    only: Collection[str] | None = None,
    count: bool = True,
) -> dict[int, Page[ModelVersion]]:
    """A page of versions for each model from one statement: the full rows, or partial rows of the columns
    ``only`` names (and the key); each page's total counted unless ``count`` is false."""
    ordering = version_ordering(query)
    cursor = decode_cursor(ordering, after)
    params: list[Any] = []
    join = ""
    if query.order == VersionOrderField.METRIC:
        join = "LEFT JOIN metric m ON m.version_id = v.id AND m.name = ?"
        params.append(query.order_metric)
    where = ["1 = 1"]  # the statement adds the condition on the model (models/db/paging.py)
    if query.status is not None:
        where.append("v.status = ?")
        params.append(query.status.value)
    if query.dataset_version is not None:
        where.append("v.dataset_version = ?")
        params.append(query.dataset_version)
    if query.metric_at_least is not None:
        where.append("EXISTS (SELECT 1 FROM metric f WHERE f.version_id = v.id AND f.name = ? AND f.value >= ?)")
        params.extend(query.metric_at_least)
    metric_column = "m.value" if join else "NULL"
    select = (
        f"SELECT v.id AS id, v.model_id AS model_id, v.number AS number, v.created_at AS created_at, "
        f"{metric_column} AS sort_metric FROM version v {join} WHERE {' AND '.join(where)}"
    )
    versions = Nested(
        select=select,
        params=params,
        partition="model_id",
        rows=columns(ModelVersion, "t", "v", only=only),
        joins="JOIN version t ON t.id = ranked.id",
    )
    return await windowed(
        versions, ordering, cursor, model_ids, first, build=lambda found: builder(ModelVersion, found, "v"), count=count
    )


async def models_by_id(ids: Sequence[int]) -> dict[int, RegisteredModel]:
    return {m.id: m for m in await RegisteredModel.filter(id__in=list(ids))}


async def models_by_name(names: Sequence[str]) -> dict[str, RegisteredModel]:
    return {m.name: m for m in await RegisteredModel.filter(name__in=list(names))}


async def versions_by_id(ids: Sequence[int]) -> dict[int, ModelVersion]:
    return {v.id: v for v in await ModelVersion.filter(id__in=list(ids))}


async def versions_by_number(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], ModelVersion]:
    """Versions by (model id, number)."""
    if not keys:
        return {}
    wanted = reduce(operator.or_, (Q(model_id=model_id, number=number) for model_id, number in set(keys)))
    return {(v.model_id, v.number): v for v in await ModelVersion.filter(wanted)}


async def model_tags(model_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    # Plain tuples: the same statement, without a Tortoise instance per tag (a dashboard reads 200 of them).
    found = await ModelTag.filter(model_id__in=list(model_ids)).order_by("key").values_list("model_id", "key", "value")
    for model_id, key, value in found:
        tags[model_id].append((key, value))
    return tags


async def version_metrics(version_ids: Sequence[int]) -> dict[int, list[tuple[str, float]]]:
    return (await version_metrics_and_tags(metrics_of=version_ids, tags_of=[]))[0]


#: The two halves of one UNION: metrics and version tags in the same columns. Neither value is ever NULL (both
#: columns are NOT NULL), so a row without a tag value is a metric's. A column that told them apart cost a fifth
#: of the statement on SQLite (110,000 rows: 105 against 85 ms).
_METRICS = 'SELECT version_id, "name" AS name, "value" AS metric_value, CAST(NULL AS TEXT) AS tag_value FROM metric'
_VERSION_TAGS = (
    'SELECT version_id, "key" AS name, CAST(NULL AS DOUBLE PRECISION) AS metric_value, "value" AS tag_value '
    "FROM version_tag"
)


async def version_metrics_and_tags(
    *, metrics_of: Sequence[int], tags_of: Sequence[int]
) -> tuple[dict[int, list[tuple[str, float]]], dict[int, list[tuple[str, str]]]]:
    """The metrics (by name) of some versions and the tags (by key) of some versions, in one statement."""
    metrics: dict[int, list[tuple[str, float]]] = defaultdict(list)
    tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    parts: list[str] = []
    params: list[Any] = []
    conn = connection()
    # Each half in its own order, which its (version_id, name) index gives without sorting; the NULL tag value
    # tells the halves apart, so their order in the union does not matter. One ORDER BY over the union sorted every row
    # (110,000 for the 10,000-version dashboard on SQLite: 120 ms, against 90 ms this way).
    for half, of in ((_METRICS, metrics_of), (_VERSION_TAGS, tags_of)):
        if of:
            condition, values = one_of(conn, "version_id", of)
            parts.append(f"SELECT * FROM ({half} WHERE {condition} ORDER BY version_id, name) part_{len(parts)}")
            params.extend(values)
    if not parts:
        return metrics, tags
    # By position, in the order the two SELECTs give their columns: some 3,600 rows in a dashboard.
    found = await fetch_table(conn, " UNION ALL ".join(parts), params)
    for version_id, name, metric_value, tag_value in found.rows:
        if tag_value is None:
            metrics[version_id].append((name, metric_value))
        else:
            tags[version_id].append((name, tag_value))
    return metrics, tags
