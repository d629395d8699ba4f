"""A light HTTP/1.1 load client: raw asyncio streams on keep-alive connections, nothing else.

httpx tops out near 670 requests/s on this machine kind (docs/performance.md, "What is measured"), below
what the server does, so the client would be what is measured. This one writes a prepared request and reads
the response with no parsing beyond the status line and the headers that frame the body (Content-Length or
chunked).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson


class HttpError(Exception):
    """A response that is not what the workload expects."""


def request_bytes(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 request on a keep-alive connection."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    if body or method in {"POST", "PUT"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def graphql_request(query: str, variables: dict[str, object] | None = None, *, token: str | None = None) -> bytes:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = orjson.dumps({"query": query, "variables": variables or {}})
    return request_bytes("POST", "/graphql", body, headers)


class Connection:
    """One keep-alive connection; requests on it are sequential."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        # A large read buffer: dashboard responses are hundreds of kilobytes.
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
        return cls(reader, writer)

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request; return the status and the body."""
        self.writer.write(raw)
        return await self.response()

    async def response(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = -1
        chunked = False
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value)
            elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            return status, await self._chunked()
        return status, (await self.reader.readexactly(length)) if length > 0 else b""

    async def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


def expect_graphql_data(status: int, body: bytes) -> None:
    """The cheap check every GraphQL response gets: 200, data, no errors (a full parse would load the client)."""
    if status != 200 or not body.startswith(b'{"data":') or b'"errors":' in body:
        raise HttpError(f"unexpected response {status}: {body[:300]!r}")


def expect_ok(status: int, body: bytes) -> None:
    if status != 200:
        raise HttpError(f"unexpected response {status}: {body[:300]!r}")


@dataclass
class LoadResult:
    clients: int
    #: Seconds per request, in completion order.
    latencies: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    #: CPU seconds this (client) process used during the run.
    client_cpu_seconds: float = 0.0
    #: CPU seconds the server used during the run (when a reading was given).
    server_cpu_seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.wall_seconds if self.wall_seconds else 0.0


#: (client number, request number within that client) -> request bytes
RequestFactory = Callable[[int, int], bytes]
Check = Callable[[int, bytes], None]


async def run_load(
    host: str,
    port: int,
    make_request: RequestFactory,
    *,
    clients: int,
    requests_per_client: int,
    warmup_per_client: int = 3,
    check: Check = expect_graphql_data,
    server_cpu: Callable[[], float] | None = None,
    max_seconds: float | None = None,
    min_requests_per_client: int = 10,
) -> LoadResult:
    """``clients`` connections, each sending its requests back to back; warm-up requests are not timed.

    The clients warm up side by side, so none sits idle past the server's keep-alive timeout (uvicorn: 5 s)
    while the others warm up. With ``max_seconds``, a client stops early once that much time has passed and it
    has sent ``min_requests_per_client``: a slow workload then costs seconds, not minutes."""
    connections = [await Connection.open(host, port) for _ in range(clients)]
    result = LoadResult(clients=clients)
    try:

        async def warm(client: int, connection: Connection) -> None:
            for number in range(warmup_per_client):
                check(*await connection.send(make_request(client, -1 - number)))

        await asyncio.gather(*(warm(client, connection) for client, connection in enumerate(connections)))
        start_barrier = asyncio.Event()
        deadline = float("inf")

        async def drive(client: int, connection: Connection) -> None:
            await start_barrier.wait()
            for number in range(requests_per_client):
                if number >= min_requests_per_client and time.perf_counter() > deadline:
                    break
                raw = make_request(client, number)
                sent = time.perf_counter()
                status, body = await connection.send(raw)
                result.latencies.append(time.perf_counter() - sent)
                check(status, body)

        tasks = [asyncio.create_task(drive(client, connection)) for client, connection in enumerate(connections)]
        server_before = server_cpu() if server_cpu else 0.0
        cpu = time.process_time()
        began = time.perf_counter()
        if max_seconds is not None:
            deadline = began + max_seconds
        start_barrier.set()
        await asyncio.gather(*tasks)
        result.wall_seconds = time.perf_counter() - began
        result.client_cpu_seconds = time.process_time() - cpu
        result.server_cpu_seconds = (server_cpu() - server_before) if server_cpu else 0.0
    finally:
        for connection in connections:
            await connection.close()
    return result
