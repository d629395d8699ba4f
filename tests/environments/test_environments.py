"""Protected environments (models/environments/): the rules, where they are checked, who may change them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from modelreg_client import Client

from models.audit.chain import verify
from models.audit.record import record
from models.db.connection import write_transaction
from models.entities import AuditAction, AuditEvent, EnvironmentProtection, ModelVersion, RegisteredModel, Role
from models.environments.operations import enforce_protection, protect_environment
from models.tokens.operations import create_token
from tests.app.test_release_cli import modelreg_all, ok, refused, registry
from tests.support.helpers import DEMOTE, PROMOTE, ROLLBACK, Api, declare, promote, register, row_counts

PROTECTION_FIELDS = """
  environment requiredRole metricRules { metric comparison threshold rule } tagRules { key value }
  priorEnvironments rules reason createdAt createdBy updatedAt updatedBy
"""

PROTECT = f"""
mutation Protect($input: ProtectEnvironmentInput!) {{
  protectEnvironment(input: $input) {{
    protection {{ {PROTECTION_FIELDS} }}
    previous {{ {PROTECTION_FIELDS} }}
    auditEvent {{ id action actor modelName model {{ name }} environment reason requestId details }}
  }}
}}"""

UNPROTECT = f"""
mutation Unprotect($input: UnprotectEnvironmentInput!) {{
  unprotectEnvironment(input: $input) {{
    previous {{ {PROTECTION_FIELDS} }}
    auditEvent {{ id action actor modelName environment reason details }}
  }}
}}"""

READ = f"""
query Read($environment: String!) {{
  environmentProtection(environment: $environment) {{ {PROTECTION_FIELDS} }}
  environments {{ name activeDeploymentCount protection {{ rules }} }}
  model(name: "churn") {{ activeDeployments {{ environment protection {{ environment rules }} }} }}
}}"""

EVENTS = """
query Events($action: AuditAction) {
  auditEvents(filter: {action: $action}) { totalCount nodes { id action actor modelName environment details } }
}"""


async def protect(api: Api, environment: str = "production", *, as_: str = "admin", **rules: Any) -> dict[str, Any]:
    data = await api.data(PROTECT, {"input": {"environment": environment, **rules}}, as_=as_)
    result: dict[str, Any] = data["protectEnvironment"]
    return result


async def fails(api: Api, query: str, input_: dict[str, Any], code: str, *words: str, as_: str = "admin") -> str:
    """The mutation fails with ``code``, a message containing ``words``, and changes nothing at all."""
    before = await row_counts()
    protections = await EnvironmentProtection.all().values_list("environment", "rules", "required_role")
    error = await api.error(query, {"input": input_}, as_=as_)
    assert error["extensions"]["code"] == code, error
    for word in words:
        assert word in error["message"], error
    assert await row_counts() == before
    assert await EnvironmentProtection.all().values_list("environment", "rules", "required_role") == protections
    message: str = error["message"]
    return message


async def _seed(api: Api) -> None:
    for fields in (
        {"metrics": [{"name": "roc_auc", "value": 0.71}]},
        {"metrics": [{"name": "latency_ms", "value": 100}]},
        {"metrics": [{"name": "roc_auc", "value": 0.85}, {"name": "latency_ms", "value": 300}]},
        {
            "metrics": [{"name": "roc_auc", "value": 0.8}, {"name": "latency_ms", "value": 250}],
            "tags": [{"key": "approved", "value": "true"}],
        },
        {"metrics": [{"name": "roc_auc", "value": 0.9}], "tags": [{"key": "approved", "value": "no"}]},
    ):
        await register(api, "churn", 1, **fields)


# --- protecting, reading, auditing -------------------------------------------------------------------------------


async def test_protect_read_replace_and_unprotect_are_audited(api: Api) -> None:
    await _seed(api)
    await promote(api, "churn", 1, environment="staging")
    before = await row_counts()
    first = await protect(
        api,
        requiredRole="ADMIN",
        metricRules=["roc_auc >= 0.8", "latency_ms<=250"],
        tagRules=["approved=true"],
        priorEnvironments=["staging"],
        reason="release policy",
    )
    assert (await row_counts())["events"] == before["events"] + 1
    protection = first["protection"]
    assert protection["environment"] == "production"
    assert protection["requiredRole"] == "ADMIN"
    assert protection["metricRules"] == [
        {"metric": "roc_auc", "comparison": ">=", "threshold": 0.8, "rule": "roc_auc>=0.8"},
        {"metric": "latency_ms", "comparison": "<=", "threshold": 250.0, "rule": "latency_ms<=250"},
    ]
    assert protection["tagRules"] == [{"key": "approved", "value": "true"}]
    assert protection["priorEnvironments"] == ["staging"]
    assert protection["rules"] == [
        "role admin",
        "roc_auc>=0.8",
        "latency_ms<=250",
        "tag approved=true",
        "prior staging",
    ]
    assert (protection["reason"], protection["createdBy"], protection["updatedBy"]) == (
        "release policy",
        "admin",
        "admin",
    )
    assert first["previous"] is None
    event = first["auditEvent"]
    assert (event["action"], event["actor"], event["environment"], event["reason"]) == (
        "ENVIRONMENT_PROTECTED",
        "admin",
        "production",
        "release policy",
    )
    assert (event["modelName"], event["model"]) == ("", None)  # about an environment, not a model
    assert event["details"]["previous"] is None
    assert event["details"]["protection"]["requiredRole"] == "admin"
    assert event["details"]["protection"]["rules"] == {
        "metrics": ["roc_auc>=0.8", "latency_ms<=250"],
        "tags": ["approved=true"],
        "prior": ["staging"],
    }

    # Queries: by name, the list of environments, and where a deployment names its environment.
    await promote(api, "churn", 4, environment="staging")
    await promote(api, "churn", 4, environment="production")
    data = await api.data(READ, {"environment": "production"}, as_="reader")
    assert data["environmentProtection"] == protection
    assert data["environments"] == [
        {"name": "production", "activeDeploymentCount": 1, "protection": {"rules": protection["rules"]}},
        {"name": "staging", "activeDeploymentCount": 1, "protection": None},
    ]
    by_environment = {d["environment"]: d["protection"] for d in data["model"]["activeDeployments"]}
    assert by_environment == {
        "production": {"environment": "production", "rules": protection["rules"]},
        "staging": None,
    }
    unprotected = await api.data(READ, {"environment": "qa"}, as_="reader")
    assert unprotected["environmentProtection"] is None

    # Protecting again replaces every rule and reports what it replaced.
    second = await protect(api, metricRules=["roc_auc>0.5"], idempotencyKey="k1")
    assert second["protection"]["rules"] == ["roc_auc>0.5"]
    assert second["protection"]["requiredRole"] is None
    assert second["protection"]["createdAt"] == protection["createdAt"]
    assert second["previous"] == protection
    assert second["auditEvent"]["details"]["previous"]["rules"]["metrics"] == ["roc_auc>=0.8", "latency_ms<=250"]
    # The same key and input replays the first result and writes nothing.
    counts = await row_counts()
    assert await protect(api, metricRules=["roc_auc>0.5"], idempotencyKey="k1") == second
    assert await row_counts() == counts
    await fails(
        api,
        PROTECT,
        {"environment": "production", "metricRules": ["roc_auc>0.6"], "idempotencyKey": "k1"},
        "CONFLICT",
        "k1",
    )

    removed = (await api.data(UNPROTECT, {"input": {"environment": "production", "reason": "freeze over"}}))[
        "unprotectEnvironment"
    ]
    assert removed["previous"] == second["protection"]
    assert (removed["auditEvent"]["action"], removed["auditEvent"]["reason"]) == (
        "ENVIRONMENT_UNPROTECTED",
        "freeze over",
    )
    assert removed["auditEvent"]["details"]["previous"]["rules"]["metrics"] == ["roc_auc>0.5"]
    assert (await api.data(READ, {"environment": "production"}))["environmentProtection"] is None
    await fails(api, UNPROTECT, {"environment": "production"}, "CONFLICT", "production is not protected")

    history = (await api.data(EVENTS, {"action": None}, as_="reader"))["auditEvents"]["nodes"]
    changes = [(e["action"], e["environment"]) for e in history if e["action"].startswith("ENVIRONMENT")]
    assert changes == [
        ("ENVIRONMENT_UNPROTECTED", "production"),
        ("ENVIRONMENT_PROTECTED", "production"),
        ("ENVIRONMENT_PROTECTED", "production"),
    ]
    filtered = (await api.data(EVENTS, {"action": "ENVIRONMENT_PROTECTED"}, as_="reader"))["auditEvents"]
    assert filtered["totalCount"] == 2
    # Events about no model form the registry's own hash chain, which stays intact.
    reports = await verify()
    assert all(report.intact for report in reports), reports
    # Its first events are the TOKEN_CREATED events of the fixture's tokens.
    assert [report.events for report in reports if report.model is None] == [len(api.tokens) + len(changes)]


async def test_a_token_limited_to_some_models_or_environments_cannot_change_rules(api: Api) -> None:
    _, by_model = await create_token(name="churn-admin", role=Role.ADMIN, model_patterns=["churn-*"])
    _, by_environment = await create_token(name="staging-admin", role=Role.ADMIN, environments=["staging"])
    before = await row_counts()
    variables = {"input": {"environment": "production", "metricRules": ["roc_auc>=0.8"]}}
    error = await api.error(PROTECT, variables, as_=by_model)
    assert error["extensions"]["code"] == "FORBIDDEN" and "every model" in error["message"]
    assert await api.code(PROTECT, variables, as_=by_environment) == "FORBIDDEN"
    assert await row_counts() == before
    # Its own environment is fine.
    staging = await protect(api, "staging", as_=by_environment, metricRules=["roc_auc>=0.8"])
    assert staging["protection"]["updatedBy"] == "staging-admin"


async def test_only_admins_change_protection(api: Api) -> None:
    await register(api, "churn", 1)
    await protect(api, requiredRole="ADMIN")
    for role in ("deployer", "writer", "reader"):
        await fails(
            api, PROTECT, {"environment": "staging", "metricRules": ["auc>0.5"]}, "FORBIDDEN", "admin", as_=role
        )
        await fails(api, UNPROTECT, {"environment": "production"}, "FORBIDDEN", "admin", as_=role)
        # Everyone may read the rules.
        read = await api.data(READ, {"environment": "production"}, as_=role)
        assert read["environmentProtection"]["rules"] == ["role admin"]
    for query, input_ in ((PROTECT, {"requiredRole": "ADMIN"}), (UNPROTECT, {})):
        body = await api.post(query, {"input": {"environment": "production", **input_}}, as_=None)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], body


INVALID: list[tuple[dict[str, Any], str, list[str]]] = [
    (
        {"metricRules": ["roc_auc=>0.8"]},
        "input.metricRules[0]",
        ["'roc_auc=>0.8' is not a metric rule", "roc_auc>=0.8"],
    ),
    ({"metricRules": ["auc>0.5", "roc_auc"]}, "input.metricRules[1]", ["not a metric rule"]),
    ({"metricRules": ["roc_auc>=high"]}, "input.metricRules[0]", ["METRIC OP NUMBER"]),
    ({"metricRules": ["roc_auc>=nan"]}, "input.metricRules[0]", ["not a metric rule"]),
    ({"metricRules": ["auc>0.5", "auc > 0.7"]}, "input.metricRules[1]", ["given twice"]),
    ({"metricRules": [f"m{i}>0" for i in range(21)]}, "input.metricRules", ["at most 20"]),
    ({"tagRules": ["approved"]}, "input.tagRules[0]", ["KEY=VALUE", "approved=true"]),
    ({"tagRules": ["=true"]}, "input.tagRules[0]", ["not a tag rule"]),
    ({"tagRules": ["a=1", "a=2"]}, "input.tagRules[1]", ["given twice"]),
    ({"priorEnvironments": ["Staging"]}, "input.priorEnvironments[0]", ["not a valid environment"]),
    ({"priorEnvironments": ["production"]}, "input.priorEnvironments[0]", ["in itself"]),
    ({"requiredRole": "WRITER"}, "input.requiredRole", ["deployer or admin"]),
    ({}, "input", ["at least one rule"]),
    ({"environment": "Prod!", "requiredRole": "ADMIN"}, "input.environment", ["not a valid environment"]),
    ({"requiredRole": "ADMIN", "reason": "x" * 1001}, "input.reason", ["at most 1000"]),
]


async def test_invalid_rules_are_bad_user_input(api: Api) -> None:
    await protect(api, requiredRole="DEPLOYER")
    for input_, field, words in INVALID:
        error = await api.error(PROTECT, {"input": {"environment": "production", **input_}})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, error
        assert error["message"].startswith(f"{field}: "), error
        for word in words:
            assert word in error["message"], error
    # Nothing changed: the earlier rules stand and no event was written.
    assert await EnvironmentProtection.all().values_list("environment", "required_role") == [
        ("production", Role.DEPLOYER)
    ]
    assert await AuditEvent.filter(action=AuditAction.ENVIRONMENT_PROTECTED).count() == 1


# --- enforcing -----------------------------------------------------------------------------------------------


async def test_metric_rules_block_and_pass(api: Api) -> None:
    await _seed(api)
    await declare("canary")
    await protect(api, metricRules=["roc_auc>=0.8", "latency_ms<=250"])
    await protect(api, "canary", metricRules=["roc_auc>0.8", "latency_ms<250"])

    def attempt(version: int, environment: str = "production") -> dict[str, Any]:
        return {
            "model": "churn",
            "version": version,
            "environment": environment,
            "idempotencyKey": f"{environment}-{version}",
        }

    await fails(
        api, PROMOTE, attempt(1), "CONFLICT", "production requires roc_auc>=0.8, but version 1 of 'churn' has 0.71"
    )
    await fails(
        api,
        PROMOTE,
        attempt(2),
        "CONFLICT",
        "production requires roc_auc>=0.8, but version 2 of 'churn' has no roc_auc metric",
    )
    message = await fails(api, PROMOTE, attempt(3), "CONFLICT", "requires latency_ms<=250")
    assert "roc_auc" not in message  # only the broken rule is named
    # Version 4 sits exactly on both bounds: >= and <= pass, > and < do not.
    passed = await promote(api, "churn", 4, idempotencyKey="production-4")
    assert passed["changed"] is True
    message = await fails(api, PROMOTE, attempt(4, "canary"), "CONFLICT")
    assert message == (
        "canary requires roc_auc>0.8, but version 4 of 'churn' has 0.8; "
        "canary requires latency_ms<250, but version 4 of 'churn' has 250"
    )
    # The failed attempts stored no idempotency record: the same keys work once the rules allow.
    await api.data(UNPROTECT, {"input": {"environment": "production"}})
    assert (await promote(api, "churn", 1, idempotencyKey="production-1"))["changed"] is True
    event = await AuditEvent.filter(action=AuditAction.PROMOTED).order_by("-id").first()
    assert event is not None and "protection" not in event.details
    checked = await AuditEvent.get(action=AuditAction.PROMOTED, version__number=4)
    assert checked.details["protection"] == ["roc_auc>=0.8", "latency_ms<=250"]


async def test_tag_rule_blocks_and_passes(api: Api) -> None:
    await _seed(api)
    await protect(api, tagRules=["approved=true"])
    await fails(
        api,
        PROMOTE,
        {"model": "churn", "version": 1},
        "CONFLICT",
        "production requires tag approved=true, but version 1 of 'churn' has no approved tag",
    )
    await fails(api, PROMOTE, {"model": "churn", "version": 5}, "CONFLICT", "has approved=no")
    assert (await promote(api, "churn", 4))["changed"] is True


async def test_prior_deployment_rule_counts_retired_deployments(api: Api) -> None:
    await _seed(api)
    await declare("qa")
    await protect(api, priorEnvironments=["staging", "qa"])
    await promote(api, "churn", 1, environment="staging")
    message = await fails(api, PROMOTE, {"model": "churn", "version": 1}, "CONFLICT")
    assert message == "production requires a prior deployment in qa, but version 1 of 'churn' was never there"
    await fails(api, PROMOTE, {"model": "churn", "version": 2}, "CONFLICT", "prior deployment in staging", "in qa")
    # Deployed to qa and retired since: "prior" means ever deployed there.
    await promote(api, "churn", 1, environment="qa")
    await api.data(DEMOTE, {"input": {"model": "churn", "environment": "qa"}})
    assert (await promote(api, "churn", 1))["changed"] is True


async def test_role_rule_is_forbidden_for_lower_roles(api: Api) -> None:
    await _seed(api)
    await promote(api, "churn", 1)
    await promote(api, "churn", 2)
    await protect(api, requiredRole="ADMIN")
    for query, input_ in (
        (PROMOTE, {"model": "churn", "version": 3}),
        (ROLLBACK, {"model": "churn"}),
        (DEMOTE, {"model": "churn"}),
    ):
        await fails(
            api,
            query,
            input_,
            "FORBIDDEN",
            "production requires role admin",
            "token 'deployer' is deployer",
            as_="deployer",
        )
    # Elsewhere the deployer is unaffected; in production the admin passes.
    staging = await api.data(
        PROMOTE, {"input": {"model": "churn", "version": 3, "environment": "staging"}}, as_="deployer"
    )
    assert staging["promote"]["changed"] is True
    assert (await promote(api, "churn", 3))["changed"] is True
    demoted = await api.data(DEMOTE, {"input": {"model": "churn"}})
    assert demoted["demote"]["retired"]["version"]["number"] == 3


async def test_rollback_respects_the_rules(api: Api) -> None:
    await _seed(api)
    await promote(api, "churn", 1)  # roc_auc 0.71, deployed before the rules existed
    await promote(api, "churn", 4)
    await protect(api, metricRules=["roc_auc>=0.8"])
    # Re-promoting the active version changes nothing, so it is no violation.
    assert (await promote(api, "churn", 4))["changed"] is False
    await fails(
        api,
        ROLLBACK,
        {"model": "churn", "idempotencyKey": "r1"},
        "CONFLICT",
        "production requires roc_auc>=0.8, but version 1 of 'churn' has 0.71",
    )
    production = await api.data('{ model(name: "churn") { production { version { number } } } }')
    assert production["model"]["production"]["version"]["number"] == 4
    await protect(api, metricRules=["roc_auc>=0.7"])
    rolled = await api.data(ROLLBACK, {"input": {"model": "churn", "idempotencyKey": "r1"}})
    assert rolled["rollback"]["deployment"]["version"]["number"] == 1


async def test_protection_change_waits_for_a_promotion_checked_under_the_old_rules(api: Api) -> None:
    """A promotion reads the rules and commits; a protection change in between is ordered after it."""
    await _seed(api)
    model = await RegisteredModel.get(name="churn")
    version = await ModelVersion.get(model_id=model.id, number=1)
    go = asyncio.Event()

    async def change() -> AuditEvent:
        await go.wait()  # created outside the transaction below, so it runs in a transaction of its own
        return (await protect_environment(environment="production", actor="admin", metric_rules=["roc_auc>=0.8"])).event

    task = asyncio.create_task(change())
    async with write_transaction() as conn:
        checked = await enforce_protection(
            conn, environment="production", model=model, version=version, role=Role.DEPLOYER, actor="deployer"
        )
        assert checked == {}
        go.set()
        await asyncio.sleep(0.2)  # room for the change to commit first, were it not made to wait
        promoted = await record(
            conn, action=AuditAction.PROMOTED, actor="deployer", model=model, version=version, request_id=None
        )
    protected = await task
    assert promoted.id < protected.id


# --- the command line against a real server -------------------------------------------------------------------


def test_environments_cli_round_trip(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        client: Client = reg.client
        client.register("churn", metrics={"roc_auc": 0.71})
        client.register("churn", metrics={"roc_auc": 0.9}, tags={"approved": "true"})
        client.promote("churn", 2, environment="staging")
        client.create_environment("qa")
        client.protect_environment("qa", required_role="deployer", reason="to remove")

        # Commands that cannot affect each other's output run side by side (each is a process of its own).
        protected, bad_rule, reader, removed = modelreg_all(
            [
                (
                    reg.admin,
                    [
                        "environments",
                        "protect",
                        "production",
                        *("--require-role", "admin", "--require-metric", "roc_auc>=0.8"),
                        *("--require-tag", "approved=true", "--require-prior", "staging", "--reason", "policy"),
                    ],
                ),
                (reg.admin, ["environments", "protect", "canary", "--require-metric", "roc_auc=>0.8"]),
                (reg.reader, ["environments", "unprotect", "staging"]),
                (reg.admin, ["environments", "unprotect", "qa", "--reason", "done", "--json"]),
            ],
            reg.url,
        )
        assert protected.out.strip() == (
            "protected production: role admin, roc_auc>=0.8, tag approved=true, prior staging"
        ), protected
        refused(bad_rule, 2, "bad user input", "input.metricRules[0]", "'roc_auc=>0.8'", "e.g. roc_auc>=0.8")
        refused(reader, 5, "forbidden", "admin")
        removal = ok(removed).json()
        assert (removal["previous"]["environment"], removal["previous"]["rules"]) == ("qa", ["role deployer"])
        assert (removal["event"]["action"], removal["event"]["reason"]) == ("ENVIRONMENT_UNPROTECTED", "done")

        listed, listed_json, blocked, unprotected = modelreg_all(
            [
                (reg.admin, ["environments", "list"]),
                (reg.admin, ["environments", "list", "--json"]),
                (reg.admin, ["promote", "churn", "1"]),
                (reg.admin, ["environments", "unprotect", "qa"]),
            ],
            reg.url,
        )
        lines = [line.split() for line in ok(listed).out.splitlines() if line.strip()]
        assert lines[0][:3] == ["ENVIRONMENT", "ACTIVE", "RULES"], listed
        assert lines[1][:7] == ["production", "0", "role", "admin,", "roc_auc>=0.8,", "tag", "approved=true,"], listed
        assert lines[2][:3] == ["qa", "0", "unprotected"], listed
        assert lines[3][:3] == ["staging", "1", "unprotected"], listed
        assert len(lines) == 4, listed
        environments = ok(listed_json).json()
        assert [(e["name"], e["active_deployment_count"]) for e in environments] == [
            ("production", 0),
            ("qa", 0),
            ("staging", 1),
        ]
        rules = environments[0]["protection"]
        assert (rules["required_role"], rules["metric_rules"], rules["tag_rules"]) == (
            "admin",
            ["roc_auc>=0.8"],
            ["approved=true"],
        )
        assert (rules["prior_environments"], rules["reason"], rules["updated_by"]) == (["staging"], "policy", "release")
        assert environments[1]["protection"] is None
        refused(blocked, 3, "conflict", "production requires roc_auc>=0.8, but version 1 of 'churn' has 0.71")
        refused(unprotected, 3, "conflict", "qa is not protected")

        assert client.promote("churn", 2).changed is True  # v2 meets every rule (the CLI token is an admin)
        assert client.protection("production") == client.environments()[0].protection
        assert [(e.action, e.environment) for e in client.audit(action="ENVIRONMENT_PROTECTED")] == [
            ("ENVIRONMENT_PROTECTED", "production"),
            ("ENVIRONMENT_PROTECTED", "qa"),
        ]
