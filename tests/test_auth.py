"""CONTRACT.md, "Auth": bearer tokens, anonymous reads, the role matrix, the audit actor, artifact routes."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.server import create_app
from app.settings import Settings
from models.entities import ApiToken, AuditEvent, Role
from models.tokens import create_token, revoke_token
from tests.helpers import Api, promote, register, row_counts

# --- operations ----------------------------------------------------------------------------------------------

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "models": ("{ models { totalCount nodes { name } } }", {}),
    "model": ('{ model(name: "m") { name versionCount } }', {}),
    "compareVersions": ('{ compareVersions(model: "m") { metricNames } }', {}),
    "registryStatistics": ("{ registryStatistics { modelCount } }", {}),
    "auditEvents": ("{ auditEvents { totalCount } }", {}),
    "viewer": ("{ viewer { name role } }", {}),
}

MUTATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "createModel": (
        "mutation($input: CreateModelInput!) { createModel(input: $input) { auditEvent { actor action } } }",
        {"name": "fresh", "description": "new"},
    ),
    "updateModel": (
        "mutation($input: UpdateModelInput!) { updateModel(input: $input) { auditEvent { actor action } } }",
        {"name": "m", "description": "changed"},
    ),
    "registerVersion": (
        "mutation($input: RegisterVersionInput!) { registerVersion(input: $input) { auditEvent { actor action } } }",
        {"model": "m", "metrics": [{"name": "auc", "value": 0.9}]},
    ),
    "archiveVersion": (
        "mutation($input: ArchiveVersionInput!) { archiveVersion(input: $input) { auditEvent { actor action } } }",
        {"model": "m", "version": 3, "reason": "superseded"},
    ),
    "promote": (
        "mutation($input: PromoteInput!) { promote(input: $input) { auditEvent { actor action } } }",
        {"model": "m", "version": 3, "reason": "better"},
    ),
    "demote": (
        "mutation($input: DemoteInput!) { demote(input: $input) { auditEvent { actor action } } }",
        {"model": "m", "reason": "incident"},
    ),
    "rollback": (
        "mutation($input: RollbackInput!) { rollback(input: $input) { auditEvent { actor action } } }",
        {"model": "m", "reason": "regression"},
    ),
}

ACTIONS = {
    "createModel": "MODEL_CREATED",
    "updateModel": "MODEL_UPDATED",
    "registerVersion": "VERSION_REGISTERED",
    "archiveVersion": "VERSION_ARCHIVED",
    "promote": "PROMOTED",
    "demote": "DEMOTED",
    "rollback": "ROLLED_BACK",
}

#: The lowest role allowed to run each operation ("upload" is POST /api/artifacts).
NEEDS = {
    "createModel": "writer",
    "updateModel": "writer",
    "registerVersion": "writer",
    "archiveVersion": "writer",
    "upload": "writer",
    "promote": "deployer",
    "demote": "deployer",
    "rollback": "deployer",
}
RANK = {"reader": 0, "writer": 1, "deployer": 2, "admin": 3}
ROLES = list(RANK)

BLOB = b"model bytes \x00\x01\x02" * 100
BLOB_SHA = hashlib.sha256(BLOB).hexdigest()


async def seed(api: Api) -> None:
    """Model m with versions 1-3: 1 then 2 promoted to production (so demote and rollback have work), 3 idle."""
    await register(api, "m", 3)
    await promote(api, "m", 1)
    await promote(api, "m", 2)


async def run_mutation(api: Api, name: str, *, as_: str | None) -> dict[str, Any]:
    query, input_ = MUTATIONS[name]
    return await api.post(query, {"input": input_}, as_=as_)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


async def upload(client: httpx.AsyncClient, headers: dict[str, str], content: bytes = BLOB) -> httpx.Response:
    return await client.post("/api/artifacts", content=content, headers=headers)


# --- an app with anonymous reads -----------------------------------------------------------------------------


@dataclass
class Anonymous:
    """A registry served with allow_anonymous_read=True, and a token per role for it."""

    api: Api
    client: httpx.AsyncClient
    tokens: dict[str, str]


@pytest.fixture
async def anonymous(settings: Settings) -> AsyncIterator[Anonymous]:
    application = create_app(dataclasses.replace(settings, allow_anonymous_read=True))
    async with application.router.lifespan_context(application):
        tokens = {role.value: (await create_token(name=role.value, role=role))[1] for role in Role}
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            yield Anonymous(Api(client, tokens), client, tokens)


# --- without a token -----------------------------------------------------------------------------------------


async def test_queries_without_token_are_unauthenticated(api: Api) -> None:
    await seed(api)
    for name, (query, variables) in QUERIES.items():
        body = await api.post(query, variables, as_=None)
        assert codes(body) == ["UNAUTHENTICATED"], name
        assert body["data"] is None or all(value is None for value in body["data"].values()), name


async def test_node_without_token_is_unauthenticated(api: Api) -> None:
    await seed(api)
    model_id = (await api.data('{ model(name: "m") { id } }', as_="reader"))["model"]["id"]
    body = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": model_id}, as_=None)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] == {"node": None}


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_mutations_without_token_are_unauthenticated(api: Api, name: str) -> None:
    await seed(api)
    before = await row_counts()
    body = await run_mutation(api, name, as_=None)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None
    assert await row_counts() == before


# --- anonymous reads -----------------------------------------------------------------------------------------


async def test_anonymous_reads_work_when_allowed(anonymous: Anonymous) -> None:
    await seed(anonymous.api)
    data = await anonymous.api.data(
        "{ viewer { name } models { totalCount nodes { name production { version { number } } } } "
        'model(name: "m") { versionCount auditEvents { totalCount } } registryStatistics { modelCount } '
        'compareVersions(model: "m") { rows { version { number } } } auditEvents { totalCount } }',
        as_=None,
    )
    assert data["viewer"] is None
    assert data["models"] == {"totalCount": 1, "nodes": [{"name": "m", "production": {"version": {"number": 2}}}]}
    assert data["model"] == {"versionCount": 3, "auditEvents": {"totalCount": 6}}
    assert data["registryStatistics"] == {"modelCount": 1}
    assert len(data["compareVersions"]["rows"]) == 3
    assert data["auditEvents"] == {"totalCount": 6}
    model_id = (await anonymous.api.data('{ model(name: "m") { id } }', as_=None))["model"]["id"]
    node = await anonymous.api.data("query($id: ID!) { node(id: $id) { id } }", {"id": model_id}, as_=None)
    assert node == {"node": {"id": model_id}}


async def test_anonymous_viewer_is_null_and_token_still_identifies(anonymous: Anonymous) -> None:
    assert await anonymous.api.data("{ viewer { name role } }", as_=None) == {"viewer": None}
    assert await anonymous.api.data("{ viewer { name role } }", as_="writer") == {
        "viewer": {"name": "writer", "role": "WRITER"}
    }


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_anonymous_mutations_are_unauthenticated_even_with_anonymous_reads(
    anonymous: Anonymous, name: str
) -> None:
    await seed(anonymous.api)
    before = await row_counts()
    body = await run_mutation(anonymous.api, name, as_=None)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None
    assert await row_counts() == before


async def test_anonymous_artifact_upload_is_unauthenticated(anonymous: Anonymous) -> None:
    response = await upload(anonymous.client, {})
    assert response.status_code == 401
    ok = await anonymous.client.get(f"/api/artifacts/{BLOB_SHA}", headers=anonymous.api.headers("admin"))
    assert ok.status_code == 404


# --- bad tokens ----------------------------------------------------------------------------------------------

BAD_HEADERS = [
    "Bearer",
    "Bearer ",
    "Basic abc",
    "Basic bXJlZzp4",
    "Bearer nope",
    "Token mreg_" + "A" * 43,
    "Bearer mreg_short",
    "Bearer mreg_" + "A" * 43,  # well formed, unknown
    "bearer mreg_" + "B" * 43,
    "mreg_" + "A" * 43,
]


async def test_bad_tokens_are_unauthenticated_even_with_anonymous_reads(anonymous: Anonymous) -> None:
    await seed(anonymous.api)
    before = await row_counts()
    for header in BAD_HEADERS:
        for query in ["{ models { totalCount } }", "{ viewer { name } }"]:
            body = await anonymous.api.post(query, as_=None, headers={"Authorization": header})
            assert codes(body) == ["UNAUTHENTICATED"], (header, query, body)
        body = await run_mutation_with_header(anonymous.api, "createModel", header)
        assert codes(body) == ["UNAUTHENTICATED"], header
        response = await anonymous.client.get(f"/api/artifacts/{'0' * 64}", headers={"Authorization": header})
        assert response.status_code == 401, header
    assert await row_counts() == before


async def test_bad_tokens_are_unauthenticated_without_anonymous_reads(api: Api) -> None:
    await seed(api)
    for header in ["Bearer", "Basic abc", "Bearer nope", "Bearer mreg_" + "A" * 43]:
        body = await api.post("{ models { totalCount } }", as_=None, headers={"Authorization": header})
        assert codes(body) == ["UNAUTHENTICATED"], header


async def run_mutation_with_header(api: Api, name: str, header: str) -> dict[str, Any]:
    query, input_ = MUTATIONS[name]
    return await api.post(query, {"input": input_}, as_=None, headers={"Authorization": header})


async def test_a_token_of_another_role_does_not_mix_with_its_neighbours(api: Api) -> None:
    """A well-formed token one character away from a real one is unknown, not a near match."""
    real = api.tokens["admin"]
    twisted = real[:-1] + ("A" if real[-1] != "A" else "B")
    body = await api.post("{ viewer { name } }", as_=twisted)
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_revoked_token_is_unauthenticated_at_once(anonymous: Anonymous) -> None:
    await seed(anonymous.api)
    _, secret = await create_token(name="ci-bot", role=Role.ADMIN)
    assert await anonymous.api.data("{ viewer { name role } }", as_=secret) == {
        "viewer": {"name": "ci-bot", "role": "ADMIN"}
    }
    await revoke_token(name="ci-bot")
    before = await row_counts()
    for query in ["{ viewer { name } }", "{ models { totalCount } }"]:
        body = await anonymous.api.post(query, as_=secret)
        assert codes(body) == ["UNAUTHENTICATED"], query
    for name in MUTATIONS:
        body = await run_mutation(anonymous.api, name, as_=secret)
        assert codes(body) == ["UNAUTHENTICATED"], name
    assert (await upload(anonymous.client, anonymous.api.headers(secret))).status_code == 401
    assert await row_counts() == before
    # Other tokens are unaffected.
    assert await anonymous.api.data("{ viewer { name } }", as_="admin") == {"viewer": {"name": "admin"}}


# --- the role matrix -----------------------------------------------------------------------------------------


async def test_reader_can_query_everything(api: Api) -> None:
    await seed(api)
    for name, (query, variables) in QUERIES.items():
        body = await api.post(query, variables, as_="reader")
        assert "errors" not in body, (name, body)
    assert (await api.data("{ viewer { name role } }", as_="reader"))["viewer"] == {"name": "reader", "role": "READER"}


@pytest.mark.parametrize("role", ROLES)
async def test_viewer_is_the_principal(api: Api, role: str) -> None:
    assert await api.data("{ viewer { name role } }", as_=role) == {"viewer": {"name": role, "role": role.upper()}}


@pytest.mark.parametrize(("role", "operation"), [(role, op) for role in ROLES for op in NEEDS])
async def test_role_matrix(api: Api, role: str, operation: str) -> None:
    await seed(api)
    allowed = RANK[role] >= RANK[NEEDS[operation]]
    before = await row_counts()
    events_before = await AuditEvent.all().count()

    if operation == "upload":
        response = await upload(api.client, api.headers(role))
        download = await api.client.get(f"/api/artifacts/{BLOB_SHA}", headers=api.headers("reader"))
        if allowed:
            assert response.status_code == 201, response.text
            assert response.json() == {"sha256": BLOB_SHA, "sizeBytes": len(BLOB)}
            assert download.status_code == 200
            assert download.content == BLOB
        else:
            assert response.status_code == 403, response.text
            assert download.status_code == 404
        assert await row_counts() == before
        return

    body = await run_mutation(api, operation, as_=role)
    if allowed:
        assert "errors" not in body, body
        event = body["data"][operation]["auditEvent"]
        assert event == {"actor": role, "action": ACTIONS[operation]}
        assert await AuditEvent.all().count() == events_before + 1
        assert (await AuditEvent.all().order_by("-id").first()).actor == role  # type: ignore[union-attr]
    else:
        assert codes(body) == ["FORBIDDEN"], body
        assert body["data"] is None
        assert await row_counts() == before


# --- the audit actor -----------------------------------------------------------------------------------------


async def test_audit_actor_is_the_token_name(api: Api) -> None:
    _, secret = await create_token(name="pipeline@ci", role=Role.DEPLOYER)
    registered = await api.data(
        'mutation { registerVersion(input: {model: "m"}) { version { createdBy model { createdBy } } '
        "auditEvent { actor } } }",
        as_=secret,
    )
    assert registered["registerVersion"] == {
        "version": {"createdBy": "pipeline@ci", "model": {"createdBy": "pipeline@ci"}},
        "auditEvent": {"actor": "pipeline@ci"},
    }
    promoted = await api.data(
        'mutation { promote(input: {model: "m", version: 1}) { deployment { deployedBy } auditEvent { actor } } }',
        as_=secret,
    )
    assert promoted["promote"] == {"deployment": {"deployedBy": "pipeline@ci"}, "auditEvent": {"actor": "pipeline@ci"}}
    actors = (await api.data("{ auditEvents { nodes { actor } } }", as_="reader"))["auditEvents"]["nodes"]
    assert actors == [{"actor": "pipeline@ci"}] * 3


async def test_audit_actor_cannot_be_taken_from_the_request(api: Api) -> None:
    await register(api, "m")
    before = await row_counts()
    # No input carries an actor: a client that tries is refused, and nothing is written.
    for field in ["actor", "createdBy", "deployedBy"]:
        body = await api.post(
            "mutation($input: RegisterVersionInput!) { registerVersion(input: $input) { auditEvent { actor } } }",
            {"input": {"model": "m", field: "mallory"}},
            as_="writer",
        )
        assert body.get("errors"), field
        assert not body.get("data"), field
    assert await row_counts() == before
    # Headers or variables that look like identity change nothing either.
    done = await api.data(
        "mutation($input: PromoteInput!) { promote(input: $input) { auditEvent { actor } } }",
        {"input": {"model": "m", "version": 1, "reason": "actor: mallory"}, "actor": "mallory"},
        as_="deployer",
        headers={"X-Actor": "mallory", "X-User": "mallory", "X-Forwarded-User": "mallory", "Remote-User": "mallory"},
    )
    assert done["promote"]["auditEvent"]["actor"] == "deployer"
    assert await AuditEvent.filter(actor="mallory").count() == 0


# --- artifact routes -----------------------------------------------------------------------------------------


async def test_artifact_upload_and_download_need_tokens(api: Api) -> None:
    client = api.client
    assert (await upload(client, {})).status_code == 401
    assert (await upload(client, api.headers("reader"))).status_code == 403
    assert (await upload(client, {"Authorization": "Bearer nope"})).status_code == 401
    assert (await client.get(f"/api/artifacts/{BLOB_SHA}", headers=api.headers("admin"))).status_code == 404

    created = await upload(client, api.headers("writer"))
    assert created.status_code == 201
    assert created.json()["sha256"] == BLOB_SHA
    again = await upload(client, api.headers("deployer"))
    assert again.status_code == 200

    assert (await client.get(f"/api/artifacts/{BLOB_SHA}")).status_code == 401
    assert (await client.head(f"/api/artifacts/{BLOB_SHA}")).status_code == 401
    bad = await client.get(f"/api/artifacts/{BLOB_SHA}", headers={"Authorization": "Bearer mreg_" + "A" * 43})
    assert bad.status_code == 401
    assert BLOB not in bad.content
    for role in ROLES:
        response = await client.get(f"/api/artifacts/{BLOB_SHA}", headers=api.headers(role))
        assert response.status_code == 200, role
        assert response.content == BLOB
        assert response.headers["etag"].strip('"') == BLOB_SHA


async def test_tokens_are_not_stored_in_plain_text(api: Api) -> None:
    _, extra = await create_token(name="extra", role=Role.READER)
    secrets = [*api.tokens.values(), extra]
    for secret in secrets:
        assert secret.startswith("mreg_")
        assert len(secret) >= len("mreg_") + 43  # at least 32 bytes of entropy, base64url-encoded
    assert len(set(secrets)) == len(secrets)
    rows = await ApiToken.all().values()
    assert len(rows) == len(secrets)
    stored = " ".join(str(value) for row in rows for value in row.values())
    for secret in secrets:
        body = secret.removeprefix("mreg_")
        assert secret not in stored
        assert body not in stored
        assert body[:16] not in stored, "no recognisable part of the secret is stored"
