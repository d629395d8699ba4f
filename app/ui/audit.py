"""The audit log page, filtered; the hash-chain check is ``audit_chains.py``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.ui import session
from app.ui.pages import PAGE_SIZE, Pages
from schema.codes import ErrorCode


async def page(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    params = request.query_params
    fields = {key: params.get(key, "").strip() for key in ("model", "action", "actor", "since", "until")}
    audit_filter = {key: value for key, value in fields.items() if value}
    for bound in ("since", "until"):
        if bound in audit_filter and len(audit_filter[bound]) == 16:  # <input type=datetime-local>, UTC
            audit_filter[bound] += ":00+00:00"
    environment = params.get("environment", "").strip()
    answer = await pages.query(
        request, who, "audit", first=PAGE_SIZE, after=params.get("after") or None, filter=audit_filter or None
    )
    if answer.problems and not answer.data.get("auditEvents"):
        if answer.code() == ErrorCode.BAD_USER_INPUT:
            shown: dict[str, Any] = {"fields": fields, "environment": environment, "problems": answer.problems}
            return pages.render(request, who, "audit.html", events=None, **shown)
        return pages.refused(request, who, answer)
    events = answer.data["auditEvents"]
    nodes = [event for event in events["nodes"] if not environment or event["environment"] == environment]
    return pages.render(
        request,
        who,
        "audit.html",
        data=answer.data,
        events=events,
        nodes=nodes,
        fields=fields,
        environment=environment,
        problems=answer.problems,
    )
