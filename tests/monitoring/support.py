"""Shared by the monitoring tests: GraphQL documents, and a deployed version with a reference profile."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from modelreg_client.profiling import reference_profile, window_counts
from numpy.typing import NDArray

from models.clock import now
from models.entities import MonitoringPolicy, MonitoringWindow, ReferenceProfile, RetrainingRequest
from tests.support.helpers import Api, promote, register, row_counts

FEATURES = ["age", "income", "score", "color"]
ROWS = 2_000

SET_PROFILE = """
mutation Set($input: SetReferenceProfileInput!) {
  setReferenceProfile(input: $input) {
    version { number referenceProfile { rowCount features { name kind edges categories counts missing } } }
    profile { rowCount createdBy predictions { kind categories counts } }
    auditEvent { action version { number } details }
  }
}"""

RECORD = """
mutation Record($input: RecordWindowInput!) {
  recordWindow(input: $input) {
    created
    window {
      id key rowCount status driftingFeatures performanceStatus labelCoverage
      features { feature kind status psi jensenShannon wasserstein chiSquared pValue counts missing }
      prediction { status psi }
      performance { metric realized registered delta degraded }
      deployment { environment version { number } }
    }
    auditEvents { action environment details }
    retrainingRequest { state trigger environment reason window { key } }
  }
}"""

LABELS = """
mutation Labels($input: AddWindowLabelsInput!) {
  addWindowLabels(input: $input) {
    window { key labeledRows labelCoverage performanceStatus performance { metric realized registered delta degraded } }
    auditEvents { action details }
    retrainingRequest { state trigger }
  }
}"""

POLICY = """
mutation Policy($input: SetMonitoringPolicyInput!) {
  setMonitoringPolicy(input: $input) {
    policy {
      environment minRows psiWarning psiDrift chiSquaredPValue driftShare metricDrop minLabelCoverage autoRetrain
    }
    auditEvent { action environment details }
  }
}"""

REQUEST = """
mutation Request($input: RequestRetrainingInput!) {
  requestRetraining(input: $input) {
    retrainingRequest { id state trigger reason requestedBy model { name } }
    auditEvent { action reason details }
  }
}"""


async def monitoring_rows() -> dict[str, int]:
    """Rows per table, monitoring's included: a failed mutation must leave these unchanged."""
    return {
        **(await row_counts()),
        "profiles": await ReferenceProfile.all().count(),
        "windows": await MonitoringWindow.all().count(),
        "policies": await MonitoringPolicy.all().count(),
        "requests": await RetrainingRequest.all().count(),
    }


def training_data(seed: int = 0, rows: int = ROWS) -> dict[str, NDArray[Any]]:
    rng = np.random.default_rng(seed)
    return {
        "age": rng.normal(40, 10, rows),
        "income": rng.lognormal(10, 0.5, rows),
        "score": rng.uniform(0, 1, rows),
        "color": rng.choice(np.array(["red", "green", "blue"], dtype=object), rows, p=[0.5, 0.3, 0.2]),
    }


def predictions_of(data: dict[str, NDArray[Any]]) -> NDArray[Any]:
    return (data["age"] > 40).astype(int)


def shifted(data: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    """Two features moved well away from the reference: age by two standard deviations, color flipped."""
    moved = dict(data)
    moved["age"] = data["age"] + 20
    moved["color"] = np.where(data["color"] == "red", "blue", "red").astype(object)
    return moved


async def deployed_with_profile(api: Api, model: str = "churn", **registration: Any) -> dict[str, Any]:
    """Version 1 of ``model`` (accuracy 0.9), in production, with the reference profile of ``training_data()``."""
    await register(api, model, featureNames=FEATURES, metrics=[{"name": "accuracy", "value": 0.9}], **registration)
    await promote(api, model, 1)
    data = training_data()
    profile = reference_profile(data, predictions_of(data))
    await api.data(SET_PROFILE, {"input": {"model": model, "version": 1, "profile": profile}})
    return profile


def window_input(
    profile: dict[str, Any],
    data: dict[str, NDArray[Any]],
    *,
    model: str = "churn",
    start: datetime | None = None,
    hours: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    begin = start or now() - timedelta(hours=hours)  # by default a window that has just ended
    counts = window_counts(profile, data, predictions_of(data))
    return {
        "model": model,
        "start": begin.isoformat(),
        "end": (begin + timedelta(hours=hours)).isoformat(),
        **counts,
        **extra,
    }
