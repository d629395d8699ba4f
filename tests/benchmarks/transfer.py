"""Artifact upload and download over one raw connection, streamed in 1 MiB pieces on both sides."""

from __future__ import annotations

import time
import zlib

import orjson

from tests.benchmarks.loadclient import Connection, HttpError

PIECE = 1 << 20


async def upload(host: str, port: int, token: str, blob: bytes) -> tuple[float, str]:
    """POST the blob to /api/artifacts; returns (seconds, sha256 the server computed)."""
    connection = await Connection.open(host, port)
    try:
        head = (
            "POST /api/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(blob)}\r\n\r\n"
        ).encode("latin-1")
        view = memoryview(blob)
        began = time.perf_counter()
        connection.writer.write(head)
        for offset in range(0, len(blob), PIECE):
            connection.writer.write(view[offset : offset + PIECE])
            await connection.writer.drain()
        status, body = await connection.response()
        elapsed = time.perf_counter() - began
    finally:
        await connection.close()
    if status not in (200, 201):
        raise HttpError(f"upload answered {status}: {body[:300]!r}")
    answer = orjson.loads(body)
    if answer["sizeBytes"] != len(blob):
        raise HttpError(f"upload stored {answer['sizeBytes']} bytes of {len(blob)}")
    return elapsed, str(answer["sha256"])


async def download(host: str, port: int, token: str, sha256: str, expected_crc: int, size: int) -> float:
    """GET /api/artifacts/{sha256}, reading and checksumming (crc32) every byte; returns seconds."""
    connection = await Connection.open(host, port)
    try:
        request = (
            f"GET /api/artifacts/{sha256} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode("latin-1")
        began = time.perf_counter()
        connection.writer.write(request)
        head = await connection.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            raise HttpError(f"download answered {status}: {head!r}")
        received = 0
        crc = 0
        while received < size:
            piece = await connection.reader.read(min(PIECE, size - received))
            if not piece:
                raise HttpError(f"download ended after {received} of {size} bytes")
            received += len(piece)
            crc = zlib.crc32(piece, crc)
        elapsed = time.perf_counter() - began
    finally:
        await connection.close()
    if crc != expected_crc:
        raise HttpError("downloaded bytes differ from the uploaded ones")
    return elapsed
