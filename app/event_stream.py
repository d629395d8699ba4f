"""Live audit events outside GraphQL: server-sent events on ``GET /api/events``, and the cap on live streams.

``GET /api/events?model=M&environment=E&action=PROMOTED&action=DEMOTED`` answers ``text/event-stream``: one
``audit`` event per audit event (``id:`` is the event's numeric id, ``data:`` its JSON), and a comment line
every 15 s so proxies keep the connection open. A client that reconnects sends ``Last-Event-ID`` (browsers'
``EventSource`` does it by itself) or ``?after=ID`` and misses nothing. It is authenticated like GraphQL
(``Authorization: Bearer``; anonymously only with anonymous reads) and filtered to the token's scope; once its
token is revoked or expires, the stream ends with an ``error`` event.

``StreamLimiter`` caps the live streams (WebSocket connections and event streams together) each principal
holds open on one server process, so one token cannot hold every connection.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.auth import Credentials, bearer_secret
from app.failures import error_response
from models import validation
from models.audit.stream import Follower, StreamFilter
from models.entities import AuditAction, AuditEvent
from models.errors import DomainError, InvalidInput
from models.tokens.operations import Refusal, identify
from schema import subscriptions
from schema.codes import ErrorCode

KEEPALIVE_SECONDS = 15.0


class StreamLimiter:
    """How many live streams each principal (token name, or client address when anonymous) has open."""

    def __init__(self, per_principal: int) -> None:
        self.per_principal = per_principal
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()
        #: Set when the server is asked to stop: event streams end (clients reconnect, with Last-Event-ID, to an
        #: instance still running) instead of holding the graceful shutdown for its whole timeout.
        self.closing = threading.Event()

    @contextmanager
    def closed_on_exit(self) -> Iterator[None]:
        """While the block runs, SIGTERM and SIGINT also set ``closing`` before the server's own handler runs.

        uvicorn installs its handlers before the app's lifespan starts and restores the ones it replaced after,
        so the handlers are wrapped here, for the lifespan, and put back on the way out.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        wrapped: dict[signal.Signals, Any] = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if callable(previous):
                wrapped[sig] = previous
                signal.signal(sig, self._closing_then(previous))
        try:
            yield
        finally:
            for caught, handler in wrapped.items():
                signal.signal(caught, handler)

    def _closing_then(self, previous: Callable[[int, FrameType | None], Any]) -> Callable[[int, FrameType | None], Any]:
        def handler(sig: int, frame: FrameType | None) -> Any:
            self.closing.set()
            return previous(sig, frame)

        return handler

    def acquire(self, who: str) -> bool:
        with self._lock:
            if self._open[who] >= self.per_principal:
                return False
            self._open[who] += 1
            return True

    def release(self, who: str) -> None:
        with self._lock:
            self._open[who] -= 1
            if self._open[who] <= 0:
                del self._open[who]


def document(event: AuditEvent) -> dict[str, Any]:
    """An event as JSON for the stream (the GraphQL AuditEvent's fields, with the numeric id)."""
    return {
        "id": event.id,
        "action": event.action.value,
        "actor": event.actor,
        "at": event.at.isoformat(),
        "model": event.model_name or None,
        "version": version.number if (version := event.version) is not None else None,
        "environment": event.environment,
        "reason": event.reason,
        "requestId": event.request_id,
        "details": event.details,
        "chain": {"position": event.chain_seq, "hash": event.hash},
    }


def _filter(request: Request, credentials: Credentials) -> tuple[StreamFilter, int | None]:
    params = request.query_params
    model, environment = params.get("model"), params.get("environment")
    actions = []
    for value in params.getlist("action"):
        try:
            actions.append(AuditAction(value))
        except ValueError:
            raise InvalidInput("action", f"{value[:40]!r} is not an audit action") from None
    after_text = request.headers.get("last-event-id") or params.get("after")
    if after_text is not None and not after_text.isdigit():
        raise InvalidInput("after", "give the numeric id of the last event received")
    if params.get("start", "now") not in ("now", "last"):
        raise InvalidInput("start", "'now' (events from now on) or 'last' (the newest matching event first)")
    if after_text is not None and params.get("start") == "last":
        raise InvalidInput("start", "give either after (resume) or start=last, not both")
    principal = credentials.principal
    stream = StreamFilter(
        model=validation.model_name(model, "model") if model else None,
        environment=validation.environment(environment, "environment") if environment else None,
        actions=actions or None,
        within=principal.model_patterns if principal is not None else None,
    )
    return stream, int(after_text) if after_text is not None else None


def event_stream(limiter: StreamLimiter, *, allow_anonymous_read: bool, poll_seconds: float) -> Any:
    async def events(request: Request) -> Response:
        credentials: Credentials = request.scope.get("state", {}).get("credentials") or Credentials(None)
        if credentials.error is not None:
            return error_response(
                401,
                ErrorCode.UNAUTHENTICATED,
                f"the bearer token is {credentials.error}",
                graphql=False,
                headers={"www-authenticate": 'Bearer realm="modelreg", error="invalid_token"'},
            )
        if credentials.principal is None and not allow_anonymous_read:
            return error_response(
                401,
                ErrorCode.UNAUTHENTICATED,
                "send 'Authorization: Bearer mreg_...'",
                graphql=False,
                headers={"www-authenticate": 'Bearer realm="modelreg"'},
            )
        try:
            stream, after = _filter(request, credentials)
        except DomainError as error:
            return error_response(400, ErrorCode.BAD_USER_INPUT, error.message, graphql=False)
        who = credentials.principal.name if credentials.principal else f"anonymous:{request.client}"
        if not limiter.acquire(who):
            message = f"at most {limiter.per_principal} live streams per token; close one first"
            return error_response(429, ErrorCode.RATE_LIMITED, message, graphql=False)
        follower = Follower(stream, after=after or 0)
        if after is None and request.query_params.get("start") == "last":
            await follower.start_at_last_match()
        elif after is None:
            await follower.start_at_head()
        header = request.headers.get("authorization")
        secret = bearer_secret(header) if header is not None and credentials.principal is not None else None
        return StreamingResponse(
            _lines(follower, poll_seconds, limiter.closing, lambda: limiter.release(who), secret),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    return events


async def _lines(
    follower: Follower,
    poll_seconds: float,
    closing: threading.Event,
    release: Callable[[], None],
    presented: str | None,
) -> AsyncIterator[str]:
    """The stream's lines until the server closes; it ends with an ``error`` event once the token it was opened
    with is revoked or expires (looked up again every ``MODELREG_TOKEN_CHECK_SECONDS``, as a subscription's is)."""
    try:
        yield ": modelreg audit events\n\n"
        quiet = 0.0
        checked = time.monotonic()
        while not closing.is_set():
            if presented is not None and time.monotonic() - checked >= subscriptions.TOKEN_CHECK_SECONDS:
                checked = time.monotonic()
                found = await identify(presented)
                if isinstance(found, Refusal):
                    ended = {"code": ErrorCode.UNAUTHENTICATED, "message": f"the bearer token is {found.reason}"}
                    yield f"event: error\ndata: {json.dumps(ended)}\n\n"
                    return
            events = await follower.poll()
            for event in events:
                yield f"id: {event.id}\nevent: audit\ndata: {json.dumps(document(event))}\n\n"
            if events:
                quiet = 0.0
            elif (quiet := quiet + poll_seconds) >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(poll_seconds)
    finally:
        release()
