"""Monitoring over GraphQL, on both backends: profiles, windows and their verdicts, late labels, policies,
retraining requests, and bad input that changes nothing (docs/monitoring.md)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from models import clock
from models.clock import now
from models.entities import MonitoringWindow, ReferenceProfile, RetrainingRequest
from models.monitoring.limits import MAX_BINS, MAX_WINDOW_METRICS
from tests.monitoring.support import (
    FEATURES,
    LABELS,
    POLICY,
    RECORD,
    REQUEST,
    SET_PROFILE,
    deployed_with_profile,
    monitoring_rows,
    shifted,
    training_data,
    window_input,
)
from tests.support.helpers import Api, register


async def test_a_reference_profile_is_set_once_and_read_on_its_version(api: Api) -> None:
    await register(api, "churn", featureNames=FEATURES)
    from modelreg_client.profiling import reference_profile

    from tests.monitoring.support import predictions_of

    data = training_data()
    profile = reference_profile(data, predictions_of(data))
    result = (await api.data(SET_PROFILE, {"input": {"model": "churn", "version": 1, "profile": profile}}))[
        "setReferenceProfile"
    ]
    stored = result["version"]["referenceProfile"]
    assert stored["rowCount"] == 2_000
    assert [f["name"] for f in stored["features"]] == FEATURES
    assert stored["features"][0]["kind"] == "NUMERIC" and len(stored["features"][0]["counts"]) == 10
    assert stored["features"][3] == {
        "name": "color",
        "kind": "CATEGORICAL",
        "edges": [],
        "categories": ["red", "green", "blue"],
        "counts": profile["features"][3]["counts"],
        "missing": 0,
    }
    assert result["profile"]["predictions"]["categories"] == ["0", "1"]
    assert result["auditEvent"]["action"] == "REFERENCE_PROFILE_SET"
    assert result["auditEvent"]["details"] == {"rowCount": 2000, "features": 4}

    before = await monitoring_rows()
    error = await api.error(SET_PROFILE, {"input": {"model": "churn", "version": 1, "profile": profile}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "already has a reference profile" in error["message"]
    assert await monitoring_rows() == before


def _profile() -> dict[str, Any]:
    from modelreg_client.profiling import reference_profile

    from tests.monitoring.support import predictions_of

    data = training_data()
    return reference_profile(data, predictions_of(data))


def _bad_edges(p: dict[str, Any]) -> None:
    p["features"][0]["edges"][3] = p["features"][0]["edges"][2]


def _negative(p: dict[str, Any]) -> None:
    p["features"][1]["counts"][0] = -1
    p["features"][1]["counts"][1] += 1


def _short(p: dict[str, Any]) -> None:
    p["features"][2]["counts"].pop()


def _unknown(p: dict[str, Any]) -> None:
    p["features"][2]["name"] = "height"


def _over_cap(p: dict[str, Any]) -> None:
    p["features"][0]["edges"] = [float(i) for i in range(MAX_BINS)]
    p["features"][0]["counts"] = [0] * MAX_BINS + [2_000]


def _sums(p: dict[str, Any]) -> None:
    p["features"][3]["counts"][0] += 1


@pytest.mark.parametrize(
    ("spoil", "path", "words"),
    [
        (_bad_edges, "input.profile.features[0].edges", "feature 'age': edges must be strictly increasing"),
        (_negative, "input.profile.features[1].counts", "feature 'income'"),
        (_short, "input.profile.features[2].counts", "feature 'score'"),
        (_unknown, "input.profile.features", "missing 'score'; unknown 'height'"),
        (_over_cap, "input.profile.features[0].edges", f"1 to {MAX_BINS - 1} edges"),
        (_sums, "input.profile.features[3].counts", "feature 'color': counts (2001) plus missing (0)"),
    ],
)
async def test_a_bad_profile_is_refused_naming_the_feature(api: Api, spoil: Any, path: str, words: str) -> None:
    await register(api, "churn", featureNames=FEATURES)
    profile = _profile()
    spoil(profile)
    before = await monitoring_rows()
    error = await api.error(SET_PROFILE, {"input": {"model": "churn", "version": 1, "profile": profile}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(path + ":"), error["message"]
    assert words in error["message"]
    assert await monitoring_rows() == before


async def test_windows_like_the_reference_are_ok_and_shifted_ones_drift_and_open_one_request(api: Api) -> None:
    profile = await deployed_with_profile(api)
    start = now()
    # Three hourly windows from the deployment on, recorded once the last is over.
    with clock.shifted(timedelta(hours=3)):
        calm = (await api.data(RECORD, {"input": window_input(profile, training_data(seed=1), start=start)}))[
            "recordWindow"
        ]
        window = calm["window"]
        assert calm["created"] is True
        assert window["status"] == "OK", window["features"]
        assert window["deployment"] == {"environment": "production", "version": {"number": 1}}
        assert all(f["status"] == "OK" for f in window["features"])
        assert calm["auditEvents"] == [] and calm["retrainingRequest"] is None

        moved = shifted(training_data(seed=2))
        later = start + timedelta(hours=1)
        drift = (await api.data(RECORD, {"input": window_input(profile, moved, start=later, key="w2")}))["recordWindow"]
        by_name = {f["feature"]: f for f in drift["window"]["features"]}
        assert drift["window"]["status"] == "DRIFT"
        assert drift["window"]["driftingFeatures"] == 2
        assert by_name["age"]["status"] == "DRIFT" and by_name["age"]["psi"] > 1
        # Moved by two standard deviations; on bins the mass past the last edge piles up there, so less than 2.
        assert 1 < by_name["age"]["wasserstein"] < 2
        assert by_name["color"]["status"] == "DRIFT" and by_name["color"]["pValue"] < 1e-6
        assert by_name["income"]["status"] == "OK" and by_name["income"]["chiSquared"] is None
        assert [e["action"] for e in drift["auditEvents"]] == ["DRIFT_STATUS_CHANGED", "RETRAINING_REQUESTED"]
        assert drift["auditEvents"][0]["details"]["from"] == "OK"
        assert drift["auditEvents"][0]["details"]["driftingFeatures"] == ["age", "color"]
        assert drift["retrainingRequest"]["state"] == "OPEN"
        assert drift["retrainingRequest"]["trigger"] == "DRIFT"
        assert drift["retrainingRequest"]["window"] == {"key": "w2"}

        again = (
            await api.data(RECORD, {"input": window_input(profile, moved, start=later + timedelta(hours=1), key="w3")})
        )["recordWindow"]
        assert again["window"]["status"] == "DRIFT"
        assert again["auditEvents"] == [] and again["retrainingRequest"] is None  # one open request per model
        assert await RetrainingRequest.all().count() == 1

    seen = await api.data(
        """{ model(name: "churn") {
              openRetrainingRequest { state trigger }
              production { driftStatus latestWindow { key } windows(first: 2) { totalCount nodes { key } }
                           featureTrend(features: ["age", "prediction"], last: 5) { feature points { status psi } } }
            }
            retrainingRequests { totalCount nodes { model { name } state } } }"""
    )
    model = seen["model"]
    assert model["openRetrainingRequest"] == {"state": "OPEN", "trigger": "DRIFT"}
    assert model["production"]["driftStatus"] == "DRIFT"
    assert model["production"]["latestWindow"] == {"key": "w3"}
    assert model["production"]["windows"]["totalCount"] == 3
    assert [w["key"] for w in model["production"]["windows"]["nodes"]] == ["w3", "w2"]
    age = model["production"]["featureTrend"][0]
    assert [p["status"] for p in age["points"]] == ["OK", "DRIFT", "DRIFT"]
    assert seen["retrainingRequests"] == {"totalCount": 1, "nodes": [{"model": {"name": "churn"}, "state": "OPEN"}]}


async def test_recording_a_window_again_is_idempotent_by_key(api: Api) -> None:
    profile = await deployed_with_profile(api)
    window = window_input(profile, training_data(seed=1), key="2026-12-01")
    first = (await api.data(RECORD, {"input": window}))["recordWindow"]
    second = (await api.data(RECORD, {"input": window}))["recordWindow"]
    assert (first["created"], second["created"]) == (True, False)
    assert first["window"]["id"] == second["window"]["id"]
    assert await MonitoringWindow.all().count() == 1
    changed = copy.deepcopy(window)
    changed["features"][0]["counts"][0] += 1
    changed["features"][0]["missing"] -= 0
    changed["rowCount"] += 1
    for feature in changed["features"][1:]:
        feature["missing"] += 1
    changed["predictions"]["missing"] += 1
    assert await api.code(RECORD, {"input": changed}) == "CONFLICT"
    assert await MonitoringWindow.all().count() == 1


def _window_spoilers() -> list[tuple[str, Any, str, str]]:
    def ends_first(w: dict[str, Any]) -> None:
        w["start"], w["end"] = w["end"], w["start"]

    def staging(w: dict[str, Any]) -> None:
        w["environment"] = "staging"

    def bins(w: dict[str, Any]) -> None:
        w["features"][1]["counts"].append(0)

    def unknown(w: dict[str, Any]) -> None:
        w["features"][0]["name"] = "height"

    def negative(w: dict[str, Any]) -> None:
        w["features"][2]["counts"][0] = -5
        w["features"][2]["counts"][1] += 5

    def sums(w: dict[str, Any]) -> None:
        w["features"][3]["counts"][0] += 1

    def metrics(w: dict[str, Any]) -> None:
        w["metrics"] = [{"name": f"m{i}", "value": 0.5} for i in range(MAX_WINDOW_METRICS + 1)]
        w["labeledRows"] = 10

    def labeled(w: dict[str, Any]) -> None:
        w["labeledRows"] = w["rowCount"] + 1

    return [
        ("ends_first", ends_first, "input.end", "must end after it starts"),
        ("staging", staging, "input.environment", "nothing of 'churn' was deployed in staging"),
        ("bins", bins, "input.features[1].counts", "feature 'income': the reference profile has 10 bins; got 11"),
        ("unknown", unknown, "input.features", "missing 'age'; unknown 'height'"),
        ("negative", negative, "input.features[2].counts", "feature 'score': counts and missing must be at least 0"),
        ("sums", sums, "input.features[3].counts", "feature 'color': counts"),
        ("metrics", metrics, "input.metrics", f"at most {MAX_WINDOW_METRICS} metrics"),
        ("labeled", labeled, "input.labeledRows", "between 0 and rowCount"),
    ]


@pytest.mark.parametrize(("name", "spoil", "path", "words"), _window_spoilers(), ids=[s[0] for s in _window_spoilers()])
async def test_a_bad_window_is_refused_naming_the_feature_and_changes_nothing(
    api: Api, name: str, spoil: Any, path: str, words: str
) -> None:
    profile = await deployed_with_profile(api)
    window = window_input(profile, training_data(seed=1))
    spoil(window)
    before = await monitoring_rows()
    error = await api.error(RECORD, {"input": window})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["message"].startswith(path + ":"), error["message"]
    assert words in error["message"]
    assert await monitoring_rows() == before


async def test_a_window_before_the_deployment_or_without_a_profile_is_refused(api: Api) -> None:
    profile = await deployed_with_profile(api)
    early = window_input(profile, training_data(seed=1), start=now() - timedelta(days=3))
    error = await api.error(RECORD, {"input": early})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.environment: nothing of 'churn' was deployed in production between")
    await register(api, "churn", featureNames=FEATURES)
    from tests.support.helpers import promote

    await promote(api, "churn", 2)
    later = window_input(profile, training_data(seed=1))  # ends now: after version 2's promotion
    error = await api.error(RECORD, {"input": later})
    assert error["message"].startswith("input.model: the version deployed in production then has no reference profile")


async def test_late_labels_judge_performance_against_the_registered_metric(api: Api) -> None:
    profile = await deployed_with_profile(api)
    recorded = (await api.data(RECORD, {"input": window_input(profile, training_data(seed=1), key="day-1")}))[
        "recordWindow"
    ]
    assert recorded["window"]["performanceStatus"] == "INSUFFICIENT_DATA"
    good = {"model": "churn", "key": "day-1", "labeledRows": 1_500, "metrics": [{"name": "accuracy", "value": 0.89}]}
    ok = (await api.data(LABELS, {"input": good}))["addWindowLabels"]
    assert ok["window"]["performanceStatus"] == "OK"
    assert ok["window"]["labelCoverage"] == pytest.approx(0.75)
    assert [e["action"] for e in ok["auditEvents"]] == ["PERFORMANCE_STATUS_CHANGED"]
    worse = {**good, "labeledRows": 1_800, "metrics": [{"name": "accuracy", "value": 0.7}]}
    degraded = (await api.data(LABELS, {"input": worse}))["addWindowLabels"]
    assert degraded["window"]["performance"] == [
        {"metric": "accuracy", "realized": 0.7, "registered": 0.9, "delta": pytest.approx(-0.2), "degraded": True}
    ]
    assert degraded["window"]["performanceStatus"] == "DEGRADED"
    assert [e["action"] for e in degraded["auditEvents"]] == ["PERFORMANCE_STATUS_CHANGED", "RETRAINING_REQUESTED"]
    assert degraded["auditEvents"][0]["details"]["degradedMetrics"] == ["accuracy"]
    assert degraded["retrainingRequest"] == {"state": "OPEN", "trigger": "PERFORMANCE"}
    assert await api.code(LABELS, {"input": {**good, "key": "day-9"}}) == "NOT_FOUND"
    error = await api.error(LABELS, {"input": {**good, "labeledRows": 5_000}})
    assert error["message"].startswith("input.labeledRows:")


async def test_a_policy_changes_some_thresholds_and_keeps_the_rest(api: Api) -> None:
    await deployed_with_profile(api)
    result = (
        await api.data(POLICY, {"input": {"model": "churn", "psiDrift": 0.5, "autoRetrain": False}}, as_="deployer")
    )["setMonitoringPolicy"]
    assert result["policy"] == {
        "environment": "production",
        "minRows": 100,
        "psiWarning": 0.1,
        "psiDrift": 0.5,
        "chiSquaredPValue": 0.01,
        "driftShare": 0.3,
        "metricDrop": 0.05,
        "minLabelCoverage": 0.1,
        "autoRetrain": False,
    }
    assert result["auditEvent"]["action"] == "MONITORING_POLICY_SET"
    read = await api.data('{ model(name: "churn") { production { monitoringPolicy { psiDrift autoRetrain } } } }')
    assert read["model"]["production"]["monitoringPolicy"] == {"psiDrift": 0.5, "autoRetrain": False}
    before = await monitoring_rows()
    error = await api.error(POLICY, {"input": {"model": "churn", "psiWarning": 0.9}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.psiDrift: must be at least psi_warning")
    assert await api.code(POLICY, {"input": {"model": "churn", "psiDrift": 0.3}}, as_="writer") == "FORBIDDEN"
    assert await monitoring_rows() == before


async def test_a_retraining_request_goes_open_acknowledged_completed(api: Api) -> None:
    await deployed_with_profile(api)
    opened = (await api.data(REQUEST, {"input": {"model": "churn", "reason": "new data"}}, as_="deployer"))[
        "requestRetraining"
    ]
    assert opened["retrainingRequest"]["state"] == "OPEN"
    assert opened["retrainingRequest"]["trigger"] == "MANUAL"
    assert opened["auditEvent"]["action"] == "RETRAINING_REQUESTED"
    assert await api.code(REQUEST, {"input": {"model": "churn"}}) == "CONFLICT"
    assert await api.code(REQUEST, {"input": {"model": "churn"}}, as_="writer") == "FORBIDDEN"
    ack = await api.data(
        'mutation { acknowledgeRetraining(input: {model: "churn"}) { retrainingRequest { state acknowledgedBy } '
        "auditEvent { action } } }",
        as_="deployer",
    )
    assert ack["acknowledgeRetraining"]["retrainingRequest"] == {"state": "ACKNOWLEDGED", "acknowledgedBy": "deployer"}
    await register(api, "churn", featureNames=FEATURES)
    done = await api.data(
        'mutation { completeRetraining(input: {model: "churn", version: 2, reason: "retrained"}) { '
        "retrainingRequest { state closedBy closeReason answeredBy { number } } "
        "auditEvent { action version { number } } } }"
    )
    request = done["completeRetraining"]["retrainingRequest"]
    assert request == {
        "state": "COMPLETED",
        "closedBy": "admin",
        "closeReason": "retrained",
        "answeredBy": {"number": 2},
    }
    assert done["completeRetraining"]["auditEvent"] == {"action": "RETRAINING_COMPLETED", "version": {"number": 2}}
    assert await api.code('mutation { cancelRetraining(input: {model: "churn"}) { auditEvent { id } } }') == "NOT_FOUND"
    listed = await api.data('{ retrainingRequests(states: [COMPLETED], model: "churn") { totalCount } }')
    assert listed["retrainingRequests"]["totalCount"] == 1


async def test_a_scoped_token_acts_only_within_its_scope(api: Api) -> None:
    from models.entities import Role
    from models.tokens.operations import create_token

    profile = await deployed_with_profile(api)
    _, other_models = await create_token(name="fraud-writer", role=Role.WRITER, model_patterns=["fraud-*"])
    _, staging_only = await create_token(name="staging-deployer", role=Role.DEPLOYER, environments=["staging"])
    window = window_input(profile, training_data(seed=1))
    before = await monitoring_rows()
    assert await api.code(RECORD, {"input": window}, as_=other_models) == "FORBIDDEN"
    assert await api.code(REQUEST, {"input": {"model": "churn"}}, as_=other_models) == "FORBIDDEN"
    # Environment scopes limit what decides about an environment (its policy), as they limit promote.
    assert await api.code(POLICY, {"input": {"model": "churn", "psiDrift": 0.4}}, as_=staging_only) == "FORBIDDEN"
    assert await monitoring_rows() == before
    staged = await api.data(
        POLICY, {"input": {"model": "churn", "environment": "staging", "minRows": 50}}, as_=staging_only
    )
    assert staged["setMonitoringPolicy"]["policy"]["environment"] == "staging"
    await api.data(REQUEST, {"input": {"model": "churn"}})
    visible = await api.data("{ retrainingRequests(states: [OPEN]) { totalCount } }", as_=other_models)
    assert visible["retrainingRequests"]["totalCount"] == 0
    named = '{ retrainingRequests(model: "churn") { totalCount } }'
    assert await api.code(named, as_=other_models) == "FORBIDDEN"
    assert (await api.data(named))["retrainingRequests"]["totalCount"] == 1


async def test_windows_and_requests_are_nodes_within_the_tokens_scope(api: Api) -> None:
    from models.entities import Role
    from models.tokens.operations import create_token

    profile = await deployed_with_profile(api)
    recorded = await api.data(RECORD, {"input": window_input(profile, shifted(training_data(seed=2)), key="k")})
    window_id = recorded["recordWindow"]["window"]["id"]
    request_id = (await api.data('{ model(name: "churn") { openRetrainingRequest { id } } }'))["model"][
        "openRetrainingRequest"
    ]["id"]
    found = await api.data(
        "query($w: ID!, $r: ID!) { w: node(id: $w) { ... on MonitoringWindow { key status } } "
        "r: node(id: $r) { ... on RetrainingRequest { state model { name } } } }",
        {"w": window_id, "r": request_id},
    )
    assert found == {"w": {"key": "k", "status": "DRIFT"}, "r": {"state": "OPEN", "model": {"name": "churn"}}}
    _, other = await create_token(name="fraud-reader", role=Role.READER, model_patterns=["fraud-*"])
    query = "query($id: ID!) { node(id: $id) { id } }"
    assert await api.code(query, {"id": window_id}, as_=other) == "NOT_FOUND"
    assert await api.code(query, {"id": request_id}, as_=other) == "NOT_FOUND"


async def test_operations_refuse_non_finite_numbers_naming_the_feature(api: Api) -> None:
    import dataclasses

    from models.errors import InvalidInput
    from models.monitoring.operations import set_reference_profile
    from models.monitoring.profiles import FeatureKind, FeatureProfile, Profile

    await register(api, "churn")
    good = FeatureProfile("age", FeatureKind.NUMERIC, (5, 5), edges=(40.0,), mean=40.0, std=10.0)
    prediction = FeatureProfile("prediction", FeatureKind.CATEGORICAL, (10, 0), categories=("0",))
    for spoilt, field in (
        (dataclasses.replace(good, edges=(float("inf"),)), "profile.features[0].edges"),
        (dataclasses.replace(good, std=float("nan")), "profile.features[0].std"),
        (dataclasses.replace(good, std=-1.0), "profile.features[0].std"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await set_reference_profile(
                model="churn", version=1, profile=Profile(10, (spoilt,), prediction), actor="test"
            )
        assert refused.value.field == field and "feature 'age'" in refused.value.problem
    assert await ReferenceProfile.all().count() == 0


REGISTER_MONITORED = """
mutation($input: RegisterVersionInput!) {
  registerVersion(input: $input) { version { number referenceProfile { rowCount } } }
}"""


async def test_register_version_sets_the_profile_and_answers_the_open_request_in_one_transaction(api: Api) -> None:
    profile = await deployed_with_profile(api)
    await api.data(REQUEST, {"input": {"model": "churn", "reason": "drift"}})
    spoilt = copy.deepcopy(profile)
    spoilt["features"][0]["counts"].pop()
    before = await monitoring_rows()
    error = await api.error(
        REGISTER_MONITORED,
        {"input": {"model": "churn", "featureNames": FEATURES, "referenceProfile": spoilt, "answersRetraining": True}},
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.referenceProfile.features[0].counts: feature 'age'")
    assert await monitoring_rows() == before
    done = await api.data(
        REGISTER_MONITORED,
        {"input": {"model": "churn", "featureNames": FEATURES, "referenceProfile": profile, "answersRetraining": True}},
    )
    assert done["registerVersion"]["version"] == {"number": 2, "referenceProfile": {"rowCount": 2000}}
    request = await RetrainingRequest.get()
    assert request.state.value == "COMPLETED" and request.answered_by_id is not None
    events = await api.data(
        '{ auditEvents(first: 3, filter: {model: "churn"}) { nodes { action version { number } } } }'
    )
    assert [e["action"] for e in events["auditEvents"]["nodes"]] == [
        "RETRAINING_COMPLETED",
        "REFERENCE_PROFILE_SET",
        "VERSION_REGISTERED",
    ]
    before = await monitoring_rows()
    assert await api.code(REGISTER_MONITORED, {"input": {"model": "churn", "answersRetraining": True}}) == "NOT_FOUND"
    assert await monitoring_rows() == before


async def test_the_default_key_is_the_period_in_utc_whatever_offset_it_was_written_with(api: Api) -> None:
    from datetime import timezone

    profile = await deployed_with_profile(api)
    start = now() - timedelta(hours=1)
    in_utc = window_input(profile, training_data(seed=1), start=start)
    elsewhere = window_input(profile, training_data(seed=1), start=start.astimezone(timezone(timedelta(hours=2))))
    assert in_utc["start"] != elsewhere["start"]
    first = (await api.data(RECORD, {"input": in_utc}))["recordWindow"]
    again = (await api.data(RECORD, {"input": elsewhere}))["recordWindow"]
    assert (first["created"], again["created"]) == (True, False)
    assert first["window"]["key"] == f"{start.isoformat()}/{(start + timedelta(hours=1)).isoformat()}"
