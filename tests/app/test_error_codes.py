"""Every error code the server sends comes from one enumeration, ``schema.codes.ErrorCode``, and every error
answered outside GraphQL execution is built by one function, ``app.failures.error_response``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from modelreg_client.errors import BY_CODE, RegistryError

from app.failures import error_response
from schema.codes import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
#: The client is the other side of the wire: it names the codes it reads, and is held to the enumeration by
#: ``test_the_client_knows_every_code`` instead.
CLIENT = ROOT / "client" / "modelreg_client"


def test_no_code_is_spelled_outside_the_enumeration() -> None:
    literal = re.compile(r"""["'](?:{})["']""".format("|".join(code.value for code in ErrorCode)))
    enumeration = ROOT / "schema" / "codes.py"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("app", "schema")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != enumeration and not path.is_relative_to(CLIENT)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if literal.search(line)
    ]
    assert found == [], "use schema.codes.ErrorCode instead of a string"


def test_the_client_knows_every_code() -> None:
    for code in ErrorCode:
        assert BY_CODE.get(code, RegistryError).code == code, code
    assert {error.code for error in BY_CODE.values()} <= set(ErrorCode), "the client expects a code never sent"


def test_the_error_catalogue_lists_every_code() -> None:
    catalogue = (ROOT / "docs" / "api.md").read_text()
    assert [code for code in ErrorCode if f"| `{code}` |" not in catalogue] == []


def test_one_builder_two_documented_shapes() -> None:
    graphql = error_response(429, ErrorCode.RATE_LIMITED, "slow down", graphql=True, retryAfter=3)
    assert graphql.status_code == 429
    assert json.loads(bytes(graphql.body)) == {
        "errors": [{"message": "slow down", "extensions": {"code": "RATE_LIMITED", "retryAfter": 3}}]
    }
    artifact = error_response(404, ErrorCode.NOT_FOUND, "no artifact", graphql=False, headers={"x-a": "b"})
    assert (artifact.status_code, artifact.headers["x-a"]) == (404, "b")
    assert json.loads(bytes(artifact.body)) == {"error": {"code": "NOT_FOUND", "message": "no artifact"}}
