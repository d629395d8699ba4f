"""The demo's monitoring (docs/monitoring.md): a reference profile for each demo model's production version and a
few weeks of daily windows, with labels arriving a few days late.

One model drifts (``DRIFTING``): from the middle of the period two of its features move away from the training data
by a growing fraction of their spread, so its windows turn WARNING then DRIFT, its accuracy falls as the labels of
those days arrive, and the default policy opens a retraining request. ``modelreg drift breast-cancer-classifier``
then shows the per-feature numbers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import joblib
import numpy as np
from modelreg_client.estimators import Estimator
from modelreg_client.profiling import reference_profile, window_counts
from numpy.typing import NDArray

from app.artifact_store import ArtifactStore
from models.clock import now
from models.entities import Deployment
from models.monitoring.operations import (
    add_window_labels,
    record_window,
    set_monitoring_policy,
    set_reference_profile,
)
from models.monitoring.profiles import BinCounts, FeatureKind, FeatureProfile, Profile, WindowCounts

#: How long ago the demo's history happened (``seed_demo`` seeds it with the clock shifted back this much).
HISTORY = timedelta(days=28)
DRIFTING = "breast-cancer-classifier"
#: The two features that drift, and by how many of their standard deviations on the last day.
DRIFTING_FEATURES = ("mean radius", "worst texture")
DRIFT_AT_END = 2.0
#: Its policy: two drifting features of its 30 make a window DRIFT (the default share, 0.3, would need nine).
DRIFT_SHARE = 0.05
#: Policies the demo sets: ``DRIFTING``'s, and the regressor's: its mean absolute error on a day's 400 rows varies
#: by 10% and more around the registered value (the default ``metric_drop`` is 5%), so calm days read as DEGRADED.
POLICIES: dict[str, dict[str, float]] = {
    DRIFTING: {"drift_share": DRIFT_SHARE},
    "diabetes-regressor": {"metric_drop": 0.25},
}
ROWS_PER_DAY = 400
#: Labels of the last few days arrive late, after their windows were recorded (addWindowLabels).
UNLABELED_DAYS = 0
LATE_LABEL_DAYS = 3

Metrics = Callable[[Estimator, Any, Any], dict[str, float]]


def _profile(data: dict[str, Any]) -> Profile:
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


def _counts(data: dict[str, Any]) -> WindowCounts:
    return WindowCounts(
        data["rowCount"],
        tuple(BinCounts(f["name"], tuple(f["counts"]), f["missing"]) for f in data["features"]),
        BinCounts("prediction", tuple(data["predictions"]["counts"]), data["predictions"]["missing"]),
    )


async def _estimator(store: ArtifactStore, sha256: str) -> Estimator:
    blob = await store.open(sha256)
    if blob is None:  # the demo stored it moments ago
        raise LookupError(f"the demo's artifact {sha256} is missing from the store")
    buffer = io.BytesIO()
    async for chunk in blob.chunks:
        buffer.write(chunk)
    buffer.seek(0)
    return joblib.load(buffer)  # the demo's own artifact, written by this process


async def seed_monitoring(
    *,
    model: str,
    features: list[str],
    train: tuple[NDArray[Any], NDArray[Any]],
    metrics: Metrics,
    store: ArtifactStore,
    actor: str,
) -> int:
    """Profile the production version of ``model`` on ``train`` and record a window per day since it was deployed;
    returns how many windows were recorded.

    A day's rows are drawn from the training rows themselves: the demo datasets are too small for a held-out part
    to look like the training data bin by bin, and production that resembles training is the calm baseline here.
    """
    pool = train
    deployment = await Deployment.get(model__name=model, environment="production", retired_at=None).prefetch_related(
        "version"
    )
    version = deployment.version
    if version.artifact_id is None:
        return 0
    estimator = await _estimator(store, version.artifact_id)
    x_train = train[0]
    profile = reference_profile(x_train, estimator.predict(x_train), feature_names=features)
    await set_reference_profile(model=model, version=version.number, profile=_profile(profile), actor=actor)
    if model in POLICIES:
        wanted = POLICIES[model]
        await set_monitoring_policy(
            model=model,
            environment=None,
            actor=actor,
            drift_share=wanted.get("drift_share"),
            metric_drop=wanted.get("metric_drop"),
        )
    rng = np.random.default_rng(7)
    first = deployment.deployed_at + timedelta(hours=1)
    days = int((now() - first) / timedelta(days=1))
    spread = x_train.std(axis=0)
    for day in range(days):
        rows = rng.integers(0, len(pool[0]), ROWS_PER_DAY)
        x, y = pool[0][rows].copy(), pool[1][rows]
        if model == DRIFTING:
            _drift(x, features, spread, day, days)
        start = first + timedelta(days=day)
        await _record(
            model,
            estimator,
            profile,
            x,
            y,
            start,
            metrics,
            labeled=day < days - UNLABELED_DAYS - LATE_LABEL_DAYS,
            actor=actor,
        )
        if days - UNLABELED_DAYS - LATE_LABEL_DAYS <= day < days - UNLABELED_DAYS:
            realized = metrics(estimator, x, y)
            await add_window_labels(
                model=model,
                environment=None,
                key=_key(start),
                labeled_rows=len(y),
                metrics=list(realized.items()),
                actor=actor,
            )
    return days


def _drift(x: NDArray[Any], features: list[str], spread: NDArray[Any], day: int, days: int) -> None:
    """From the middle of the period, move the drifting features by a growing share of their spread."""
    half = days // 2
    if day < half:
        return
    share = DRIFT_AT_END * (day - half + 1) / (days - half)
    for name in DRIFTING_FEATURES:
        column = features.index(name)
        x[:, column] += share * spread[column]


def _key(start: datetime) -> str:
    return start.strftime("%Y-%m-%d")


async def _record(
    model: str,
    estimator: Estimator,
    profile: dict[str, Any],
    x: NDArray[Any],
    y: NDArray[Any],
    start: datetime,
    metrics: Metrics,
    *,
    labeled: bool,
    actor: str,
) -> None:
    counts = window_counts(profile, x, estimator.predict(x))
    realized = metrics(estimator, x, y) if labeled else {}
    window = _counts(counts)
    if labeled:
        window = WindowCounts(window.row_count, window.features, window.predictions, labeled_rows=len(y))
    await record_window(
        model=model,
        environment=None,
        key=_key(start),
        start=start,
        end=start + timedelta(days=1),
        counts=window,
        metrics=list(realized.items()) or None,
        actor=actor,
    )
