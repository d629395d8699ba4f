"""Helpers for the artifact store tests: a fresh SQLite registry for tests where the database plays no part,
uploads cut off midway, bounded waits (``tests.support.server.serving`` runs the server with its process at hand)."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest


def sqlite_registry(template: Path, folder: Path) -> str:
    """A fresh migrated SQLite registry (a copy of the session's template) for tests on one backend only."""
    target = folder / "registry.sqlite3"
    shutil.copy(template, target)
    return f"sqlite://{target}"


def start_upload(base_url: str, token: str, *, declared: int, sent: int) -> socket.socket:
    """``POST /api/artifacts`` announcing ``declared`` bytes and sending only ``sent`` of them; the socket stays
    open, so the server is left waiting for the rest until the caller closes it (or the server dies)."""
    where = urlsplit(base_url)
    connection = socket.create_connection((where.hostname, where.port), timeout=30)
    connection.sendall(
        (
            f"POST /api/artifacts HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"
        ).encode()
    )
    block = os.urandom(1024 * 1024)
    left = sent
    while left > 0:
        piece = block[: min(left, len(block))]
        connection.sendall(piece)
        left -= len(piece)
    return connection


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll until ``condition()`` holds. The bound only keeps a broken build from hanging; it asserts no speed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting ({timeout} s) for: {what}")
        time.sleep(0.05)
