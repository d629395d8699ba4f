"""The registry app inside the benchmark process, called as ASGI without a network or an HTTP client.

Used to count the SQL statements of one operation exactly as the server runs it (middleware, authentication,
GraphQL, loaders: the same code path), and to profile it with pyinstrument.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app.server import create_app
from app.settings import Settings
from schema.cost_limit import DEFAULT_MAX_NODES
from tests.benchmarks.plans import Statement, recording
from tests.support.helpers import StatementCounter


@dataclass
class InProcess:
    app: Starlette

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Run one prepared HTTP/1.1 request (as ``loadclient.request_bytes`` builds it) through the app."""
        head, _, body = raw.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ")
        path, _, query = target.partition("?")
        headers = []
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")))
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "app": self.app,
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> MutableMapping[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    async def count_statements(self, raw: bytes) -> tuple[int, list[Statement]]:
        """SQL statements one request sends (Tortoise's DEBUG records, counted as tests/schema/test_sql_counts.py does;
        BEGIN and COMMIT are not logged), and the statements with their parameters."""
        counter = StatementCounter()
        logger = logging.getLogger("tortoise.db_client")
        logger.addHandler(counter)
        try:
            with recording() as statements:
                status, body = await self.request(raw)
        finally:
            logger.removeHandler(counter)
        if status != 200 or b'"errors":' in body:
            raise RuntimeError(f"in-process request failed ({status}): {body[:300]!r}")
        return counter.count, list(statements)


@asynccontextmanager
async def running_app(
    database_url: str, artifact_root: Path, *, max_nodes: int = DEFAULT_MAX_NODES
) -> AsyncIterator[InProcess]:
    """The app with its lifespan running (Tortoise connected), for tokens, statement counts and profiles;
    ``max_nodes`` is ``MODELREG_MAX_NODES`` (a benchmark may raise it to price what the default refuses)."""
    # Tortoise caches each table's SQL per connection name; a new backend in this process starts afresh.
    EXECUTOR_CACHE.clear()
    # The response cache off: statement counts and profiles are of executing the operations. The rate limiter
    # stays on the path but never refuses: a profile sends its requests back to back from one token. No webhook
    # delivery worker: its poll (one statement, every second or so) is logged like the request's own statements,
    # so a dashboard that happened to overlap one was counted at 9 statements instead of 8 (one sample in four);
    # and the outbox benchmark's webhooks (tests/benchmarks/outbox.py) are there to have deliveries written only.
    settings = Settings(
        database_url=database_url,
        artifact_root=artifact_root,
        response_cache=False,
        rate_limit_burst=1e12,
        delivery_worker=False,
        max_nodes=max_nodes,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield InProcess(app)
