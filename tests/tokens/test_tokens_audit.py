"""The audit trail of token changes (docs/security.md, "Tokens" and "Audit log"): creating, replacing and revoking a
token is one transaction with its TOKEN_CREATED / TOKEN_REVOKED events on the registry's chain, by the operator
(``cli:<OS user>``), and the events name the token but never its secret."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from models.audit.chain import verify
from models.db.connection import connected, connection, dialect
from models.entities import ApiToken, AuditAction, AuditEvent, Role
from models.errors import Conflict, InvalidInput
from models.tokens.operations import authenticate, create_token, hash_secret, operator_actor, revoke_token
from tests.support.helpers import Api, register, row_counts
from tests.support.server import REPO, environment

CREATED, REVOKED = AuditAction.TOKEN_CREATED, AuditAction.TOKEN_REVOKED
EVENTS = """query($action: AuditAction) {
  auditEvents(first: 100, filter: {action: $action}) {
    totalCount nodes { id action actor modelName model { name } environment details }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def _last_event_id() -> int:
    last = await AuditEvent.all().order_by("-id").first()
    return last.id if last is not None else 0


async def _events_after(mark: int) -> list[AuditEvent]:
    return await AuditEvent.filter(id__gt=mark).order_by("id")


def _shown(token: ApiToken, *, replaced: bool) -> dict[str, Any]:
    """The details a token event carries for ``token`` as it was when the event was written."""
    return {
        "token": token.name,
        "role": token.role.value,
        "modelPatterns": token.model_patterns,
        "environments": token.environments,
        "expiresAt": token.expires_at.isoformat() if token.expires_at else None,
        "createdAt": token.created_at.isoformat(),
        "replaced": replaced,
    }


async def test_create_replace_and_revoke_each_write_their_events(api: Api) -> None:
    actor = operator_actor()
    mark = await _last_event_id()
    token, first = await create_token(
        name="churn-ci", role=Role.WRITER, model_patterns=["churn-*"], expires_in=timedelta(days=30)
    )
    (created,) = await _events_after(mark)
    assert (created.action, created.actor, created.model_id, created.model_name) == (CREATED, actor, None, "")
    assert created.details == _shown(token, replaced=False)
    assert created.at == token.created_at and created.environment is None and created.reason is None
    before = await ApiToken.get(name="churn-ci")

    # Replacing: the old secret's revocation and the new token, by one actor, in one transaction.
    mark = await _last_event_id()
    replaced, second = await create_token(
        name="churn-ci", role=Role.DEPLOYER, environments=["staging"], replace=True, actor="cli:alice"
    )
    revoked, recreated = await _events_after(mark)
    assert (revoked.action, revoked.actor, revoked.details) == (REVOKED, "cli:alice", _shown(before, replaced=True))
    assert (recreated.action, recreated.actor) == (CREATED, "cli:alice")
    assert recreated.details == _shown(replaced, replaced=True)
    assert recreated.details["role"] == "deployer" and recreated.details["modelPatterns"] is None

    mark = await _last_event_id()
    await revoke_token(name="churn-ci")
    (revocation,) = await _events_after(mark)
    stored = await ApiToken.get(name="churn-ci")
    assert (revocation.action, revocation.actor, revocation.details) == (REVOKED, actor, _shown(stored, replaced=False))
    assert revocation.at == stored.revoked_at

    # Revoking a revoked token changes nothing and records nothing; replacing it records only the new token,
    # since its old secret stopped working before.
    mark = await _last_event_id()
    await revoke_token(name="churn-ci")
    assert await _events_after(mark) == []
    _, third = await create_token(name="churn-ci", role=Role.READER, replace=True)
    assert [(e.action, e.details["replaced"]) for e in await _events_after(mark)] == [(CREATED, True)]

    # The events name tokens, never a secret or its hash: not in the database, not in the API.
    listed = await api.data(EVENTS, {"action": None})
    rows = [[e.actor, e.reason, e.details, e.hash] for e in await AuditEvent.all()]
    for text in (json.dumps(rows), json.dumps(listed)):
        for secret in (first, second, third, *api.tokens.values()):
            assert secret[5:] not in text and hash_secret(secret) not in text

    # The registry's chain holds them all: the fixture's four tokens, then 1 + 2 + 1 + 1 here.
    reports = await verify()
    assert all(report.intact for report in reports), reports
    assert [report.events for report in reports if report.model is None] == [9]


async def test_token_events_are_listed_for_unscoped_tokens_only(api: Api) -> None:
    await register(api, "churn-a")
    _, scoped = await create_token(name="churn-reader", role=Role.READER, model_patterns=["churn-*"])
    _, star = await create_token(name="star-reader", role=Role.READER, model_patterns=["*"])

    names = {"reader", "writer", "deployer", "admin", "churn-reader", "star-reader"}  # the fixture's and these
    for role in ("admin", "reader"):
        listed = (await api.data(EVENTS, {"action": "TOKEN_CREATED"}, as_=role))["auditEvents"]
        assert listed["totalCount"] == len(names)
        assert {node["details"]["token"] for node in listed["nodes"]} == names
        assert {(node["actor"], node["modelName"], node["model"]) for node in listed["nodes"]} == {
            (operator_actor(), "", None)
        }
    event_id = listed["nodes"][0]["id"]

    # A model-scoped token sees its models' events and none of the registry's, even with the pattern '*'.
    for secret in (scoped, star):
        assert (await api.data(EVENTS, {"action": "TOKEN_CREATED"}, as_=secret))["auditEvents"]["totalCount"] == 0
        everything = (await api.data(EVENTS, {"action": None}, as_=secret))["auditEvents"]
        assert {node["modelName"] for node in everything["nodes"]} == {"churn-a"}
        body = await api.post(NODE, {"id": event_id}, as_=secret)
        assert body["data"] == {"node": None} and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await api.data('{ model(name: "churn-a") { name } }', as_=secret))["model"] == {"name": "churn-a"}


async def _refuse_events_of_tokens_named(prefix: str) -> None:
    """Make the database refuse the audit event of any token whose name starts with ``prefix``: a failure
    after the token's row was written, inside the same transaction."""
    conn = connection()
    if dialect(conn) == "postgres":
        await conn.execute_script(
            f"""
            CREATE FUNCTION refuse_token_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.details->>'token' LIKE '{prefix}%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_token_event BEFORE INSERT ON audit_event
                FOR EACH ROW EXECUTE FUNCTION refuse_token_event();
            """
        )
    else:
        await conn.execute_script(
            f"""
            CREATE TRIGGER refuse_token_event BEFORE INSERT ON audit_event
            WHEN json_extract(NEW.details, '$.token') LIKE '{prefix}%'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
            """
        )


async def test_a_change_that_fails_midway_leaves_neither_token_nor_event(api: Api) -> None:
    _, secret = await create_token(name="doomed", role=Role.WRITER)
    kept = await ApiToken.get(name="doomed")
    await _refuse_events_of_tokens_named("doomed")
    before = await row_counts()

    changes: list[Callable[[], Awaitable[object]]] = [
        lambda: create_token(name="doomed-new", role=Role.READER),
        lambda: create_token(name="doomed", role=Role.ADMIN, replace=True),
        lambda: revoke_token(name="doomed"),
    ]
    for change in changes:
        # Raised as the driver reports it: not a failure the operation knows, so not retried either.
        with pytest.raises(Exception, match="refused by the test"):
            await change()
    assert not await ApiToken.exists(name="doomed-new")
    after = await ApiToken.get(name="doomed")
    assert (after.role, after.secret_hash, after.revoked_at) == (kept.role, kept.secret_hash, None)
    assert await authenticate(secret) is not None
    assert await row_counts() == before

    # A name collision is refused before anything is written, with the same message as ever.
    with pytest.raises(Conflict) as refused:
        await create_token(name="doomed", role=Role.ADMIN)
    assert refused.value.message == "a token named 'doomed' already exists (revoke it, or create it with --replace)"
    assert await row_counts() == before


async def test_two_creators_of_one_name_get_one_token_and_one_clear_conflict(api: Api) -> None:
    mark = await _last_event_id()
    results = await asyncio.gather(
        *(create_token(name="racer", role=Role.READER) for _ in range(3)), return_exceptions=True
    )
    conflicts = [result for result in results if isinstance(result, Conflict)]
    assert len(conflicts) == 2, results
    assert {conflict.message for conflict in conflicts} == {
        "a token named 'racer' already exists (revoke it, or create it with --replace)"
    }
    assert await ApiToken.filter(name="racer").count() == 1
    assert [(e.action, e.details["token"]) for e in await _events_after(mark)] == [(CREATED, "racer")]


async def test_the_operator_actor_is_never_a_token_name() -> None:
    assert operator_actor("alice") == "cli:alice"
    assert operator_actor("ops team\n\x1b[2J") == "cli:ops_team__[2J"  # one printable word
    assert operator_actor("") == "cli:unknown"
    assert len(operator_actor("x" * 500)) == 128  # audit_event.actor
    for user in ("alice", "admin", "ci@build"):
        with pytest.raises(InvalidInput, match="token names are"):
            await create_token(name=operator_actor(user), role=Role.READER)


def _modelreg(*arguments: str, user: str) -> subprocess.CompletedProcess[str]:
    # getpass reads LOGNAME first: the command records whoever this says runs it.
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *arguments],
        cwd=REPO,
        env={**environment(), "LOGNAME": user},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_records_the_operator(database_url: str) -> None:
    flags = ("--database-url", database_url)
    secrets = []
    for arguments in [("--name", "ci", "--role", "writer"), ("--name", "ci", "--role", "deployer", "--replace")]:
        created = _modelreg("tokens", "create", *arguments, *flags, user="release-manager")
        assert created.returncode == 0, created.stderr
        secrets.append(created.stdout.strip().splitlines()[-1])
    assert _modelreg("tokens", "revoke", "ci", *flags, user="oncall").returncode == 0

    async def recorded() -> list[tuple[str, str, str, str]]:
        async with connected(database_url):
            events = await AuditEvent.all().order_by("id")
        return [(e.action.value, e.actor, e.details["role"], json.dumps(e.details)) for e in events]

    events = asyncio.run(recorded())
    assert [event[:3] for event in events] == [
        ("TOKEN_CREATED", "cli:release-manager", "writer"),
        ("TOKEN_REVOKED", "cli:release-manager", "writer"),
        ("TOKEN_CREATED", "cli:release-manager", "deployer"),
        ("TOKEN_REVOKED", "cli:oncall", "deployer"),
    ]
    assert not any(secret[5:] in event[3] or hash_secret(secret) in event[3] for secret in secrets for event in events)

    verified = _modelreg("audit", "verify", "--json", *flags, user="auditor")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["intact"] is True
    assert [(chain["model"], chain["events"]) for chain in report["chains"]] == [(None, 4)]
