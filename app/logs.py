"""Logging for ``modelreg serve``: every record carries the request id, and no record carries a token.

modelreg's own records (``modelreg.*``: the access log, unexpected errors) and uvicorn's go through one
handler whose formatter blanks anything that looks like a bearer token, in messages and in tracebacks
alike, so a token pasted into a model name or echoed by a library still never reaches the log.
"""

from __future__ import annotations

import logging
import re

from app.middleware.request_id import request_id_var

#: A modelreg token (``mreg_`` and its random part), or whatever follows ``Bearer`` in a header value.
_SECRET = re.compile(r"mreg_[A-Za-z0-9_-]+|(?<=[Bb]earer )\S+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _SECRET.sub(REDACTED, text)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # A record may name its request itself (``extra=``): the error handler runs after the request's context.
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes secrets from the whole text (message, exception and stack)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: int = logging.INFO) -> None:
    """Send ``modelreg.*`` and ``uvicorn.*`` records to stderr, one line each (plus tracebacks).

    uvicorn's own access log is off (``modelreg serve`` runs it with ``access_log=False``):
    ``modelreg.access`` writes one line per request with the principal and the GraphQL operation instead.
    """
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"))
    for name in ("modelreg", "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
