"""Monitoring's writes: reference profiles, windows and their late labels, policies, retraining requests.

Each is one transaction that locks the model's row, checks, changes and writes its audit events on the model's
chain. Recording a window is not itself audited (windows are telemetry, many a day); what is audited is a change of
verdict on a deployment's newest window, and every change of a retraining request, including one the policy opens.
Invariants in the database: one profile per version (a unique column), one window per (model, environment, key),
one policy per (model, environment), and at most one open retraining request per model (a partial unique index).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from models import validation
from models.audit.record import record
from models.clock import now
from models.db.connection import write_transaction
from models.db.locking import get_version, lock_existing_model
from models.db.retry import retried
from models.entities import (
    AuditAction,
    AuditEvent,
    Deployment,
    DriftStatus,
    ModelVersion,
    MonitoringPolicy,
    MonitoringWindow,
    PerformanceStatus,
    ReferenceProfile,
    RegisteredModel,
    RetrainingRequest,
    RetrainingState,
    RetrainingTrigger,
)
from models.environments.declared import require_declared
from models.errors import Conflict, InvalidInput, NotFound
from models.monitoring import state
from models.monitoring.limits import MAX_WINDOW_METRICS
from models.monitoring.policy import Policy
from models.monitoring.profiles import Profile, WindowCounts, check_profile, check_window
from models.monitoring.verdicts import assess_drift, assess_performance


@dataclass(frozen=True)
class ProfileChange:
    profile: ReferenceProfile
    version: ModelVersion
    event: AuditEvent


@dataclass(frozen=True)
class WindowRecord:
    window: MonitoringWindow
    #: False when a window with this key and the same content was recorded before: nothing was written.
    created: bool
    #: Verdict changes, and a retraining request the policy opened, in this call.
    events: list[AuditEvent]
    opened: RetrainingRequest | None = None


@dataclass(frozen=True)
class PolicyChange:
    policy: Policy
    event: AuditEvent


@dataclass(frozen=True)
class RetrainingChange:
    request: RetrainingRequest
    event: AuditEvent


# Reference profiles.


@retried
async def set_reference_profile(
    *, model: str, version: int, profile: Profile, actor: str, request_id: str | None = None
) -> ProfileChange:
    """Give a version its reference profile. Profiles are immutable: a version that has one keeps it."""
    validation.model_name(model)
    validation.positive_version(version)
    check_profile(profile, feature_names=())
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        row = await get_version(conn, target, version)
        if await ReferenceProfile.exists(version_id=row.id, using_db=conn):
            raise InvalidInput(
                "version",
                f"version {version} of {model!r} already has a reference profile, and profiles never change; "
                "register a new version to monitor against another reference",
            )
        check_profile(profile, feature_names=row.feature_names)
        stored = await ReferenceProfile.create(
            version_id=row.id,
            model_id=target.id,
            row_count=profile.row_count,
            features=[f.stored() for f in profile.features],
            predictions=profile.predictions.stored(),
            created_at=now(),
            created_by=actor,
            using_db=conn,
        )
        event = await record(
            conn,
            action=AuditAction.REFERENCE_PROFILE_SET,
            actor=actor,
            model=target,
            version=row,
            request_id=request_id,
            details={"rowCount": profile.row_count, "features": len(profile.features)},
        )
    return ProfileChange(stored, row, event)


# Windows.

#: How far past the server's clock a window may end. Traffic is counted on the caller's machine, whose clock may run
#: a little ahead of the server's; a window further in the future cannot have been observed, and recorded it would
#: be the deployment's newest for ever after, so every real window would count as late and change no verdict.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def _window_key(key: str | None, start: datetime, end: datetime) -> str:
    if key is None:  # in UTC, so one period is one key whatever offset the caller wrote it with
        return f"{start.astimezone(UTC).isoformat()}/{end.astimezone(UTC).isoformat()}"
    if not 1 <= len(key) <= 128:
        raise InvalidInput("key", "window keys are 1 to 128 characters")
    return key


def _check_period(start: datetime, end: datetime, rows: int, labeled: int) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start", "start and end need a time zone (e.g. 2026-12-01T00:00:00Z)")
    if end <= start:
        raise InvalidInput("end", f"the window must end after it starts ({end.isoformat()} <= {start.isoformat()})")
    latest = now() + MAX_CLOCK_SKEW
    if end > latest:
        raise InvalidInput(
            "end",
            f"the window ends in the future ({end.isoformat()}; the server's clock allows up to "
            f"{latest.astimezone(UTC).isoformat(timespec='seconds')}); record a window once it is over",
        )
    if rows < 0:
        raise InvalidInput("row_count", f"must be at least 0 (got {rows})")
    if not 0 <= labeled <= rows:
        raise InvalidInput("labeled_rows", f"must be between 0 and rowCount ({rows}); got {labeled}")


def _metrics(items: list[tuple[str, float]] | None) -> dict[str, float]:
    if items and len(items) > MAX_WINDOW_METRICS:
        raise InvalidInput("metrics", f"at most {MAX_WINDOW_METRICS} metrics per window")
    return validation.metrics(items, "metrics")


def _content_hash(window: WindowCounts, start: datetime, end: datetime) -> str:
    content = {
        "start": start.astimezone(UTC).isoformat(),
        "end": end.astimezone(UTC).isoformat(),
        "rows": window.row_count,
        "features": {c.name: c.stored() for c in window.features},
        "predictions": window.predictions.stored(),
        "metrics": window.metrics,
        "labeled": window.labeled_rows,
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


@retried
async def record_window(
    *,
    model: str,
    environment: str | None,
    start: datetime,
    end: datetime,
    counts: WindowCounts,
    actor: str,
    key: str | None = None,
    metrics: list[tuple[str, float]] | None = None,
    request_id: str | None = None,
) -> WindowRecord:
    """Record a window of production traffic, judge it against the reference profile of the version deployed in
    ``environment`` during it, and act on the verdict (audit event, retraining request) as the policy says.

    Idempotent by ``key`` (default: start and end): the same key with the same content returns the stored window,
    with other content it is a ``Conflict``.
    """
    validation.model_name(model)
    env = validation.environment(environment)
    _check_period(start, end, counts.row_count, counts.labeled_rows)
    window_key = _window_key(key, start, end)
    counts = WindowCounts(counts.row_count, counts.features, counts.predictions, _metrics(metrics), counts.labeled_rows)
    content = _content_hash(counts, start, end)
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        existing = await MonitoringWindow.get_or_none(
            model_id=target.id, environment=env, key=window_key, using_db=conn
        )
        if existing is not None:
            if existing.content_hash != content:
                raise Conflict(f"window {window_key!r} of {model!r} in {env} was recorded with other content")
            return WindowRecord(existing, created=False, events=[])
        deployment = await _deployment(conn, target, env, start, end)
        profile_row = await ReferenceProfile.get_or_none(version_id=deployment.version_id, using_db=conn)
        if profile_row is None:
            raise InvalidInput(
                "model",
                f"the version deployed in {env} then has no reference profile; set one with setReferenceProfile",
            )
        profile = state.profile_of(profile_row)
        check_window(counts, profile)
        policy = await state.policy_for(conn, target.id, env)
        window = MonitoringWindow(
            deployment_id=deployment.id,
            model_id=target.id,
            environment=env,
            key=window_key,
            content_hash=content,
            window_start=start,
            window_end=end,
            created_by=actor,
        )
        await _judge(conn, window, deployment, profile, policy, counts)
        return await _act_on_verdict(conn, target, window, policy, actor, request_id)


async def _deployment(
    conn: BaseDBAsyncClient, model: RegisteredModel, env: str, start: datetime, end: datetime
) -> Deployment:
    deployment = await state.deployment_during(conn, model.id, env, start, end)
    if deployment is None:
        raise InvalidInput(
            "environment",
            f"nothing of {model.name!r} was deployed in {env} between {start.isoformat()} and {end.isoformat()}",
        )
    return deployment


async def _judge(
    conn: BaseDBAsyncClient,
    window: MonitoringWindow,
    deployment: Deployment,
    profile: Profile,
    policy: Policy,
    counts: WindowCounts,
) -> None:
    """Fill in the window's counts and verdicts, and insert it."""
    drift = assess_drift(profile, counts, policy)
    performance_status, performance = assess_performance(
        metrics=counts.metrics,
        registered=await state.registered_metrics(conn, deployment.version_id),
        labeled_rows=counts.labeled_rows,
        rows=counts.row_count,
        policy=policy,
    )
    window.row_count = counts.row_count
    window.features = {c.name: c.stored() for c in counts.features}
    window.predictions = counts.predictions.stored()
    window.drift = drift.stored()
    window.status = drift.status
    window.drifting_features = drift.drifting
    window.labeled_rows = counts.labeled_rows
    window.metrics = counts.metrics
    window.performance = performance
    window.performance_status = performance_status
    window.created_at = window.updated_at = now()
    await window.save(using_db=conn)


async def _act_on_verdict(
    conn: BaseDBAsyncClient,
    model: RegisteredModel,
    window: MonitoringWindow,
    policy: Policy,
    actor: str,
    request_id: str | None,
) -> WindowRecord:
    """Audit the verdicts of a new window that differ from the deployment's newest before it, and let the policy
    open a retraining request. A window recorded late (older than the newest) changes no current verdict."""
    # Only what is compared: the previous window's counts and statistics (tens of kB of JSON at 100 features) are
    # not decoded for it.
    previous = (
        await MonitoringWindow.filter(deployment_id=window.deployment_id, id__not=window.id)
        .using_db(conn)
        .order_by("-window_end", "-id")
        .only("id", "window_end", "status", "performance_status")
        .first()
    )
    if previous is not None and previous.window_end > window.window_end:
        return WindowRecord(window, created=True, events=[])
    events: list[AuditEvent] = []
    was_drift = previous.status if previous else DriftStatus.OK
    if window.status != was_drift and window.status is not DriftStatus.INSUFFICIENT_DATA:
        events.append(
            await _verdict_event(conn, model, window, AuditAction.DRIFT_STATUS_CHANGED, was_drift, actor, request_id)
        )
    was_performance = previous.performance_status if previous else PerformanceStatus.INSUFFICIENT_DATA
    if (
        window.performance_status != was_performance
        and window.performance_status is not PerformanceStatus.INSUFFICIENT_DATA
    ):
        events.append(
            await _verdict_event(
                conn, model, window, AuditAction.PERFORMANCE_STATUS_CHANGED, was_performance, actor, request_id
            )
        )
    opened = await _open_by_policy(conn, model, window, policy, actor, request_id, events)
    return WindowRecord(window, created=True, events=events, opened=opened)


async def _verdict_event(
    conn: BaseDBAsyncClient,
    model: RegisteredModel,
    window: MonitoringWindow,
    action: AuditAction,
    was: str,
    actor: str,
    request_id: str | None,
) -> AuditEvent:
    now_status = window.status if action is AuditAction.DRIFT_STATUS_CHANGED else window.performance_status
    details: dict[str, Any] = {"window": window.id, "key": window.key, "from": str(was), "to": str(now_status)}
    if action is AuditAction.DRIFT_STATUS_CHANGED:
        details["driftingFeatures"] = sorted(
            name for name, f in window.drift["features"].items() if f["status"] == DriftStatus.DRIFT.value
        )
    else:
        details["degradedMetrics"] = [p["metric"] for p in window.performance if p["degraded"]]
    return await record(
        conn,
        action=action,
        actor=actor,
        model=model,
        request_id=request_id,
        environment=window.environment,
        details=details,
    )


async def _open_by_policy(
    conn: BaseDBAsyncClient,
    model: RegisteredModel,
    window: MonitoringWindow,
    policy: Policy,
    actor: str,
    request_id: str | None,
    events: list[AuditEvent],
) -> RetrainingRequest | None:
    if window.status is DriftStatus.DRIFT:
        trigger = RetrainingTrigger.DRIFT
        reason = f"window {window.key} drifted: {window.drifting_features} features in DRIFT"
    elif window.performance_status is PerformanceStatus.DEGRADED:
        trigger = RetrainingTrigger.PERFORMANCE
        worse = ", ".join(p["metric"] for p in window.performance if p["degraded"])
        reason = f"window {window.key}: performance degraded ({worse})"
    else:
        return None
    if not policy.auto_retrain or await state.open_request(conn, model.id) is not None:
        return None
    change = await _open(conn, model, trigger, window.environment, window, reason, actor, request_id)
    events.append(change.event)
    return change.request


@retried
async def add_window_labels(
    *,
    model: str,
    environment: str | None,
    key: str,
    labeled_rows: int,
    metrics: list[tuple[str, float]],
    actor: str,
    request_id: str | None = None,
) -> WindowRecord:
    """Late ground truth: set the realized metrics of an earlier window (those named replace the stored ones) and the
    labeled rows they were computed on, and judge its performance again under the current policy."""
    validation.model_name(model)
    env = validation.environment(environment)
    given = _metrics(metrics)
    if not given:
        raise InvalidInput("metrics", "give at least one realized metric")
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        window = await MonitoringWindow.get_or_none(model_id=target.id, environment=env, key=key, using_db=conn)
        if window is None:
            raise NotFound(f"{model!r} has no window {key!r} in {env}")
        if not 0 <= labeled_rows <= window.row_count:
            raise InvalidInput("labeled_rows", f"must be between 0 and the window's rowCount ({window.row_count})")
        deployment = await Deployment.get(id=window.deployment_id, using_db=conn)
        policy = await state.policy_for(conn, target.id, env)
        was = window.performance_status
        window.metrics = {**window.metrics, **given}
        window.labeled_rows = labeled_rows
        window.performance_status, window.performance = assess_performance(
            metrics=window.metrics,
            registered=await state.registered_metrics(conn, deployment.version_id),
            labeled_rows=labeled_rows,
            rows=window.row_count,
            policy=policy,
        )
        window.updated_at = now()
        await window.save(using_db=conn)
        return await _act_on_labels(conn, target, window, was, policy, actor, request_id)


async def _act_on_labels(
    conn: BaseDBAsyncClient,
    model: RegisteredModel,
    window: MonitoringWindow,
    was: PerformanceStatus,
    policy: Policy,
    actor: str,
    request_id: str | None,
) -> WindowRecord:
    newest = await state.newest_window(conn, window.deployment_id)
    if newest is None or newest.id != window.id or window.performance_status == was:
        return WindowRecord(window, created=False, events=[])
    events = [await _verdict_event(conn, model, window, AuditAction.PERFORMANCE_STATUS_CHANGED, was, actor, request_id)]
    opened = None
    if window.performance_status is PerformanceStatus.DEGRADED:
        opened = await _open_by_policy(conn, model, window, policy, actor, request_id, events)
    return WindowRecord(window, created=False, events=events, opened=opened)


# Policies.

#: The thresholds setMonitoringPolicy changes, as its input names them (``Policy``'s fields).
_THRESHOLDS = "minRows, psiWarning, psiDrift, chiSquaredPValue, driftShare, metricDrop, minLabelCoverage or autoRetrain"


@retried
async def set_monitoring_policy(
    *, model: str, environment: str | None, actor: str, request_id: str | None = None, **thresholds: Any
) -> PolicyChange:
    """Change some thresholds of the policy of ``model`` in ``environment`` (None keeps a threshold as it is)."""
    validation.model_name(model)
    env = validation.environment(environment)
    if all(value is None for value in thresholds.values()):
        # A policy set to itself would write an audit event for a non-change.
        raise InvalidInput("", f"give at least one threshold to change: {_THRESHOLDS}")
    Policy().changed(**thresholds)  # checked before the transaction too: a bad value costs no lock
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        await require_declared(conn, [(env, "environment")])
        row = await MonitoringPolicy.get_or_none(model_id=target.id, environment=env, using_db=conn)
        policy = Policy.from_stored(row.thresholds if row else None).changed(**thresholds)
        if row is None:
            row = MonitoringPolicy(model_id=target.id, environment=env)
        row.thresholds = policy.stored()
        row.updated_at = now()
        row.updated_by = actor
        await row.save(using_db=conn)
        event = await record(
            conn,
            action=AuditAction.MONITORING_POLICY_SET,
            actor=actor,
            model=target,
            environment=env,
            request_id=request_id,
            details={"policy": policy.stored()},
        )
    return PolicyChange(policy, event)


# Retraining requests.


async def _open(
    conn: BaseDBAsyncClient,
    model: RegisteredModel,
    trigger: RetrainingTrigger,
    environment: str | None,
    window: MonitoringWindow | None,
    reason: str | None,
    actor: str,
    request_id: str | None,
) -> RetrainingChange:
    request = await RetrainingRequest.create(
        model_id=model.id,
        trigger=trigger,
        environment=environment,
        window_id=window.id if window else None,
        reason=reason,
        requested_at=now(),
        requested_by=actor,
        using_db=conn,
    )
    event = await record(
        conn,
        action=AuditAction.RETRAINING_REQUESTED,
        actor=actor,
        model=model,
        environment=environment,
        reason=reason,
        request_id=request_id,
        details={"retrainingRequest": request.id, "trigger": trigger.value, "window": request.window_id},
    )
    return RetrainingChange(request, event)


@retried
async def request_retraining(
    *, model: str, actor: str, reason: str | None = None, environment: str | None = None, request_id: str | None = None
) -> RetrainingChange:
    """Open a retraining request by hand. ``Conflict`` when the model has one open already."""
    validation.model_name(model)
    env = validation.environment(environment) if environment is not None else None
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        if env is not None:
            await require_declared(conn, [(env, "environment")])
        existing = await state.open_request(conn, target.id)
        if existing is not None:
            raise Conflict(
                f"{model!r} already has an open retraining request ({existing.state.value} since "
                f"{existing.requested_at.isoformat()}); acknowledge, complete or cancel it first"
            )
        return await _open(conn, target, RetrainingTrigger.MANUAL, env, None, reason, actor, request_id)


_CHANGES = {
    RetrainingState.ACKNOWLEDGED: AuditAction.RETRAINING_ACKNOWLEDGED,
    RetrainingState.COMPLETED: AuditAction.RETRAINING_COMPLETED,
    RetrainingState.CANCELLED: AuditAction.RETRAINING_CANCELLED,
}


@retried
async def change_retraining(
    *,
    model: str,
    to: RetrainingState,
    actor: str,
    reason: str | None = None,
    version: int | None = None,
    request_id: str | None = None,
) -> RetrainingChange:
    """Move the model's open retraining request to ``to``: ACKNOWLEDGED (from OPEN), COMPLETED with the ``version``
    that answers it, or CANCELLED (from either open state)."""
    validation.model_name(model)
    validation.text(reason, "reason", max_length=validation.MAX_REASON)
    if to not in _CHANGES:
        raise InvalidInput("to", "a request moves to ACKNOWLEDGED, COMPLETED or CANCELLED")
    if (to is RetrainingState.COMPLETED) != (version is not None):
        raise InvalidInput("version", "give the answering version when completing a request, and only then")
    if version is not None:
        validation.positive_version(version)
    async with write_transaction() as conn:
        target = await lock_existing_model(conn, model)
        request = await state.open_request(conn, target.id)
        if request is None:
            raise NotFound(f"{model!r} has no open retraining request")
        if to is RetrainingState.ACKNOWLEDGED and request.state is RetrainingState.ACKNOWLEDGED:
            raise Conflict(f"the retraining request of {model!r} is acknowledged already")
        answer = await get_version(conn, target, version) if version is not None else None
        at = now()
        if to is RetrainingState.ACKNOWLEDGED:
            request.acknowledged_at, request.acknowledged_by = at, actor
        else:
            request.closed_at, request.closed_by = at, actor
            if reason is not None:
                request.close_reason = reason
            request.answered_by_id = answer.id if answer else None
        request.state = to
        await request.save(using_db=conn)
        event = await record(
            conn,
            action=_CHANGES[to],
            actor=actor,
            model=target,
            version=answer,
            environment=request.environment,
            reason=reason,
            request_id=request_id,
            details={"retrainingRequest": request.id},
        )
    return RetrainingChange(request, event)
