"""Webhooks in GraphQL (admin): their types, the queries that list them and their deliveries, and the mutations.

Everything is delegated to ``models.webhooks``; a model-scoped admin token sees and manages only webhooks made
within its scope (``models.webhooks.reads.visible``), and every other webhook reads as absent. Nothing here
sends a request: ``pingWebhook`` and ``redeliver`` queue a delivery that the worker sends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from models import validation
from models.entities import AuditEvent as AuditEventRow
from models.entities import DeliveryStatus as DomainDeliveryStatus
from models.entities import Webhook as WebhookRow
from models.entities import WebhookAttempt as AttemptRow
from models.entities import WebhookDelivery as DeliveryRow
from models.errors import InvalidInput
from models.webhooks import operations, reads
from models.webhooks.operations import WebhookChange
from schema.context import Info
from schema.enums import AuditAction, DeliveryStatus
from schema.input_paths import input_paths
from schema.loaders import then
from schema.permissions import CanManageWebhooks, acting, model_scope
from schema.relay import Connection, connection, global_id, parse_global_id
from schema.types import AuditEvent


def _id(value: str, kind: str, field: str = "id") -> int:
    type_name, pk = parse_global_id(value, field)
    if type_name != kind:
        raise InvalidInput(field, f"not the id of a {kind}")
    return pk


def _listed(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


@strawberry.type(description="One HTTP request of a delivery and what came of it.")
class WebhookAttempt:
    at: datetime
    status_code: int | None = strawberry.field(description="The HTTP status; null when no response came.")
    duration_ms: int
    response_excerpt: str | None = strawberry.field(description="The first characters of the response body.")
    error: str | None = strawberry.field(description="Why the attempt failed; null when it was delivered.")

    @classmethod
    def of(cls, row: AttemptRow) -> WebhookAttempt:
        return cls(
            at=row.at,
            status_code=row.status_code,
            duration_ms=row.duration_ms,
            response_excerpt=row.response_excerpt,
            error=row.error,
        )


@strawberry.type(description="One event owed to one webhook, with its attempts (docs/events.md, 'Retries').")
class WebhookDelivery:
    row: strawberry.Private[DeliveryRow]
    id: strawberry.ID
    message_id: str = strawberry.field(description="The webhook-id header: the same for every attempt and redelivery.")
    event_type: str = strawberry.field(description="The audit action, or webhook.ping.")
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None = strawberry.field(description="When it is due (or claimed till); null when done.")
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: DeliveryRow) -> WebhookDelivery:
        return cls(
            row=row,
            id=global_id("WebhookDelivery", row.id),
            message_id=f"msg_{row.id}",
            event_type=row.event_type,
            status=row.status,
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            last_attempt_at=row.last_attempt_at,
            delivered_at=row.delivered_at,
        )

    @strawberry.field(description="The attempts, oldest first.")
    def attempts(self, info: Info) -> list[WebhookAttempt]:
        pending = info.context.loaders.webhook_attempts.load(self.row.id)
        return then(pending, lambda rows: [WebhookAttempt.of(r) for r in rows])

    @strawberry.field(description="The audit event delivered; null for a ping.")
    def audit_event(self, info: Info) -> AuditEvent | None:
        if self.row.audit_event_id is None:
            return None
        return then(
            info.context.loaders.audit_event.load(self.row.audit_event_id),
            lambda row: AuditEvent.of(row) if row else None,
        )


@strawberry.input
class WebhookDeliveryFilter:
    status: DeliveryStatus | None = None
    event_type: str | None = strawberry.field(default=None, description="An audit action, or webhook.ping.")


@strawberry.type(description="A receiver of the audit events its filter matches, signed per Standard Webhooks.")
class Webhook:
    row: strawberry.Private[WebhookRow]
    id: strawberry.ID
    url: str
    description: str | None
    enabled: bool
    disabled_reason: str | None = strawberry.field(description="Set when a 410 Gone from the receiver disabled it.")
    event_types: list[AuditAction]
    model_patterns: list[str] | None = strawberry.field(description="Model-name patterns; null: every model.")
    environments: list[str] | None = strawberry.field(
        description="Environments of the events sent (events naming none are not limited); null: every environment."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After a rotation, the old secret signs too until this time."
    )
    created_at: datetime
    created_by: str
    updated_at: datetime

    @classmethod
    def of(cls, row: WebhookRow) -> Webhook:
        return cls(
            row=row,
            id=global_id("Webhook", row.id),
            url=row.url,
            description=row.description,
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            event_types=[AuditAction(name) for name in _listed(row.event_types)],
            model_patterns=row.model_patterns,
            environments=_listed(row.environments) if row.environments is not None else None,
            previous_secret_expires_at=row.previous_secret_expires_at if row.previous_secret else None,
            created_at=row.created_at,
            created_by=row.created_by,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Its deliveries, newest first.")
    def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: WebhookDeliveryFilter | None = None,
    ) -> Connection[WebhookDelivery]:
        f = filter or WebhookDeliveryFilter()
        if f.event_type is not None:
            validation.text(f.event_type, "filter.eventType", max_length=64)
        status = DomainDeliveryStatus(f.status.value) if f.status is not None else None
        query = reads.DeliveryQuery(status=status, event_type=f.event_type)
        key = (self.row.id, query, validation.page_size(first), after)
        return then(info.context.loaders.delivery_page.load(key), lambda page: connection(page, WebhookDelivery.of))


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="https:// (http and private addresses only if the server allows them).")
    event_types: list[AuditAction]
    model_patterns: list[str] | None = strawberry.field(default=None, description="e.g. ['churn-*']; null: all.")
    environments: list[str] | None = strawberry.field(default=None, description="e.g. ['production']; null: all.")
    description: str | None = None


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook
    secret: str = strawberry.field(description="The signing secret (whsec_...): shown once, store it now.")
    audit_event: AuditEvent


@strawberry.input
class UpdateWebhookInput:
    id: strawberry.ID
    url: str | None = None
    event_types: list[AuditAction] | None = None
    model_patterns: list[str] | None = strawberry.field(default=None, description="[] removes the filter.")
    environments: list[str] | None = strawberry.field(default=None, description="[] removes the filter.")
    description: str | None = None
    enabled: bool | None = strawberry.field(default=None, description="false stops deliveries (they fail).")


@strawberry.type
class UpdateWebhookPayload:
    webhook: Webhook
    audit_event: AuditEvent | None = strawberry.field(description="null when the input changed nothing.")


@strawberry.input
class WebhookIdInput:
    id: strawberry.ID


@strawberry.type
class DeleteWebhookPayload:
    deleted_id: strawberry.ID
    audit_event: AuditEvent


@strawberry.type
class PingWebhookPayload:
    delivery: WebhookDelivery = strawberry.field(description="The queued ping; its attempts show how it went.")


@strawberry.input
class RotateWebhookSecretInput:
    id: strawberry.ID
    grace_seconds: int | None = strawberry.field(
        default=None, description="How long the old secret keeps signing too (default 24 h, at most 30 days; 0: none)."
    )


@strawberry.type
class RotateWebhookSecretPayload:
    webhook: Webhook
    secret: str = strawberry.field(description="The new signing secret: shown once, store it now.")
    audit_event: AuditEvent


@strawberry.input
class RedeliverInput:
    id: strawberry.ID = strawberry.field(description="A WebhookDelivery's id.")


@strawberry.type
class RedeliverPayload:
    delivery: WebhookDelivery


@strawberry.type
class WebhookQueries:
    @strawberry.field(permission_classes=[CanManageWebhooks], description="Webhooks the token may see, oldest first.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.of(row) for row in await reads.list_webhooks(scope=model_scope(info))]

    @strawberry.field(permission_classes=[CanManageWebhooks], description="A webhook by id; null if there is none.")
    async def webhook(self, info: Info, id: strawberry.ID) -> Webhook | None:
        found = await info.context.loaders.webhook.load(_id(id, "Webhook"))
        return Webhook.of(found) if found is not None and reads.visible(found, model_scope(info)) else None


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        permission_classes=[CanManageWebhooks], description="Create a webhook (admin). Audited as WEBHOOK_CREATED."
    )
    @input_paths
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
        done = await operations.create_webhook(
            url=input.url,
            event_types=[action.value for action in input.event_types],
            model_patterns=input.model_patterns,
            environments=input.environments,
            description=input.description,
            scope=model_scope(info),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return CreateWebhookPayload(
            webhook=Webhook.of(done.webhook), secret=done.secret or "", audit_event=AuditEvent.of(_event(done))
        )

    @strawberry.mutation(
        permission_classes=[CanManageWebhooks],
        description="Change a webhook; fields left out stay. Audited as WEBHOOK_UPDATED when something changed.",
    )
    @input_paths
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> UpdateWebhookPayload:
        change = WebhookChange(
            url=input.url,
            event_types=[action.value for action in input.event_types] if input.event_types is not None else None,
            model_patterns=input.model_patterns or None,
            clear_model_patterns=input.model_patterns == [],
            environments=input.environments or None,
            clear_environments=input.environments == [],
            description=input.description,
            enabled=input.enabled,
        )
        done = await operations.update_webhook(
            webhook_id=_id(input.id, "Webhook"),
            change=change,
            scope=model_scope(info),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return UpdateWebhookPayload(
            webhook=Webhook.of(done.webhook), audit_event=AuditEvent.of(done.event) if done.event else None
        )

    @strawberry.mutation(
        permission_classes=[CanManageWebhooks],
        description="Delete a webhook with its delivery log. Audited as WEBHOOK_DELETED.",
    )
    @input_paths
    async def delete_webhook(self, info: Info, input: WebhookIdInput) -> DeleteWebhookPayload:
        done = await operations.delete_webhook(
            webhook_id=_id(input.id, "Webhook"),
            scope=model_scope(info),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return DeleteWebhookPayload(
            deleted_id=global_id("Webhook", done.webhook.id), audit_event=AuditEvent.of(_event(done))
        )

    @strawberry.mutation(
        permission_classes=[CanManageWebhooks],
        description="Queue a webhook.ping delivery (sent even to a disabled webhook); query its attempts.",
    )
    @input_paths
    async def ping_webhook(self, info: Info, input: WebhookIdInput) -> PingWebhookPayload:
        delivery = await operations.ping_webhook(webhook_id=_id(input.id, "Webhook"), scope=model_scope(info))
        return PingWebhookPayload(delivery=WebhookDelivery.of(delivery))

    @strawberry.mutation(
        permission_classes=[CanManageWebhooks],
        description="A new signing secret; the old one keeps signing (a second signature) for the grace period.",
    )
    @input_paths
    async def rotate_webhook_secret(self, info: Info, input: RotateWebhookSecretInput) -> RotateWebhookSecretPayload:
        grace = None if input.grace_seconds is None else _grace(input.grace_seconds)
        done = await operations.rotate_secret(
            webhook_id=_id(input.id, "Webhook"),
            grace=grace,
            scope=model_scope(info),
            actor=acting(info).name,
            request_id=info.context.request_id,
        )
        return RotateWebhookSecretPayload(
            webhook=Webhook.of(done.webhook), secret=done.secret or "", audit_event=AuditEvent.of(_event(done))
        )

    @strawberry.mutation(
        permission_classes=[CanManageWebhooks],
        description="Send a delivery again (same webhook-id), from a fresh retry schedule.",
    )
    @input_paths
    async def redeliver(self, info: Info, input: RedeliverInput) -> RedeliverPayload:
        delivery = await operations.redeliver(delivery_id=_id(input.id, "WebhookDelivery"), scope=model_scope(info))
        return RedeliverPayload(delivery=WebhookDelivery.of(delivery))


def _event(done: operations.Changed) -> AuditEventRow:
    if done.event is None:  # create, delete and rotate always write one
        raise LookupError("the webhook change wrote no audit event")
    return done.event


def _grace(seconds: int) -> timedelta:
    if not 0 <= seconds <= int(operations.MAX_GRACE.total_seconds()):
        raise InvalidInput("grace", f"must be between 0 and {int(operations.MAX_GRACE.total_seconds())} seconds")
    return timedelta(seconds=seconds)
