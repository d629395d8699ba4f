"""Reading deployments: the history of models page by page, what is active where, and deployments by key.

The history of several models comes from one statement, a page per model, so a dashboard's cost does not grow
with the number of models. The batch reads by key take one statement each; the per-request DataLoaders in
``schema/loaders.py`` call them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence

from models.db.connection import Row, Table, connection, fetch_table, one_of
from models.db.paging import Key, Nested, Ordering, Page, decode_cursor, windowed
from models.db.rows import builder, columns
from models.entities import Deployment, ModelVersion
from models.validation import MAX_VERSION_DEPLOYMENTS_SHOWN

_HISTORY = Ordering("deployment:DEPLOYED_AT:DESC", (Key("deployed_at", True, kind="datetime"), Key("id", True)))


async def list_deployment_history(
    *,
    model_ids: Sequence[int],
    environment: str | None,
    first: int,
    after: str | None,
    version_columns: Collection[str] | None = None,
    count: bool = True,
    peek: bool = True,
) -> dict[int, Page[tuple[Deployment, ModelVersion]]]:
    """A page of deployments for each model from one statement, each with its version: its full row, or a partial
    row of ``version_columns`` (and the key); each page's total counted unless ``count`` is false, and whether a
    next page exists read unless ``peek`` is false (``windowed``)."""
    cursor = decode_cursor(_HISTORY, after)
    where, params = ("WHERE d.environment = ?", [environment]) if environment is not None else ("", [])
    history = Nested(
        select=f"SELECT d.id AS id, d.model_id AS model_id, d.deployed_at AS deployed_at FROM deployment d {where}",
        params=params,
        partition="model_id",
        rows=f"{columns(Deployment, 't', 'd')}, {columns(ModelVersion, 'tv', 'v', only=version_columns)}",
        joins="JOIN deployment t ON t.id = ranked.id JOIN version tv ON tv.id = t.version_id",
    )
    return await windowed(history, _HISTORY, cursor, model_ids, first, build=_with_versions, count=count, peek=peek)


def _with_versions(found: Table) -> Callable[[Row], tuple[Deployment, ModelVersion]]:
    """Each row's deployment (under ``d.``) with its version (under ``v.``)."""
    deployment, version = builder(Deployment, found, "d"), builder(ModelVersion, found, "v")
    return lambda row: (deployment(row), version(row))


async def active_deployments(model_ids: Sequence[int]) -> dict[int, list[tuple[Deployment, ModelVersion]]]:
    """Each model's active deployments with their versions, ordered by environment name, in one statement.

    Raw rows built with ``instance`` rather than a ``select_related`` queryset: the same one statement, without
    Tortoise composing its SQL and building the instances through its executor on every request (a dashboard
    reads this for every model on its page)."""
    active: dict[int, list[tuple[Deployment, ModelVersion]]] = defaultdict(list)
    if not model_ids:
        return active
    conn = connection()
    of_models, params = one_of(conn, "d.model_id", model_ids)
    sql = (
        f"SELECT {columns(Deployment, 'd', 'd')}, {columns(ModelVersion, 'v', 'v')} FROM deployment d "
        f"JOIN version v ON v.id = d.version_id "
        f"WHERE {of_models} AND d.retired_at IS NULL ORDER BY d.environment"
    )
    found = await fetch_table(conn, sql, params)
    if found.rows:
        build = _with_versions(found)
        for row in found.rows:
            deployment, version = build(row)
            active[deployment.model_id].append((deployment, version))
    return active


async def version_deployments(version_ids: Sequence[int]) -> dict[int, list[Deployment]]:
    """Each version's deployments, active and retired, newest first: the newest ``MAX_VERSION_DEPLOYMENTS_SHOWN``
    (a bound the query cost counts on; ``list_deployment_history`` pages through all of them)."""
    found: dict[int, list[Deployment]] = defaultdict(list)
    for d in await Deployment.filter(version_id__in=list(version_ids)).order_by("-deployed_at", "-id"):
        if len(found[d.version_id]) < MAX_VERSION_DEPLOYMENTS_SHOWN:
            found[d.version_id].append(d)
    return found


async def deployments_by_id(ids: Sequence[int]) -> dict[int, Deployment]:
    return {d.id: d for d in await Deployment.filter(id__in=list(ids))}
