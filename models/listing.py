"""Paged reads: models, versions, deployment history and audit events, with filters and keyset cursors.

Lists nested under several parents (each model's versions, say) take the parents' ids and return a page
per parent from one statement, so a dashboard's cost does not grow with the number of models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from models import tokens, validation
from models.db import connection, fetch
from models.entities import AuditAction, AuditEvent, Deployment, ModelTag, ModelVersion, RegisteredModel, VersionStatus
from models.paging import Key, Ordering, Page, decode_cursor, encode_cursor, windowed_sql
from models.rows import columns, instance

T = TypeVar("T")
R = TypeVar("R")


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


@dataclass(frozen=True)
class AuditQuery:
    model: str | None = None
    action: AuditAction | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


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
        (Key(column, query.descending, is_datetime=column != "name"), Key("id", query.descending)),
    )
    cursor = decode_cursor(ordering, after)
    rows = RegisteredModel.all()
    if within is not None:
        rows = rows.filter(tokens.model_name_filter(within))
    if query.name_contains:
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
        edges=[(encode_cursor(ordering, [getattr(m, column), m.id]), m) for m in found[:first]],
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
        return Ordering(f"version:CREATED_AT:{direction}", (Key("created_at", d, is_datetime=True), Key("number", d)))
    return Ordering(
        f"version:METRIC:{query.order_metric}:{direction}", (Key("sort_metric", d, nullable=True), Key("number", d))
    )


async def list_versions(
    *, model_ids: Sequence[int], query: VersionQuery, first: int, after: str | None
) -> dict[int, Page[ModelVersion]]:
    """A page of versions for each model, with the full rows, from one statement."""
    ordering = version_ordering(query)
    cursor = decode_cursor(ordering, after)
    params: list[Any] = []
    join = ""
    if query.order == VersionOrderField.METRIC:
        join = "LEFT JOIN metric m ON m.version_id = v.id AND m.name = ?"
        params.append(query.order_metric)
    where = [f"v.model_id IN ({_marks(model_ids)})"]
    params.extend(model_ids)
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
    return await _windowed(
        select,
        params,
        ordering,
        cursor,
        model_ids,
        first,
        sort_key=lambda row: [_datetime(row["created_at"]) if k.is_datetime else row[k.column] for k in ordering.keys],
        rows=columns(ModelVersion, "t", "v"),
        joins="JOIN version t ON t.id = ranked.id",
        build=lambda row: _required(instance(ModelVersion, row, "v")),
    )


_HISTORY = Ordering("deployment:DEPLOYED_AT:DESC", (Key("deployed_at", True, is_datetime=True), Key("id", True)))


async def list_deployment_history(
    *, model_ids: Sequence[int], environment: str | None, first: int, after: str | None
) -> dict[int, Page[tuple[Deployment, ModelVersion]]]:
    """A page of deployments for each model, each with its version, from one statement."""
    cursor = decode_cursor(_HISTORY, after)
    where = f"d.model_id IN ({_marks(model_ids)})"
    params: list[Any] = list(model_ids)
    if environment is not None:
        where += " AND d.environment = ?"
        params.append(environment)
    select = f"SELECT d.id AS id, d.model_id AS model_id, d.deployed_at AS deployed_at FROM deployment d WHERE {where}"
    return await _windowed(
        select,
        params,
        _HISTORY,
        cursor,
        model_ids,
        first,
        sort_key=lambda row: [_datetime(row["deployed_at"]), row["id"]],
        rows=f"{columns(Deployment, 't', 'd')}, {columns(ModelVersion, 'tv', 'v')}",
        joins="JOIN deployment t ON t.id = ranked.id JOIN version tv ON tv.id = t.version_id",
        build=lambda row: (_required(instance(Deployment, row, "d")), _required(instance(ModelVersion, row, "v"))),
    )


_EVENTS = Ordering("audit:ID:DESC", (Key("id", True),))


async def list_model_audit_events(
    *, model_ids: Sequence[int], first: int, after: str | None
) -> dict[int, Page[AuditEvent]]:
    cursor = decode_cursor(_EVENTS, after)
    select = f"SELECT e.id AS id, e.model_id AS model_id FROM audit_event e WHERE e.model_id IN ({_marks(model_ids)})"
    return await _windowed(
        select,
        list(model_ids),
        _EVENTS,
        cursor,
        model_ids,
        first,
        sort_key=lambda row: [row["id"]],
        rows=columns(AuditEvent, "t", "e"),
        joins="JOIN audit_event t ON t.id = ranked.id",
        build=lambda row: _required(instance(AuditEvent, row, "e")),
    )


async def list_audit_events(
    *, query: AuditQuery, first: int, after: str | None, within: tuple[str, ...] | None = None
) -> Page[AuditEvent]:
    """A page of audit events, newest first; ``within``: only events of models matching these name patterns."""
    cursor = decode_cursor(_EVENTS, after)
    rows = AuditEvent.all()
    if within is not None:
        rows = rows.filter(tokens.model_name_filter(within, column="model_name"))
    if query.model is not None:
        rows = rows.filter(model_name=query.model)
    if query.action is not None:
        rows = rows.filter(action=query.action)
    if query.actor is not None:
        rows = rows.filter(actor=query.actor)
    if query.since is not None:
        rows = rows.filter(at__gte=query.since)
    if query.until is not None:
        rows = rows.filter(at__lt=query.until)
    total = await rows.count()
    if cursor is not None:
        rows = rows.filter(id__lt=cursor[0])
    found = await rows.order_by("-id").limit(first + 1)
    return Page(
        edges=[(encode_cursor(_EVENTS, [e.id]), e) for e in found[:first]],
        total=total,
        has_next=len(found) > first,
        has_previous=cursor is not None,
    )


async def _windowed(
    select: str,
    params: list[Any],
    ordering: Ordering,
    cursor: list[Any] | None,
    parent_ids: Sequence[int],
    first: int,
    *,
    sort_key: Callable[[dict[str, Any]], list[Any]],
    rows: str,
    joins: str,
    build: Callable[[dict[str, Any]], T],
) -> dict[int, Page[T]]:
    pages: dict[int, Page[T]] = {parent: Page(has_previous=cursor is not None) for parent in parent_ids}
    if not parent_ids:
        return pages
    after_sql, after_params = ordering.after(cursor) if cursor is not None else (None, [])
    sql = windowed_sql(
        select=select,
        partition="model_id",
        ordering=ordering,
        after_sql=after_sql,
        limit=first + 1,
        rows=rows,
        joins=joins,
    )
    conn = connection()
    for row in await fetch(conn, sql, [*params, *after_params]):
        page = pages[row["model_id"]]
        page.total = int(row["total"])
        if row["rn"] > first:
            page.has_next = True
        else:
            page.edges.append((encode_cursor(ordering, sort_key(row)), build(row)))
    if cursor is not None:
        # A page past the end of a parent's list has no rows to carry its total: count those apart.
        empty = [parent for parent, page in pages.items() if not page.edges and not page.has_next]
        if empty:
            counts = await fetch(
                conn,
                f"SELECT model_id, COUNT(*) AS total FROM ({select}) base WHERE model_id IN ({_marks(empty)}) "
                "GROUP BY model_id",
                [*params, *empty],
            )
            for row in counts:
                pages[row["model_id"]].total = int(row["total"])
    return pages


def _required(row: R | None) -> R:
    if row is None:  # pragma: no cover - an inner join returned no row
        raise LookupError("row missing from its own join")
    return row


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _datetime(value: datetime | str) -> datetime:
    # SQLite hands back the stored text; PostgreSQL a datetime.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
