"""Reading webhooks, their deliveries and attempts.

A model-scoped token sees only the webhooks made by tokens of its scope or a narrower one (``visible``); the
others read as absent, so a scoped token learns nothing about them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from models.db.paging import Cursor, Key, Ordering, Page, decode_cursor
from models.entities import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from models.errors import NotFound

#: Model-name patterns of a scoped token; None: every model.
Scope = tuple[str, ...] | None

_DELIVERIES = Ordering("delivery:ID:DESC", (Key("id", True),))


def visible(webhook: Webhook, scope: Scope) -> bool:
    """Whether a token limited to ``scope`` may see (and manage) ``webhook``: its creator's scope is within it."""
    if scope is None:
        return True
    return webhook.scope_patterns is not None and set(webhook.scope_patterns) <= set(scope)


async def list_webhooks(*, scope: Scope) -> list[Webhook]:
    """Every webhook the scope may see, oldest first (a registry has few)."""
    return [webhook for webhook in await Webhook.all().order_by("id") if visible(webhook, scope)]


async def get_webhook(*, webhook_id: int, scope: Scope, field: str = "id") -> Webhook:
    webhook = await Webhook.get_or_none(id=webhook_id)
    if webhook is None or not visible(webhook, scope):
        raise NotFound(f"{field}: no webhook with this id")
    return webhook


async def webhooks_by_id(ids: Sequence[int]) -> dict[int, Webhook]:
    return {webhook.id: webhook for webhook in await Webhook.filter(id__in=list(ids))}


@dataclass(frozen=True)
class DeliveryQuery:
    status: DeliveryStatus | None = None
    event_type: str | None = None


async def list_deliveries(
    *, webhook_ids: Sequence[int], query: DeliveryQuery, first: int, after: str | None
) -> dict[int, Page[WebhookDelivery]]:
    """A page of each webhook's deliveries, newest first: one statement (and a count) per webhook."""
    cursor = decode_cursor(_DELIVERIES, after)
    pages: dict[int, Page[WebhookDelivery]] = {}
    for webhook_id in dict.fromkeys(webhook_ids):
        rows = WebhookDelivery.filter(webhook_id=webhook_id)
        if query.status is not None:
            rows = rows.filter(status=query.status)
        if query.event_type is not None:
            rows = rows.filter(event_type=query.event_type)
        total = await rows.count()
        if cursor is not None:
            rows = rows.filter(id__lt=cursor[0])
        found = await rows.order_by("-id").limit(first + 1)
        pages[webhook_id] = Page(
            edges=[(Cursor(_DELIVERIES, [d.id]), d) for d in found[:first]],
            total=total,
            has_next=len(found) > first,
            has_previous=cursor is not None,
        )
    return pages


#: Attempts shown per delivery, the newest: redeliveries add attempts without end, a page must not.
MAX_ATTEMPTS_SHOWN = 50


async def attempts_of(delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
    """The newest ``MAX_ATTEMPTS_SHOWN`` attempts of each delivery, oldest first, in one statement."""
    found: dict[int, list[WebhookAttempt]] = defaultdict(list)
    for attempt in await WebhookAttempt.filter(delivery_id__in=list(delivery_ids)).order_by("delivery_id", "id"):
        found[attempt.delivery_id].append(attempt)
    return {delivery: attempts[-MAX_ATTEMPTS_SHOWN:] for delivery, attempts in found.items()}


async def get_delivery(*, delivery_id: int, scope: Scope, field: str = "id") -> WebhookDelivery:
    delivery = await WebhookDelivery.get_or_none(id=delivery_id).select_related("webhook")
    if delivery is None or not visible(delivery.webhook, scope):
        raise NotFound(f"{field}: no webhook delivery with this id")
    return delivery
