"""Slow clients (docs/security.md, "Limits"): a ``POST /graphql`` body that has not arrived whole within
``MODELREG_BODY_TIMEOUT_SECONDS`` is answered 408 and its connection closed, on a real server, while the
server goes on answering others."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx

from tests.support.server import running_server

BODY_TIMEOUT = 1.0


def _slow_post(base: str, *, declared: int, drip_every: float, budget: float) -> tuple[bytes, float, bool]:
    """Send headers declaring ``declared`` bytes, then one byte every ``drip_every`` s, for ``budget`` s at most.

    Returns what the server answered, when (seconds after the headers), and whether it closed the connection.
    """
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=budget) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {declared}\r\n\r\n".encode()
        )
        started = time.monotonic()
        connection.settimeout(drip_every)
        answer = b""
        closed = False
        while time.monotonic() - started < budget:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                # The server closed while a byte we dripped was still unread on its side: its kernel then resets the
                # connection instead of ending it. Its answer, sent before, has been read by then (or is missing,
                # which the assertions report).
                closed = True
                break
            except TimeoutError:
                try:
                    connection.sendall(b" ")
                except OSError:  # the server closed its side while we were dripping
                    closed = True
                    break
                continue
            if not chunk:
                closed = True
                break
            answer += chunk
        return answer, time.monotonic() - started, closed


def test_a_body_that_trickles_in_gets_408_and_the_connection_is_closed(database_url: str, tmp_path: Path) -> None:
    env = {"MODELREG_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT), "MODELREG_ALLOW_ANONYMOUS_READ": "true"}
    with running_server(database_url, tmp_path / "artifacts", env=env) as base:
        answer, elapsed, closed = _slow_post(base, declared=10_000, drip_every=0.2, budget=10 * BODY_TIMEOUT)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer[:300]
        assert b"connection: close" in head.lower()
        error = json.loads(body)["errors"][0]
        assert error["extensions"]["code"] == "TIMEOUT" and "did not arrive within 1 s" in error["message"]
        assert BODY_TIMEOUT <= elapsed < 3 * BODY_TIMEOUT, elapsed
        assert closed, "the server closes the connection after a 408"
        # Others are served meanwhile and after.
        answered = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
        assert answered.status_code == 200 and answered.json() == {"data": {"__typename": "Query"}}
