"""Monitoring's SQL costs are fixed, whatever the number of windows, features and bins (asserted exactly, as the
dashboard's are in tests/schema/test_sql_counts.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import numpy as np
import pytest

from app.settings import Settings
from models.clock import now, shifted
from models.deployments.operations import promote
from models.monitoring.operations import record_window, set_reference_profile
from models.monitoring.profiles import BinCounts, FeatureKind, FeatureProfile, Profile, WindowCounts
from models.registry.operations import Registration, register_version
from tests.support.helpers import Api, StatementCounter

ROWS = 10_000


def _profile(features: int, bins: int) -> Profile:
    per_bin = ROWS // bins
    counts = (per_bin,) * (bins - 1) + (ROWS - per_bin * (bins - 1),)
    return Profile(
        row_count=ROWS,
        features=tuple(
            FeatureProfile(
                f"f{i:03d}", FeatureKind.NUMERIC, counts, edges=tuple(float(e) for e in range(bins - 1)), std=5.0
            )
            for i in range(features)
        ),
        predictions=FeatureProfile(
            "prediction", FeatureKind.CATEGORICAL, (ROWS // 2, ROWS // 2, 0), categories=("0", "1")
        ),
    )


def _window(profile: Profile, seed: int, skewed: bool = False) -> WindowCounts:
    """Rows drawn from the reference's distribution, or from one skewed towards the upper bins."""
    rng = np.random.default_rng(seed)
    features = []
    for feature in profile.features:
        p = np.asarray(feature.counts, dtype=float)
        if skewed:
            p = p * np.arange(1, len(p) + 1) ** 2
        counts = rng.multinomial(ROWS, p / p.sum())
        features.append(BinCounts(feature.name, tuple(int(c) for c in counts)))
    return WindowCounts(ROWS, tuple(features), BinCounts("prediction", (ROWS // 2, ROWS // 2, 0)))


async def _seed(model: str, features: int, bins: int, windows: int) -> Profile:
    await register_version(
        model=model,
        registration=Registration(feature_names=[f"f{i:03d}" for i in range(features)], metrics=[("accuracy", 0.9)]),
        actor="seeder",
    )
    await promote(model=model, version=1, actor="seeder")
    profile = _profile(features, bins)
    await set_reference_profile(model=model, version=1, profile=profile, actor="seeder")
    start = now()
    with shifted(timedelta(hours=windows)):  # hourly windows from the deployment on, recorded once over
        for index in range(windows):
            begin = start + timedelta(hours=index)
            await record_window(
                model=model,
                environment=None,
                start=begin,
                end=begin + timedelta(hours=1),
                counts=_window(profile, index),
                actor="seeder",
            )
    return profile


WINDOWS = """
query($name: String!, $first: Int!) {
  model(name: $name) {
    openRetrainingRequest { state }
    production {
      driftStatus
      version { referenceProfile { rowCount features { name edges counts } } }
      windows(first: $first) {
        totalCount
        nodes { key status driftingFeatures performanceStatus
                features { feature status psi jensenShannon wasserstein counts }
                prediction { psi } performance { metric delta } }
      }
      featureTrend(features: ["f000", "f001"], last: $first) { feature points { psi status } }
      monitoringPolicy { psiDrift }
    }
  }
}"""
#: token, model by name, then in one round: the model's active deployments and its open request; then the windows
#: page (shared by windows and featureTrend), the latest window (driftStatus: a page of one, a shape of its own) and
#: the policy; then the version's reference profile.
READ_STATEMENTS = 8


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The node limit and the rate limit lifted: 30 windows whose features are priced at their caps (1,000
    features of 101 counts) pass them, and these tests count statements, not nodes or points
    (tests/schema/test_cost.py and tests/app/test_guards.py cover the limits)."""
    return dataclasses.replace(settings, max_nodes=10**9, rate_limit_per_second=0)


async def _read(api: Api, statements: StatementCounter, name: str, first: int) -> int:
    await api.data("{ viewer { name } }")  # settles the token's last_used_at write
    statements.reset()
    data = await api.data(WINDOWS, {"name": name, "first": first})
    windows = data["model"]["production"]["windows"]
    assert len(windows["nodes"]) == windows["totalCount"] == first
    return statements.count


async def test_reading_windows_with_their_verdicts_costs_the_same_for_2x3_and_30x100(
    api: Api, statements: StatementCounter
) -> None:
    await _seed("small", features=3, bins=5, windows=2)
    await _seed("large", features=100, bins=20, windows=30)
    small = await _read(api, statements, "small", 2)
    large = await _read(api, statements, "large", 30)
    assert (small, large) == (READ_STATEMENTS, READ_STATEMENTS), "\n".join(s[:150] for s in statements.sql)


#: lock the model, the window's key, the deployment active then, its version's profile, the policy, the version's
#: metrics, the deployment's newest window before this one, the insert.
RECORD_STATEMENTS = 8
#: and when the verdict changes: the chain head and the audit event (DRIFT_STATUS_CHANGED), the open-request
#: check, the request, and its chain head and event (RETRAINING_REQUESTED). The events' webhook deliveries cost no
#: statement (the database's outbox trigger writes them).
RECORD_STATEMENTS_WITH_REQUEST = RECORD_STATEMENTS + 6


async def test_recording_a_window_of_100_features_by_20_bins_takes_a_fixed_number_of_statements(
    app: object, statements: StatementCounter
) -> None:
    profile = await _seed("large", features=100, bins=20, windows=1)
    begin = now() + timedelta(days=1)
    calm = _window(profile, 99)
    statements.reset()
    with shifted(timedelta(days=1, hours=2)):  # both windows over
        done = await record_window(
            model="large", environment=None, start=begin, end=begin + timedelta(hours=1), counts=calm, actor="x"
        )
        assert done.window.status.value == "OK" and not done.events
        assert statements.count == RECORD_STATEMENTS, "\n".join(statements.sql)
        later = begin + timedelta(hours=1)
        statements.reset()
        drifted = await record_window(
            model="large",
            environment=None,
            start=later,
            end=later + timedelta(hours=1),
            counts=_window(profile, 100, skewed=True),
            actor="x",
        )
    assert drifted.window.status.value == "DRIFT" and drifted.opened is not None
    assert statements.count == RECORD_STATEMENTS_WITH_REQUEST, "\n".join(statements.sql)


async def test_the_drift_example_document_is_valid_and_answers(api: Api) -> None:
    from pathlib import Path

    document = (Path(__file__).parents[2] / "examples" / "drift.graphql").read_text()
    await _seed("breast-cancer-classifier", features=3, bins=5, windows=2)
    data = await api.data(document.replace('"mean radius", "worst texture"', '"f000", "f001"'))
    production = data["model"]["production"]
    assert production["latestWindow"]["rowCount"] == ROWS
    assert [trend["feature"] for trend in production["featureTrend"]] == ["f000", "f001"]
    assert len(production["featureTrend"][0]["points"]) == 2
