"""Verdicts: a window's statistics per feature against its reference profile, and what the policy makes of them.

Computed once, when a window is recorded (and, for performance, when labels arrive), and stored with the window
(``MonitoringWindow.drift`` and ``performance``), so reading windows never recomputes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.entities import DriftStatus, PerformanceStatus
from models.monitoring import statistics
from models.monitoring.policy import Policy
from models.monitoring.profiles import BinCounts, FeatureKind, FeatureProfile, Profile, WindowCounts

#: A feature's reference profile and the window's counts on its bins.
Pair = tuple[FeatureProfile, BinCounts]

#: Metrics where lower is better; for every other metric higher is better. A name containing "loss" or "error"
#: counts as lower-is-better too.
LOWER_IS_BETTER = frozenset({"mse", "rmse", "mae", "mape", "brier", "brier_score"})


def lower_is_better(metric: str) -> bool:
    name = metric.lower()
    return name in LOWER_IS_BETTER or "loss" in name or "error" in name


@dataclass(frozen=True)
class Drift:
    """The window's drift verdict: ``features`` by name, in the reference profile's order, each a dict as
    ``_features_drift`` returns."""

    status: DriftStatus
    drifting: int
    features: dict[str, dict[str, Any]]
    prediction: dict[str, Any]

    def stored(self) -> dict[str, Any]:
        # "order" keeps the reference profile's order of the features: PostgreSQL's jsonb does not keep an object's
        # key order (it sorts keys by length, then bytes), SQLite's text does.
        return {"features": self.features, "order": list(self.features), "prediction": self.prediction}


_INSUFFICIENT = DriftStatus.INSUFFICIENT_DATA.value


def _unjudged(reference: FeatureProfile, current: BinCounts, rows: int) -> dict[str, Any]:
    """A feature's result before its statistics: null statistics and INSUFFICIENT_DATA, its missing shares."""
    return {
        "kind": reference.kind.value,
        "psi": None,
        "jensenShannon": None,
        "wasserstein": None,
        "chiSquared": None,
        "pValue": None,
        "missingShare": current.missing / rows if rows else 0.0,
        "referenceMissingShare": reference.missing / max(sum(reference.counts) + reference.missing, 1),
        "status": _INSUFFICIENT,
    }


def _features_drift(pairs: Sequence[Pair], policy: Policy, rows: int) -> list[dict[str, Any]]:
    """Statistics and status of each (reference, window counts) pair, in order; the statistics are null when either
    side has no values. Pairs with the same number of bins are judged together."""
    results = [_unjudged(reference, current, rows) for reference, current in pairs]
    if rows < policy.min_rows:
        return results
    by_bins: dict[int, list[int]] = {}
    for index, (reference, current) in enumerate(pairs):
        if sum(current.counts) > 0 and sum(reference.counts) > 0:
            by_bins.setdefault(len(reference.counts), []).append(index)
    for indices in by_bins.values():
        _judge_rows([pairs[i] for i in indices], [results[i] for i in indices], policy)
    return results


def _judge_rows(pairs: list[Pair], results: list[dict[str, Any]], policy: Policy) -> None:
    """Fill in the statistics and status of pairs that all have the same number of bins: each statistic is computed
    for all of them at once (statistics.py, ``*_rows``), as numpy's per-call cost outweighs the arithmetic on
    a few dozen bins (docs/performance.md, "Recording a window")."""
    references = np.array([reference.counts for reference, _ in pairs], dtype=np.float64)
    currents = np.array([current.counts for _, current in pairs], dtype=np.float64)
    psis = statistics.psi_rows(references, currents)
    distances = statistics.jensen_shannon_rows(references, currents)
    numeric = [n for n, (reference, _) in enumerate(pairs) if reference.kind is FeatureKind.NUMERIC]
    moved = _wasserstein([pairs[n][0] for n in numeric], references[numeric], currents[numeric])
    moved_by_row = dict(zip(numeric, moved, strict=True))
    for n, ((reference, current), result) in enumerate(zip(pairs, results, strict=True)):
        result["psi"] = psis[n]
        result["jensenShannon"] = distances[n]
        if reference.kind is FeatureKind.NUMERIC:
            result["wasserstein"] = moved_by_row[n]
        else:
            result["chiSquared"], result["pValue"] = statistics.chi_squared(reference.counts, current.counts)
        result["status"] = _status(psis[n], result["pValue"], reference.kind, policy).value


def _status(psi: float | None, p_value: float | None, kind: FeatureKind, policy: Policy) -> DriftStatus:
    if psi is None:  # it overflowed (statistics.py): a number that measures nothing judges nothing
        return DriftStatus.INSUFFICIENT_DATA
    if psi >= policy.psi_drift:
        status = DriftStatus.DRIFT
    else:
        status = DriftStatus.WARNING if psi >= policy.psi_warning else DriftStatus.OK
    confirmed = p_value is not None and p_value < policy.chi_squared_p_value
    if kind is FeatureKind.CATEGORICAL and status is DriftStatus.DRIFT and not confirmed:
        return DriftStatus.WARNING
    return status


def _wasserstein(
    references: list[FeatureProfile], reference_counts: NDArray[np.float64], current_counts: NDArray[np.float64]
) -> list[float | None]:
    """The Wasserstein distance of numeric features with the same number of bins, each in units of its reference's
    spread: its standard deviation, else its edges' range, else 1."""
    if not references:
        return []
    positions = statistics.bin_positions_rows(
        [reference.edges for reference in references], [reference.std for reference in references]
    )
    distances = statistics.wasserstein_rows(reference_counts, current_counts, positions)
    return [
        None
        if distance is None
        else statistics.finite(distance / (reference.std or (reference.edges[-1] - reference.edges[0]) or 1.0))
        for distance, reference in zip(distances, references, strict=True)
    ]


def assess_drift(profile: Profile, window: WindowCounts, policy: Policy) -> Drift:
    counts = {c.name: c for c in window.features}
    pairs = [(f, counts[f.name]) for f in profile.features]
    *judged_features, prediction = _features_drift(
        [*pairs, (profile.predictions, window.predictions)], policy, window.row_count
    )
    features = {reference.name: result for (reference, _), result in zip(pairs, judged_features, strict=True)}
    statuses = [result["status"] for result in judged_features]
    drifting = statuses.count(DriftStatus.DRIFT.value)
    judged = [s for s in statuses if s != _INSUFFICIENT]
    if window.row_count < policy.min_rows or not judged:
        status = DriftStatus.INSUFFICIENT_DATA
    elif drifting / len(judged) >= policy.drift_share:
        status = DriftStatus.DRIFT
    elif any(s != DriftStatus.OK.value for s in judged):
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
