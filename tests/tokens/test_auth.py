"""docs/api.md, "Authentication": how bearer headers are read, anonymous reads beside tokens, revocation, the
audit actor.

Who may call which operation (every operation against every kind of caller and scope) is the access matrix
in test_access_matrix.py; this module keeps what the matrix does not vary: header shapes, timing of
revocation, where the audit actor comes from, and how secrets are stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.server import create_app
from app.settings import Settings
from models.entities import ApiToken, AuditEvent, Role
from models.tokens.operations import create_token, revoke_token
from tests.support.helpers import Api, register, row_counts

CREATE = "mutation($input: CreateModelInput!) { createModel(input: $input) { auditEvent { actor action } } }"


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


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


# --- anonymous reads -----------------------------------------------------------------------------------------


async def test_anonymous_viewer_is_null_and_token_still_identifies(anonymous: Anonymous) -> None:
    assert await anonymous.api.data("{ viewer { name role } }", as_=None) == {"viewer": None}
    assert await anonymous.api.data("{ viewer { name role } }", as_="writer") == {
        "viewer": {"name": "writer", "role": "WRITER"}
    }


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
    await register(anonymous.api, "m")
    before = await row_counts()
    for header in BAD_HEADERS:
        for query in ["{ models { totalCount } }", "{ viewer { name } }"]:
            body = await anonymous.api.post(query, as_=None, headers={"Authorization": header})
            assert codes(body) == ["UNAUTHENTICATED"], (header, query, body)
        body = await anonymous.api.post(
            CREATE, {"input": {"name": "fresh"}}, as_=None, headers={"Authorization": header}
        )
        assert codes(body) == ["UNAUTHENTICATED"], header
        response = await anonymous.client.get(f"/api/artifacts/{'0' * 64}", headers={"Authorization": header})
        assert response.status_code == 401, header
    assert await row_counts() == before


async def test_bad_tokens_are_unauthenticated_without_anonymous_reads(api: Api) -> None:
    for header in ["Bearer", "Basic abc", "Bearer nope", "Bearer mreg_" + "A" * 43]:
        body = await api.post("{ models { totalCount } }", as_=None, headers={"Authorization": header})
        assert codes(body) == ["UNAUTHENTICATED"], header


async def test_a_token_of_another_role_does_not_mix_with_its_neighbours(api: Api) -> None:
    """A well-formed token one character away from a real one is unknown, not a near match."""
    real = api.tokens["admin"]
    twisted = real[:-1] + ("A" if real[-1] != "A" else "B")
    body = await api.post("{ viewer { name } }", as_=twisted)
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_revoked_token_is_unauthenticated_at_once(anonymous: Anonymous) -> None:
    """Revocation takes effect on the next request, and a revoked token does not fall back to anonymous reads."""
    _, secret = await create_token(name="ci-bot", role=Role.ADMIN)
    assert await anonymous.api.data("{ viewer { name role } }", as_=secret) == {
        "viewer": {"name": "ci-bot", "role": "ADMIN"}
    }
    await revoke_token(name="ci-bot")
    before = await row_counts()
    for query in ["{ viewer { name } }", "{ models { totalCount } }"]:
        body = await anonymous.api.post(query, as_=secret)
        assert codes(body) == ["UNAUTHENTICATED"], query
    assert codes(await anonymous.api.post(CREATE, {"input": {"name": "fresh"}}, as_=secret)) == ["UNAUTHENTICATED"]
    assert await row_counts() == before
    # Other tokens are unaffected.
    assert await anonymous.api.data("{ viewer { name } }", as_="admin") == {"viewer": {"name": "admin"}}


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
    # The model's events (token changes are on the registry's chain, by the operator who made them).
    actors = (await api.data('{ auditEvents(filter: {model: "m"}) { nodes { actor } } }', as_="reader"))["auditEvents"]
    assert actors["nodes"] == [{"actor": "pipeline@ci"}] * 3


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
