"""Verifying the audit log's hash chains from the audit page (``modelreg audit verify`` in a browser).

Not part of the GraphQL API: verification reads every event of every chain, which is an operator's check, not
a query to run on each page view. So it runs only when an admin asks for it (the audit page's button), and a
token limited to some models verifies only the chain of a model it may see.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.ui import session
from app.ui.data import Problem
from app.ui.pages import Pages
from models.audit.chain import verify
from models.entities import Role
from models.errors import NotFound
from schema.codes import ErrorCode


async def page(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    principal = who.credentials.principal
    model = request.query_params.get("model", "").strip() or None
    refusal = None
    if principal is None or not principal.can(Role.ADMIN):
        refusal = "verifying the hash chains needs a signed-in admin token"
    elif model is None and principal.model_patterns is not None:
        refusal = "this token is limited to some models: name one to verify its chain"
    elif model is not None and not principal.may_access_model(model):
        refusal = f"this token may not see model {model!r}"
    if refusal is not None:
        problem = Problem(code=ErrorCode.FORBIDDEN, message=refusal)
        return pages.render(request, who, "error.html", status_code=403, problems=[problem])
    try:
        reports = await verify(model=model)
    except NotFound as missing:
        return pages.not_found(request, who, str(missing).removeprefix("no "))
    return pages.render(request, who, "audit_chains.html", reports=reports, model=model)
