"""The webhooks page: webhooks, their latest deliveries and attempts, and redelivery (admins only, as in the API)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.ui import session
from app.ui.pages import Pages

#: Deliveries shown per webhook, the newest.
DELIVERIES = 20


async def page(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    answer = await pages.query(request, who, "webhooks", deliveries=DELIVERIES)
    if answer.problems and answer.data.get("webhooks") is None:
        return pages.refused(request, who, answer)
    done = request.query_params.get("redelivered")
    return pages.render(request, who, "webhooks.html", data=answer.data, redelivered=done, problems=answer.problems)


async def redeliver(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    form = await session.read_form(request)
    refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
    if refusal is not None:
        return pages.render(request, who, "error.html", status_code=403, problems=[], refusal=refusal)
    done = await pages.query(request, who, "redeliver", input={"id": form.get("id", "")})
    if done.problems:
        return pages.refused(request, who, done)
    return RedirectResponse(f"/webhooks?redelivered={done.data['redeliver']['delivery']['id']}", status_code=303)
