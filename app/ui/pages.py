"""The web UI's pages and actions: each page runs one document of ``queries/`` and renders one template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import strawberry
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app import __version__
from app.ui import session, view
from app.ui.data import Answer, run
from schema.codes import ErrorCode

TEMPLATES = Path(__file__).parent / "templates"
#: Everything from this server; no inline script or style anywhere (charts read their data from JSON blocks).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)
PAGE_SIZE = 50
#: Versions drawn in the model page's chart (the newest ones).
CHART_VERSIONS = 100
_STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.TIMEOUT: 503,
}


def _environment() -> Environment:
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    templates.globals.update(modelreg_version=__version__, verdict=view.verdict, lower_is_better=view.lower_is_better)
    templates.filters["tojson_block"] = lambda value: json.dumps(value).replace("</", "<\\/")
    templates.filters["when"] = lambda value: (value or "")[:19].replace("T", " ")
    return templates


class Pages:
    def __init__(self, schema: strawberry.Schema, *, allow_anonymous_read: bool, graphiql: bool = True) -> None:
        self.schema = schema
        self.allow_anonymous_read = allow_anonymous_read
        self.templates = _environment()
        self.templates.globals["graphiql"] = graphiql

    async def query(self, request: Request, who: session.Visitor, document: str, /, **variables: Any) -> Answer:
        return await run(
            self.schema,
            document,
            who=who.credentials,
            request_id=getattr(request.state, "request_id", "-"),
            allow_anonymous_read=self.allow_anonymous_read,
            variables=variables,
        )

    def render(
        self, request: Request, who: session.Visitor, template: str, status_code: int = 200, **values: Any
    ) -> Response:
        html = self.templates.get_template(template).render(
            request=request, csrf_token=who.csrf_token, signed_in=who.credentials.principal is not None, **values
        )
        response = HTMLResponse(html, status_code=status_code)
        response.headers["content-security-policy"] = CONTENT_SECURITY_POLICY
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "same-origin"
        response.headers["cache-control"] = "no-store"  # pages show a principal's view of the registry
        session.remember_csrf(request, response, who)
        return response

    def refused(self, request: Request, who: session.Visitor, answer: Answer) -> Response:
        """The page for a result that has errors and nothing to show: sign in, not found, or the API's message."""
        code = answer.code()
        if code == ErrorCode.UNAUTHENTICATED:
            if who.credentials.error is not None:  # a revoked or expired token: forget it
                response = RedirectResponse(login_url(request), status_code=303)
                session.sign_out(request, response)
                return response
            return RedirectResponse(login_url(request), status_code=303)
        status = _STATUS.get(ErrorCode(code), 500) if code is not None and code in ErrorCode.__members__ else 500
        return self.render(
            request, who, "error.html", status_code=status, problems=answer.problems, not_found=status == 404
        )

    def not_found(self, request: Request, who: session.Visitor, what: str) -> Response:
        return self.render(request, who, "error.html", status_code=404, problems=[], missing=what)


def login_url(request: Request) -> str:
    return "/login?" + urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")})


def safe_next(value: object) -> str:
    """Where to go after signing in: a path on this server only (never ``//host`` or a URL)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"
