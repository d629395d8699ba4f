"""Declared environments (models/environments/declared.py, declarations.py): a typo never creates one."""

from __future__ import annotations

from typing import Any

import pytest

from models.entities import AuditAction, AuditEvent, Environment, Role
from models.errors import InvalidInput
from models.tokens.operations import create_token
from tests.environments.test_environments import PROTECT, UNPROTECT, fails
from tests.support.helpers import DEMOTE, PROMOTE, ROLLBACK, Api, promote, register

CREATE = """
mutation Create($input: CreateEnvironmentInput!) {
  createEnvironment(input: $input) {
    environment { name activeDeploymentCount description declaredAt declaredBy protection { rules } }
    auditEvent { action actor environment modelName reason details }
  }
}"""

REMOVE = """
mutation Remove($input: RemoveEnvironmentInput!) {
  removeEnvironment(input: $input) { name auditEvent { action actor environment reason } }
}"""

LIST = "{ environments { name declaredBy activeDeploymentCount } }"


async def test_staging_and_production_are_declared_in_a_new_registry(api: Api) -> None:
    listed = (await api.data(LIST, as_="reader"))["environments"]
    assert [(e["name"], e["declaredBy"], e["activeDeploymentCount"]) for e in listed] == [
        ("production", "migration", 0),
        ("staging", "migration", 0),
    ]


@pytest.mark.parametrize(
    ("document", "input_"),
    [
        (PROMOTE, {"model": "churn", "version": 1, "environment": "prodution"}),
        (DEMOTE, {"model": "churn", "environment": "prodution"}),
        (ROLLBACK, {"model": "churn", "environment": "prodution"}),
        (PROTECT, {"environment": "prodution", "requiredRole": "ADMIN"}),
        (UNPROTECT, {"environment": "prodution"}),
    ],
    ids=["promote", "demote", "rollback", "protect", "unprotect"],
)
async def test_a_typo_is_bad_user_input_with_a_suggestion(api: Api, document: str, input_: dict[str, Any]) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    await promote(api, "churn", 2)
    message = await fails(api, document, input_, "BAD_USER_INPUT")
    assert message.startswith(
        "input.environment: 'prodution' is not a declared environment; did you mean 'production'?"
    )
    assert "declared: production, staging" in message
    assert "modelreg environments create prodution" in message
    assert not await Environment.filter(name="prodution").exists()


async def test_a_prior_environment_rule_names_a_declared_environment(api: Api) -> None:
    message = await fails(
        api, PROTECT, {"environment": "production", "priorEnvironments": ["stagin"]}, "BAD_USER_INPUT"
    )
    assert message.startswith(
        "input.priorEnvironments[0]: 'stagin' is not a declared environment; did you mean 'staging'?"
    )


async def test_no_suggestion_when_nothing_is_close(api: Api) -> None:
    await register(api, "churn", 1)
    message = await fails(api, PROMOTE, {"model": "churn", "version": 1, "environment": "zzz"}, "BAD_USER_INPUT")
    assert "did you mean" not in message and "declared: production, staging" in message


async def test_token_scopes_name_declared_environments(api: Api) -> None:
    with pytest.raises(InvalidInput) as raised:
        await create_token(name="ci", role=Role.DEPLOYER, environments=["staging", "qa"])
    assert raised.value.field == "environments[1]"
    assert not await Environment.filter(name="qa").exists()


async def test_an_admin_declares_an_environment_and_it_is_audited(api: Api) -> None:
    await register(api, "churn", 1)
    await fails(api, CREATE, {"name": "canary"}, "FORBIDDEN", as_="deployer")
    await fails(api, CREATE, {"name": "Canary"}, "BAD_USER_INPUT", "input.name", "not a valid environment")
    created = (await api.data(CREATE, {"input": {"name": "canary", "description": "5% of traffic"}}))[
        "createEnvironment"
    ]
    assert created["environment"] == {
        "name": "canary",
        "activeDeploymentCount": 0,
        "description": "5% of traffic",
        "declaredAt": created["environment"]["declaredAt"],
        "declaredBy": "admin",
        "protection": None,
    }
    assert created["auditEvent"] == {
        "action": "ENVIRONMENT_DECLARED",
        "actor": "admin",
        "environment": "canary",
        "modelName": "",
        "reason": "5% of traffic",
        "details": {"description": "5% of traffic"},
    }
    await fails(api, CREATE, {"name": "canary"}, "CONFLICT", "canary is already declared")
    assert (await promote(api, "churn", 1, environment="canary"))["changed"] is True
    listed = (await api.data(LIST))["environments"]
    assert [(e["name"], e["activeDeploymentCount"]) for e in listed] == [
        ("canary", 1),
        ("production", 0),
        ("staging", 0),
    ]


async def test_removal_refuses_an_environment_in_use_and_is_audited(api: Api) -> None:
    await register(api, "churn", 1)
    for name in ("canary", "qa", "unused"):
        await api.data(CREATE, {"input": {"name": name}})
    await promote(api, "churn", 1, environment="canary")
    await api.data(DEMOTE, {"input": {"model": "churn", "environment": "canary"}})
    await api.data(PROTECT, {"input": {"environment": "production", "priorEnvironments": ["qa"]}})
    await fails(api, REMOVE, {"name": "canary"}, "CONFLICT", "canary has deployments in its history")
    await fails(api, REMOVE, {"name": "qa"}, "CONFLICT", "production require a prior deployment in qa")
    await fails(api, REMOVE, {"name": "production"}, "CONFLICT", "production is protected")
    await fails(api, REMOVE, {"name": "unused"}, "FORBIDDEN", as_="deployer")
    await fails(api, REMOVE, {"name": "unuzed"}, "BAD_USER_INPUT", "did you mean 'unused'?")
    removed = (await api.data(REMOVE, {"input": {"name": "unused", "reason": "never used"}}))["removeEnvironment"]
    assert removed == {
        "name": "unused",
        "auditEvent": {
            "action": "ENVIRONMENT_REMOVED",
            "actor": "admin",
            "environment": "unused",
            "reason": "never used",
        },
    }
    assert not await Environment.filter(name="unused").exists()
    events = await AuditEvent.filter(action__in=[AuditAction.ENVIRONMENT_DECLARED, AuditAction.ENVIRONMENT_REMOVED])
    assert len(events) == 4
