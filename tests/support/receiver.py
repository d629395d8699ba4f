"""A real HTTP receiver for webhook tests: a threaded server on 127.0.0.1 that records every request.

It can answer with a chosen status (or a list of statuses, one per request), answer slowly, and be stopped
and started again on the same port (a receiver that is down refuses connections).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook as Verifier

from tests.support.server import free_port


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[Received] = []
        #: Statuses to answer with, one per request, then ``status``.
        self.script: list[int] = []
        self.status = 200
        self.delay = 0.0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.script.pop(0) if receiver.script else receiver.status
                    delay = receiver.delay
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(f"status {status}".encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a sender killed mid-request (the SIGKILL test) leaves a broken pipe: expected

        server = Server(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Wait until ``count`` distinct webhook-ids arrived; the requests so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.snapshot()
            if len({r.message_id for r in found}) >= count:
                return found
            await asyncio.sleep(0.05)
        found = self.snapshot()
        raise AssertionError(f"{len({r.message_id for r in found})} of {count} deliveries arrived in {timeout} s")


def wait_blocking(receiver: Receiver, count: int, timeout: float = 60.0) -> list[Received]:
    """``Receiver.wait_for`` for tests that run no event loop (servers in other processes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = receiver.snapshot()
        if len({r.message_id for r in found}) >= count:
            return found
        time.sleep(0.05)
    return receiver.snapshot()


def verified(requests: list[Received], *secrets: str) -> list[dict[str, Any]]:
    """Every request checked with the ``standardwebhooks`` package against each secret; the parsed payloads."""
    payloads = []
    for request in requests:
        for secret in secrets:
            payloads.append(Verifier(secret).verify(request.body, request.headers))
    return payloads


def duplicates(requests: list[Received]) -> int:
    return sum(n - 1 for n in Counter(r.message_id for r in requests).values())
