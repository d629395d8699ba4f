"""Verdicts: a window's statistics per feature against its reference profile, and what the policy makes of them.

Computed once, when a window is recorded (and, for performance, when labels arrive), and stored with the window
(``MonitoringWindow.drift`` and ``performance``), so reading windows never recomputes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.entities import DriftStatus, PerformanceStatus
from models.monitoring import statistics
from models.monitoring.policy import Policy
from models.monitoring.profiles import BinCounts, FeatureKind, FeatureProfile, Profile, WindowCounts

#: Metrics where lower is better; for every other metric higher is better. A name containing "loss" or "error"
#: counts as lower-is-better too.
LOWER_IS_BETTER = frozenset({"mse", "rmse", "mae", "mape", "brier", "brier_score"})


def lower_is_better(metric: str) -> bool:
    name = metric.lower()
    return name in LOWER_IS_BETTER or "loss" in name or "error" in name


@dataclass(frozen=True)
class Drift:
    """The window's drift verdict: ``features`` by name, each a dict as ``feature_drift`` returns."""

    status: DriftStatus
    drifting: int
    features: dict[str, dict[str, Any]]
    prediction: dict[str, Any]

    def stored(self) -> dict[str, Any]:
        return {"features": self.features, "prediction": self.prediction}


def feature_drift(reference: FeatureProfile, current: BinCounts, policy: Policy, rows: int) -> dict[str, Any]:
    """Statistics of one feature and its status; the statistics are null when either side has no values."""
    result: dict[str, Any] = {
        "kind": reference.kind.value,
        "psi": None,
        "jensenShannon": None,
        "wasserstein": None,
        "chiSquared": None,
        "pValue": None,
        "missingShare": current.missing / rows if rows else 0.0,
        "referenceMissingShare": reference.missing / max(sum(reference.counts) + reference.missing, 1),
        "status": DriftStatus.INSUFFICIENT_DATA.value,
    }
    if rows < policy.min_rows or sum(current.counts) == 0 or sum(reference.counts) == 0:
        return result
    psi = statistics.psi(reference.counts, current.counts)
    result["psi"] = psi
    result["jensenShannon"] = statistics.jensen_shannon(reference.counts, current.counts)
    status = (
        DriftStatus.DRIFT
        if psi >= policy.psi_drift
        else DriftStatus.WARNING
        if psi >= policy.psi_warning
        else DriftStatus.OK
    )
    if reference.kind is FeatureKind.NUMERIC:
        spread = reference.std or (reference.edges[-1] - reference.edges[0]) or 1.0
        positions = statistics.bin_positions(reference.edges, reference.std)
        result["wasserstein"] = statistics.wasserstein(reference.counts, current.counts, positions) / spread
    else:
        chi2, p_value = statistics.chi_squared(reference.counts, current.counts)
        result["chiSquared"], result["pValue"] = chi2, p_value
        if status is DriftStatus.DRIFT and p_value >= policy.chi_squared_p_value:
            status = DriftStatus.WARNING
    result["status"] = status.value
    return result


def assess_drift(profile: Profile, window: WindowCounts, policy: Policy) -> Drift:
    counts = {c.name: c for c in window.features}
    features = {f.name: feature_drift(f, counts[f.name], policy, window.row_count) for f in profile.features}
    prediction = feature_drift(profile.predictions, window.predictions, policy, window.row_count)
    statuses = [DriftStatus(f["status"]) for f in features.values()]
    drifting = statuses.count(DriftStatus.DRIFT)
    judged = [s for s in statuses if s is not DriftStatus.INSUFFICIENT_DATA]
    if window.row_count < policy.min_rows or not judged:
        status = DriftStatus.INSUFFICIENT_DATA
    elif drifting / len(judged) >= policy.drift_share:
        status = DriftStatus.DRIFT
    elif any(s is not DriftStatus.OK for s in judged):
        status = DriftStatus.WARNING
    else:
        status = DriftStatus.OK
    return Drift(status=status, drifting=drifting, features=features, prediction=prediction)


def assess_performance(
    *, metrics: Mapping[str, float], registered: Mapping[str, float], labeled_rows: int, rows: int, policy: Policy
) -> tuple[PerformanceStatus, list[dict[str, Any]]]:
    """Each realized metric against the version's registered value, and the window's performance status."""
    coverage = labeled_rows / rows if rows else 0.0
    enough = labeled_rows >= 1 and coverage >= policy.min_label_coverage
    compared: list[dict[str, Any]] = []
    for name in sorted(metrics):
        value = metrics[name]
        baseline = registered.get(name)
        delta = value - baseline if baseline is not None else None
        worse = None if delta is None else (delta if lower_is_better(name) else -delta)
        degraded = enough and worse is not None and baseline is not None and worse > policy.metric_drop * abs(baseline)
        compared.append(
            {"metric": name, "realized": value, "registered": baseline, "delta": delta, "degraded": degraded}
        )
    if not enough or not any(item["registered"] is not None for item in compared):
        return PerformanceStatus.INSUFFICIENT_DATA, compared
    if any(item["degraded"] for item in compared):
        return PerformanceStatus.DEGRADED, compared
    return PerformanceStatus.OK, compared
