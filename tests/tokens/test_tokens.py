"""Tokens (docs/security.md, "Tokens"): the secret format and its offline check, expiry, and scopes enforced on
every mutation, every query field that names a model, every list, node lookups and the artifact routes."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import subprocess
import sys
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models.clock import now
from models.entities import ApiToken, Role
from models.tokens.operations import create_token, revoke_token
from models.tokens.secrets import ALPHABET, LENGTH, Shape, checksum, generate, shape
from tests.support.helpers import (
    DEMOTE,
    PROMOTE,
    REGISTER,
    ROLLBACK,
    Api,
    StatementCounter,
    declare,
    promote,
    register,
    row_counts,
)
from tests.support.server import REPO
from tests.support.server import environment as clean_environment

# --- the secret format, offline -------------------------------------------------------------------------------


def _base62(value: int, width: int) -> str:
    digits = ""
    while value:
        value, digit = divmod(value, 62)
        digits = ALPHABET[digit] + digits
    return digits.rjust(width, "0")


def test_secrets_carry_a_crc32_checksum_of_their_random_part() -> None:
    secrets = [generate() for _ in range(200)]
    assert len(set(secrets)) == len(secrets)
    for secret in secrets:
        assert len(secret) == LENGTH == 5 + 43 + 6
        assert secret.startswith("mreg_") and set(secret[5:]) <= set(ALPHABET)
        random_part, check = secret[5:-6], secret[-6:]
        assert check == _base62(zlib.crc32(random_part.encode()), 6)
        assert shape(secret) is Shape.CURRENT
    # 43 base62 characters: more than the 256 bits docs/api.md ("Authentication") promises (and GitHub's 160-bit floor).
    assert 62**43 > 2**256
    assert checksum("0" * 43) == _base62(zlib.crc32(b"0" * 43), 6)


def test_every_single_character_change_breaks_the_checksum() -> None:
    secret = generate()
    for index in range(5, len(secret)):
        for replacement in "0aZ":
            if secret[index] != replacement:
                altered = secret[:index] + replacement + secret[index + 1 :]
                assert shape(altered) is Shape.BAD_CHECKSUM, (index, replacement)
    assert shape(secret[:-1]) is Shape.MALFORMED  # truncated
    assert shape(secret + "0") is Shape.MALFORMED
    assert shape("mreg_" + "A" * 43) is Shape.LEGACY  # the format before checksums, still accepted
    for junk in ["", "mreg_", "ghp_" + secret[5:], secret.upper(), secret.replace("mreg_", "MREG_"), secret + " "]:
        assert shape(junk) in (Shape.MALFORMED, Shape.BAD_CHECKSUM), junk


def _check(*arguments: str, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "tokens", "check", *arguments],
        cwd=cwd,
        env={**clean_environment(), "PYTHONPATH": str(REPO)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tokens_check_validates_offline_and_never_echoes_the_token(tmp_path: Path) -> None:
    secret = generate()
    typo = secret[:20] + ("x" if secret[20] != "x" else "y") + secret[21:]
    cases = [
        ((secret,), None, 0),
        ((), secret + "\n", 0),  # from standard input
        (("-",), secret, 0),
        ((typo,), None, 1),
        ((secret[:-2],), None, 1),
        (("ghp_abc",), None, 1),
        (("mreg_" + "A" * 43,), None, 0),  # legacy: nothing to verify, reported as such
    ]
    outputs = {}
    for arguments, stdin, expected in cases:
        # Run from an empty folder with no MODELREG_* settings: no database is opened or created.
        result = _check(*arguments, stdin=stdin, cwd=tmp_path)
        assert result.returncode == expected, (arguments, result.stdout, result.stderr)
        assert secret[5:] not in result.stdout + result.stderr
        assert typo[5:] not in result.stdout + result.stderr
        outputs[arguments] = result.stdout
    assert list(tmp_path.iterdir()) == []
    assert "checksum does not match" in outputs[(typo,)]
    assert "legacy" in outputs[("mreg_" + "A" * 43,)]


# --- authentication: format first, then the database, then expiry ---------------------------------------------


def _code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


async def test_malformed_tokens_are_refused_before_the_database(api: Api, statements: StatementCounter) -> None:
    real = api.tokens["reader"]
    typo = real[:-1] + ("0" if real[-1] != "0" else "1")  # the checksum no longer matches
    for bad in [typo, "mreg_" + "A" * 49, "mreg_short", "not-a-token"]:
        statements.reset()
        body = await api.post("{ viewer { name } }", as_=bad)
        assert _code(body) == "UNAUTHENTICATED", bad
        assert "malformed" in body["errors"][0]["message"]
        assert bad[5:] not in json.dumps(body), "the refusal echoes the token"
        assert statements.count == 0, (bad, statements.sql)
    # A well-formed unknown token is looked up, and refused like a revoked one.
    statements.reset()
    body = await api.post("{ viewer { name } }", as_=generate())
    assert _code(body) == "UNAUTHENTICATED"
    assert "unknown or revoked" in body["errors"][0]["message"]
    assert statements.count >= 1


async def test_legacy_tokens_still_authenticate(api: Api) -> None:
    """Tokens made before checksums (mreg_ + token_urlsafe(32)) keep working until they are rotated."""
    legacy = "mreg_" + "Ab-_" * 10 + "xyz"
    await ApiToken.create(
        name="old-ci", role=Role.WRITER, secret_hash=hashlib.sha256(legacy.encode()).hexdigest(), created_at=now()
    )
    assert await api.data("{ viewer { name role modelPatterns } }", as_=legacy) == {
        "viewer": {"name": "old-ci", "role": "WRITER", "modelPatterns": None}
    }


async def test_expired_tokens_are_unauthenticated_everywhere(api: Api) -> None:
    await register(api, "m")
    token, secret = await create_token(name="short-lived", role=Role.ADMIN, expires_in=timedelta(days=1))
    viewer = await api.data("{ viewer { name expiresAt } }", as_=secret)
    assert viewer["viewer"]["name"] == "short-lived"
    assert viewer["viewer"]["expiresAt"] is not None

    await ApiToken.filter(id=token.id).update(expires_at=now() - timedelta(seconds=1))
    before = await row_counts()
    for query in ["{ viewer { name } }", "{ models { totalCount } }"]:
        body = await api.post(query, as_=secret)
        assert _code(body) == "UNAUTHENTICATED"
        assert "expired" in body["errors"][0]["message"]
    body = await api.post(REGISTER, {"input": {"model": "m"}}, as_=secret)
    assert _code(body) == "UNAUTHENTICATED" and body["data"] is None
    download = await api.client.get(f"/api/artifacts/{'0' * 64}", headers=api.headers(secret))
    assert download.status_code == 401 and "expired" in download.json()["error"]["message"]
    upload = await api.client.post("/api/artifacts", content=b"x", headers=api.headers(secret))
    assert upload.status_code == 401
    assert await row_counts() == before

    # Revoked (even if also expired) reads exactly like unknown: nothing tells a leaked secret's holder more.
    await revoke_token(name="short-lived")
    body = await api.post("{ viewer { name } }", as_=secret)
    assert (
        body["errors"][0]["message"] == (await api.post("{ viewer { name } }", as_=generate()))["errors"][0]["message"]
    )


async def test_last_used_is_written_at_most_once_a_minute(api: Api) -> None:
    token, secret = await create_token(name="busy", role=Role.READER)
    assert token.last_used_at is None
    await api.data("{ viewer { name } }", as_=secret)
    first = (await ApiToken.get(id=token.id)).last_used_at
    assert first is not None
    for _ in range(3):
        await api.data("{ viewer { name } }", as_=secret)
    assert (await ApiToken.get(id=token.id)).last_used_at == first
    # Once the recorded use is older than the resolution, the next request records a new one.
    await ApiToken.filter(id=token.id).update(last_used_at=first - timedelta(minutes=2))
    await api.data("{ viewer { name } }", as_=secret)
    assert (await ApiToken.get(id=token.id)).last_used_at > first  # type: ignore[operator]


# --- scopes: validation and viewer ----------------------------------------------------------------------------


async def test_scopes_are_validated_when_created(api: Api) -> None:
    from models.errors import InvalidInput

    bad: list[dict[str, Any]] = [
        {"model_patterns": []},
        {"model_patterns": [""]},
        {"model_patterns": ["churn-[ab]"]},
        {"model_patterns": ["churn *"]},
        {"model_patterns": ["a" * 129]},
        {"model_patterns": ["churn,fraud"]},
        {"model_patterns": [f"m{i}" for i in range(51)]},
        {"environments": []},
        {"environments": ["Production"]},
        {"environments": ["staging"], "role": Role.WRITER},  # environment scopes need a deploying role
        {"expires_in": timedelta(0)},
    ]
    for fields in bad:
        with pytest.raises(InvalidInput):
            await create_token(name="scoped", **{"role": Role.DEPLOYER, **fields})
    assert not await ApiToken.exists(name="scoped")


async def test_viewer_shows_scopes_and_expiry(api: Api) -> None:
    _, secret = await create_token(
        name="team", role=Role.DEPLOYER, model_patterns=["churn-*", "fraud-?", "churn-*"], environments=["staging"]
    )
    viewer = (await api.data("{ viewer { name role modelPatterns environments expiresAt } }", as_=secret))["viewer"]
    assert viewer == {
        "name": "team",
        "role": "DEPLOYER",
        "modelPatterns": ["churn-*", "fraud-?"],
        "environments": ["staging"],
        "expiresAt": None,
    }
    unscoped = await api.data("{ viewer { modelPatterns environments expiresAt } }", as_="admin")
    assert unscoped["viewer"] == {"modelPatterns": None, "environments": None, "expiresAt": None}


# --- scopes: mutations ----------------------------------------------------------------------------------------

CREATE = "mutation($input: CreateModelInput!) { createModel(input: $input) { model { name } } }"
UPDATE = "mutation($input: UpdateModelInput!) { updateModel(input: $input) { model { name } } }"
ARCHIVE = "mutation($input: ArchiveVersionInput!) { archiveVersion(input: $input) { version { number } } }"


async def _refused(api: Api, query: str, variables: dict[str, Any], secret: str, *, naming: str) -> None:
    before = await row_counts()
    body = await api.post(query, variables, as_=secret)
    assert _code(body) == "FORBIDDEN", body
    assert naming in body["errors"][0]["message"], body
    assert body["data"] is None
    assert await row_counts() == before


async def test_a_writer_scoped_to_patterns_changes_only_matching_models(api: Api) -> None:
    await register(api, "fraud-v2", 2)
    _, writer = await create_token(name="churn-writer", role=Role.WRITER, model_patterns=["churn-*"])

    assert (await api.data(CREATE, {"input": {"name": "churn-a"}}, as_=writer))["createModel"]
    assert (await api.data(UPDATE, {"input": {"name": "churn-a", "description": "d"}}, as_=writer))["updateModel"]
    assert (await api.data(REGISTER, {"input": {"model": "churn-b"}}, as_=writer))["registerVersion"]
    assert (await api.data(ARCHIVE, {"input": {"model": "churn-b", "version": 1}}, as_=writer))["archiveVersion"]

    out = {"naming": "churn-*"}
    await _refused(api, CREATE, {"input": {"name": "fraud-v3"}}, writer, **out)
    await _refused(api, UPDATE, {"input": {"name": "fraud-v2", "description": "d"}}, writer, **out)
    await _refused(api, REGISTER, {"input": {"model": "fraud-v2"}}, writer, **out)
    await _refused(api, REGISTER, {"input": {"model": "churn"}}, writer, **out)  # the pattern needs the dash
    await _refused(api, ARCHIVE, {"input": {"model": "fraud-v2", "version": 1}}, writer, **out)
    # An invalid name is reported as invalid, with the field, as for any token.
    body = await api.post(REGISTER, {"input": {"model": "no spaces"}}, as_=writer)
    assert _code(body) == "BAD_USER_INPUT" and body["errors"][0]["extensions"]["field"] == "input.model"


async def test_a_deployer_scoped_to_environments_cannot_touch_others(api: Api) -> None:
    await register(api, "churn-a", 3)
    await register(api, "fraud-v2", 2)
    await promote(api, "churn-a", 1)  # production, by admin
    await promote(api, "fraud-v2", 1, environment="staging")
    await declare("dev", "qa")
    _, deployer = await create_token(
        name="staging-deployer", role=Role.DEPLOYER, model_patterns=["churn-*"], environments=["staging", "dev"]
    )

    staging = {"model": "churn-a", "environment": "staging"}
    assert (await api.data(PROMOTE, {"input": {**staging, "version": 1}}, as_=deployer))["promote"]["changed"]
    assert (await api.data(PROMOTE, {"input": {**staging, "version": 2}}, as_=deployer))["promote"]["changed"]
    assert (await api.data(ROLLBACK, {"input": staging}, as_=deployer))["rollback"]["deployment"]["version"] == {
        "number": 1
    }
    assert (await api.data(DEMOTE, {"input": staging}, as_=deployer))["demote"]["retired"]["active"] is False

    envs = {"naming": "staging, dev"}
    for environment in [None, "production", "qa"]:  # None: the default, production
        where = {"model": "churn-a"} if environment is None else {"model": "churn-a", "environment": environment}
        await _refused(api, PROMOTE, {"input": {**where, "version": 3}}, deployer, **envs)
        await _refused(api, DEMOTE, {"input": where}, deployer, **envs)
        await _refused(api, ROLLBACK, {"input": where}, deployer, **envs)
    models = {"naming": "churn-*"}
    fraud = {"model": "fraud-v2", "environment": "staging"}
    await _refused(api, PROMOTE, {"input": {**fraud, "version": 2}}, deployer, **models)
    await _refused(api, DEMOTE, {"input": fraud}, deployer, **models)
    await _refused(api, ROLLBACK, {"input": fraud}, deployer, **models)
    # The role still comes first: a scoped writer cannot deploy even inside its scope.
    _, writer = await create_token(name="w", role=Role.WRITER, model_patterns=["churn-*"])
    await _refused(api, PROMOTE, {"input": {**staging, "version": 3}}, writer, naming="deployer role")


# --- scopes: queries naming a model, nodes, lists -------------------------------------------------------------


async def _seed_two_teams(api: Api) -> dict[str, str]:
    """churn-a (2 versions, v2 in production), churn-b (1 version) and fraud-v2 (3 versions, v3 in production)."""
    await register(api, "churn-a", 2, metrics=[{"name": "auc", "value": 0.8}])
    await register(api, "churn-b", 1)
    await register(api, "fraud-v2", 3, metrics=[{"name": "auc", "value": 0.6}])
    await promote(api, "churn-a", 2)
    await promote(api, "fraud-v2", 3)
    _, reader = await create_token(name="churn-reader", role=Role.READER, model_patterns=["churn-*"])
    return {"reader": reader}


async def test_queries_naming_an_out_of_scope_model_are_forbidden(api: Api) -> None:
    reader = (await _seed_two_teams(api))["reader"]
    named = [
        ('{ model(name: "%s") { name } }', "model"),
        ('{ compareVersions(model: "%s") { metricNames } }', "compareVersions"),
        ('{ auditEvents(filter: {model: "%s"}) { totalCount } }', "auditEvents"),
    ]
    for template, field in named:
        assert (await api.data(template % "churn-a", as_=reader))[field] is not None
        # Out of scope is FORBIDDEN whether or not the model exists: the answer depends on the name alone.
        for name in ["fraud-v2", "fraud-nonexistent"]:
            body = await api.post(template % name, as_=reader)
            assert _code(body) == "FORBIDDEN", (field, name, body)
            assert "churn-*" in body["errors"][0]["message"]
            assert body["data"] is None or body["data"][field] is None
    assert _code(await api.post('{ model(name: "churn-zzz") { name } }', as_=reader)) == "NOT_FOUND"
    body = await api.post('{ auditEvents(filter: {model: "bad name"}) { totalCount } }', as_=reader)
    assert _code(body) == "BAD_USER_INPUT" and body["errors"][0]["extensions"]["field"] == "filter.model"


NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_nodes_of_out_of_scope_models_read_as_absent(api: Api) -> None:
    reader = (await _seed_two_teams(api))["reader"]
    ids_query = """query($name: String!) { model(name: $name) {
        id latestVersion { id } production { id } auditEvents(first: 1) { nodes { id } } } }"""
    for name, visible in [("churn-a", True), ("fraud-v2", False)]:
        found = (await api.data(ids_query, {"name": name}, as_="admin"))["model"]
        ids = [
            found["id"],
            found["latestVersion"]["id"],
            found["production"]["id"],
            found["auditEvents"]["nodes"][0]["id"],
        ]
        for node_id in ids:
            body = await api.post(NODE, {"id": node_id}, as_=reader)
            if visible:
                assert body == {"data": {"node": {"id": node_id}}}
            else:
                # Exactly what an unknown id of the same type gets.
                assert _code(body) == "NOT_FOUND" and body["data"] == {"node": None}, body
                assert "no " in body["errors"][0]["message"]
            assert (await api.data(NODE, {"id": node_id}, as_="reader"))["node"] == {"id": node_id}


async def test_lists_and_statistics_show_only_the_scope(api: Api) -> None:
    reader = (await _seed_two_teams(api))["reader"]
    models = await api.data("{ models(first: 1) { totalCount nodes { name } pageInfo { endCursor } } }", as_=reader)
    assert models["models"]["totalCount"] == 2
    after = models["models"]["pageInfo"]["endCursor"]
    rest = await api.data(
        "query($a: String) { models(first: 5, after: $a) { totalCount nodes { name } } }", {"a": after}, as_=reader
    )
    assert [n["name"] for n in models["models"]["nodes"] + rest["models"]["nodes"]] == ["churn-a", "churn-b"]
    assert rest["models"]["totalCount"] == 2

    events = await api.data("{ auditEvents(first: 100) { totalCount nodes { modelName } } }", as_=reader)
    names = {node["modelName"] for node in events["auditEvents"]["nodes"]}
    assert names == {"churn-a", "churn-b"}
    # 2 models created + 3 versions registered + 1 promotion.
    assert events["auditEvents"]["totalCount"] == len(events["auditEvents"]["nodes"]) == 6

    stats_query = """{ registryStatistics { modelCount versionCount modelsInProduction activeDeploymentCount
        promotionCount averageProductionMetrics { name value } } }"""
    scoped = (await api.data(stats_query, as_=reader))["registryStatistics"]
    assert scoped == {
        "modelCount": 2,
        "versionCount": 3,
        "modelsInProduction": 1,
        "activeDeploymentCount": 1,
        "promotionCount": 1,
        "averageProductionMetrics": [{"name": "auc", "value": 0.8}],
    }
    everything = (await api.data(stats_query, as_="reader"))["registryStatistics"]
    assert everything["modelCount"] == 3 and everything["versionCount"] == 6 and everything["promotionCount"] == 2
    # 11 events about the three models, and 5 about no model (TOKEN_CREATED of the fixture's four tokens and of
    # churn-reader), which only a token without a model scope sees.
    assert (await api.data("{ models { totalCount } auditEvents { totalCount } }", as_="reader")) == {
        "models": {"totalCount": 3},
        "auditEvents": {"totalCount": 11 + 5},
    }


async def test_patterns_match_the_same_names_in_sql_and_in_python(api: Api) -> None:
    """Wildcards are * and ?; every other character is literal, including the . _ - that SQL LIKE or a regular
    expression would read as wildcards; matching is case-sensitive on both backends."""
    names = ["a.b", "aXb", "a_b", "a-b", "ab", "A.b", "a.bc", "x-1", "x-12", "x-", "churn.v1", "churnXv1"]
    for name in names:
        await api.data(CREATE, {"input": {"name": name}}, as_="writer")
    patterns = ["a.b", "a_b", "x-?", "churn.*"]
    _, secret = await create_token(name="tricky", role=Role.READER, model_patterns=patterns)
    listed = (await api.data("{ models(first: 100) { totalCount nodes { name } } }", as_=secret))["models"]
    expected = sorted(n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns))
    assert expected == ["a.b", "a_b", "churn.v1", "x-1"]
    assert sorted(node["name"] for node in listed["nodes"]) == expected
    assert listed["totalCount"] == len(expected)
    for name in names:
        body = await api.post("query($n: String!) { model(name: $n) { name } }", {"n": name}, as_=secret)
        assert ("errors" not in body) == (name in expected), name


# --- scopes: artifact routes ----------------------------------------------------------------------------------


async def test_artifact_routes_respect_model_scopes(api: Api) -> None:
    client = api.client
    blobs = {name: f"bytes of {name}".encode() * 50 for name in ["churn", "fraud", "loose"]}
    digests = {name: hashlib.sha256(blob).hexdigest() for name, blob in blobs.items()}
    for blob in blobs.values():
        assert (await client.post("/api/artifacts", content=blob, headers=api.headers("admin"))).status_code == 201
    await register(api, "churn-a", artifactSha256=digests["churn"])
    await register(api, "fraud-v2", artifactSha256=digests["fraud"])
    _, reader = await create_token(name="churn-reader", role=Role.READER, model_patterns=["churn-*"])
    _, writer = await create_token(name="churn-writer", role=Role.WRITER, model_patterns=["churn-*"])

    for method in (client.get, client.head):
        assert (await method(f"/api/artifacts/{digests['churn']}", headers=api.headers(reader))).status_code == 200
        for hidden in ["fraud", "loose"]:  # used only out of scope, or by no version: as absent as unknown bytes
            response = await method(f"/api/artifacts/{digests[hidden]}", headers=api.headers(reader))
            assert response.status_code == 404, hidden
            assert blobs[hidden] not in response.content
        assert (await method(f"/api/artifacts/{digests['loose']}", headers=api.headers("reader"))).status_code == 200

    # A scoped writer may upload (the blob is useless to it until an in-scope version references it) ...
    own = b"churn-writer's own model" * 20
    uploaded = await client.post("/api/artifacts", content=own, headers=api.headers(writer))
    assert uploaded.status_code == 201
    assert (
        await client.get(f"/api/artifacts/{uploaded.json()['sha256']}", headers=api.headers(writer))
    ).status_code == 404
    await register(api, "churn-b", artifactSha256=uploaded.json()["sha256"])
    got = await client.get(f"/api/artifacts/{uploaded.json()['sha256']}", headers=api.headers(writer))
    assert got.status_code == 200 and got.content == own
    # ... and may point a version at a blob no version uses yet, but not at one used only out of its scope,
    # which would let it download bytes it cannot otherwise see.
    assert await api.data(REGISTER, {"input": {"model": "churn-c", "artifactSha256": digests["loose"]}}, as_=writer)
    await _refused(
        api, REGISTER, {"input": {"model": "churn-d", "artifactSha256": digests["fraud"]}}, writer, naming="churn-*"
    )
    assert await api.data(REGISTER, {"input": {"model": "churn-e", "artifactSha256": digests["churn"]}}, as_=writer)


# --- the command line -----------------------------------------------------------------------------------------


def _modelreg(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *arguments],
        cwd=REPO,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tokens_create_with_scopes_and_list_them(database_url: str) -> None:
    created = _modelreg(
        "tokens", "create", "--name", "team-bot", "--role", "deployer", "--models", "churn-*, fraud-?",
        "--environments", "staging,production", "--expires-in", "30d", "--database-url", database_url,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert shape(secret) is Shape.CURRENT
    assert "churn-*, fraud-?" in created.stdout and "staging, production" in created.stdout

    refused = _modelreg(
        "tokens", "create", "--name", "x", "--role", "reader", "--models", "churn-[ab]", "--database-url", database_url
    )
    assert refused.returncode == 2 and "churn-[ab]" in refused.stderr and "Traceback" not in refused.stderr

    table = _modelreg("tokens", "list", "--database-url", database_url)
    assert table.returncode == 0, table.stderr
    as_json = json.loads(_modelreg("tokens", "list", "--json", "--database-url", database_url).stdout)
    assert len(as_json) == 1
    record = as_json[0]
    assert record["model_patterns"] == ["churn-*", "fraud-?"] and record["environments"] == ["staging", "production"]
    assert record["active"] is True
    expires = datetime.fromisoformat(record["expires_at"])
    assert timedelta(days=29) < expires - datetime.fromisoformat(record["created_at"]) <= timedelta(days=30)

    header, row = table.stdout.splitlines()
    cells = {column: row[header.index(column) :].split("  ")[0] for column in ["MODELS", "ENVIRONMENTS", "EXPIRES"]}
    assert cells == {
        "MODELS": "churn-*, fraud-?",
        "ENVIRONMENTS": "staging, production",
        "EXPIRES": expires.strftime("%Y-%m-%d %H:%M"),
    }
    assert secret not in table.stdout + json.dumps(as_json)
