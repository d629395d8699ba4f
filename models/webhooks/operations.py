"""Managing webhooks: create, update, delete, rotate the secret (each audited), and ping and redeliver.

Creating, changing and deleting a webhook decide where the registry's events go, so each is one write
transaction that changes the row and appends a WEBHOOK_* event to the registry's chain; the event's details
name the webhook and what changed, never its secret or its full URL (a URL may carry a token of the
receiver's). Pinging and redelivering only queue a delivery: the worker sends it (nothing is sent from a
request).

A model-scoped token manages only the webhooks it may see (``models.webhooks.reads.visible``), and a webhook
it creates keeps its scope for ever: the outbox never gives it an event about a model outside that scope.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient

from models import validation
from models.audit.record import record
from models.clock import now
from models.db.connection import write_transaction
from models.db.retry import retried
from models.entities import AuditAction, AuditEvent, DeliveryStatus, Webhook, WebhookDelivery
from models.environments.declared import require_declared
from models.errors import Conflict, Forbidden, InvalidInput, NotFound
from models.tokens.scopes import check_environments, check_model_patterns, pattern_regex
from models.webhooks import signing
from models.webhooks.destinations import check_url
from models.webhooks.policy import policy
from models.webhooks.reads import Scope, visible

PING = "webhook.ping"
MAX_GRACE = timedelta(days=30)
#: Webhooks a registry keeps: the bound of the ``webhooks`` list (schema/cost.py); delete one to add another.
MAX_WEBHOOKS = 100


@dataclass(frozen=True)
class Changed:
    """A webhook after a change, the change's audit event (None when nothing changed), and a new secret (create and
    rotate only: it is shown this once)."""

    webhook: Webhook
    event: AuditEvent | None
    secret: str | None = None


@dataclass(frozen=True)
class WebhookChange:
    """What ``update_webhook`` changes: a field left None stays as it is; ``clear_*`` removes a filter."""

    url: str | None = None
    event_types: Sequence[str] | None = None
    model_patterns: Sequence[str] | None = None
    clear_model_patterns: bool = False
    environments: Sequence[str] | None = None
    clear_environments: bool = False
    description: str | None = None
    enabled: bool | None = None


def check_event_types(values: Sequence[str], field: str = "event_types") -> list[str]:
    if not values:
        raise InvalidInput(field, "give at least one event type, e.g. PROMOTED")
    known = {action.value for action in AuditAction}
    for value in values:
        if value not in known:
            raise InvalidInput(field, f"{value[:40]!r} is not an event type; use one of {', '.join(sorted(known))}")
    return list(dict.fromkeys(values))


def _within(patterns: Sequence[str] | None, scope: Scope) -> None:
    """A model-scoped token may only name models of its scope: each pattern one of its own, or a model name it
    may access. (Its webhooks get nothing outside the scope anyway; this says so instead of staying silent.)"""
    if scope is None or patterns is None:
        return
    allowed = re.compile(pattern_regex(scope))
    for pattern in patterns:
        if pattern not in scope and (any(c in pattern for c in "*?") or not allowed.fullmatch(pattern)):
            raise Forbidden(
                f"model_patterns: {pattern[:140]!r} reaches models outside this token's scope ({', '.join(scope)}); "
                "use the token's own patterns or model names within them"
            )


def _delimited(values: Sequence[str]) -> str:
    return "," + ",".join(values) + ","


def _filters(change: WebhookChange) -> dict[str, Any]:
    """The columns a change sets, validated, in the stored form the outbox matches (the trigger of migration 10)."""
    columns: dict[str, Any] = {}
    if change.url is not None:
        columns["url"] = check_url(change.url, policy().allow)
    if change.event_types is not None:
        columns["event_types"] = _delimited(check_event_types(change.event_types))
    if change.clear_model_patterns:
        columns.update(model_patterns=None, model_regex=None)
    elif change.model_patterns is not None:
        patterns = check_model_patterns(change.model_patterns, "model_patterns")
        columns.update(model_patterns=list(patterns), model_regex=pattern_regex(patterns))
    if change.clear_environments:
        columns["environments"] = None
    elif change.environments is not None:
        columns["environments"] = _delimited(check_environments(change.environments))
    if change.description is not None:
        limit = validation.MAX_DESCRIPTION
        columns["description"] = validation.text(change.description, "description", max_length=limit)
    if change.enabled is not None:
        columns["enabled"] = change.enabled
        if change.enabled:
            columns["disabled_reason"] = None
    return columns


async def _require_declared(conn: BaseDBAsyncClient, change: WebhookChange) -> None:
    """Each environment of the filter is declared (``_filters`` checked their names), as promote requires: a filter
    naming a typo would match nothing, silently."""
    if change.environments is not None and not change.clear_environments:
        await require_declared(conn, [(env, f"environments[{i}]") for i, env in enumerate(change.environments)])


def _summary(webhook: Webhook, changed: Sequence[str] = ()) -> dict[str, Any]:
    """An event's details: the webhook and what changed; the URL's host only, never its secret."""
    details: dict[str, Any] = {"webhookId": webhook.id, "host": urlsplit(webhook.url).hostname or ""}
    if changed:
        details["changed"] = sorted(changed)
    return details


@retried
async def create_webhook(
    *,
    url: str,
    event_types: Sequence[str],
    model_patterns: Sequence[str] | None = None,
    environments: Sequence[str] | None = None,
    description: str | None = None,
    scope: Scope,
    actor: str,
    request_id: str | None = None,
) -> Changed:
    """A new enabled webhook and its signing secret, which is returned only here (and by ``rotate_secret``)."""
    _within(model_patterns, scope)
    change = WebhookChange(
        url=url,
        event_types=event_types,
        model_patterns=model_patterns,
        environments=environments,
        description=description,
    )
    columns = _filters(change)
    secret = signing.generate_secret()
    stamp = now()
    async with write_transaction() as conn:
        await _require_declared(conn, change)
        if await Webhook.all().using_db(conn).count() >= MAX_WEBHOOKS:
            raise Conflict(f"the registry keeps at most {MAX_WEBHOOKS} webhooks; delete one first")
        webhook = await Webhook.create(
            **columns,
            secret=secret,
            scope_patterns=list(scope) if scope is not None else None,
            scope_regex=pattern_regex(scope) if scope is not None else None,
            created_at=stamp,
            created_by=actor,
            updated_at=stamp,
            using_db=conn,
        )
        event = await _audit(conn, AuditAction.WEBHOOK_CREATED, actor, request_id, _summary(webhook))
    return Changed(webhook, event, secret)


async def _audit(
    conn: BaseDBAsyncClient, action: AuditAction, actor: str, request_id: str | None, details: dict[str, Any]
) -> AuditEvent:
    return await record(conn, action=action, actor=actor, model=None, request_id=request_id, details=details)


async def _lock(conn: BaseDBAsyncClient, webhook_id: int, scope: Scope) -> Webhook:
    webhook = await Webhook.filter(id=webhook_id).select_for_update().using_db(conn).first()
    if webhook is None or not visible(webhook, scope):
        raise NotFound("id: no webhook with this id")
    return webhook


@retried
async def update_webhook(
    *, webhook_id: int, change: WebhookChange, scope: Scope, actor: str, request_id: str | None = None
) -> Changed:
    """Change a webhook's URL, filters, description or enabled flag; a change to nothing records nothing."""
    _within(change.model_patterns, scope)
    columns = _filters(change)
    async with write_transaction() as conn:
        webhook = await _lock(conn, webhook_id, scope)
        await _require_declared(conn, change)
        changed = [name for name, value in columns.items() if getattr(webhook, name) != value]
        if not changed:
            return Changed(webhook, None)
        webhook.update_from_dict({**columns, "updated_at": now()})
        await webhook.save(using_db=conn)
        event = await _audit(conn, AuditAction.WEBHOOK_UPDATED, actor, request_id, _summary(webhook, changed))
    return Changed(webhook, event)


@retried
async def delete_webhook(*, webhook_id: int, scope: Scope, actor: str, request_id: str | None = None) -> Changed:
    """Delete a webhook with its deliveries and their attempts (the audit event keeps that it existed)."""
    async with write_transaction() as conn:
        webhook = await _lock(conn, webhook_id, scope)
        details = _summary(webhook)
        await webhook.delete(using_db=conn)
        event = await _audit(conn, AuditAction.WEBHOOK_DELETED, actor, request_id, details)
    return Changed(webhook, event)


@retried
async def rotate_secret(
    *, webhook_id: int, grace: timedelta | None = None, scope: Scope, actor: str, request_id: str | None = None
) -> Changed:
    """A new signing secret; the current one stays valid for ``grace`` (deliveries carry both signatures)."""
    grace = policy().rotation_grace if grace is None else grace
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise InvalidInput("grace", f"must be between 0 and {MAX_GRACE.days} days")
    secret = signing.generate_secret()
    async with write_transaction() as conn:
        webhook = await _lock(conn, webhook_id, scope)
        stamp = now()
        webhook.previous_secret = webhook.secret if grace else None
        webhook.previous_secret_expires_at = stamp + grace if grace else None
        webhook.secret = secret
        webhook.updated_at = stamp
        await webhook.save(using_db=conn)
        details = {**_summary(webhook, ["secret"]), "graceSeconds": int(grace.total_seconds())}
        event = await _audit(conn, AuditAction.WEBHOOK_UPDATED, actor, request_id, details)
    return Changed(webhook, event, secret)


@retried
async def ping_webhook(*, webhook_id: int, scope: Scope) -> WebhookDelivery:
    """Queue a ``webhook.ping`` delivery, due now, even to a disabled webhook (to test it before enabling)."""
    async with write_transaction() as conn:
        webhook = await _lock(conn, webhook_id, scope)
        stamp = now()
        return await WebhookDelivery.create(
            webhook=webhook, event_type=PING, next_attempt_at=stamp, created_at=stamp, using_db=conn
        )


@retried
async def redeliver(*, delivery_id: int, scope: Scope) -> WebhookDelivery:
    """Send a delivery again, with the same ``webhook-id``, from a fresh retry schedule."""
    async with write_transaction() as conn:
        delivery = await WebhookDelivery.filter(id=delivery_id).select_for_update().using_db(conn).first()
        if delivery is None or not visible(await _webhook(conn, delivery.webhook_id), scope):
            raise NotFound("id: no webhook delivery with this id")
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = now()
        await delivery.save(using_db=conn, update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


async def _webhook(conn: BaseDBAsyncClient, webhook_id: int) -> Webhook:
    return await Webhook.filter(id=webhook_id).using_db(conn).get()
