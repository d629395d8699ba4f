"""Several processes record windows, and open and cancel retraining requests, for one model at once, on SQLite
and PostgreSQL: no window is lost and no two requests are ever open together (the partial unique index
``uniq_retraining_request_open_model`` would refuse the second; the model's row lock means it never has to)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import cast

from models.audit.chain import verify
from models.clock import now
from models.db.connection import connected
from models.deployments.operations import promote
from models.entities import (
    AuditAction,
    AuditEvent,
    MonitoringWindow,
    RegisteredModel,
    RetrainingRequest,
    RetrainingState,
)
from models.monitoring.operations import set_reference_profile
from models.monitoring.profiles import FeatureKind, FeatureProfile, Profile
from models.registry.operations import Registration, register_version
from tests.deployments.test_concurrency import _run_workers
from tests.monitoring import workers

PROCESSES = 4
WINDOWS_PER_PROCESS = 12
PROFILE = Profile(
    row_count=1_000,
    features=(
        FeatureProfile("x", FeatureKind.NUMERIC, (200, 200, 200, 200, 200), edges=(1.0, 2.0, 3.0, 4.0), std=1.4),
    ),
    predictions=FeatureProfile("prediction", FeatureKind.CATEGORICAL, (500, 500, 0), categories=("0", "1")),
)


async def _setup(url: str, model: str) -> None:
    async with connected(url):
        await register_version(model=model, registration=Registration(feature_names=["x"]), actor="setup")
        await promote(model=model, version=1, actor="setup")
        await set_reference_profile(model=model, version=1, profile=PROFILE, actor="setup")


async def _state(url: str, model: str) -> tuple[list[str], list[RetrainingRequest], dict[AuditAction, int]]:
    async with connected(url):
        target = await RegisteredModel.get(name=model)
        keys = [str(k) for k in await MonitoringWindow.filter(model_id=target.id).values_list("key", flat=True)]
        requests = await RetrainingRequest.filter(model_id=target.id).order_by("id")
        actions = {
            action: await AuditEvent.filter(model_id=target.id, action=action).count()
            for action in (AuditAction.RETRAINING_REQUESTED, AuditAction.RETRAINING_CANCELLED)
        }
        (chain,) = await verify(model=model)
        assert chain.finding is None, chain
        return keys, requests, actions


def test_concurrent_windows_and_requests_never_open_two_requests_or_lose_a_window(database_url: str) -> None:
    model = "watched"
    asyncio.run(_setup(database_url, model))
    start = now() + timedelta(minutes=1)
    # The runner of the promotion races; its outcomes are typed as theirs, but ours have the same worker and errors.
    outcomes = cast(
        list[workers.Outcome],
        _run_workers(
            workers.record_and_request,
            [(database_url, index, model, start, WINDOWS_PER_PROCESS) for index in range(PROCESSES)],
        ),
    )
    keys, requests, actions = asyncio.run(_state(database_url, model))

    recorded = sorted(key for outcome in outcomes for key in outcome.recorded)
    assert sorted(keys) == recorded and len(recorded) == PROCESSES * WINDOWS_PER_PROCESS, "a window was lost"
    open_now = [r for r in requests if r.state.is_open]
    assert len(open_now) <= 1
    # Requests were opened and closed one after another: each one's life ends before the next one starts.
    for earlier, later in itertools.pairwise(requests):
        assert earlier.state is RetrainingState.CANCELLED and earlier.closed_at is not None
        assert earlier.closed_at <= later.requested_at, f"requests {earlier.id} and {later.id} were open together"
    assert len(requests) == sum(outcome.opened for outcome in outcomes) == actions[AuditAction.RETRAINING_REQUESTED]
    assert sum(outcome.cancelled for outcome in outcomes) == actions[AuditAction.RETRAINING_CANCELLED]
    assert len(requests) > 1, "the race never reopened a request: raise WINDOWS_PER_PROCESS"
