"""createModel, updateModel, registerVersion and archiveVersion through GraphQL (docs/api.md, "Other mutations")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.support.helpers import PROMOTE, REGISTER, Api, promote, register, row_counts

CREATE = """
mutation Create($input: CreateModelInput!) {
  createModel(input: $input) {
    model { id name description tags { key value } createdBy versionCount latestVersion { number } }
    auditEvent { id action actor modelName model { name } details }
  }
}"""

UPDATE = """
mutation Update($input: UpdateModelInput!) {
  updateModel(input: $input) {
    model { id name description tags { key value } createdAt updatedAt }
    auditEvent { id action actor modelName details }
  }
}"""

ARCHIVE = """
mutation Archive($input: ArchiveVersionInput!) {
  archiveVersion(input: $input) {
    version { id number status }
    auditEvent { id action actor modelName reason version { number } }
  }
}"""

MODEL = """
query Model($name: String!) {
  model(name: $name) {
    id name description tags { key value } versionCount latestVersion { number }
    auditEvents { totalCount nodes { id action actor version { number } } }
  }
}"""

VERSION_FIELDS = """
  id number status description tags { key value } metrics { name value }
  hyperparameters featureNames modelType framework datasetVersion trainingDurationSeconds
  artifact { sha256 sizeBytes format downloadUrl } createdAt createdBy
"""

VERSION = f"""
query Version($name: String!, $number: Int!) {{
  model(name: $name) {{ version(number: $number) {{ {VERSION_FIELDS} }} }}
}}"""

REGISTER_FULL = f"""
mutation Register($input: RegisterVersionInput!) {{
  registerVersion(input: $input) {{
    version {{ {VERSION_FIELDS} }}
    auditEvent {{ id action actor modelName version {{ number }} }}
  }}
}}"""


async def model(api: Api, name: str) -> dict[str, Any] | None:
    """The model, or None when there is none (as null or as a NOT_FOUND error: both are read as absence)."""
    body = await api.post(MODEL, {"name": name}, as_="reader")
    if body.get("errors"):
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"], body["errors"]
        return None
    result: dict[str, Any] | None = body["data"]["model"]
    return result


async def version(api: Api, name: str, number: int) -> dict[str, Any]:
    data = await api.data(VERSION, {"name": name, "number": number}, as_="reader")
    result: dict[str, Any] = data["model"]["version"]
    return result


def tag_set(tags: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(tag["key"], tag["value"]) for tag in tags}


async def assert_fails(
    api: Api, query: str, variables: dict[str, Any] | None, code: str, *, field: str | None = None
) -> dict[str, Any]:
    """The mutation fails with ``code`` (its message naming ``field``) and changes nothing."""
    before = await row_counts()
    error = await api.error(query, variables)
    assert error["extensions"]["code"] == code, error
    if field is not None:
        assert field in error["message"], error
    assert await row_counts() == before
    return error


# --- createModel -----------------------------------------------------------------------------------------------


async def test_create_model_writes_model_created(api: Api) -> None:
    before = await row_counts()
    data = await api.data(
        CREATE,
        {"input": {"name": "churn", "description": "who leaves", "tags": [{"key": "team", "value": "growth"}]}},
        as_="writer",
        headers={"X-Request-ID": "req-123"},
    )
    created = data["createModel"]
    assert created["model"]["name"] == "churn"
    assert created["model"]["description"] == "who leaves"
    assert created["model"]["tags"] == [{"key": "team", "value": "growth"}]
    assert created["model"]["createdBy"] == "writer"
    assert created["model"]["versionCount"] == 0
    assert created["model"]["latestVersion"] is None
    event = created["auditEvent"]
    assert event["action"] == "MODEL_CREATED"
    assert event["actor"] == "writer"
    assert event["modelName"] == "churn"
    assert event["model"] == {"name": "churn"}
    after = await row_counts()
    assert after["models"] == before["models"] + 1
    assert after["events"] == before["events"] + 1

    found = await model(api, "churn")
    assert found is not None
    assert found["id"] == created["model"]["id"]
    assert [(e["id"], e["action"]) for e in found["auditEvents"]["nodes"]] == [(event["id"], "MODEL_CREATED")]
    data = await api.data('{ auditEvents(filter: {model: "churn"}) { nodes { requestId } } }', as_="reader")
    assert data["auditEvents"]["nodes"] == [{"requestId": "req-123"}]


async def test_duplicate_model_name_is_conflict(api: Api) -> None:
    await api.data(CREATE, {"input": {"name": "churn"}})
    await assert_fails(api, CREATE, {"input": {"name": "churn", "description": "again"}}, "CONFLICT")
    found = await model(api, "churn")
    assert found is not None
    assert found["description"] is None


@pytest.mark.parametrize(
    "name",
    ["", "a" * 129, "-churn", ".churn", "_churn", "churn model", "churn/v2", "churn\n", "churn:1", "ünicode"],
)
async def test_invalid_model_name_is_bad_user_input(api: Api, name: str) -> None:
    await assert_fails(api, CREATE, {"input": {"name": name}}, "BAD_USER_INPUT", field="name")
    await assert_fails(api, REGISTER, {"input": {"model": name}}, "BAD_USER_INPUT", field="model")


@pytest.mark.parametrize("name", ["a", "a" * 128, "0churn", "Churn.v2_final-3"])
async def test_valid_model_names_are_accepted(api: Api, name: str) -> None:
    data = await api.data(CREATE, {"input": {"name": name}})
    assert data["createModel"]["model"]["name"] == name


async def test_model_names_are_case_sensitive(api: Api) -> None:
    upper = (await api.data(CREATE, {"input": {"name": "Churn"}}))["createModel"]["model"]
    lower = (await api.data(CREATE, {"input": {"name": "churn"}}))["createModel"]["model"]
    assert upper["id"] != lower["id"]
    found_upper = await model(api, "Churn")
    found_lower = await model(api, "churn")
    assert found_upper is not None and found_lower is not None
    assert (found_upper["id"], found_upper["name"]) == (upper["id"], "Churn")
    assert (found_lower["id"], found_lower["name"]) == (lower["id"], "churn")
    assert await model(api, "CHURN") is None


# --- updateModel -----------------------------------------------------------------------------------------------


async def test_update_model_replaces_description_and_whole_tag_set(api: Api) -> None:
    tags = [{"key": "team", "value": "growth"}, {"key": "tier", "value": "1"}]
    await api.data(CREATE, {"input": {"name": "churn", "description": "old", "tags": tags}})
    before = await row_counts()
    data = await api.data(
        UPDATE,
        {"input": {"name": "churn", "description": "new", "tags": [{"key": "owner", "value": "ana"}]}},
        as_="writer",
    )
    updated = data["updateModel"]
    assert updated["model"]["description"] == "new"
    assert updated["model"]["tags"] == [{"key": "owner", "value": "ana"}]
    assert updated["model"]["updatedAt"] >= updated["model"]["createdAt"]
    event = updated["auditEvent"]
    assert event["action"] == "MODEL_UPDATED"
    assert event["actor"] == "writer"
    assert event["modelName"] == "churn"
    assert isinstance(event["details"], dict)
    assert event["details"]  # says what changed
    after = await row_counts()
    assert after["models"] == before["models"]
    assert after["events"] == before["events"] + 1

    found = await model(api, "churn")
    assert found is not None
    assert found["description"] == "new"
    assert found["tags"] == [{"key": "owner", "value": "ana"}]
    assert found["auditEvents"]["nodes"][0]["action"] == "MODEL_UPDATED"


async def test_update_model_leaves_the_field_not_given(api: Api) -> None:
    await api.data(CREATE, {"input": {"name": "churn", "description": "old", "tags": [{"key": "a", "value": "1"}]}})
    await api.data(
        UPDATE, {"input": {"name": "churn", "tags": [{"key": "b", "value": "2"}, {"key": "c", "value": ""}]}}
    )
    found = await model(api, "churn")
    assert found is not None
    assert found["description"] == "old"
    assert tag_set(found["tags"]) == {("b", "2"), ("c", "")}

    await api.data(UPDATE, {"input": {"name": "churn", "description": "newer"}})
    found = await model(api, "churn")
    assert found is not None
    assert found["description"] == "newer"
    assert tag_set(found["tags"]) == {("b", "2"), ("c", "")}

    await api.data(UPDATE, {"input": {"name": "churn", "tags": []}})  # an empty set replaces the whole set
    found = await model(api, "churn")
    assert found is not None
    assert found["tags"] == []
    assert found["description"] == "newer"


async def test_update_unknown_model_is_not_found(api: Api) -> None:
    await api.data(CREATE, {"input": {"name": "churn"}})
    await assert_fails(api, UPDATE, {"input": {"name": "nope", "description": "x"}}, "NOT_FOUND")
    await assert_fails(api, UPDATE, {"input": {"name": "Churn", "description": "x"}}, "NOT_FOUND")


async def test_update_without_description_or_tags_is_bad_user_input(api: Api) -> None:
    await api.data(CREATE, {"input": {"name": "churn", "description": "old"}})
    await assert_fails(api, UPDATE, {"input": {"name": "churn"}}, "BAD_USER_INPUT")


async def test_update_model_with_invalid_tags_changes_nothing(api: Api) -> None:
    await api.data(CREATE, {"input": {"name": "churn", "description": "old", "tags": [{"key": "a", "value": "1"}]}})
    await assert_fails(
        api,
        UPDATE,
        {"input": {"name": "churn", "description": "new", "tags": [{"key": "a", "value": "x" * 1025}]}},
        "BAD_USER_INPUT",
        field="tags",
    )
    found = await model(api, "churn")
    assert found is not None
    assert found["description"] == "old"
    assert found["tags"] == [{"key": "a", "value": "1"}]


# --- registerVersion -------------------------------------------------------------------------------------------


async def test_register_version_numbers_are_per_model(api: Api) -> None:
    assert await register(api, "churn", 3) == [1, 2, 3]
    assert await register(api, "fraud", 2) == [1, 2]
    assert await register(api, "churn", 1) == [4]
    found = await model(api, "churn")
    assert found is not None
    assert found["versionCount"] == 4
    assert found["latestVersion"] == {"number": 4}


async def test_register_version_creates_the_model_with_two_events_in_order(api: Api) -> None:
    before = await row_counts()
    data = await api.data(REGISTER, {"input": {"model": "churn"}}, as_="writer", headers={"X-Request-ID": "req-123"})
    registered = data["registerVersion"]
    assert registered["version"]["number"] == 1
    assert registered["version"]["status"] == "READY"
    assert registered["version"]["model"] == {"name": "churn", "versionCount": 1}
    assert registered["auditEvent"]["action"] == "VERSION_REGISTERED"
    assert registered["auditEvent"]["actor"] == "writer"
    assert registered["auditEvent"]["requestId"] == "req-123"
    after = await row_counts()
    assert after["models"] == before["models"] + 1
    assert after["versions"] == before["versions"] + 1
    assert after["events"] == before["events"] + 2

    found = await model(api, "churn")
    assert found is not None
    nodes = found["auditEvents"]["nodes"]  # newest first, ties broken by creation order
    assert [e["action"] for e in nodes] == ["VERSION_REGISTERED", "MODEL_CREATED"]
    assert nodes[0]["id"] == registered["auditEvent"]["id"]
    assert nodes[0]["version"] == {"number": 1}
    assert {e["actor"] for e in nodes} == {"writer"}

    # A model that exists already: only VERSION_REGISTERED.
    before = await row_counts()
    await register(api, "churn")
    after = await row_counts()
    assert after["models"] == before["models"]
    assert after["events"] == before["events"] + 1


async def test_register_version_without_create_model_on_missing_model_is_not_found(api: Api) -> None:
    await assert_fails(api, REGISTER, {"input": {"model": "churn", "createModel": False}}, "NOT_FOUND")
    assert await model(api, "churn") is None
    await api.data(CREATE, {"input": {"name": "churn"}})
    assert await register(api, "churn", createModel=False) == [1]


@pytest.mark.parametrize("literal", ["1e400", "-1e400"])
async def test_infinite_metric_value_is_bad_user_input(api: Api, literal: str) -> None:
    template = """
    mutation { registerVersion(input: {model: "churn", metrics: [{name: "auc", value: VALUE}]}) { version { id } } }"""
    query = template.replace("VALUE", literal)
    await assert_fails(api, query, None, "BAD_USER_INPUT", field="metrics")
    assert await model(api, "churn") is None


async def test_nan_metric_value_is_bad_user_input(api: Api) -> None:
    # Standard JSON cannot carry NaN; Python's encoder writes the non-standard token, as some clients do.
    body = json.dumps(
        {
            "query": REGISTER,
            "variables": {"input": {"model": "churn", "metrics": [{"name": "auc", "value": float("nan")}]}},
        }
    )
    assert "NaN" in body
    before = await row_counts()
    response = await api.client.post(
        "/graphql", content=body.encode(), headers={**api.headers("admin"), "content-type": "application/json"}
    )
    # The body is decoded as standard JSON (orjson), so the token is refused before GraphQL sees a variable.
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not valid JSON" in errors[0]["message"]
    assert await row_counts() == before


async def test_infinite_numbers_elsewhere_are_bad_user_input(api: Api) -> None:
    await assert_fails(
        api,
        'mutation { registerVersion(input: {model: "churn", hyperparameters: {lr: 1e400}}) { version { number } } }',
        None,
        "BAD_USER_INPUT",
        field="hyperparameters",
    )
    await assert_fails(
        api,
        'mutation { registerVersion(input: {model: "churn", trainingDurationSeconds: 1e400}) { version { number } } }',
        None,
        "BAD_USER_INPUT",
        field="trainingDurationSeconds",
    )


async def test_duplicate_metric_names_are_bad_user_input(api: Api) -> None:
    metrics = [{"name": "auc", "value": 0.9}, {"name": "f1", "value": 0.5}, {"name": "auc", "value": 0.8}]
    await assert_fails(
        api, REGISTER, {"input": {"model": "churn", "metrics": metrics}}, "BAD_USER_INPUT", field="metrics"
    )
    assert await model(api, "churn") is None


async def test_tag_value_limit(api: Api) -> None:
    await assert_fails(
        api,
        REGISTER,
        {"input": {"model": "churn", "tags": [{"key": "note", "value": "x" * 1025}]}},
        "BAD_USER_INPUT",
        field="tags",
    )
    await assert_fails(
        api,
        CREATE,
        {"input": {"name": "churn", "tags": [{"key": "note", "value": "x" * 1025}]}},
        "BAD_USER_INPUT",
        field="tags",
    )
    data = await api.data(REGISTER, {"input": {"model": "churn", "tags": [{"key": "note", "value": "x" * 1024}]}})
    assert data["registerVersion"]["version"]["tags"] == [{"key": "note", "value": "x" * 1024}]


@pytest.mark.parametrize("value", [[1, 2], "max_depth=3", 3, True])
async def test_hyperparameters_must_be_an_object(api: Api, value: Any) -> None:
    await assert_fails(
        api,
        REGISTER,
        {"input": {"model": "churn", "hyperparameters": value}},
        "BAD_USER_INPUT",
        field="hyperparameters",
    )


@pytest.mark.parametrize("huge", [10**30, -(10**30), 2**63, -(2**63) - 1])
async def test_integers_past_64_bits_in_hyperparameters_are_bad_user_input(api: Api, huge: int) -> None:
    """Not stored as an approximate float: an integer literal past 64 bits is refused, as a metric value that
    would lose precision is. (In a JSON request body the parser already reads it as a float, which is kept.)"""
    literal = (
        'mutation { registerVersion(input: {model: "churn", hyperparameters: {a: [64, HUGE]}}) { version { number } } }'
    )
    error = await assert_fails(api, literal.replace("HUGE", str(huge)), None, "BAD_USER_INPUT")
    assert error["extensions"]["field"] == "input.hyperparameters"
    assert "64 bits" in error["message"]


async def test_float_hyperparameters_are_not_limited(api: Api) -> None:
    data = await api.data(REGISTER_FULL, {"input": {"model": "churn", "hyperparameters": {"c": 1e30, "d": -1e300}}})
    assert data["registerVersion"]["version"]["hyperparameters"] == {"c": 1e30, "d": -1e300}


async def test_hyperparameters_keep_every_64_bit_integer_exactly(api: Api) -> None:
    hyperparameters = {"high": 2**63 - 1, "low": -(2**63), "beyond_floats": 2**53 + 1, "small": 1e-300}
    data = await api.data(REGISTER_FULL, {"input": {"model": "churn", "hyperparameters": hyperparameters}})
    assert data["registerVersion"]["version"]["hyperparameters"] == hyperparameters
    assert (await version(api, "churn", 1))["hyperparameters"] == hyperparameters


async def test_metrics_are_ordered_by_name_and_looked_up_by_name(api: Api) -> None:
    metrics = [
        {"name": "recall", "value": 0.7},
        {"name": "auc", "value": 0.91},
        {"name": "precision", "value": -0.25},
        {"name": "f1", "value": 0.0},
    ]
    data = await api.data(REGISTER, {"input": {"model": "churn", "metrics": metrics}})
    assert data["registerVersion"]["version"]["metrics"] == sorted(metrics, key=lambda m: str(m["name"]))
    query = """
    { model(name: "churn") { version(number: 1) {
        metrics { name value } auc: metric(name: "auc") f1: metric(name: "f1")
        precision: metric(name: "precision") missing: metric(name: "rmse")
    } } }"""
    found = (await api.data(query, as_="reader"))["model"]["version"]
    assert [m["name"] for m in found["metrics"]] == ["auc", "f1", "precision", "recall"]
    assert found["auc"] == 0.91
    assert found["f1"] == 0.0
    assert found["precision"] == -0.25
    assert found["missing"] is None


async def test_version_fields_round_trip(api: Api) -> None:
    hyperparameters = {
        "max_depth": 3,
        "criterion": "gini",
        "learning_rate": 0.01,
        "layers": [64, 32],
        "nested": {"enabled": True, "none": None},
    }
    features = ["tenure", "age", "monthly_spend", "plan"]
    fields = {
        "description": "weekly retrain",
        "tags": [{"key": "owner", "value": "ana"}],
        "hyperparameters": hyperparameters,
        "featureNames": features,
        "modelType": "sklearn.ensemble.RandomForestClassifier",
        "framework": "scikit-learn 1.5.2",
        "datasetVersion": "2026-11-01",
        "trainingDurationSeconds": 12.5,
    }
    data = await api.data(REGISTER_FULL, {"input": {"model": "churn", **fields}}, as_="writer")
    returned = data["registerVersion"]["version"]
    stored = await version(api, "churn", 1)
    for found in (returned, stored):
        assert found["hyperparameters"] == hyperparameters
        assert found["featureNames"] == features
        assert found["description"] == "weekly retrain"
        assert found["tags"] == [{"key": "owner", "value": "ana"}]
        assert found["modelType"] == "sklearn.ensemble.RandomForestClassifier"
        assert found["framework"] == "scikit-learn 1.5.2"
        assert found["datasetVersion"] == "2026-11-01"
        assert found["trainingDurationSeconds"] == 12.5
        assert found["createdBy"] == "writer"
        assert found["artifact"] is None
        assert found["metrics"] == []

    bare = (await api.data(REGISTER_FULL, {"input": {"model": "churn"}}))["registerVersion"]["version"]
    assert bare["hyperparameters"] == {}
    assert bare["featureNames"] == []
    assert bare["tags"] == []


@pytest.mark.parametrize(
    "sha",
    [
        "0" * 63,
        "0" * 65,
        "g" * 64,
        "A" * 64,
        "sha256:" + "0" * 64,
        "",
    ],
)
async def test_malformed_artifact_sha256_is_bad_user_input(api: Api, sha: str) -> None:
    await assert_fails(
        api, REGISTER, {"input": {"model": "churn", "artifactSha256": sha}}, "BAD_USER_INPUT", field="artifactSha256"
    )
    assert await model(api, "churn") is None


async def test_unknown_artifact_sha256_is_bad_user_input(api: Api) -> None:
    never_uploaded = hashlib.sha256(b"never uploaded").hexdigest()
    await assert_fails(
        api,
        REGISTER,
        {"input": {"model": "churn", "artifactSha256": never_uploaded}},
        "BAD_USER_INPUT",
        field="artifactSha256",
    )
    assert await model(api, "churn") is None


async def test_artifact_upload_then_register(api: Api) -> None:
    content = b"\x80\x04 a pickled estimator \x00\xff" * 100
    sha = hashlib.sha256(content).hexdigest()
    first = await api.client.post("/api/artifacts", content=content, headers=api.headers("writer"))
    assert first.status_code == 201, first.text
    assert first.json() == {"sha256": sha, "sizeBytes": len(content)}
    second = await api.client.post("/api/artifacts", content=content, headers=api.headers("writer"))
    assert second.status_code == 200, second.text
    assert second.json() == {"sha256": sha, "sizeBytes": len(content)}

    data = await api.data(REGISTER_FULL, {"input": {"model": "churn", "artifactSha256": sha}}, as_="writer")
    expected: dict[str, Any] = {
        "sha256": sha,
        "sizeBytes": len(content),
        "format": "joblib",
        "downloadUrl": f"/api/artifacts/{sha}",
    }
    assert data["registerVersion"]["version"]["artifact"] == expected
    assert (await version(api, "churn", 1))["artifact"] == expected

    download = await api.client.get(f"/api/artifacts/{sha}", headers=api.headers("reader"))
    assert download.status_code == 200
    assert download.content == content

    # The same blob may back several versions, in another format.
    other = await api.data(
        REGISTER_FULL, {"input": {"model": "fraud", "artifactSha256": sha, "artifactFormat": "onnx"}}
    )
    assert other["registerVersion"]["version"]["artifact"] == {**expected, "format": "onnx"}


async def test_register_version_idempotency_key_replays(api: Api) -> None:
    variables = {"input": {"model": "churn", "metrics": [{"name": "auc", "value": 0.9}], "idempotencyKey": "train-7"}}
    first = (await api.data(REGISTER, variables, as_="writer"))["registerVersion"]
    before = await row_counts()
    again = (await api.data(REGISTER, variables, as_="writer"))["registerVersion"]
    assert again["version"]["id"] == first["version"]["id"]
    assert again["version"]["number"] == 1
    assert again["auditEvent"]["id"] == first["auditEvent"]["id"]
    assert await row_counts() == before
    found = await model(api, "churn")
    assert found is not None
    assert found["versionCount"] == 1
    assert [e["action"] for e in found["auditEvents"]["nodes"]] == ["VERSION_REGISTERED", "MODEL_CREATED"]

    # Still a replay after other versions were registered.
    await register(api, "churn")
    before = await row_counts()
    late = (await api.data(REGISTER, variables, as_="writer"))["registerVersion"]
    assert late["version"]["id"] == first["version"]["id"]
    assert await row_counts() == before


async def test_register_version_idempotency_key_with_different_input_is_conflict(api: Api) -> None:
    await api.data(REGISTER, {"input": {"model": "churn", "idempotencyKey": "k"}}, as_="writer")
    before = await row_counts()
    for changed_input in (
        {"model": "churn", "description": "different", "idempotencyKey": "k"},
        {"model": "fraud", "idempotencyKey": "k"},
        {"model": "churn", "metrics": [{"name": "auc", "value": 0.5}], "idempotencyKey": "k"},
    ):
        assert await api.code(REGISTER, {"input": changed_input}, as_="writer") == "CONFLICT"
    assert await row_counts() == before
    assert await model(api, "fraud") is None

    # Keys are per principal: another token may use the same key for its own request.
    other = (await api.data(REGISTER, {"input": {"model": "churn", "idempotencyKey": "k"}}, as_="admin"))[
        "registerVersion"
    ]
    assert other["version"]["number"] == 2


async def test_failed_register_does_not_consume_the_key(api: Api) -> None:
    bad = {"model": "churn", "createModel": False, "idempotencyKey": "k"}
    await assert_fails(api, REGISTER, {"input": bad}, "NOT_FOUND")
    await api.data(CREATE, {"input": {"name": "churn"}})
    data = await api.data(REGISTER, {"input": bad})
    assert data["registerVersion"]["version"]["number"] == 1


# --- archiveVersion --------------------------------------------------------------------------------------------


async def test_archive_version_sets_archived_and_writes_event(api: Api) -> None:
    await register(api, "churn", 2)
    before = await row_counts()
    data = await api.data(ARCHIVE, {"input": {"model": "churn", "version": 1, "reason": "superseded"}}, as_="writer")
    archived = data["archiveVersion"]
    assert archived["version"]["number"] == 1
    assert archived["version"]["status"] == "ARCHIVED"
    event = archived["auditEvent"]
    assert event["action"] == "VERSION_ARCHIVED"
    assert event["actor"] == "writer"
    assert event["modelName"] == "churn"
    assert event["reason"] == "superseded"
    assert event["version"] == {"number": 1}
    after = await row_counts()
    assert after["versions"] == before["versions"]
    assert after["events"] == before["events"] + 1

    assert (await version(api, "churn", 1))["status"] == "ARCHIVED"
    assert (await version(api, "churn", 2))["status"] == "READY"
    found = await model(api, "churn")
    assert found is not None
    assert found["versionCount"] == 2  # archived versions still count
    assert found["latestVersion"] == {"number": 2}
    assert found["auditEvents"]["nodes"][0]["action"] == "VERSION_ARCHIVED"


async def test_archiving_an_active_version_is_conflict(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1, environment="staging")
    await assert_fails(api, ARCHIVE, {"input": {"model": "churn", "version": 1}}, "CONFLICT")
    assert (await version(api, "churn", 1))["status"] == "READY"
    # Once nothing has it active any more, it can be archived.
    await promote(api, "churn", 2, environment="staging")
    data = await api.data(ARCHIVE, {"input": {"model": "churn", "version": 1}})
    assert data["archiveVersion"]["version"]["status"] == "ARCHIVED"


async def test_archiving_twice_is_conflict(api: Api) -> None:
    await register(api, "churn", 1)
    await api.data(ARCHIVE, {"input": {"model": "churn", "version": 1}})
    await assert_fails(api, ARCHIVE, {"input": {"model": "churn", "version": 1}}, "CONFLICT")


async def test_archiving_unknown_model_or_version_is_not_found(api: Api) -> None:
    await register(api, "churn", 1)
    await assert_fails(api, ARCHIVE, {"input": {"model": "nope", "version": 1}}, "NOT_FOUND")
    await assert_fails(api, ARCHIVE, {"input": {"model": "churn", "version": 2}}, "NOT_FOUND")


async def test_versions_never_change_except_status(api: Api) -> None:
    content = b"model bytes"
    upload = await api.client.post("/api/artifacts", content=content, headers=api.headers("writer"))
    sha = upload.json()["sha256"]
    await api.data(
        REGISTER_FULL,
        {
            "input": {
                "model": "churn",
                "artifactSha256": sha,
                "description": "v1",
                "tags": [{"key": "a", "value": "1"}],
                "metrics": [{"name": "auc", "value": 0.8}],
                "hyperparameters": {"C": 1.0},
                "featureNames": ["x", "y"],
                "modelType": "sklearn.linear_model.LogisticRegression",
                "framework": "scikit-learn 1.5.2",
                "datasetVersion": "d1",
                "trainingDurationSeconds": 1.5,
            }
        },
    )
    snapshot = await version(api, "churn", 1)

    await register(api, "churn", 1, description="v2", metrics=[{"name": "auc", "value": 0.9}])
    await api.data(UPDATE, {"input": {"name": "churn", "description": "changed", "tags": [{"key": "b", "value": "2"}]}})
    await promote(api, "churn", 1)
    await promote(api, "churn", 2)
    await api.data(ARCHIVE, {"input": {"model": "churn", "version": 1}})

    after = await version(api, "churn", 1)
    assert after["status"] == "ARCHIVED"
    assert {**after, "status": snapshot["status"]} == snapshot
    # An archived version stays archived: it cannot be promoted again.
    before = await row_counts()
    assert await api.code(PROMOTE, {"input": {"model": "churn", "version": 1}}) == "CONFLICT"
    assert await row_counts() == before
