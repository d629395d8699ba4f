"""Sending deliveries: claiming due ones safely across processes, one signed POST each, retries with backoff.

A worker runs in every ``modelreg serve`` process (and in ``modelreg worker``). It **claims** due PENDING
deliveries in one short transaction that moves their ``next_attempt_at`` a lease ahead: on PostgreSQL the rows
are picked with ``FOR UPDATE SKIP LOCKED``, so workers on several instances take different rows without
waiting on each other; on SQLite the transaction's ``BEGIN IMMEDIATE`` (models/db/_sqlite.py) holds the
database's write lock, so claims are serialised across processes. It then **sends** outside any transaction
and **records** the attempt, with the delivery's new state, in a second transaction. A worker killed between
the two leaves its deliveries claimed until the lease ends; then another worker sends them again, with the
same ``webhook-id``: delivery is at least once, and receivers de-duplicate by that id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient

from models.audit.record import record
from models.clock import now
from models.db.connection import connection, dialect, fetch, one_of, stored_time, write_transaction
from models.db.paging import as_datetime
from models.entities import AuditAction, DeliveryStatus, Webhook, WebhookAttempt
from models.webhooks import signing
from models.webhooks.destinations import Refused, check_destination
from models.webhooks.policy import DeliveryPolicy, policy

log = logging.getLogger("modelreg.webhooks")
#: The actor of the audit event written when a receiver's 410 disables its webhook.
WORKER_ACTOR = "system:webhook-delivery"
USER_AGENT = "modelreg-webhooks"


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery with everything needed to send it."""

    delivery_id: int
    webhook_id: int
    attempts: int
    url: str
    secrets: list[str]
    enabled: bool
    is_ping: bool
    body: bytes

    @property
    def message_id(self) -> str:
        return f"msg_{self.delivery_id}"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def claim(limit: int) -> list[int]:
    """Reserve up to ``limit`` due deliveries for this worker for one lease; their ids, oldest due first."""
    current = policy()
    # An idle worker only reads: the write transaction (on SQLite, the database's write lock) is taken only
    # when something is due.
    due = "SELECT id FROM webhook_delivery WHERE status = ? AND next_attempt_at <= ? LIMIT 1"
    if not await fetch(connection(), due, [DeliveryStatus.PENDING.value, stored_time(connection(), now())]):
        return []
    async with write_transaction() as conn:
        stamp = now()
        lock = " FOR UPDATE SKIP LOCKED" if dialect(conn) == "postgres" else ""
        rows = await fetch(
            conn,
            "SELECT id FROM webhook_delivery WHERE status = ? AND next_attempt_at <= ? "  # noqa: S608 - constant SQL
            f"ORDER BY next_attempt_at, id LIMIT {int(limit)}{lock}",
            [DeliveryStatus.PENDING.value, stored_time(conn, stamp)],
        )
        ids = [int(row["id"]) for row in rows]
        if ids:
            lease = stamp + timedelta(seconds=current.lease_seconds)
            claimed, params = one_of(conn, "id", ids)
            await fetch(
                conn,
                f"UPDATE webhook_delivery SET next_attempt_at = ? WHERE {claimed}",  # noqa: S608 - ours, not a caller's
                [stored_time(conn, lease), *params],
            )
    return ids


_LOAD = (
    "SELECT d.id, d.webhook_id, d.event_type, d.attempts, d.audit_event_id, w.url, w.enabled, w.secret, "
    "w.previous_secret, w.previous_secret_expires_at, e.action, e.actor, e.at, e.model_name, e.environment, "
    "e.reason, e.request_id, e.chain_seq, e.previous_hash, e.hash, e.details, v.number AS version, "
    "pv.number AS previous_version "
    "FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id "
    "LEFT JOIN audit_event e ON e.id = d.audit_event_id LEFT JOIN version v ON v.id = e.version_id "
    "LEFT JOIN version pv ON pv.id = e.previous_version_id WHERE {claimed} ORDER BY d.id"
)


async def load(ids: Sequence[int]) -> list[Claimed]:
    """The claimed deliveries with their webhooks and events, in one statement."""
    if not ids:
        return []
    conn = connection()
    of_ids, params = one_of(conn, "d.id", ids)
    rows = await fetch(conn, _LOAD.format(claimed=of_ids), params)
    stamp = now()
    claimed = []
    for row in rows:
        secrets = [str(row["secret"])]
        expires = row["previous_secret_expires_at"]
        if row["previous_secret"] and expires is not None and as_datetime(expires) > stamp:
            secrets.append(str(row["previous_secret"]))
        claimed.append(
            Claimed(
                delivery_id=int(row["id"]),
                webhook_id=int(row["webhook_id"]),
                attempts=int(row["attempts"]),
                url=str(row["url"]),
                secrets=secrets,
                enabled=bool(row["enabled"]),
                is_ping=row["audit_event_id"] is None,
                body=payload(row, stamp),
            )
        )
    return claimed


def canonical_time(at: datetime) -> str:
    """UTC with microseconds and a ``Z``, as the audit chain writes times (models/audit/chain.py)."""
    if at.tzinfo is None:  # a naive value from the database is UTC (models/db/connection.py configures UTC)
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload(row: dict[str, Any], stamp: datetime) -> bytes:
    """The JSON body: Standard Webhooks' ``type``, ``timestamp`` and ``data`` (docs/events.md, "Payloads")."""
    if row["audit_event_id"] is None:
        body: dict[str, Any] = {
            "type": row["event_type"],
            "timestamp": canonical_time(stamp),
            "data": {"webhookId": int(row["webhook_id"])},
        }
    else:
        details = row["details"]
        at = canonical_time(as_datetime(row["at"]))
        body = {
            "type": row["event_type"],
            "timestamp": at,
            "data": {
                "auditEventId": int(row["audit_event_id"]),
                "action": str(row["action"]),
                "model": row["model_name"] or None,
                "version": row["version"],
                "previousVersion": row["previous_version"],
                "environment": row["environment"],
                "actor": row["actor"],
                "reason": row["reason"],
                "requestId": row["request_id"],
                "at": at,
                "details": json.loads(details) if isinstance(details, str | bytes) else details,
                "chain": {
                    "model": row["model_name"] or None,
                    "position": int(row["chain_seq"]),
                    "previousHash": row["previous_hash"],
                    "hash": row["hash"],
                },
            },
        }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


async def send(client: httpx.AsyncClient, delivery: Claimed, current: DeliveryPolicy) -> Outcome:
    """One signed POST, no redirects followed, at most ``max_response_bytes`` of the answer read."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    if not delivery.enabled and not delivery.is_ping:  # a ping tests a webhook before it is enabled
        return Outcome(None, 0, error="the webhook is disabled; enable it and redeliver")
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signing.headers(
            delivery.secrets, message_id=delivery.message_id, timestamp=int(time.time()), body=delivery.body
        ),
    }
    try:
        await check_destination(delivery.url, current.allow)
        async with client.stream("POST", delivery.url, content=delivery.body, headers=headers) as response:
            received = bytearray()
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) >= current.max_response_bytes:
                    break
        excerpt = bytes(received[: current.max_response_bytes]).decode("utf-8", "replace")[: current.excerpt_chars]
        error = None
        if 300 <= response.status_code < 400:
            error = "redirects are not followed: point the webhook at the final URL"
        elif not 200 <= response.status_code < 300:
            error = f"the receiver answered HTTP {response.status_code}"
        return Outcome(response.status_code, elapsed(), excerpt or None, error)
    except Refused as refused:
        return Outcome(None, elapsed(), error=f"refused destination: {refused}")
    except httpx.TimeoutException:
        return Outcome(None, elapsed(), error=f"no answer within {current.timeout_seconds:g} s")
    except httpx.HTTPError as failure:
        return Outcome(None, elapsed(), error=f"{type(failure).__name__}: {failure}"[:500])
    except (httpx.InvalidURL, ValueError) as failure:  # not HTTPErrors: a URL stored before check_url refused it
        return Outcome(None, elapsed(), error=f"invalid url: {failure}; change it with updateWebhook"[:500])


async def finish(delivery: Claimed, outcome: Outcome, current: DeliveryPolicy) -> None:
    """Record the attempt and the delivery's next state; a 410 Gone also disables the webhook."""
    async with write_transaction() as conn:
        stamp = now()
        attempts = delivery.attempts + 1
        gone = outcome.status_code == 410
        if outcome.delivered:
            status, next_at, delivered_at = DeliveryStatus.DELIVERED, None, stamp
        elif gone or (not delivery.enabled and not delivery.is_ping) or attempts > len(current.retry_schedule):
            status, next_at, delivered_at = DeliveryStatus.FAILED, None, None
        else:
            status, delivered_at = DeliveryStatus.PENDING, None
            next_at = stamp + timedelta(seconds=current.retry_schedule[attempts - 1])
        updated = await fetch(
            conn,
            "UPDATE webhook_delivery SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, "
            "delivered_at = ? WHERE id = ? RETURNING id",
            [
                status.value,
                attempts,
                stored_time(conn, next_at) if next_at else None,
                stored_time(conn, stamp),
                stored_time(conn, delivered_at) if delivered_at else None,
                delivery.delivery_id,
            ],
        )
        if not updated:  # the webhook was deleted meanwhile, and its deliveries with it
            return
        await WebhookAttempt.create(
            delivery_id=delivery.delivery_id,
            at=stamp,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
            using_db=conn,
        )
        if gone:
            await _disable(conn, delivery.webhook_id)


async def _disable(conn: BaseDBAsyncClient, webhook_id: int) -> None:
    webhook = await Webhook.filter(id=webhook_id).select_for_update().using_db(conn).first()
    if webhook is None or not webhook.enabled:
        return
    webhook.enabled = False
    webhook.disabled_reason = "the receiver answered 410 Gone"
    webhook.updated_at = now()
    await webhook.save(using_db=conn)
    details = {"webhookId": webhook.id, "changed": ["enabled"], "cause": "410 Gone"}
    await record(
        conn, action=AuditAction.WEBHOOK_UPDATED, actor=WORKER_ACTOR, model=None, request_id=None, details=details
    )


class Worker:
    """Claims and sends due deliveries until stopped; up to ``batch`` requests at once, so one slow receiver
    holds one slot, not the worker."""

    def __init__(self, current: DeliveryPolicy | None = None) -> None:
        self.policy = current or policy()
        self._running: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        current = self.policy
        timeout = httpx.Timeout(current.timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            try:
                while True:
                    await self._round(client)
            finally:
                for task in self._running:
                    task.cancel()
                await asyncio.gather(*self._running, return_exceptions=True)

    async def _round(self, client: httpx.AsyncClient) -> None:
        current = self.policy
        free = current.batch - len(self._running)
        claimed: list[Claimed] = []
        if free > 0:
            try:
                claimed = await load(await claim(free))
            except Exception as error:  # the database is away: the deliveries wait in it, try again later
                log.warning("claiming webhook deliveries failed: %r", error)
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(client, delivery))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        if not claimed or len(self._running) >= current.batch:
            pending = set(self._running)
            if pending:
                await asyncio.wait(pending, timeout=current.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(current.poll_seconds)

    async def _deliver(self, client: httpx.AsyncClient, delivery: Claimed) -> None:
        try:
            outcome = await send(client, delivery, self.policy)
        except Exception:  # a failure send() does not know: recorded as a failed attempt, so it cannot jam the queue
            log.exception("sending webhook delivery %d failed", delivery.delivery_id)
            outcome = Outcome(None, 0, error="the request failed unexpectedly; the server's log has the details")
        try:
            await finish(delivery, outcome, self.policy)
        except Exception as error:  # the lease ends and the delivery is sent again: at least once
            log.warning("recording webhook delivery %d failed: %r", delivery.delivery_id, error)
