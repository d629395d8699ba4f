"""The middleware stack reads a request's body once.

``BodyLimit`` reads the body of ``POST /graphql``, keeps it for the layers inside and replays it to the view.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.types import Message

from app.middleware.operation import Operation


async def test_the_body_is_read_from_the_client_once_and_replayed(app: Starlette, tokens: dict[str, str]) -> None:
    """The body arrives in pieces; ``BodyLimit`` takes each piece once and keeps the whole for the layers inside."""
    body = json.dumps({"query": "query Look { viewer { name } }", "operationName": "Look"}).encode()
    pieces = [body[start : start + 7] for start in range(0, len(body), 7)]
    incoming: list[Message] = [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces)
    ]
    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"registry"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {tokens['reader']}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("registry", 80),
    }
    await app(scope, receive, send)

    assert sent[0]["status"] == 200
    assert json.loads(b"".join(message.get("body", b"") for message in sent[1:])) == {
        "data": {"viewer": {"name": "reader"}}
    }
    assert calls == len(pieces), "each piece was asked of the client once, and nothing read past the body"
    assert scope["state"]["body"] == body, "the body kept for the layers inside"
    assert scope["state"]["operation"] == Operation(type="query", name="Look"), "inspected from the kept body"
