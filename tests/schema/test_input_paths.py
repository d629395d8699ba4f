"""Bad arguments: models/ names them as the operation's keyword arguments, and a mutation's client sees
them at their path in ``input``."""

from __future__ import annotations

from typing import Any

import pytest

from models.deployments.operations import promote
from models.environments.operations import protect_environment
from models.errors import InvalidInput
from models.registry.operations import Registration, register_version, update_model
from schema.input_paths import input_path
from tests.support.helpers import Api


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("reason", "input.reason"),
        ("expected_current_version", "input.expectedCurrentVersion"),
        ("artifact_sha256", "input.artifactSha256"),
        ("metrics[2].value", "input.metrics[2].value"),
        ("prior_environments[0]", "input.priorEnvironments[0]"),
        ("", "input"),
    ],
)
def test_a_field_is_named_as_strawberry_names_the_input_fields(field: str, path: str) -> None:
    assert input_path(field) == path


async def test_operations_name_their_keyword_arguments() -> None:
    """Refused before any SQL, so no database is needed."""
    with pytest.raises(InvalidInput) as refused:
        await promote(model="churn", version=1, actor="cli", expected_current_version=-1)
    assert refused.value.field == "expected_current_version"
    assert refused.value.message == "expected_current_version: must be 0 (nothing active) or a version number (got -1)"

    metrics = [("auc", 0.8), ("auc", 0.9)]
    with pytest.raises(InvalidInput, match=r"^metrics\[1\]\.name: metric 'auc' is given twice$"):
        await register_version(model="churn", registration=Registration(metrics=metrics), actor="ci")
    with pytest.raises(InvalidInput, match=r"^prior_environments\[0\]: "):
        await protect_environment(environment="production", prior_environments=["Staging"], actor="admin")
    with pytest.raises(InvalidInput, match=r"^give description, tags or metricDirections to change$") as refused:
        await update_model(name="churn", actor="alice")
    assert refused.value.field == ""


def _mutation(name: str) -> str:
    return f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{ __typename }} }}"


@pytest.mark.parametrize(
    ("mutation", "input_", "field", "message"),
    [
        ("updateModel", {"name": "m"}, "input", "input: give description, tags or metricDirections to change"),
        (
            "createModel",
            {"name": "m", "tags": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]},
            "input.tags[1].key",
            "input.tags[1].key: tag 'k' is given twice",
        ),
        (
            "registerVersion",
            {"model": "m", "featureNames": ["a", ""]},
            "input.featureNames[1]",
            "input.featureNames[1]: feature names are 1 to 256 characters without control, format or invisible "
            "characters (such as U+200B or U+202E) or leading or trailing spaces",
        ),
        (
            "registerVersion",
            {"model": "m", "trainingDurationSeconds": -1},
            "input.trainingDurationSeconds",
            "input.trainingDurationSeconds: must be a finite number of at least 0 (got -1.0)",
        ),
        (
            "registerVersion",
            {"model": "m", "artifactSha256": "a" * 64},
            "input.artifactSha256",
            "input.artifactSha256: no artifact with this sha256 was uploaded; POST it to /api/artifacts first",
        ),
        (
            "registerVersion",
            {"model": "m", "artifactFormat": "pickle"},
            "input.artifactFormat",
            "input.artifactFormat: is only used together with artifactSha256",
        ),
        (
            "archiveVersion",
            {"model": "m", "version": 0},
            "input.version",
            "input.version: version numbers start at 1 (got 0)",
        ),
        (
            "promote",
            {"model": "m", "version": 1, "expectedCurrentVersion": -1},
            "input.expectedCurrentVersion",
            "input.expectedCurrentVersion: must be 0 (nothing active) or a version number (got -1)",
        ),
        (
            "demote",
            {"model": "m", "idempotencyKey": ""},
            "input.idempotencyKey",
            "input.idempotencyKey: must be 1 to 128 characters without control, format or invisible characters "
            "(such as U+200B or U+202E) or leading or trailing spaces",
        ),
        (
            "rollback",
            {"model": "m", "reason": "r" * 1001},
            "input.reason",
            "input.reason: must be at most 1000 characters (got 1001)",
        ),
        (
            "protectEnvironment",
            {"environment": "production", "priorEnvironments": ["staging", "staging"]},
            "input.priorEnvironments[1]",
            "input.priorEnvironments[1]: this environment is given twice; give it once",
        ),
        (
            "unprotectEnvironment",
            {"environment": "production", "idempotencyKey": ""},
            "input.idempotencyKey",
            "input.idempotencyKey: must be 1 to 128 characters without control, format or invisible characters "
            "(such as U+200B or U+202E) or leading or trailing spaces",
        ),
    ],
)
async def test_clients_see_the_field_at_its_path_in_the_input(
    api: Api, mutation: str, input_: dict[str, Any], field: str, message: str
) -> None:
    error = await api.error(_mutation(mutation), {"input": input_})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert error["message"] == message
