"""Operations on models and versions: create, update, register, archive.

Each is one transaction that locks, checks, changes and writes its audit event; a failure changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import validation
from models.audit.record import record
from models.clock import now
from models.db.connection import CONNECTION, write_transaction
from models.db.locking import get_version, lock_existing_model, lock_model
from models.db.retry import retried
from models.entities import (
    Artifact,
    AuditAction,
    AuditEvent,
    Deployment,
    Metric,
    ModelTag,
    ModelVersion,
    RegisteredModel,
    VersionStatus,
    VersionTag,
)
from models.errors import Conflict, InvalidInput, NotFound
from models.idempotency import Request, replay_or_run
from models.monitoring.profiles import Profile, check_profile
from models.monitoring.registration import on_register, stored_profile

#: The problem with an ``artifact_sha256`` that no recorded artifact has; ``schema`` adds how to upload one.
ARTIFACT_NOT_UPLOADED = "no artifact with this sha256 was uploaded"


@dataclass(frozen=True)
class ModelChange:
    model: RegisteredModel
    event: AuditEvent


@dataclass(frozen=True)
class VersionChange:
    version: ModelVersion
    event: AuditEvent


@retried
async def create_model(
    *,
    name: str,
    actor: str,
    request_id: str | None = None,
    description: str | None = None,
    tags: list[tuple[str, str]] | None = None,
) -> ModelChange:
    validation.model_name(name, "name")
    validation.text(description, "description", max_length=validation.MAX_DESCRIPTION)
    tag_map = validation.tags(tags, "tags")
    async with write_transaction() as conn:
        if await lock_model(conn, name) is not None:
            raise Conflict(f"a model named {name!r} already exists")
        model = await _insert_model(conn, name=name, actor=actor, description=description, tags=tag_map)
        if model is None:
            raise Conflict(f"a model named {name!r} already exists")
        event = await record(
            conn,
            action=AuditAction.MODEL_CREATED,
            actor=actor,
            model=model,
            request_id=request_id,
            details={"description": description, "tags": tag_map},
        )
    return ModelChange(model, event)


@retried
async def update_model(
    *,
    name: str,
    actor: str,
    request_id: str | None = None,
    description: str | None = None,
    tags: list[tuple[str, str]] | None = None,
    metric_directions: list[tuple[str, str]] | None = None,
) -> ModelChange:
    """Replace the description, the whole tag set and/or the declared metric directions (``None`` leaves a field
    as it is; ``metric_directions`` maps metric names to ``higher`` or ``lower``, ``[]`` removes them all)."""
    validation.model_name(name, "name")
    validation.text(description, "description", max_length=validation.MAX_DESCRIPTION)
    new_tags = validation.tags(tags, "tags") if tags is not None else None
    directions = validation.metric_directions(metric_directions) if metric_directions is not None else None
    if description is None and new_tags is None and directions is None:
        raise InvalidInput("", "give description, tags or metricDirections to change")
    async with write_transaction() as conn:
        model = await lock_existing_model(conn, name)
        changes: dict[str, Any] = {}
        if description is not None and description != model.description:
            changes["description"] = {"from": model.description, "to": description}
            model.description = description
        if new_tags is not None:
            old_tags = {tag.key: tag.value for tag in await ModelTag.filter(model_id=model.id).using_db(conn)}
            if old_tags != new_tags:
                changes["tags"] = {"from": old_tags, "to": new_tags}
                await ModelTag.filter(model_id=model.id).using_db(conn).delete()
                await _insert_tags(conn, ModelTag, "model_id", model.id, new_tags)
        if directions is not None and directions != model.metric_directions:
            changes["metricDirections"] = {"from": model.metric_directions, "to": directions}
            model.metric_directions = directions
        model.updated_at = now()
        await model.save(using_db=conn, update_fields=["description", "metric_directions", "updated_at"])
        event = await record(
            conn, action=AuditAction.MODEL_UPDATED, actor=actor, model=model, request_id=request_id, details=changes
        )
    return ModelChange(model, event)


@dataclass(frozen=True)
class Registration:
    """What a training pipeline knows about a version it registers.

    ``InvalidInput`` names a bad field as it is named here, with the path into it (``metrics[2].value``).
    """

    description: str | None = None
    tags: list[tuple[str, str]] | None = None
    metrics: list[tuple[str, float]] | None = None
    hyperparameters: dict[str, Any] | None = None
    feature_names: list[str] | None = None
    model_type: str | None = None
    framework: str | None = None
    dataset_version: str | None = None
    training_duration_seconds: float | None = None
    artifact_sha256: str | None = None
    artifact_format: str | None = None
    #: Monitoring (docs/monitoring.md): the version's reference profile, and whether the version answers the model's
    #: open retraining request (which registering then completes).
    reference_profile: Profile | None = None
    answers_retraining: bool = False


@dataclass(frozen=True)
class RegisteredVersion:
    version: ModelVersion
    event: AuditEvent
    #: The MODEL_CREATED event when registering created the model.
    model_event: AuditEvent | None = None

    def stored(self) -> dict[str, Any]:
        return {
            "version": self.version.id,
            "event": self.event.id,
            "modelEvent": self.model_event.id if self.model_event else None,
        }

    @classmethod
    async def rebuilt(cls, conn: BaseDBAsyncClient, stored: dict[str, Any]) -> RegisteredVersion:
        version = await ModelVersion.get(id=stored["version"], using_db=conn)
        event = await AuditEvent.get(id=stored["event"], using_db=conn)
        model_event = await AuditEvent.get(id=stored["modelEvent"], using_db=conn) if stored["modelEvent"] else None
        return cls(version, event, model_event)


@dataclass(frozen=True)
class _Checked:
    """A registration that passed validation, in the shapes the tables take."""

    registration: Registration
    tags: dict[str, str]
    metrics: dict[str, float]
    hyperparameters: dict[str, Any]
    feature_names: list[str]
    #: The artifact's format (default joblib) when the registration names an artifact, else None.
    artifact_format: str | None


@retried
async def register_version(
    *,
    model: str,
    registration: Registration,
    actor: str,
    request_id: str | None = None,
    create_model: bool = True,
    idempotency_key: str | None = None,
) -> RegisteredVersion:
    """Register the next version of ``model``, creating the model first when asked to."""
    validation.model_name(model, "model")
    checked = _checked(registration)
    key = validation.idempotency_key(idempotency_key, "idempotency_key")
    arguments = {"model": model, "createModel": create_model, **_registration_arguments(registration)}
    keyed = Request("registerVersion", principal=actor, key=key, arguments=arguments)
    async with write_transaction() as conn:
        return await replay_or_run(
            conn,
            keyed,
            RegisteredVersion,
            lambda: _register(conn, model, checked, actor=actor, request_id=request_id, create_model=create_model),
        )


@retried
async def archive_version(
    *, model: str, version: int, actor: str, request_id: str | None = None, reason: str | None = None
) -> VersionChange:
    validation.model_name(model, "model")
    validation.positive_version(version, "version")
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        found = await get_version(conn, target, version)
        if found.status == VersionStatus.ARCHIVED:
            raise Conflict(f"version {version} of {model!r} is already ARCHIVED")
        environments = sorted(
            await Deployment.filter(version_id=found.id, retired_at=None)
            .using_db(conn)
            .values_list("environment", flat=True)
        )
        if environments:
            raise Conflict(
                f"version {version} of {model!r} is active in {', '.join(map(str, environments))}; "
                "demote it or promote another version first"
            )
        found.status = VersionStatus.ARCHIVED
        await found.save(using_db=conn, update_fields=["status"])
        target.updated_at = now()
        await target.save(using_db=conn, update_fields=["updated_at"])
        event = await record(
            conn,
            action=AuditAction.VERSION_ARCHIVED,
            actor=actor,
            model=target,
            version=found,
            reason=reason,
            request_id=request_id,
        )
    return VersionChange(found, event)


def _checked(reg: Registration) -> _Checked:
    """Validate every field of ``reg``, before any SQL."""
    validation.text(reg.description, "description", max_length=validation.MAX_DESCRIPTION)
    tag_map = validation.tags(reg.tags, "tags")
    metric_map = validation.metrics(reg.metrics, "metrics")
    hyperparameters = validation.hyperparameters(reg.hyperparameters, "hyperparameters")
    features = validation.feature_names(reg.feature_names, "feature_names")
    for field, value in (
        ("model_type", reg.model_type),
        ("framework", reg.framework),
        ("dataset_version", reg.dataset_version),
    ):
        validation.text(value, field, max_length=validation.MAX_SHORT_TEXT)
    validation.non_negative_finite(reg.training_duration_seconds, "training_duration_seconds")
    sha256 = validation.sha256(reg.artifact_sha256, "artifact_sha256") if reg.artifact_sha256 is not None else None
    if reg.artifact_format is not None and sha256 is None:
        raise InvalidInput("artifact_format", "is only used together with artifactSha256")
    artifact_format = validation.artifact_format(reg.artifact_format, "artifact_format") if sha256 else None
    if reg.reference_profile is not None:
        check_profile(reg.reference_profile, feature_names=features, field="reference_profile")
    return _Checked(reg, tag_map, metric_map, hyperparameters, features, artifact_format)


async def _register(
    conn: BaseDBAsyncClient, model: str, checked: _Checked, *, actor: str, request_id: str | None, create_model: bool
) -> RegisteredVersion:
    sha256 = checked.registration.artifact_sha256
    if sha256 is not None and not await Artifact.exists(sha256=sha256, using_db=conn):
        raise InvalidInput("artifact_sha256", ARTIFACT_NOT_UPLOADED)
    target, model_event = await _model_to_register_in(
        conn, model, actor=actor, request_id=request_id, create_model=create_model
    )
    stamp = now()
    target.version_count += 1
    target.updated_at = stamp
    await target.save(using_db=conn, update_fields=["version_count", "updated_at"])
    version = await _insert_version(conn, target, checked, actor=actor, at=stamp)
    event = await record(
        conn,
        action=AuditAction.VERSION_REGISTERED,
        actor=actor,
        model=target,
        version=version,
        request_id=request_id,
        details={
            "number": version.number,
            "artifactSha256": sha256,
            "datasetVersion": checked.registration.dataset_version,
        },
        at=stamp,
    )
    await on_register(
        conn,
        model=target,
        version=version,
        profile=checked.registration.reference_profile,
        answers_retraining=checked.registration.answers_retraining,
        actor=actor,
        request_id=request_id,
    )
    return RegisteredVersion(version, event, model_event)


async def _model_to_register_in(
    conn: BaseDBAsyncClient, name: str, *, actor: str, request_id: str | None, create_model: bool
) -> tuple[RegisteredModel, AuditEvent | None]:
    """The model's row, locked; created first (with its MODEL_CREATED event) when it does not exist yet."""
    target = await lock_model(conn, name)
    if target is not None:
        return target, None
    if not create_model:
        raise NotFound(f"no model named {name!r} (set createModel: true to create it)")
    target = await _insert_model(conn, name=name, actor=actor, description=None, tags={})
    if target is None:  # created by a concurrent request between our lookup and insert
        return await lock_existing_model(conn, name), None
    event = await record(conn, action=AuditAction.MODEL_CREATED, actor=actor, model=target, request_id=request_id)
    return target, event


async def _insert_version(
    conn: BaseDBAsyncClient, model: RegisteredModel, checked: _Checked, *, actor: str, at: datetime
) -> ModelVersion:
    """Insert the version numbered ``model.version_count``, with its metrics and tags."""
    reg = checked.registration
    version = await ModelVersion.create(
        model_id=model.id,
        number=model.version_count,
        status=VersionStatus.READY,
        description=reg.description,
        hyperparameters=checked.hyperparameters,
        feature_names=checked.feature_names,
        model_type=reg.model_type,
        framework=reg.framework,
        dataset_version=reg.dataset_version,
        training_duration_seconds=reg.training_duration_seconds,
        artifact_id=reg.artifact_sha256,
        artifact_format=checked.artifact_format,
        created_at=at,
        created_by=actor,
        using_db=conn,
    )
    if checked.metrics:
        await Metric.bulk_create(
            [Metric(version_id=version.id, model_id=model.id, name=n, value=v) for n, v in checked.metrics.items()],
            using_db=conn,
        )
    await _insert_tags(conn, VersionTag, "version_id", version.id, checked.tags)
    return version


async def _insert_model(
    conn: BaseDBAsyncClient, *, name: str, actor: str, description: str | None, tags: dict[str, str]
) -> RegisteredModel | None:
    """Insert a model, or return None when a concurrent transaction created the same name first."""
    stamp = now()
    try:
        async with in_transaction(CONNECTION) as savepoint:
            model = await RegisteredModel.create(
                name=name,
                description=description,
                created_at=stamp,
                created_by=actor,
                updated_at=stamp,
                version_count=0,
                using_db=savepoint,
            )
    except IntegrityError:
        return None
    await _insert_tags(conn, ModelTag, "model_id", model.id, tags)
    return model


async def _insert_tags(
    conn: BaseDBAsyncClient, table: type[ModelTag] | type[VersionTag], owner: str, owner_id: int, tags: dict[str, str]
) -> None:
    if tags:
        await table.bulk_create(
            [table(**{owner: owner_id, "key": key, "value": value}) for key, value in tags.items()],  # type: ignore[misc]
            using_db=conn,
        )


def _registration_arguments(reg: Registration) -> dict[str, Any]:
    return {
        "description": reg.description,
        "tags": reg.tags,
        "metrics": reg.metrics,
        "hyperparameters": reg.hyperparameters,
        "featureNames": reg.feature_names,
        "modelType": reg.model_type,
        "framework": reg.framework,
        "datasetVersion": reg.dataset_version,
        "trainingDurationSeconds": reg.training_duration_seconds,
        "artifactSha256": reg.artifact_sha256,
        "artifactFormat": reg.artifact_format,
        "referenceProfile": stored_profile(reg.reference_profile),
        "answersRetraining": reg.answers_retraining,
    }
