"""``X-Request-ID``: taken from the request when it is sane, else made; given to handlers, logs and the response."""

from __future__ import annotations

import contextvars
import re
import uuid

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The current request's id, for log records (see ``app/logs.py``).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: What a credential looks like rather than an id: a modelreg token, a JWT, common vendors' key prefixes,
#: or a run of 20 or more letters and digits mixing upper case, lower case and digits (base62 or base64
#: secrets; the hex of a UUID, in one case, is not one).
_SECRET_PREFIX = re.compile(r"(?i)(mreg_|eyJ|bearer|sk[-_]|ghp_|gho_|github_pat_|xox[abpr]-|AKIA|glpat-)")
_MIXED_RUN = re.compile(r"[A-Za-z0-9]{20,}")


def acceptable_request_id(value: str) -> bool:
    """A client's ``X-Request-ID`` is kept only when it is 1 to 128 characters of ``A-Z a-z 0-9 . _ : -`` and does
    not look like a secret: a client that puts its token there by mistake must not see it echoed, logged or
    written into the audit log."""
    if not _ACCEPTABLE_ID.fullmatch(value) or _SECRET_PREFIX.search(value):
        return False
    return not any(_mixed(run) for run in _MIXED_RUN.findall(value))


def _mixed(run: str) -> bool:
    return any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)


class RequestId:
    """Take ``X-Request-ID`` when it is sane (``acceptable_request_id``), else make one and never repeat the given
    value anywhere; expose the id to handlers, logs and the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if acceptable_request_id(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
