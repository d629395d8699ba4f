"""Log records carry the request id of the request they were written for."""

from __future__ import annotations

import logging

from app.middleware import request_id_var


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"))
    root = logging.getLogger("modelreg")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
