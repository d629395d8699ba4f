"""Profiles and window counts made on the client (modelreg_client.profiling), checked by the server's own rules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from modelreg_client.monitoring import realized_metrics
from modelreg_client.profiling import bin_numeric, reference_profile, window_counts
from numpy.typing import NDArray

from models.monitoring.policy import Policy
from models.monitoring.profiles import (
    BinCounts,
    FeatureKind,
    FeatureProfile,
    Profile,
    WindowCounts,
    check_profile,
    check_window,
)
from models.monitoring.verdicts import assess_drift


class FrameLike:
    """What the profiler needs of a pandas DataFrame (pandas is not a dependency): ``columns`` and ``frame[name]``."""

    def __init__(self, data: dict[str, NDArray[Any]]) -> None:
        self._data = data
        self.columns = list(data)

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self._data[name]


def _domain(data: dict[str, Any]) -> Profile:
    def feature(f: dict[str, Any]) -> FeatureProfile:
        return FeatureProfile(
            name=f["name"],
            kind=FeatureKind(f["kind"]),
            counts=tuple(f["counts"]),
            missing=f["missing"],
            edges=tuple(f.get("edges", ())),
            categories=tuple(f.get("categories", ())),
            quantiles=tuple((q["p"], q["value"]) for q in f.get("quantiles", ())),
            mean=f.get("mean"),
            std=f.get("std"),
        )

    return Profile(data["rowCount"], tuple(feature(f) for f in data["features"]), feature(data["predictions"]))


def _frame(rows: int, seed: int) -> FrameLike:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 1, rows)
    income[::50] = np.nan
    plan = rng.choice(np.array(["basic", "plus", "pro", None], dtype=object), rows, p=[0.5, 0.3, 0.15, 0.05])
    return FrameLike({"income": income, "plan": plan, "flag": np.ones(rows)})


def test_a_profile_of_a_frame_passes_the_servers_checks_and_a_window_of_the_same_rows_does_not_drift() -> None:
    frame = _frame(1_000, 0)
    predictions = (np.nan_to_num(frame["income"]) > 20_000).astype(int)
    profile = reference_profile(frame, predictions)
    income, plan, flag = profile["features"]
    assert income["kind"] == "NUMERIC" and len(income["edges"]) == 9 and income["missing"] == 20
    assert plan["kind"] == "CATEGORICAL" and plan["categories"] == ["basic", "plus", "pro"] and plan["missing"] > 0
    assert flag["edges"] == [1.0] and flag["counts"] == [1_000, 0]  # a constant column: one edge
    domain = check_profile(_domain(profile), feature_names=["income", "plan", "flag"])

    counts = window_counts(profile, frame, predictions)
    window = WindowCounts(
        counts["rowCount"],
        tuple(BinCounts(f["name"], tuple(f["counts"]), f["missing"]) for f in counts["features"]),
        BinCounts("prediction", tuple(counts["predictions"]["counts"]), counts["predictions"]["missing"]),
    )
    check_window(window, domain)
    assert [f["counts"] for f in counts["features"]] == [f["counts"] for f in profile["features"]]
    drift = assess_drift(domain, window, Policy())
    assert drift.status.value == "OK"
    assert all(f["psi"] == pytest.approx(0, abs=1e-12) for f in drift.features.values())


def test_values_on_an_edge_go_to_the_bin_that_closes_there_and_unseen_categories_to_other() -> None:
    assert bin_numeric(np.array([-5.0, 0.0, 0.5, 1.0, 7.0]), [0.0, 1.0]) == [2, 2, 1]
    profile = reference_profile({"c": np.array(["a", "b", "a"], dtype=object)}, np.array([0, 1, 0]))
    counts = window_counts(profile, {"c": np.array(["a", "z", None], dtype=object)}, np.array([0, 0, 1]))
    assert counts["features"][0] == {"name": "c", "counts": [1, 0, 1], "missing": 1}


def test_realized_metrics_use_the_labeled_rows_only() -> None:
    metrics, labeled = realized_metrics(np.array([1, 0, 1, 1]), [1, None, 0, float("nan")])
    assert (metrics, labeled) == ({"accuracy": 0.5}, 2)
    errors, count = realized_metrics(np.array([1.0, 2.0, 4.0]), [1.0, 3.0, None])
    assert count == 2 and errors == {"mae": 0.5, "rmse": pytest.approx(np.sqrt(0.5))}
    assert realized_metrics(np.array([1, 2]), [None, None]) == ({}, 0)
