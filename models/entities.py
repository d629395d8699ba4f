"""The registry's tables.

A registered model is ``RegisteredModel`` (never ``Model``, which is Tortoise's base class); a
scikit-learn object is an *estimator* and never appears here. Invariants that matter live in the
database: one active deployment per (model, environment) is a partial unique index, version numbers are
unique per model, and an idempotency key is unique per principal.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index, PartialIndex
from tortoise.models import Model as TortoiseModel

from models.db.documented import Model, describe_fields


class UniqueWhere(PartialIndex):
    """A partial unique index, emitted the same way on SQLite and PostgreSQL.

    Tortoise's own ``PartialIndex`` only renders equality conditions and ``INDEX_TYPE = "UNIQUE"`` breaks
    on PostgreSQL (docs/architecture.md, "Data model"), so the statement is written out here.
    """

    def __init__(self, *, fields: tuple[str, ...], name: str, where: str) -> None:
        super().__init__(fields=fields, name=name)
        self.where = where

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["where"] = self.where
        return path, args, kwargs

    def get_sql(self, schema_generator: Any, model: type[TortoiseModel], safe: bool) -> str:
        self.resolve_expressions(model)
        columns = ", ".join(f'"{model._meta.fields_db_projection.get(f, f)}"' for f in self.fields or ())
        exists = "IF NOT EXISTS " if safe else ""
        return f'CREATE UNIQUE INDEX {exists}"{self.name}" ON "{model._meta.db_table}" ({columns}) WHERE {self.where};'


class VersionStatus(StrEnum):
    READY = "READY"
    ARCHIVED = "ARCHIVED"


class AuditAction(StrEnum):
    MODEL_CREATED = "MODEL_CREATED"
    MODEL_UPDATED = "MODEL_UPDATED"
    VERSION_REGISTERED = "VERSION_REGISTERED"
    VERSION_ARCHIVED = "VERSION_ARCHIVED"
    PROMOTED = "PROMOTED"
    DEMOTED = "DEMOTED"
    ROLLED_BACK = "ROLLED_BACK"
    ENVIRONMENT_PROTECTED = "ENVIRONMENT_PROTECTED"
    ENVIRONMENT_UNPROTECTED = "ENVIRONMENT_UNPROTECTED"
    ENVIRONMENT_DECLARED = "ENVIRONMENT_DECLARED"
    ENVIRONMENT_REMOVED = "ENVIRONMENT_REMOVED"
    #: A token was created, or given a new secret by ``tokens create --replace`` (after a TOKEN_REVOKED of the old).
    TOKEN_CREATED = "TOKEN_CREATED"  # noqa: S105 - an action's name, not a secret
    TOKEN_REVOKED = "TOKEN_REVOKED"  # noqa: S105 - an action's name, not a secret
    #: Monitoring (docs/monitoring.md): a version's reference profile was set (once: profiles are immutable).
    REFERENCE_PROFILE_SET = "REFERENCE_PROFILE_SET"
    MONITORING_POLICY_SET = "MONITORING_POLICY_SET"
    #: The drift status of a deployment's newest window differs from the window before it.
    DRIFT_STATUS_CHANGED = "DRIFT_STATUS_CHANGED"
    #: The performance status of a deployment's newest window differs from the window before it.
    PERFORMANCE_STATUS_CHANGED = "PERFORMANCE_STATUS_CHANGED"
    RETRAINING_REQUESTED = "RETRAINING_REQUESTED"
    RETRAINING_ACKNOWLEDGED = "RETRAINING_ACKNOWLEDGED"
    RETRAINING_COMPLETED = "RETRAINING_COMPLETED"
    RETRAINING_CANCELLED = "RETRAINING_CANCELLED"
    #: Webhooks (docs/events.md).
    WEBHOOK_CREATED = "WEBHOOK_CREATED"
    #: Its URL, filters, description or enabled flag changed, its secret was rotated, or a 410 disabled it.
    WEBHOOK_UPDATED = "WEBHOOK_UPDATED"
    WEBHOOK_DELETED = "WEBHOOK_DELETED"


class DriftStatus(StrEnum):
    """A feature's or a window's drift verdict (docs/monitoring.md, "Verdicts")."""

    OK = "OK"
    WARNING = "WARNING"
    DRIFT = "DRIFT"
    #: Fewer rows than the policy's ``min_rows``: no verdict.
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class PerformanceStatus(StrEnum):
    OK = "OK"
    #: A realized metric fell short of the version's registered value by more than the policy's ``metric_drop``.
    DEGRADED = "DEGRADED"
    #: Too few labeled rows (the policy's ``min_label_coverage`` and ``min_rows``), or no metric to compare.
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class RetrainingState(StrEnum):
    """OPEN -> ACKNOWLEDGED -> COMPLETED, or CANCELLED from either open state."""

    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"

    @property
    def is_open(self) -> bool:
        return self in (RetrainingState.OPEN, RetrainingState.ACKNOWLEDGED)


class RetrainingTrigger(StrEnum):
    MANUAL = "MANUAL"
    #: Opened by the monitoring policy when a window turned DRIFT.
    DRIFT = "DRIFT"
    #: Opened by the monitoring policy when performance turned DEGRADED.
    PERFORMANCE = "PERFORMANCE"


class DeliveryStatus(StrEnum):
    """Where a webhook delivery stands: PENDING until a 2xx (DELIVERED) or the last retry (FAILED)."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class MetricDirection(StrEnum):
    """Which way a metric is better, declared on a model (models/registry/directions.py has the default rule)."""

    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class Role(StrEnum):
    """Ordered: each role includes the ones before it."""

    READER = "reader"
    WRITER = "writer"
    DEPLOYER = "deployer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


class RegisteredModel(Model):
    """A named model: the unit versions are registered under and deployed from."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    description = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)
    updated_at = fields.DatetimeField()
    #: Versions ever registered. Also the allocator of version numbers: registering increments it under
    #: the model's row lock, so numbers are dense, ordered and never reused.
    version_count = fields.IntField(default=0)
    #: Per metric name, higher or lower: which way it is better where the naming convention says otherwise.
    metric_directions = fields.JSONField[dict[str, str]](default=dict)

    versions: fields.ReverseRelation[ModelVersion]
    tags: fields.ReverseRelation[ModelTag]

    class Meta:
        table = "model"
        indexes = (Index(fields=("created_at", "id")), Index(fields=("updated_at", "id")))


class ModelTag(Model):
    id = fields.BigIntField(primary_key=True)
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="tags", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=128)
    value = fields.CharField(max_length=1024)

    class Meta:
        table = "model_tag"
        unique_together = (("model", "key"),)
        indexes = (Index(fields=("key", "value")),)


class Artifact(Model):
    """A content-addressed blob. The bytes live in the artifact store under their sha256."""

    sha256 = fields.CharField(max_length=64, primary_key=True)
    size_bytes = fields.BigIntField()
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)

    class Meta:
        table = "artifact"


class ModelVersion(Model):
    """One immutable registered version. Only ``status`` ever changes (READY to ARCHIVED)."""

    id = fields.BigIntField(primary_key=True)
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="versions", on_delete=fields.RESTRICT
    )
    number = fields.IntField()
    status = fields.CharEnumField(VersionStatus, max_length=16, default=VersionStatus.READY)
    description = fields.TextField(null=True)
    hyperparameters = fields.JSONField[dict[str, Any]](default=dict)
    feature_names = fields.JSONField[list[str]](default=list)
    model_type = fields.CharField(max_length=256, null=True)
    framework = fields.CharField(max_length=256, null=True)
    dataset_version = fields.CharField(max_length=256, null=True)
    training_duration_seconds = fields.FloatField(null=True)
    artifact: fields.ForeignKeyNullableRelation[Artifact] = fields.ForeignKeyField(
        "models.Artifact", related_name="versions", null=True, on_delete=fields.RESTRICT
    )
    artifact_format = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)

    model_id: int
    artifact_id: str | None

    class Meta:
        table = "version"
        unique_together = (("model", "number"),)
        indexes = (Index(fields=("model_id", "created_at", "id")), Index(fields=("model_id", "dataset_version")))


class VersionTag(Model):
    id = fields.BigIntField(primary_key=True)
    version: fields.ForeignKeyRelation[ModelVersion] = fields.ForeignKeyField(
        "models.ModelVersion", related_name="tags", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=128)
    value = fields.CharField(max_length=1024)

    version_id: int

    class Meta:
        table = "version_tag"
        unique_together = (("version", "key"),)


class Metric(Model):
    """One metric of one version, in its own row so ordering and filtering by a metric use an index."""

    id = fields.BigIntField(primary_key=True)
    version: fields.ForeignKeyRelation[ModelVersion] = fields.ForeignKeyField(
        "models.ModelVersion", related_name="metrics", on_delete=fields.CASCADE
    )
    #: Denormalised from the version so "versions of model M ordered by metric X" is one index range.
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="metrics", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    value = fields.FloatField()

    version_id: int
    model_id: int

    class Meta:
        table = "metric"
        unique_together = (("version", "name"),)
        indexes = (Index(fields=("model_id", "name", "value")),)


class Environment(Model):
    """A declared environment: deployments, protection rules and token scopes name only declared environments.

    A typo is then an error instead of a new environment (models/environments/declared.py).
    """

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)

    class Meta:
        table = "environment"


class EnvironmentProtection(Model):
    """The rules of a protected environment (models/environments/rules.py). Unprotecting deletes the row."""

    id = fields.BigIntField(primary_key=True)
    environment = fields.CharField(max_length=64, unique=True)
    #: promote, rollback and demote here need at least this role; null keeps the usual deployer.
    required_role = fields.CharEnumField(Role, max_length=16, null=True)
    #: Rule strings by kind, in the syntax the CLI takes (models/environments/rules.py).
    rules = fields.JSONField[dict[str, list[str]]](default=dict)
    reason = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=128)

    class Meta:
        table = "environment_protection"


class Deployment(Model):
    """A version placed into an environment; active while ``retired_at`` is null."""

    id = fields.BigIntField(primary_key=True)
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="deployments", on_delete=fields.RESTRICT
    )
    version: fields.ForeignKeyRelation[ModelVersion] = fields.ForeignKeyField(
        "models.ModelVersion", related_name="deployments", on_delete=fields.RESTRICT
    )
    environment = fields.CharField(max_length=64)
    deployed_at = fields.DatetimeField()
    deployed_by = fields.CharField(max_length=128)
    reason = fields.TextField(null=True)
    retired_at = fields.DatetimeField(null=True)
    retired_by = fields.CharField(max_length=128, null=True)
    retired_reason = fields.TextField(null=True)

    model_id: int
    version_id: int

    @property
    def active(self) -> bool:
        return self.retired_at is None

    class Meta:
        table = "deployment"
        indexes = (
            # The invariant: at most one active deployment per (model, environment), whatever Python does.
            UniqueWhere(
                fields=("model_id", "environment"),
                name="uniq_deployment_active_model_environment",
                where="retired_at IS NULL",
            ),
            Index(fields=("model_id", "environment", "deployed_at", "id")),
            Index(fields=("model_id", "deployed_at", "id")),
            Index(fields=("version_id", "deployed_at")),
        )


class AuditEvent(Model):
    """An append-only record of one state change, written in the change's own transaction."""

    id = fields.BigIntField(primary_key=True)
    action = fields.CharEnumField(AuditAction, max_length=32)
    actor = fields.CharField(max_length=128)
    at = fields.DatetimeField()
    model: fields.ForeignKeyNullableRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="audit_events", null=True, on_delete=fields.RESTRICT
    )
    #: Kept beside the foreign key so the history reads the same even without the join.
    model_name = fields.CharField(max_length=128)
    version: fields.ForeignKeyNullableRelation[ModelVersion] = fields.ForeignKeyField(
        "models.ModelVersion", related_name="audit_events", null=True, on_delete=fields.RESTRICT
    )
    environment = fields.CharField(max_length=64, null=True)
    previous_version: fields.ForeignKeyNullableRelation[ModelVersion] = fields.ForeignKeyField(
        "models.ModelVersion", related_name="audit_events_as_previous", null=True, on_delete=fields.RESTRICT
    )
    reason = fields.TextField(null=True)
    request_id = fields.CharField(max_length=128, null=True)
    details = fields.JSONField[dict[str, Any]](default=dict)
    # The hash chain (models/audit/chain.py): the model's events, or the registry's when model is null.
    #: Position in the chain, from 1 (0 only for an event written before the chain existed, until sealed).
    chain_seq = fields.BigIntField(default=0)
    #: ``hash`` of the event before this one in the chain; empty for the first.
    previous_hash = fields.CharField(max_length=64, default="")
    #: sha256 (hex) of this event's canonical content, position and ``previous_hash``.
    hash = fields.CharField(max_length=64, default="")

    model_id: int | None
    version_id: int | None
    previous_version_id: int | None

    class Meta:
        table = "audit_event"
        indexes = (
            Index(fields=("model_id", "id")),
            Index(fields=("model_name", "id")),
            Index(fields=("actor", "id")),
            Index(fields=("action", "id")),
            Index(fields=("at",)),
            # One event per chain position: a writer that forgot the chain's lock fails instead of forking it.
            UniqueWhere(fields=("model_id", "chain_seq"), name="uniq_audit_event_model_chain", where="chain_seq > 0"),
            UniqueWhere(
                fields=("chain_seq",),
                name="uniq_audit_event_registry_chain",
                where="model_id IS NULL AND chain_seq > 0",
            ),
            # Events not yet sealed into their chain: empty once ``modelreg migrate`` has run.
            PartialIndex(fields=("model_id",), name="idx_audit_event_unsealed", condition={"hash": ""}),
        )


class ApiToken(Model):
    """An API token. Only the sha256 of the secret is stored; the secret is shown once at creation."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    role = fields.CharEnumField(Role, max_length=16)
    secret_hash = fields.CharField(max_length=64, unique=True)
    #: Model-name patterns (``churn-*``) the token is limited to; null: every model.
    model_patterns = fields.JSONField[list[str] | None](null=True)
    #: Environments the token may deploy to; null: every environment.
    environments = fields.JSONField[list[str] | None](null=True)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    #: From this moment the token authenticates nothing; null: it never expires.
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class IdempotencyRecord(Model):
    """The first result of a mutation sent with an idempotency key, kept for replays."""

    id = fields.BigIntField(primary_key=True)
    principal = fields.CharField(max_length=128)
    key = fields.CharField(max_length=128)
    operation = fields.CharField(max_length=32)
    #: sha256 of the operation name and its canonical input: a replay must match it exactly.
    request_hash = fields.CharField(max_length=64)
    #: Ids of the entities the first call returned, enough to rebuild its payload.
    result = fields.JSONField[dict[str, Any]](default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_record"
        unique_together = (("principal", "key"),)
        indexes = (Index(fields=("created_at",)),)


class ReferenceProfile(Model):
    """The training-data summary of a version that production windows are compared with. Immutable once set.

    ``features`` and ``predictions`` hold the validated summaries (models/monitoring/profiles.py): bins, counts,
    missing counts, quantiles, mean and standard deviation, or top categories and "other".
    """

    id = fields.BigIntField(primary_key=True)
    version: fields.OneToOneRelation[ModelVersion] = fields.OneToOneField(
        "models.ModelVersion", related_name="reference_profile", on_delete=fields.RESTRICT
    )
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="reference_profiles", on_delete=fields.RESTRICT
    )
    row_count = fields.BigIntField()
    features = fields.JSONField[list[dict[str, Any]]](default=list)
    predictions = fields.JSONField[dict[str, Any]](default=dict)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)

    version_id: int
    model_id: int

    class Meta:
        table = "reference_profile"


class MonitoringWindow(Model):
    """One period of production traffic of a deployment, binned on its version's reference profile.

    The statistics and verdicts are computed when the window is recorded, under the policy then in force, and
    kept: reading a window never recomputes them. Late labels update ``metrics``, ``labeled_rows`` and the
    performance verdict only.
    """

    id = fields.BigIntField(primary_key=True)
    deployment: fields.ForeignKeyRelation[Deployment] = fields.ForeignKeyField(
        "models.Deployment", related_name="monitoring_windows", on_delete=fields.RESTRICT
    )
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="monitoring_windows", on_delete=fields.RESTRICT
    )
    environment = fields.CharField(max_length=64)
    #: The caller's key for this window (default: its start and end): recording it again changes nothing.
    key = fields.CharField(max_length=128)
    #: sha256 of the recorded content: the same key with other content is a conflict.
    content_hash = fields.CharField(max_length=64)
    window_start = fields.DatetimeField()
    window_end = fields.DatetimeField()
    row_count = fields.BigIntField()
    #: Per feature: ``{"counts": [...], "missing": n}`` on the reference's bins.
    features = fields.JSONField[dict[str, Any]](default=dict)
    predictions = fields.JSONField[dict[str, Any]](default=dict)
    #: Per feature: the statistics and status (models/monitoring/verdicts.py), and the prediction's.
    drift = fields.JSONField[dict[str, Any]](default=dict)
    status = fields.CharEnumField(DriftStatus, max_length=24)
    drifting_features = fields.IntField(default=0)
    labeled_rows = fields.BigIntField(default=0)
    #: Realized metrics on the labeled rows, by name.
    metrics = fields.JSONField[dict[str, float]](default=dict)
    #: Per metric: realized, registered, delta, degraded.
    performance = fields.JSONField[list[dict[str, Any]]](default=list)
    performance_status = fields.CharEnumField(PerformanceStatus, max_length=24)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)
    updated_at = fields.DatetimeField()

    deployment_id: int
    model_id: int

    class Meta:
        table = "monitoring_window"
        unique_together = (("model", "environment", "key"),)
        indexes = (Index(fields=("deployment_id", "window_end", "id")),)


class MonitoringPolicy(Model):
    """Thresholds of one model in one environment; without a row the defaults apply (models/monitoring/policy.py)."""

    id = fields.BigIntField(primary_key=True)
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="monitoring_policies", on_delete=fields.RESTRICT
    )
    environment = fields.CharField(max_length=64)
    #: The thresholds as ``models.monitoring.policy.Policy`` fields.
    thresholds = fields.JSONField[dict[str, Any]](default=dict)
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=128)

    model_id: int

    class Meta:
        table = "monitoring_policy"
        unique_together = (("model", "environment"),)


class RetrainingRequest(Model):
    """A request to retrain a model. At most one per model is open (OPEN or ACKNOWLEDGED), enforced by an index."""

    id = fields.BigIntField(primary_key=True)
    model: fields.ForeignKeyRelation[RegisteredModel] = fields.ForeignKeyField(
        "models.RegisteredModel", related_name="retraining_requests", on_delete=fields.RESTRICT
    )
    state = fields.CharEnumField(RetrainingState, max_length=16, default=RetrainingState.OPEN)
    trigger = fields.CharEnumField(RetrainingTrigger, max_length=16)
    environment = fields.CharField(max_length=64, null=True)
    #: The window whose verdict opened it (policy-opened requests only).
    window: fields.ForeignKeyNullableRelation[MonitoringWindow] = fields.ForeignKeyField(
        "models.MonitoringWindow", related_name="retraining_requests", null=True, on_delete=fields.RESTRICT
    )
    reason = fields.TextField(null=True)
    requested_at = fields.DatetimeField()
    requested_by = fields.CharField(max_length=128)
    acknowledged_at = fields.DatetimeField(null=True)
    acknowledged_by = fields.CharField(max_length=128, null=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by = fields.CharField(max_length=128, null=True)
    close_reason = fields.TextField(null=True)
    #: COMPLETED: the version that answered the request.
    answered_by: fields.ForeignKeyNullableRelation[ModelVersion] = fields.ForeignKeyField(
        "models.ModelVersion", related_name="answered_retraining_requests", null=True, on_delete=fields.RESTRICT
    )

    model_id: int
    window_id: int | None
    answered_by_id: int | None

    class Meta:
        table = "retraining_request"
        indexes = (
            # The invariant: at most one open request per model, whatever Python does.
            UniqueWhere(
                fields=("model_id",),
                name="uniq_retraining_request_open_model",
                where="state IN ('OPEN', 'ACKNOWLEDGED')",
            ),
            Index(fields=("model_id", "requested_at", "id")),
            Index(fields=("state", "requested_at", "id")),
        )


class Webhook(Model):
    """An HTTPS endpoint that receives the audit events its filter matches (models/webhooks/, docs/events.md).

    The filters are stored in the form the outbox, a trigger on ``audit_event`` (migration 10,
    ``webhook_outbox_trigger``), matches against: comma-delimited lists for ``LIKE`` and regular expressions for
    model names.
    """

    id = fields.BigIntField(primary_key=True)
    url = fields.CharField(max_length=2048)
    description = fields.TextField(null=True)
    enabled = fields.BooleanField(default=True)
    #: AuditAction names between commas, with a leading and a trailing comma: ``,PROMOTED,DEMOTED,``.
    event_types = fields.TextField()
    #: Model-name patterns (``churn-*``) as given; null: every model (and events about no model).
    model_patterns = fields.JSONField[list[str] | None](null=True)
    #: ``models.tokens.scopes.pattern_regex(model_patterns)``, what the outbox matches; null with the patterns.
    model_regex = fields.TextField(null=True)
    #: Environments between commas (``,production,staging,``); null: every environment. Events that name no
    #: environment (registrations, say) are not limited by it.
    environments = fields.TextField(null=True)
    #: The creating token's model scope (null: not scoped), which the webhook can never see past, and its regex.
    scope_patterns = fields.JSONField[list[str] | None](null=True)
    scope_regex = fields.TextField(null=True)
    #: The signing secret, ``whsec_`` + base64 of 32 random bytes. It must sign, so it is stored as it is, not
    #: hashed: docs/events.md, "The signing secret", says how it is protected.
    secret = fields.CharField(max_length=128)
    #: The secret before the last rotation, valid (deliveries carry both signatures) until its expiry.
    previous_secret = fields.CharField(max_length=128, null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=128)
    updated_at = fields.DatetimeField()
    #: Why it was disabled, when the delivery worker did it (an HTTP 410 Gone from the receiver).
    disabled_reason = fields.TextField(null=True)

    class Meta:
        table = "webhook"


class WebhookDelivery(Model):
    """One event (an audit event, or a ping) owed to one webhook; written by the outbox in the event's transaction.

    ``webhook-id`` of every attempt is ``msg_`` + this row's id, so receivers de-duplicate redeliveries.
    """

    id = fields.BigIntField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    #: Null for a ping.
    audit_event: fields.ForeignKeyNullableRelation[AuditEvent] = fields.ForeignKeyField(
        "models.AuditEvent", related_name="deliveries", null=True, on_delete=fields.RESTRICT
    )
    #: The audit action, or ``webhook.ping``.
    event_type = fields.CharField(max_length=64)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    #: Attempts made (a redelivery starts again from 0).
    attempts = fields.IntField(default=0)
    #: When a worker may next take it: due now, after a backoff, or after a claim's lease; null once done.
    next_attempt_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    last_attempt_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)

    webhook_id: int
    audit_event_id: int | None

    class Meta:
        table = "webhook_delivery"
        indexes = (
            # The worker's claim: due pending deliveries in order.
            Index(fields=("status", "next_attempt_at")),
            Index(fields=("webhook_id", "id")),
        )


class WebhookAttempt(Model):
    """One HTTP request of a delivery and what came of it."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_rows", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    #: The HTTP status; null when no response came (refused, timed out, blocked destination).
    status_code = fields.IntField(null=True)
    duration_ms = fields.IntField()
    #: The first bytes of the response body, decoded leniently.
    response_excerpt = fields.TextField(null=True)
    error = fields.TextField(null=True)

    delivery_id: int

    class Meta:
        table = "webhook_attempt"
        indexes = (Index(fields=("delivery_id", "id")),)


# The fields' ``#:`` comments above are their descriptions (models/db/documented.py).
describe_fields(sys.modules[__name__])
