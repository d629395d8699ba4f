"""The statements a request sends, counted as they are logged, without turning the statement log on.

Tortoise's clients log each statement at DEBUG on ``tortoise.db_client`` (``self.log.debug("%s: %s", query,
values)``). ``GET /metrics`` reports statements per request: it used to set that logger to DEBUG and count the
records with a filter, but a logger at DEBUG makes a ``LogRecord`` for every statement (finding its caller's frame
and all), which with the metrics' other work cost a promotion on SQLite some 0.16 ms of its 1.8 in process
(docs/performance.md, "Metrics' cost"). Our clients (``_sqlite.py``, ``_postgres.py``) log through
``StatementLog`` instead: it counts a statement for the request that sent it with one context variable, and makes
a record only when the logger is enabled for DEBUG (a test's ``StatementCounter``, an operator's debug logging).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

#: Statements sent by the current request (None: no one counts).
_counted: ContextVar[list[int] | None] = ContextVar("modelreg_statements", default=None)
#: What Tortoise logs on the same logger that is not a statement.
_NOT_STATEMENTS = ("Created connection", "Closed connection")


def start_counting() -> list[int]:
    """Count the statements of the current context (a request) from here on: the list's one number."""
    counted = [0]
    _counted.set(counted)
    return counted


class StatementLog:
    """A database client's ``log``: counts each statement, and passes every record on to ``logger`` when it is
    enabled for it. Everything else is the logger's own."""

    __slots__ = ("logger",)

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        counted = _counted.get()
        if counted is not None and not msg.startswith(_NOT_STATEMENTS):
            counted[0] += 1
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug(msg, *args, stacklevel=2, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.logger, name)
