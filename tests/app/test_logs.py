"""What a real ``modelreg serve`` writes to its log: one access line per request (request id, principal,
operation, status, duration), tracebacks for unexpected errors, and never a token."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import asyncpg
import httpx

from tests.support.server import create_token, running_server

INVENTED = "mreg_" + "Q7" * 21 + "x"  # well-formed, unknown, and a valid GraphQL name


def drop_table(database_url: str, table: str) -> None:
    """Break the database under the running server, as a botched manual change would."""
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url.removeprefix("sqlite://")) as db:
            db.execute(f"DROP TABLE {table}")
        return

    async def drop() -> None:
        db = await asyncpg.connect(database_url)
        try:
            await db.execute(f"DROP TABLE {table} CASCADE")
        finally:
            await db.close()

    asyncio.run(drop())


def access_line(lines: list[str], request_id: str) -> str:
    found = [line for line in lines if "modelreg.access" in line and f"[request {request_id}]" in line]
    assert len(found) == 1, f"one access line for {request_id}, got {found}"
    return found[0]


def test_the_log_has_an_access_line_per_request_and_no_tokens(database_url: str, tmp_path: Path) -> None:
    token = create_token(database_url, name="ops-bot", role="admin")
    lines: list[str] = []
    with running_server(database_url, tmp_path / "artifacts", output_lines=lines) as base:

        def send(request_id: str, query: str, authorization: str | None = f"Bearer {token}") -> httpx.Response:
            headers = {"X-Request-ID": request_id, **({"Authorization": authorization} if authorization else {})}
            return client.post("/graphql", json={"query": query}, headers=headers)

        with httpx.Client(base_url=base, timeout=30) as client:
            assert send("log-query", "query Dashboard { viewer { name } }").status_code == 200
            made = send("log-mutation", 'mutation Make { registerVersion(input: {model: "m"}) { version { number } } }')
            assert "errors" not in made.json()
            send("log-unknown", "{ viewer { name } }", f"Bearer {INVENTED}")
            send("log-malformed", "{ viewer { name } }", f"Token {token}")
            send("log-anonymous", "{ viewer { name } }", None)
            send("log-named-like-a-token", f"query {INVENTED} {{ viewer {{ name }} }}")
            upload = client.post(
                "/api/artifacts",
                content=b"bytes",
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": "log-upload"},
            )
            assert upload.status_code == 201
            # Unexpected failures: inside a resolver, then outside GraphQL (the token table itself is gone).
            drop_table(database_url, "metric")
            failed = send("log-resolver-failure", '{ model(name: "m") { latestVersion { metrics { name } } } }')
            assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
            drop_table(database_url, "api_token")
            assert send("log-escaped-failure", "{ viewer { name } }").status_code == 500
    text = "\n".join(lines)

    for secret in (token, INVENTED, token.removeprefix("mreg_"), INVENTED.removeprefix("mreg_")):
        assert secret not in text, "a token reached the log"
    assert "Authorization" not in text and "authorization" not in text

    timing = r" \d+\.\dms "
    assert re.search(
        rf"POST /graphql 200{timing}principal=ops-bot operation=query:Dashboard$", access_line(lines, "log-query")
    )
    assert re.search(
        rf"POST /graphql 200{timing}principal=ops-bot operation=mutation:Make$", access_line(lines, "log-mutation")
    )
    assert "principal=invalid-token operation=query:-" in access_line(lines, "log-unknown")
    assert "principal=invalid-token" in access_line(lines, "log-malformed")
    assert "principal=anonymous" in access_line(lines, "log-anonymous")
    assert "operation=query:[redacted]" in access_line(lines, "log-named-like-a-token")
    assert re.search(
        rf"POST /api/artifacts 201{timing}principal=ops-bot operation=-$", access_line(lines, "log-upload")
    )
    assert "POST /graphql 200" in access_line(lines, "log-resolver-failure")
    assert "POST /graphql 500" in access_line(lines, "log-escaped-failure")
    # The operator gets the tracebacks under the request id; uvicorn's own access log is off.
    assert re.search(r"ERROR modelreg.graphql \[request log-resolver-failure\] unexpected error", text)
    assert re.search(r"ERROR modelreg.http \[request log-escaped-failure\] unhandled exception", text)
    assert "Traceback (most recent call last)" in text
    assert '"POST /graphql HTTP/1.1"' not in text
