"""Retiring a deployment, and switching an environment to a new one with its audit event in one statement.

A promotion writes three rows: it retires the active deployment, inserts the new one and appends the audit event
that names both. Sent one at a time they are three round trips while the model's row is locked, and on
PostgreSQL round trips are what a sequential promotion waits on (docs/performance.md, "Promotions"). There,
``switch`` writes all three in one statement of data-modifying CTEs, and sends it in the same message as the
transaction's ``COMMIT`` (``models.db.connection.send_with_commit``). The deployment's and the event's ids are
allocated before (``models/deployments/state.py``): the event names the deployment and its hash covers that name,
and with every value known the statement returns nothing, so nothing waits for it before the commit. The rows
answered are built from the values written (``models.db.rows.written``).

The retirement must come before the insert: the partial unique index allows one active deployment per (model,
environment), and the new row is active. The insert's row is made from the count of retired rows
(``models.db.rows.insert``'s ``after``), so PostgreSQL has retired the old row before it inserts the new one; the
old row's index entry is then one this transaction deleted, which the unique check does not count. SQLite has
no data-modifying CTEs, and its statements cost no round trip: ``replace`` sends them one after another there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit.chain import Content
from models.audit.record import append, sealed
from models.db.connection import dialect, fetch, send_with_commit
from models.db.rows import insert, written
from models.entities import AuditEvent, Deployment

_RETIRE = "UPDATE deployment SET retired_at = ?, retired_by = ?, retired_reason = ? WHERE id = ?"


async def retire(
    conn: BaseDBAsyncClient, deployment: Deployment, *, actor: str, reason: str | None, at: datetime
) -> None:
    """Retire ``deployment`` (and mark the instance so)."""
    # One constant statement (the ORM's save builds its UPDATE anew each time); a datetime is bound as the ORM
    # stores it on either backend (Tortoise registers SQLite's adapter).
    await fetch(conn, _RETIRE, [at, actor, reason, deployment.id])
    _retired(deployment, actor=actor, reason=reason, at=at)


async def replace(
    conn: BaseDBAsyncClient,
    *,
    active: Deployment | None,
    deploying: dict[str, Any],
    event: Callable[[int], Content],
    head: tuple[int, str] | None,
    event_id: int | None = None,
) -> tuple[Deployment, AuditEvent]:
    """Retire ``active`` (if any), insert the deployment of ``deploying``'s field values and append the event that
    ``event`` makes of the new deployment's id.

    One statement on PostgreSQL when ``deploying`` carries its allocated ``id``, ``event_id`` is allocated and the
    chain's ``head`` is known (the promotion), sent with the transaction's ``COMMIT``; otherwise one statement
    each. Retirement, deployment and event share the deployment's time.
    """
    at, actor, reason = deploying["deployed_at"], deploying["deployed_by"], deploying["reason"]
    if "id" not in deploying or event_id is None or head is None or dialect(conn) != "postgres":
        if active is not None:
            await retire(conn, active, actor=actor, reason=reason, at=at)
        deployment = await Deployment.create(**deploying, using_db=conn)
        return deployment, await append(conn, event(deployment.id), head=head)
    ctes: list[str] = []
    params: list[Any] = []
    if active is not None:
        ctes.append(f'"retired" AS ({_RETIRE} RETURNING id)')
        params += [at, actor, reason, active.id]
    appending = {"id": event_id, **sealed(event(deploying["id"]), head)}
    deployed, deployed_params = insert(Deployment, deploying, after="retired" if active is not None else None)
    appended, appended_params = insert(AuditEvent, appending)
    ctes += [f'"deployed" AS ({deployed})', f'"appended" AS ({appended})']
    # Every id was allocated before, so the statement needs to return nothing: it goes with COMMIT, and PostgreSQL
    # runs a data-modifying CTE to the end whether or not the statement reads it.
    sql = f"WITH {', '.join(ctes)} SELECT 1"
    params += [*deployed_params, *appended_params]
    if not await send_with_commit(conn, sql, params):
        await fetch(conn, sql, params)
    if active is not None:
        _retired(active, actor=actor, reason=reason, at=at)
    return written(Deployment, deploying), written(AuditEvent, appending)


def _retired(deployment: Deployment, *, actor: str, reason: str | None, at: datetime) -> None:
    deployment.retired_at = at
    deployment.retired_by = actor
    deployment.retired_reason = reason  # type: ignore[assignment]  # a nullable TextField, typed as str
