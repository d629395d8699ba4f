"""Plain HTTP routes beside GraphQL: artifact upload and download, liveness and readiness."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from app import __version__
from app.artifact_store import ArtifactStore, StoreUnavailable, TooLarge
from app.auth import Credentials, credentials
from app.failures import error_response
from models.artifacts.operations import record_artifact
from models.db.connection import connection
from models.entities import Role
from models.tokens.scopes import Principal, artifact_visible
from models.validation import SHA256
from schema.codes import ErrorCode

log = logging.getLogger("modelreg.http")

#: A content-addressed blob never changes: a client may keep it for a year without asking again.
_IMMUTABLE = "private, max-age=31536000, immutable"
#: One entity-tag of an ``If-None-Match`` list: an optional weakness prefix and the quoted opaque tag.
_ENTITY_TAG = re.compile(r'(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"')


async def _authorize(request: Request, role: Role) -> Principal | JSONResponse:
    # The Authenticate middleware looked the token up already; an app built without it looks it up here.
    found: Credentials | None = request.scope.get("state", {}).get("credentials")
    if found is None:
        found = await credentials(request.headers.get("authorization"))
    if found.principal is None:
        # RFC 6750 section 3: a 401 names the scheme and realm, and why a token that was sent is refused.
        if found.error:
            reason = f"the bearer token is {found.error}"
            challenge = 'Bearer realm="modelreg", error="invalid_token"'
        else:
            reason, challenge = "send 'Authorization: Bearer mreg_...'", 'Bearer realm="modelreg"'
        return error_response(
            401, ErrorCode.UNAUTHENTICATED, reason, graphql=False, headers={"www-authenticate": challenge}
        )
    if not found.principal.can(role):
        return error_response(
            403,
            ErrorCode.FORBIDDEN,
            f"this needs the {role.value} role; the token is {found.principal.role.value}",
            graphql=False,
        )
    return found.principal


def _none_match(if_none_match: str | None, sha256: str) -> bool:
    """Whether ``If-None-Match`` names the blob: ``*`` (it exists), or a list of entity-tags one of which is
    ``"<sha256>"``, weak or strong, compared weakly as RFC 9110 section 13.1.2 asks for this header."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return sha256 in (match.group(1) for match in _ENTITY_TAG.finditer(if_none_match))


def _store_unavailable() -> JSONResponse:
    # The cause (which may name internal hosts or the bucket) goes to the log; the client learns only to retry.
    log.warning("artifact store unavailable", exc_info=True)
    return error_response(
        503, ErrorCode.SERVICE_UNAVAILABLE, "the artifact store is unavailable; retry later", graphql=False
    )


Endpoint = Callable[[Request], Awaitable[Response]]


def artifact_routes(store: ArtifactStore) -> tuple[Endpoint, Endpoint]:
    async def upload(request: Request) -> Response:
        principal = await _authorize(request, Role.WRITER)
        if isinstance(principal, JSONResponse):
            return principal
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > store.max_bytes:
            return error_response(
                413, ErrorCode.BAD_USER_INPUT, f"artifact exceeds the limit of {store.max_bytes} bytes", graphql=False
            )
        try:
            blob = await store.put_stream(request.stream())
        except ClientDisconnect:
            # The client went away mid-body: nothing was stored (the store drops its partial file), and no one is
            # left to answer. An ordinary event, not a failure of ours: one line, no traceback.
            log.warning(
                "artifact upload by %s abandoned: the client disconnected before the body ended", principal.name
            )
            return error_response(
                400, ErrorCode.BAD_USER_INPUT, "the upload ended before its body was complete", graphql=False
            )
        except TooLarge as error:
            return error_response(413, ErrorCode.BAD_USER_INPUT, str(error), graphql=False)
        except StoreUnavailable:
            return _store_unavailable()
        _, created = await record_artifact(sha256=blob.sha256, size_bytes=blob.size_bytes, actor=principal.name)
        return JSONResponse({"sha256": blob.sha256, "sizeBytes": blob.size_bytes}, status_code=201 if created else 200)

    async def download(request: Request) -> Response:
        principal = await _authorize(request, Role.READER)
        if isinstance(principal, JSONResponse):
            return principal
        sha256 = request.path_params["sha256"]
        if not SHA256.fullmatch(sha256):
            return error_response(
                400, ErrorCode.BAD_USER_INPUT, "sha256: must be 64 lowercase hexadecimal characters", graphql=False
            )
        # A model-scoped token sees only blobs of its models; any other blob is as absent as an unknown one.
        if not await artifact_visible(principal, sha256):
            return error_response(404, ErrorCode.NOT_FOUND, f"no artifact with sha256 {sha256}", graphql=False)
        etag = f'"{sha256}"'
        # HEAD and a matching If-None-Match need only the size; a GET opens the blob once (one store request).
        fresh = _none_match(request.headers.get("if-none-match"), sha256)
        try:
            blob = None if fresh or request.method == "HEAD" else await store.open(sha256)
            size = blob.size_bytes if blob is not None else await store.size(sha256)
        except StoreUnavailable:
            return _store_unavailable()
        if size is None:
            return error_response(404, ErrorCode.NOT_FOUND, f"no artifact with sha256 {sha256}", graphql=False)
        if fresh:
            # RFC 9110 section 15.4.5: a 304 carries the Cache-Control and ETag the 200 would have.
            return Response(status_code=304, headers={"etag": etag, "cache-control": _IMMUTABLE})
        headers = {"etag": etag, "content-length": str(size), "cache-control": _IMMUTABLE}
        if blob is None:  # HEAD
            return Response(headers=headers, media_type="application/octet-stream")
        return StreamingResponse(blob.chunks, headers=headers, media_type="application/octet-stream")

    return upload, download


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


async def readyz(request: Request) -> Response:
    try:
        await asyncio.wait_for(connection().execute_query("SELECT 1"), timeout=2)
    except Exception:  # any failure to answer means not ready; the reason goes to the log, not the client
        log.warning("readiness check failed", exc_info=True)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    store: ArtifactStore = request.app.state.artifact_store
    try:
        await asyncio.wait_for(store.check(), timeout=2)
    except (StoreUnavailable, TimeoutError) as error:
        log.warning("readiness check failed: artifact store %s: %s", store.describe(), error or "no answer in 2 s")
        return JSONResponse({"status": "unavailable", "database": "ok", "artifacts": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "artifacts": "ok"})
