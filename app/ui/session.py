"""Who is browsing: the token a visitor signed in with, kept in a cookie, and the CSRF token of their forms.

The session cookie holds the token itself (``mreg_...``), ``HttpOnly`` (no script reads it), ``SameSite=Strict``
(no other site's page sends it) and ``Secure`` over https; the server keeps no session state, so every worker
process resolves it the same way and revoking the token ends the session. Every form carries a CSRF token that
must equal the ``modelreg_csrf`` cookie (a double-submit token, random per browser), and a state-changing request
must come from this origin (``Origin``, or ``Referer`` when a browser sends no ``Origin``): three independent
refusals of a cross-site post (docs/security.md, "The web UI").
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from app.auth import Credentials, credentials

SESSION_COOKIE = "modelreg_session"
CSRF_COOKIE = "modelreg_csrf"
CSRF_FIELD = "csrf_token"
#: A signed-in browser forgets the token after this long (the token's own expiry applies too).
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Visitor:
    """The browser's credentials and the CSRF token its forms carry."""

    credentials: Credentials
    csrf_token: str
    #: True when the CSRF cookie was made for this response and must be set on it.
    new_csrf: bool


async def visitor(request: Request) -> Visitor:
    token = request.cookies.get(SESSION_COOKIE)
    found = await credentials(f"Bearer {token}") if token else Credentials(principal=None)
    csrf = request.cookies.get(CSRF_COOKIE)
    if csrf is None or len(csrf) != 43:
        return Visitor(found, secrets.token_urlsafe(32), new_csrf=True)
    return Visitor(found, csrf, new_csrf=False)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_csrf(request: Request, response: Response, who: Visitor) -> None:
    if who.new_csrf:
        response.set_cookie(
            CSRF_COOKIE, who.csrf_token, httponly=True, samesite="strict", secure=_secure(request), path="/"
        )


def sign_in(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def sign_out(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))


def csrf_refusal(request: Request, who: Visitor, submitted: object) -> str | None:
    """Why a state-changing request is refused, or None when it came from one of this server's own forms."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return "the request names no Origin: post the form from this server's pages"
    parts = urlsplit(source)
    if f"{parts.scheme}://{parts.netloc}" != f"{request.url.scheme}://{request.url.netloc}":
        return "the request comes from another site"
    if who.new_csrf or not isinstance(submitted, str) or not hmac.compare_digest(submitted, who.csrf_token):
        return "the form's CSRF token is missing or stale: reload the page and try again"
    return None


#: The largest form body read (a token, a reason, a CSRF token: a few hundred bytes).
MAX_FORM_BYTES = 16 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the only kind the UI's forms send), the first value of each.

    Parsed here rather than with ``request.form()``, which needs python-multipart, a dependency for a format
    (multipart) these forms never use; a body over ``MAX_FORM_BYTES`` or of another type reads as empty.
    """
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}
