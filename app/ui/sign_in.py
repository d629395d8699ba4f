"""Signing in with a token and out again (the cookie and CSRF rules are in ``session.py``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.auth import credentials
from app.ui import session
from app.ui.pages import Pages, safe_next


async def login(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    if request.method == "GET":
        return pages.render(request, who, "login.html", next=safe_next(request.query_params.get("next")))
    form = await session.read_form(request)
    destination = safe_next(form.get("next"))
    refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
    token = form.get("token", "").strip()
    if refusal is not None:
        return pages.render(request, who, "login.html", status_code=403, next=destination, error=refusal)
    checked = await credentials(f"Bearer {token}") if token else None
    if checked is None or checked.principal is None:
        reason = f"the token is {checked.error}" if checked is not None and checked.error else "paste a token"
        return pages.render(request, who, "login.html", status_code=401, next=destination, error=reason)
    response = RedirectResponse(destination, status_code=303)
    session.sign_in(request, response, token)
    return response


async def logout(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    form = await session.read_form(request)
    refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
    if refusal is not None:
        return pages.render(request, who, "error.html", status_code=403, problems=[], refusal=refusal)
    response = RedirectResponse("/", status_code=303)
    session.sign_out(request, response)
    return response
