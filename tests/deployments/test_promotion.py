"""promote, demote and rollback through GraphQL (docs/api.md, "Promotion semantics" and "Errors")."""

from __future__ import annotations

from typing import Any

import pytest

from models.deployments.operations import demote, rollback
from models.deployments.operations import promote as promote_op
from models.errors import Conflict
from models.validation import MAX_ACTIVE_ENVIRONMENTS
from tests.support.helpers import DEMOTE, PROMOTE, ROLLBACK, Api, declare, promote, register, row_counts

ARCHIVE = """
mutation Archive($input: ArchiveVersionInput!) {
  archiveVersion(input: $input) { version { number status } }
}"""

STATE = """
query State($name: String!) {
  model(name: $name) {
    production { id environment active version { number } }
    staging: deployment(environment: "staging") { id environment active version { number } }
    activeDeployments { id environment active version { number } }
    deploymentHistory {
      totalCount
      nodes { id environment active version { number } retiredAt retiredBy retiredReason deployedBy reason }
    }
    versions { nodes { number activeEnvironments deployments { id environment active } } }
  }
}"""

EVENTS = """
query Events($model: String!, $action: AuditAction) {
  auditEvents(filter: {model: $model, action: $action}) {
    totalCount
    nodes {
      id action actor modelName environment reason requestId
      model { name } version { number } previousVersion { number }
    }
  }
}"""

HISTORY = """
query History($name: String!, $environment: String) {
  model(name: $name) {
    deploymentHistory(environment: $environment) { totalCount nodes { id environment active version { number } } }
  }
}"""


async def state(api: Api, model: str) -> dict[str, Any]:
    data = await api.data(STATE, {"name": model}, as_="reader")
    result: dict[str, Any] = data["model"]
    return result


async def events(api: Api, model: str, action: str | None = None) -> dict[str, Any]:
    data = await api.data(EVENTS, {"model": model, "action": action}, as_="reader")
    result: dict[str, Any] = data["auditEvents"]
    return result


def active_environments(model_state: dict[str, Any]) -> dict[int, list[str]]:
    return {v["number"]: v["activeEnvironments"] for v in model_state["versions"]["nodes"]}


async def assert_fails(api: Api, query: str, variables: dict[str, Any], code: str, *, as_: str = "admin") -> None:
    """The mutation fails with ``code`` and changes nothing (no rows, no audit event, no idempotency record)."""
    before = await row_counts()
    assert await api.code(query, variables, as_=as_) == code
    assert await row_counts() == before


# --- promote ---------------------------------------------------------------------------------------------------


async def test_promote_creates_an_active_deployment(api: Api) -> None:
    await register(api, "churn", 1)
    before = await row_counts()
    data = await api.data(PROMOTE, {"input": {"model": "churn", "version": 1, "reason": "first"}}, as_="deployer")
    result = data["promote"]
    assert result["changed"] is True
    assert result["previous"] is None
    deployment = result["deployment"]
    assert deployment["active"] is True
    assert deployment["environment"] == "production"
    assert deployment["version"]["number"] == 1
    assert deployment["reason"] == "first"
    assert deployment["deployedBy"] == "deployer"
    event = result["auditEvent"]
    assert event["action"] == "PROMOTED"
    assert event["actor"] == "deployer"
    assert event["version"]["number"] == 1
    assert event["previousVersion"] is None
    after = await row_counts()
    assert after["deployments"] == before["deployments"] + 1
    assert after["active"] == before["active"] + 1
    assert after["events"] == before["events"] + 1

    model = await state(api, "churn")
    assert model["production"]["id"] == deployment["id"]
    assert [d["id"] for d in model["activeDeployments"]] == [deployment["id"]]
    assert active_environments(model) == {1: ["production"]}


async def test_promote_retires_previous_and_writes_one_promoted_event(api: Api) -> None:
    await register(api, "churn", 2)
    first = await promote(api, "churn", 1, reason="initial")
    before = await row_counts()
    data = await api.data(
        PROMOTE,
        {"input": {"model": "churn", "version": 2, "reason": "better auc"}},
        as_="deployer",
        headers={"X-Request-ID": "req-123"},
    )
    result = data["promote"]
    assert result["changed"] is True
    assert result["deployment"]["version"]["number"] == 2
    assert result["deployment"]["active"] is True
    assert result["deployment"]["id"] != first["deployment"]["id"]

    previous = result["previous"]
    assert previous["id"] == first["deployment"]["id"]
    assert previous["active"] is False
    assert previous["version"]["number"] == 1
    assert previous["retiredAt"] is not None
    assert previous["retiredBy"] == "deployer"
    assert previous["retiredReason"] == "better auc"

    event = result["auditEvent"]
    assert event["action"] == "PROMOTED"
    assert event["actor"] == "deployer"
    assert event["environment"] == "production"
    assert event["reason"] == "better auc"
    assert event["requestId"] == "req-123"
    assert event["version"]["number"] == 2
    assert event["previousVersion"]["number"] == 1

    after = await row_counts()
    assert after["deployments"] == before["deployments"] + 1
    assert after["active"] == before["active"]
    assert after["events"] == before["events"] + 1

    promoted = await events(api, "churn", "PROMOTED")
    assert promoted["totalCount"] == 2  # one per promotion
    newest = promoted["nodes"][0]
    assert newest == {
        "id": event["id"],
        "action": "PROMOTED",
        "actor": "deployer",
        "modelName": "churn",
        "environment": "production",
        "reason": "better auc",
        "requestId": "req-123",
        "model": {"name": "churn"},
        "version": {"number": 2},
        "previousVersion": {"number": 1},
    }

    model = await state(api, "churn")
    retired = next(d for d in model["deploymentHistory"]["nodes"] if d["id"] == first["deployment"]["id"])
    assert retired["active"] is False
    assert retired["retiredBy"] == "deployer"
    assert retired["retiredReason"] == "better auc"
    assert retired["deployedBy"] == "admin"
    assert retired["reason"] == "initial"


async def test_promoting_the_active_version_changes_nothing(api: Api) -> None:
    await register(api, "churn", 2)
    first = await promote(api, "churn", 1)
    before = await row_counts()
    again = await promote(api, "churn", 1, reason="again")
    assert again["changed"] is False
    assert again["auditEvent"] is None
    assert again["previous"] is None
    assert again["deployment"]["id"] == first["deployment"]["id"]
    assert again["deployment"]["active"] is True
    assert await row_counts() == before
    assert (await events(api, "churn", "PROMOTED"))["totalCount"] == 1


# --- environments ----------------------------------------------------------------------------------------------


async def test_environment_defaults_to_production(api: Api) -> None:
    await register(api, "churn", 1)
    result = await promote(api, "churn", 1)
    assert result["deployment"]["environment"] == "production"
    assert result["auditEvent"]["environment"] == "production"
    model = await state(api, "churn")
    assert model["production"]["id"] == result["deployment"]["id"]
    data = await api.data('{ model(name: "churn") { deployment(environment: "production") { id } } }', as_="reader")
    assert data["model"]["deployment"]["id"] == result["deployment"]["id"]
    # Explicitly naming production is the same environment: promoting again is a no-op.
    assert (await promote(api, "churn", 1, environment="production"))["changed"] is False


async def test_environments_are_independent(api: Api) -> None:
    await register(api, "churn", 2)
    prod1 = await promote(api, "churn", 1)
    staging2 = await promote(api, "churn", 2, environment="staging")
    assert staging2["changed"] is True
    assert staging2["previous"] is None  # production's deployment is not replaced
    assert staging2["deployment"]["environment"] == "staging"
    assert staging2["auditEvent"]["previousVersion"] is None

    model = await state(api, "churn")
    assert model["production"]["version"]["number"] == 1
    assert model["staging"]["version"]["number"] == 2
    assert [(d["environment"], d["version"]["number"]) for d in model["activeDeployments"]] == [
        ("production", 1),
        ("staging", 2),
    ]
    assert active_environments(model) == {1: ["production"], 2: ["staging"]}

    prod2 = await promote(api, "churn", 2)
    assert prod2["previous"]["id"] == prod1["deployment"]["id"]
    model = await state(api, "churn")
    assert model["staging"]["id"] == staging2["deployment"]["id"]
    assert model["staging"]["active"] is True
    assert active_environments(model) == {1: [], 2: ["production", "staging"]}

    await api.data(DEMOTE, {"input": {"model": "churn", "environment": "staging"}})
    model = await state(api, "churn")
    assert model["staging"] is None
    assert model["production"]["id"] == prod2["deployment"]["id"]
    assert active_environments(model) == {1: [], 2: ["production"]}


async def test_longest_valid_environment_name_is_accepted(api: Api) -> None:
    await register(api, "churn", 1)
    name = "e" + "-1" * 31 + "x"  # 64 characters
    assert len(name) == 64
    await declare(name)
    result = await promote(api, "churn", 1, environment=name)
    assert result["deployment"]["environment"] == name


@pytest.mark.parametrize(
    "environment",
    ["", "Production", "1prod", "-prod", "prod env", "prod_1", "prod/eu", "e" * 65],
)
async def test_invalid_environment_is_bad_user_input(api: Api, environment: str) -> None:
    await register(api, "churn", 1)
    await promote(api, "churn", 1, environment="staging")
    before = await row_counts()
    for query, variables in (
        (PROMOTE, {"model": "churn", "version": 1, "environment": environment}),
        (DEMOTE, {"model": "churn", "environment": environment}),
        (ROLLBACK, {"model": "churn", "environment": environment}),
    ):
        error = await api.error(query, {"input": variables})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "environment" in error["message"]
    assert await row_counts() == before


# --- compare-and-set -------------------------------------------------------------------------------------------


async def test_expected_current_version_matching_succeeds(api: Api) -> None:
    await register(api, "churn", 2)
    first = await promote(api, "churn", 1, expectedCurrentVersion=0)
    assert first["changed"] is True
    second = await promote(api, "churn", 2, expectedCurrentVersion=1)
    assert second["changed"] is True
    assert second["previous"]["version"]["number"] == 1
    staging = await promote(api, "churn", 1, environment="staging", expectedCurrentVersion=0)
    assert staging["changed"] is True


async def test_expected_current_version_mismatch_is_conflict(api: Api) -> None:
    await register(api, "churn", 3)
    # Nothing active: only 0 matches.
    await assert_fails(
        api, PROMOTE, {"input": {"model": "churn", "version": 1, "expectedCurrentVersion": 1}}, "CONFLICT"
    )
    await promote(api, "churn", 1)
    for expected in (0, 2, 3):
        await assert_fails(
            api, PROMOTE, {"input": {"model": "churn", "version": 2, "expectedCurrentVersion": expected}}, "CONFLICT"
        )
    # Per environment: version 1 is active in production, nothing in staging.
    await assert_fails(
        api,
        PROMOTE,
        {"input": {"model": "churn", "version": 2, "environment": "staging", "expectedCurrentVersion": 1}},
        "CONFLICT",
    )
    assert (await state(api, "churn"))["production"]["version"]["number"] == 1


async def test_demote_expected_current_version(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    for expected in (0, 2):
        await assert_fails(api, DEMOTE, {"input": {"model": "churn", "expectedCurrentVersion": expected}}, "CONFLICT")
    data = await api.data(DEMOTE, {"input": {"model": "churn", "expectedCurrentVersion": 1}})
    assert data["demote"]["retired"]["version"]["number"] == 1
    assert (await state(api, "churn"))["production"] is None


# --- demote ----------------------------------------------------------------------------------------------------


async def test_demote_retires_and_leaves_nothing_active(api: Api) -> None:
    await register(api, "churn", 1)
    promoted = await promote(api, "churn", 1)
    before = await row_counts()
    data = await api.data(
        DEMOTE,
        {"input": {"model": "churn", "reason": "incident 42"}},
        as_="deployer",
        headers={"X-Request-ID": "req-123"},
    )
    retired = data["demote"]["retired"]
    assert retired["id"] == promoted["deployment"]["id"]
    assert retired["active"] is False
    assert retired["version"]["number"] == 1
    assert retired["retiredReason"] == "incident 42"
    event = data["demote"]["auditEvent"]
    assert event["action"] == "DEMOTED"
    assert event["environment"] == "production"
    assert event["previousVersion"]["number"] == 1

    after = await row_counts()
    assert after["deployments"] == before["deployments"]
    assert after["active"] == before["active"] - 1
    assert after["events"] == before["events"] + 1

    demoted = await events(api, "churn", "DEMOTED")
    assert demoted["totalCount"] == 1
    node = demoted["nodes"][0]
    assert node["id"] == event["id"]
    assert node["actor"] == "deployer"
    assert node["reason"] == "incident 42"
    assert node["requestId"] == "req-123"

    model = await state(api, "churn")
    assert model["production"] is None
    assert model["activeDeployments"] == []
    assert active_environments(model) == {1: []}
    history = model["deploymentHistory"]["nodes"]
    assert len(history) == 1
    assert history[0]["active"] is False
    assert history[0]["retiredAt"] is not None
    assert history[0]["retiredBy"] == "deployer"
    assert history[0]["retiredReason"] == "incident 42"


async def test_demote_with_nothing_active_is_conflict(api: Api) -> None:
    await register(api, "churn", 1)
    await assert_fails(api, DEMOTE, {"input": {"model": "churn"}}, "CONFLICT")
    await promote(api, "churn", 1)
    await api.data(DEMOTE, {"input": {"model": "churn"}})
    await assert_fails(api, DEMOTE, {"input": {"model": "churn"}}, "CONFLICT")
    # Active in production only: staging has nothing to demote.
    await promote(api, "churn", 1)
    await assert_fails(api, DEMOTE, {"input": {"model": "churn", "environment": "staging"}}, "CONFLICT")


# --- rollback --------------------------------------------------------------------------------------------------


async def test_rollback_redeploys_the_previous_version(api: Api) -> None:
    await register(api, "churn", 3)
    for number in (1, 2, 3):
        await promote(api, "churn", number)
    active3 = (await state(api, "churn"))["production"]
    before = await row_counts()
    data = await api.data(
        ROLLBACK, {"input": {"model": "churn", "reason": "regression"}}, as_="deployer", headers={"X-Request-ID": "r-1"}
    )
    result = data["rollback"]
    assert result["deployment"]["version"]["number"] == 2
    assert result["deployment"]["active"] is True
    assert result["previous"]["id"] == active3["id"]
    assert result["previous"]["active"] is False
    assert result["previous"]["version"]["number"] == 3
    assert result["auditEvent"]["action"] == "ROLLED_BACK"
    assert result["auditEvent"]["version"]["number"] == 2
    assert result["auditEvent"]["previousVersion"]["number"] == 3

    after = await row_counts()
    assert after["deployments"] == before["deployments"] + 1  # a new deployment, not a revived one
    assert after["active"] == before["active"]
    assert after["events"] == before["events"] + 1

    rolled = await events(api, "churn", "ROLLED_BACK")
    assert rolled["totalCount"] == 1
    node = rolled["nodes"][0]
    assert (node["actor"], node["reason"], node["requestId"], node["environment"]) == (
        "deployer",
        "regression",
        "r-1",
        "production",
    )

    model = await state(api, "churn")
    assert model["production"]["id"] == result["deployment"]["id"]
    assert model["deploymentHistory"]["totalCount"] == 4
    assert active_environments(model) == {1: [], 2: ["production"], 3: []}


async def test_two_rollbacks_toggle_between_two_versions(api: Api) -> None:
    await register(api, "churn", 3)
    for number in (1, 2, 3):
        await promote(api, "churn", number)
    seen = []
    for _ in range(4):
        data = await api.data(ROLLBACK, {"input": {"model": "churn"}})
        result = data["rollback"]
        seen.append((result["previous"]["version"]["number"], result["deployment"]["version"]["number"]))
    assert seen == [(3, 2), (2, 3), (3, 2), (2, 3)]
    model = await state(api, "churn")
    assert model["production"]["version"]["number"] == 3
    assert model["deploymentHistory"]["totalCount"] == 7
    assert len(model["activeDeployments"]) == 1


async def test_rollback_with_nothing_active_redeploys_the_most_recently_retired(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    second = await promote(api, "churn", 2)
    await api.data(DEMOTE, {"input": {"model": "churn"}})
    before = await row_counts()
    result = (await api.data(ROLLBACK, {"input": {"model": "churn"}}))["rollback"]
    assert result["previous"] is None
    assert result["deployment"]["version"]["number"] == 2
    assert result["deployment"]["active"] is True
    assert result["deployment"]["id"] != second["deployment"]["id"]
    assert result["auditEvent"]["previousVersion"] is None
    after = await row_counts()
    assert after["deployments"] == before["deployments"] + 1
    assert after["active"] == before["active"] + 1
    assert after["events"] == before["events"] + 1
    assert (await state(api, "churn"))["production"]["id"] == result["deployment"]["id"]


async def test_rollback_with_no_history_is_conflict(api: Api) -> None:
    await register(api, "churn", 2)
    await assert_fails(api, ROLLBACK, {"input": {"model": "churn"}}, "CONFLICT")
    await promote(api, "churn", 1)
    # Only one deployment ever: nothing came before it.
    await assert_fails(api, ROLLBACK, {"input": {"model": "churn"}}, "CONFLICT")
    # History in production does not count for staging.
    await promote(api, "churn", 2)
    await assert_fails(api, ROLLBACK, {"input": {"model": "churn", "environment": "staging"}}, "CONFLICT")


async def test_rollback_to_an_archived_version_is_conflict(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    await promote(api, "churn", 2)
    await api.data(ARCHIVE, {"input": {"model": "churn", "version": 1}})
    await assert_fails(api, ROLLBACK, {"input": {"model": "churn"}}, "CONFLICT")
    assert (await state(api, "churn"))["production"]["version"]["number"] == 2


# --- not found and archived ------------------------------------------------------------------------------------


async def test_promoting_an_archived_version_is_conflict(api: Api) -> None:
    await register(api, "churn", 2)
    await api.data(ARCHIVE, {"input": {"model": "churn", "version": 1}})
    await assert_fails(api, PROMOTE, {"input": {"model": "churn", "version": 1}}, "CONFLICT")
    await promote(api, "churn", 2)
    await assert_fails(api, PROMOTE, {"input": {"model": "churn", "version": 1, "environment": "staging"}}, "CONFLICT")
    assert (await state(api, "churn"))["production"]["version"]["number"] == 2


async def test_unknown_model_or_version_is_not_found(api: Api) -> None:
    await register(api, "churn", 1)
    await assert_fails(api, PROMOTE, {"input": {"model": "nope", "version": 1}}, "NOT_FOUND")
    await assert_fails(api, PROMOTE, {"input": {"model": "churn", "version": 2}}, "NOT_FOUND")
    await assert_fails(api, PROMOTE, {"input": {"model": "Churn", "version": 1}}, "NOT_FOUND")  # case-sensitive
    await assert_fails(api, DEMOTE, {"input": {"model": "nope"}}, "NOT_FOUND")
    await assert_fails(api, ROLLBACK, {"input": {"model": "nope"}}, "NOT_FOUND")


# --- idempotency -----------------------------------------------------------------------------------------------


async def test_promote_idempotency_key_replays_the_first_result(api: Api) -> None:
    await register(api, "churn", 2)
    variables = {"input": {"model": "churn", "version": 1, "reason": "ship", "idempotencyKey": "deploy-1"}}
    first = (await api.data(PROMOTE, variables, as_="deployer"))["promote"]
    assert first["changed"] is True
    before = await row_counts()
    again = (await api.data(PROMOTE, variables, as_="deployer"))["promote"]
    assert again["changed"] is True
    assert again["deployment"]["id"] == first["deployment"]["id"]
    assert again["auditEvent"]["id"] == first["auditEvent"]["id"]
    assert await row_counts() == before

    # Even after the registry moved on, the retry returns the first result and writes nothing.
    await promote(api, "churn", 2)
    before = await row_counts()
    late = (await api.data(PROMOTE, variables, as_="deployer"))["promote"]
    assert late["deployment"]["id"] == first["deployment"]["id"]
    assert late["auditEvent"]["id"] == first["auditEvent"]["id"]
    assert await row_counts() == before
    assert (await state(api, "churn"))["production"]["version"]["number"] == 2
    assert (await events(api, "churn", "PROMOTED"))["totalCount"] == 2


async def test_idempotency_key_with_different_input_is_conflict(api: Api) -> None:
    await register(api, "churn", 2)
    await api.data(PROMOTE, {"input": {"model": "churn", "version": 1, "idempotencyKey": "k"}}, as_="deployer")
    for changed_input in (
        {"model": "churn", "version": 2, "idempotencyKey": "k"},
        {"model": "churn", "version": 1, "reason": "other", "idempotencyKey": "k"},
        {"model": "churn", "version": 1, "environment": "staging", "idempotencyKey": "k"},
    ):
        await assert_fails(api, PROMOTE, {"input": changed_input}, "CONFLICT", as_="deployer")
    # The key belongs to the principal, not to one mutation.
    await assert_fails(api, DEMOTE, {"input": {"model": "churn", "idempotencyKey": "k"}}, "CONFLICT", as_="deployer")
    assert (await state(api, "churn"))["production"]["version"]["number"] == 1


async def test_idempotency_keys_are_per_principal(api: Api) -> None:
    await register(api, "churn", 2)
    mine = (
        await api.data(PROMOTE, {"input": {"model": "churn", "version": 1, "idempotencyKey": "same"}}, as_="deployer")
    )["promote"]
    before = await row_counts()
    theirs = (
        await api.data(PROMOTE, {"input": {"model": "churn", "version": 2, "idempotencyKey": "same"}}, as_="admin")
    )["promote"]
    assert theirs["changed"] is True
    assert theirs["deployment"]["version"]["number"] == 2
    assert theirs["previous"]["id"] == mine["deployment"]["id"]
    assert theirs["auditEvent"]["actor"] == "admin"
    after = await row_counts()
    assert after["deployments"] == before["deployments"] + 1
    assert after["events"] == before["events"] + 1


async def test_failed_promote_does_not_consume_the_key(api: Api) -> None:
    await register(api, "churn", 2)
    await assert_fails(api, PROMOTE, {"input": {"model": "churn", "version": 9, "idempotencyKey": "k1"}}, "NOT_FOUND")
    result = (await api.data(PROMOTE, {"input": {"model": "churn", "version": 1, "idempotencyKey": "k1"}}))["promote"]
    assert result["changed"] is True
    assert result["deployment"]["version"]["number"] == 1

    bad = {"model": "churn", "version": 2, "expectedCurrentVersion": 2, "idempotencyKey": "k2"}
    await assert_fails(api, PROMOTE, {"input": bad}, "CONFLICT")
    fixed = (await api.data(PROMOTE, {"input": {**bad, "expectedCurrentVersion": 1}}))["promote"]
    assert fixed["changed"] is True
    assert fixed["deployment"]["version"]["number"] == 2


async def test_demote_and_rollback_idempotency_keys_replay(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    await promote(api, "churn", 2)

    rollback = {"input": {"model": "churn", "idempotencyKey": "undo-1"}}
    first = (await api.data(ROLLBACK, rollback))["rollback"]
    assert first["deployment"]["version"]["number"] == 1
    before = await row_counts()
    again = (await api.data(ROLLBACK, rollback))["rollback"]
    assert again["deployment"]["id"] == first["deployment"]["id"]
    assert again["auditEvent"]["id"] == first["auditEvent"]["id"]
    assert await row_counts() == before  # no toggle back to 2
    assert (await state(api, "churn"))["production"]["version"]["number"] == 1

    demote = {"input": {"model": "churn", "idempotencyKey": "stop-1"}}
    retired = (await api.data(DEMOTE, demote))["demote"]
    before = await row_counts()
    replay = (await api.data(DEMOTE, demote))["demote"]  # not a CONFLICT: nothing is active any more
    assert replay["retired"]["id"] == retired["retired"]["id"]
    assert replay["auditEvent"]["id"] == retired["auditEvent"]["id"]
    assert await row_counts() == before


# --- read side -------------------------------------------------------------------------------------------------


async def test_queries_reflect_deployment_history(api: Api) -> None:
    await register(api, "churn", 2)
    d1 = (await promote(api, "churn", 1))["deployment"]["id"]
    d2 = (await promote(api, "churn", 2))["deployment"]["id"]
    d3 = (await promote(api, "churn", 1, environment="staging"))["deployment"]["id"]
    await api.data(DEMOTE, {"input": {"model": "churn", "environment": "staging"}})
    d4 = (await promote(api, "churn", 2, environment="staging"))["deployment"]["id"]

    model = await state(api, "churn")
    history = model["deploymentHistory"]
    assert history["totalCount"] == 4
    assert [d["id"] for d in history["nodes"]] == [d4, d3, d2, d1]  # newest deployedAt first
    assert [d["active"] for d in history["nodes"]] == [True, False, True, False]
    assert [(d["environment"], d["id"]) for d in model["activeDeployments"]] == [("production", d2), ("staging", d4)]
    assert model["production"]["id"] == d2
    assert model["staging"]["id"] == d4

    versions = {v["number"]: v for v in model["versions"]["nodes"]}
    assert versions[1]["activeEnvironments"] == []
    assert versions[2]["activeEnvironments"] == ["production", "staging"]
    assert [d["id"] for d in versions[1]["deployments"]] == [d3, d1]
    assert [d["id"] for d in versions[2]["deployments"]] == [d4, d2]

    data = await api.data(HISTORY, {"name": "churn", "environment": "staging"}, as_="reader")
    staging = data["model"]["deploymentHistory"]
    assert staging["totalCount"] == 2
    assert [d["id"] for d in staging["nodes"]] == [d4, d3]
    assert {d["environment"] for d in staging["nodes"]} == {"staging"}


async def test_a_model_is_active_in_at_most_fifty_environments(api: Api) -> None:
    """The query cost counts a model's active deployments as at most 50 (docs/security.md, "Limits")."""
    await register(api, "wide")
    await declare(*(f"env-{index}" for index in range(MAX_ACTIVE_ENVIRONMENTS)), "one-more", "spare", "again")
    for index in range(MAX_ACTIVE_ENVIRONMENTS):
        await promote_op(model="wide", version=1, actor="seeder", environment=f"env-{index}")
    before = await row_counts()
    with pytest.raises(Conflict, match="active in 50 environments"):
        await promote_op(model="wide", version=1, actor="seeder", environment="one-more")
    assert await row_counts() == before
    # Where it is active already, a promotion replaces and is allowed; a rollback cannot pass the cap either.
    await promote_op(model="wide", version=1, actor="seeder", environment="env-0")
    await demote(model="wide", actor="seeder", environment="env-0")
    await promote_op(model="wide", version=1, actor="seeder", environment="spare")
    with pytest.raises(Conflict, match="active in 50 environments"):
        await rollback(model="wide", actor="seeder", environment="env-0")
    error = await api.error(PROMOTE, {"input": {"model": "wide", "version": 1, "environment": "again"}})
    assert error["extensions"]["code"] == "CONFLICT"
