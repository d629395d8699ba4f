"""Input that monitoring refuses, on both backends: windows from the future, profiles whose edges overflow, policies
and requests for undeclared environments, policies that change nothing. Each is ``BAD_USER_INPUT`` at its field and
changes nothing. And the order windows list their features in, which must not depend on the backend."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from strawberry.utils.str_converters import to_camel_case

from models import clock
from models.clock import now
from models.entities import ModelVersion, ReferenceProfile
from models.monitoring.operations import MAX_CLOCK_SKEW
from models.monitoring.policy import Policy
from models.monitoring.profiles import FeatureKind, FeatureProfile
from tests.monitoring.support import POLICY, RECORD, REQUEST, SET_PROFILE, monitoring_rows
from tests.support.helpers import Api, declare, promote, register

MODEL = "mon-test"
#: Rows of the profile and of each window: the default policy's minRows, so windows get a verdict.
ROWS = 100
PREDICTIONS = {"name": "prediction", "kind": "CATEGORICAL", "counts": [50, 50], "categories": ["1"]}
CALM = [20, 30, 50]
DRIFTING = [90, 5, 5]
#: Finite, but their bins' span (and the Wasserstein distance's arithmetic) overflows a float.
HUGE = [-1.7e308, 1.7e308]


def _feature(name: str, edges: list[float], **more: Any) -> dict[str, Any]:
    return {"name": name, "kind": "NUMERIC", "counts": CALM, "edges": edges, **more}


async def _deployed(api: Api, names: list[str] = ["f1"], edges: list[float] = [0.0, 1.0]) -> None:  # noqa: B006
    """Version 1 of ``MODEL`` in production, with a profile of numeric ``names`` (in that order) on ``edges``."""
    await register(api, MODEL, featureNames=names)
    await promote(api, MODEL, 1)
    profile = {"rowCount": ROWS, "features": [_feature(name, edges) for name in names], "predictions": PREDICTIONS}
    await api.data(SET_PROFILE, {"input": {"model": MODEL, "version": 1, "profile": profile}})


def _window(start: datetime | str, end: datetime | str, counts: list[int], names: list[str] = ["f1"]) -> dict[str, Any]:  # noqa: B006
    return {
        "model": MODEL,
        "start": start if isinstance(start, str) else start.isoformat(),
        "end": end if isinstance(end, str) else end.isoformat(),
        "rowCount": ROWS,
        "features": [{"name": name, "counts": counts} for name in names],
        "predictions": {"counts": [50, 50]},
    }


async def test_a_window_that_ends_in_the_future_is_refused_and_later_windows_still_change_the_verdict(
    api: Api,
) -> None:
    await _deployed(api)
    before = await monitoring_rows()
    future = _window("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z", CALM)
    error = await api.error(RECORD, {"input": future})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.end: the window ends in the future"), error["message"]
    assert await monitoring_rows() == before

    # Had it been stored, it would be the newest window for ever and this one "late": no event, no request.
    end = now()
    drift = (await api.data(RECORD, {"input": _window(end - timedelta(hours=1), end, DRIFTING)}))["recordWindow"]
    assert drift["window"]["status"] == "DRIFT"
    assert [e["action"] for e in drift["auditEvents"]] == ["DRIFT_STATUS_CHANGED", "RETRAINING_REQUESTED"]
    assert drift["retrainingRequest"]["trigger"] == "DRIFT"


async def test_a_window_may_end_a_little_ahead_of_the_servers_clock_and_no_more(api: Api) -> None:
    await _deployed(api)
    margin = timedelta(minutes=1)
    start = now() - timedelta(hours=1)
    too_late = now() + MAX_CLOCK_SKEW + margin
    error = await api.error(RECORD, {"input": _window(start, too_late, CALM)})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.end:")
    assert await api.code(RECORD, {"input": _window(start, too_late + timedelta(days=1), CALM)}) == "BAD_USER_INPUT"

    within = await api.data(RECORD, {"input": _window(start, now() + MAX_CLOCK_SKEW - margin, CALM)})
    assert within["recordWindow"]["created"] is True
    # The bound follows the registry's clock (models/clock.py), not the machine's.
    with clock.shifted(timedelta(days=1)):
        later = await api.data(RECORD, {"input": _window(start, too_late + timedelta(hours=12), CALM)})
    assert later["recordWindow"]["created"] is True


REGISTER = """
mutation($input: RegisterVersionInput!) { registerVersion(input: $input) { version { number } } }"""


@pytest.mark.parametrize(
    "feature",
    [
        _feature("f1", HUGE),
        _feature("f1", [0.9e308, 0.95e308]),  # the middle of the inner bin overflows
        {**_feature("f1", [1.7e308], std=1e308), "counts": [50, 50]},  # one edge: the tails are half the std out
    ],
    ids=["span", "middle", "spread"],
)
async def test_edges_too_far_apart_to_compute_with_are_refused(api: Api, feature: dict[str, Any]) -> None:
    await register(api, MODEL, featureNames=["f1"])
    profile = {"rowCount": ROWS, "features": [feature], "predictions": PREDICTIONS}
    before = await monitoring_rows()
    error = await api.error(SET_PROFILE, {"input": {"model": MODEL, "version": 1, "profile": profile}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.profile.features[0].edges: feature 'f1': the bins span more than a float")
    error = await api.error(REGISTER, {"input": {"model": MODEL, "featureNames": ["f1"], "referenceProfile": profile}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.referenceProfile.features[0].edges:")
    assert await monitoring_rows() == before


async def test_a_window_on_a_profile_stored_before_edges_were_checked_has_null_statistics_never_nan(
    api: Api,
) -> None:
    await register(api, MODEL, featureNames=["f1"])
    await promote(api, MODEL, 1)
    version = await ModelVersion.get(model__name=MODEL, number=1)
    await ReferenceProfile.create(  # as setReferenceProfile stored it before it refused such edges
        version_id=version.id,
        model_id=version.model_id,
        row_count=ROWS,
        features=[FeatureProfile("f1", FeatureKind.NUMERIC, tuple(CALM), edges=tuple(HUGE)).stored()],
        predictions=FeatureProfile("prediction", FeatureKind.CATEGORICAL, (50, 50), categories=("1",)).stored(),
        created_at=now(),
        created_by="before",
    )
    end = now()
    recorded = (await api.data(RECORD, {"input": _window(end - timedelta(hours=1), end, DRIFTING)}))["recordWindow"]
    (f1,) = recorded["window"]["features"]
    assert f1["wasserstein"] is None and f1["psi"] > 1 and f1["status"] == "DRIFT"
    read = await api.data(
        '{ model(name: "mon-test") { production { latestWindow { features { wasserstein psi } } } } }'
    )
    assert read["model"]["production"]["latestWindow"]["features"] == [{"wasserstein": None, "psi": f1["psi"]}]


async def test_a_window_lists_its_features_in_the_reference_profiles_order_on_every_backend(api: Api) -> None:
    # Not alphabetical, nor by length then bytes (PostgreSQL's jsonb orders an object's keys so).
    names = ["zeta", "a", "mid", "b2"]
    await _deployed(api, names)
    end = now()
    window = _window(end - timedelta(hours=1), end, CALM, names=list(reversed(names)))  # a window's own order
    window["features"][1]["counts"] = DRIFTING  # "mid" drifts
    recorded = (await api.data(RECORD, {"input": window}))["recordWindow"]
    assert [f["feature"] for f in recorded["window"]["features"]] == names
    read = await api.data(
        """{ model(name: "mon-test") { production { latestWindow {
              all: features { feature }
              drifting: features(status: [DRIFT]) { feature }
              calm: features(status: [OK]) { feature } } } } }"""
    )
    latest = read["model"]["production"]["latestWindow"]
    assert [f["feature"] for f in latest["all"]] == names
    assert [f["feature"] for f in latest["drifting"]] == ["mid"]
    assert [f["feature"] for f in latest["calm"]] == ["zeta", "a", "b2"]


@pytest.mark.parametrize(
    ("document", "given"),
    [(POLICY, {"minRows": 5}), (REQUEST, {"reason": "by hand"})],
    ids=["setMonitoringPolicy", "requestRetraining"],
)
async def test_an_undeclared_environment_is_refused_as_promote_refuses_it(
    api: Api, document: str, given: dict[str, Any]
) -> None:
    await _deployed(api)
    before = await monitoring_rows()
    error = await api.error(document, {"input": {"model": MODEL, "environment": "qa", **given}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.environment: 'qa' is not a declared environment;"), error["message"]
    typo = await api.error(document, {"input": {"model": MODEL, "environment": "prodution", **given}})
    assert "did you mean 'production'?" in typo["message"]
    assert await monitoring_rows() == before
    await declare("qa")
    await api.data(document, {"input": {"model": MODEL, "environment": "qa", **given}})


async def test_a_policy_that_names_no_threshold_is_refused_naming_those_it_could(api: Api) -> None:
    await _deployed(api)
    before = await monitoring_rows()
    for given in ({}, {"environment": "staging"}):
        error = await api.error(POLICY, {"input": {"model": MODEL, **given}})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"].startswith("input: give at least one threshold to change:"), error["message"]
        for field in dataclasses.fields(Policy):
            assert to_camel_case(field.name) in error["message"]
    assert await monitoring_rows() == before
