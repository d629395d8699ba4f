"""The web UI's routes (docs/ui.md): pages at ``/``, ``/models/...``, ``/audit``, sign-in, actions, static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.ui import audit, audit_chains, monitoring, registry, session, sign_in, webhooks
from app.ui.pages import Pages, login_url

Endpoint: TypeAlias = Callable[[Request], Awaitable[Response]]
STATIC = Path(__file__).parent / "static"
#: Where the UI's own script, stylesheet and vendored libraries are served from.
STATIC_PATH = "/ui/static"


def ui_routes(
    schema: strawberry.Schema, *, allow_anonymous_read: bool, graphiql: bool, download: Endpoint
) -> list[BaseRoute]:
    """The UI's routes; ``download`` is the artifact download route (app/routes.py), reached with the cookie;
    ``graphiql`` says whether the header links to GraphiQL."""
    pages = Pages(schema, allow_anonymous_read=allow_anonymous_read, graphiql=graphiql)

    async def artifact(request: Request) -> Response:
        # The same download, as the signed-in visitor: the browser sends the cookie, not an Authorization header.
        who = await session.visitor(request)
        if who.credentials.principal is None:  # downloads always need a token, anonymous reads or not
            return RedirectResponse(login_url(request), status_code=303)
        request.scope.setdefault("state", {})["credentials"] = who.credentials
        return await download(request)

    return [
        Route("/", partial(registry.models, pages), methods=["GET"]),
        Route("/models/{name}", partial(registry.model, pages), methods=["GET"]),
        Route("/models/{name}/versions/{number:int}", partial(registry.version, pages), methods=["GET"]),
        Route("/models/{name}/compare", partial(registry.compare, pages), methods=["GET"]),
        Route("/models/{name}/deployments", partial(registry.deploy, pages), methods=["POST"]),
        Route("/audit", partial(audit.page, pages), methods=["GET"]),
        Route("/audit/chains", partial(audit_chains.page, pages), methods=["GET"]),
        Route("/monitoring", partial(monitoring.overview, pages), methods=["GET"]),
        Route("/models/{name}/monitoring", partial(monitoring.deployment, pages), methods=["GET"]),
        Route("/models/{name}/retraining", partial(monitoring.retraining, pages), methods=["POST"]),
        Route("/webhooks", partial(webhooks.page, pages), methods=["GET"]),
        Route("/webhooks/redeliver", partial(webhooks.redeliver, pages), methods=["POST"]),
        Route("/login", partial(sign_in.login, pages), methods=["GET", "POST"]),
        Route("/logout", partial(sign_in.logout, pages), methods=["POST"]),
        Route("/ui/artifacts/{sha256}", artifact, methods=["GET", "HEAD"]),
        Mount(STATIC_PATH, StaticFiles(directory=STATIC), name="ui-static"),
    ]
