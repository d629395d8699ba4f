"""``modelreg serve`` as a real process, over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import create_token, running_server

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()

REGISTER = """
mutation Register($input: RegisterVersionInput!) {
  registerVersion(input: $input) {
    version { number status artifact { sha256 sizeBytes format downloadUrl } metrics { name value } }
    auditEvent { action actor }
  }
}"""
PROMOTE = """
mutation Promote($input: PromoteInput!) {
  promote(input: $input) {
    changed
    deployment { environment active deployedBy reason version { number } }
    auditEvent { action actor environment version { number } }
  }
}"""


def _graphql(client: httpx.Client, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _data(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = _graphql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def _codes(body: dict[str, Any]) -> list[str]:
    assert body.get("errors"), body
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


def test_server_over_http(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path / "a") as base:
        # The token is created by another process while the server runs against the same database.
        token = create_token(database_url)
        assert token.startswith("mreg_")
        auth = {"Authorization": f"Bearer {token}"}
        with (
            httpx.Client(base_url=base, timeout=30) as anonymous,
            httpx.Client(base_url=base, headers=auth, timeout=30) as client,
        ):
            health = anonymous.get("/healthz")
            assert (health.status_code, health.json()["status"]) == (200, "ok")
            assert anonymous.get("/readyz").status_code == 200

            # Artifacts: upload (201, then 200 for the same bytes), download the same bytes with the sha256 as ETag.
            blob = os.urandom(64 * 1024) + b"modelreg e2e artifact"
            sha256 = hashlib.sha256(blob).hexdigest()
            uploaded = client.post("/api/artifacts", content=blob)
            assert uploaded.status_code == 201, uploaded.text
            assert uploaded.json() == {"sha256": sha256, "sizeBytes": len(blob)}
            again = client.post("/api/artifacts", content=blob)
            assert again.status_code == 200, again.text
            assert again.json() == {"sha256": sha256, "sizeBytes": len(blob)}
            downloaded = client.get(f"/api/artifacts/{sha256}")
            assert downloaded.status_code == 200
            assert downloaded.content == blob
            assert downloaded.headers["etag"].strip('"') == sha256
            head = client.head(f"/api/artifacts/{sha256}")
            assert head.status_code == 200
            assert head.headers["etag"].strip('"') == sha256
            assert head.content == b""
            assert client.get(f"/api/artifacts/{'0' * 64}").status_code == 404
            assert anonymous.get(f"/api/artifacts/{sha256}").status_code in (401, 403)
            assert anonymous.post("/api/artifacts", content=b"anonymous bytes").status_code in (401, 403)

            # Register a version of a new model with that artifact, and promote it.
            registered = _data(
                client,
                REGISTER,
                {
                    "input": {
                        "model": "e2e-model",
                        "artifactSha256": sha256,
                        "metrics": [{"name": "auc", "value": 0.91}, {"name": "accuracy", "value": 0.87}],
                        "modelType": "sklearn.linear_model.LogisticRegression",
                    }
                },
            )["registerVersion"]
            version = registered["version"]
            assert version["number"] == 1
            assert version["status"] == "READY"
            assert version["artifact"]["sha256"] == sha256
            assert int(version["artifact"]["sizeBytes"]) == len(blob)
            assert registered["auditEvent"] == {"action": "VERSION_REGISTERED", "actor": "e2e"}
            via_url = client.get(version["artifact"]["downloadUrl"])
            assert via_url.status_code == 200
            assert via_url.content == blob

            promoted = _data(client, PROMOTE, {"input": {"model": "e2e-model", "version": 1, "reason": "e2e"}})[
                "promote"
            ]
            assert promoted["changed"] is True
            assert promoted["deployment"] == {
                "environment": "production",
                "active": True,
                "deployedBy": "e2e",
                "reason": "e2e",
                "version": {"number": 1},
            }
            assert promoted["auditEvent"] == {
                "action": "PROMOTED",
                "actor": "e2e",
                "environment": "production",
                "version": {"number": 1},
            }

            # The dashboard document shipped in examples/ runs as is.
            dashboard = _data(client, DASHBOARD)
            assert dashboard["registryStatistics"]["modelCount"] == 1
            assert dashboard["registryStatistics"]["modelsInProduction"] == 1
            assert dashboard["models"]["totalCount"] == 1
            (model,) = dashboard["models"]["nodes"]
            assert model["name"] == "e2e-model"
            assert model["production"]["version"]["number"] == 1
            assert model["production"]["deployedBy"] == "e2e"
            assert {m["name"]: m["value"] for m in model["production"]["version"]["metrics"]} == {
                "accuracy": 0.87,
                "auc": 0.91,
            }
            assert [v["activeEnvironments"] for v in model["versions"]["nodes"]] == [["production"]]
            assert [(d["environment"], d["active"]) for d in model["deploymentHistory"]["nodes"]] == [
                ("production", True)
            ]

            # Without a token (or with a bad one), mutations fail with UNAUTHENTICATED and change nothing.
            register_again = {"input": {"model": "e2e-model"}}
            assert _codes(_graphql(anonymous, REGISTER, register_again)) == ["UNAUTHENTICATED"]
            assert _codes(_graphql(anonymous, REGISTER, register_again, Authorization="Bearer mreg_nope")) == [
                "UNAUTHENTICATED"
            ]
            # This server was started without --allow-anonymous-read, so anonymous queries are refused too.
            refused = _graphql(anonymous, DASHBOARD)
            assert set(_codes(refused)) == {"UNAUTHENTICATED"}, refused
            assert not (refused.get("data") or {}).get("models"), refused
            after = _data(client, '{ model(name: "e2e-model") { versionCount } }')
            assert after["model"]["versionCount"] == 1
