"""The web UI's routes (docs/ui.md): pages at ``/``, ``/models/...``, ``/audit``, sign-in, actions, static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.auth import credentials
from app.ui import audit_chains, monitoring, session, view, webhooks
from app.ui.pages import CHART_VERSIONS, PAGE_SIZE, Pages, login_url, safe_next
from schema.codes import ErrorCode

Endpoint: TypeAlias = Callable[[Request], Awaitable[Response]]
STATIC = Path(__file__).parent / "static"
#: Where the UI's own script, stylesheet and vendored libraries are served from.
STATIC_PATH = "/ui/static"
_MODEL_ORDER = {"name": "NAME", "created": "CREATED_AT", "updated": "UPDATED_AT"}
_DEPLOY_ACTIONS = ("promote", "demote", "rollback")


def ui_routes(schema: strawberry.Schema, *, allow_anonymous_read: bool, download: Endpoint) -> list[BaseRoute]:
    """The UI's routes; ``download`` is the artifact download route (app/routes.py), reached with the cookie."""
    pages = Pages(schema, allow_anonymous_read=allow_anonymous_read)
    handlers = _Handlers(pages)

    async def artifact(request: Request) -> Response:
        # The same download, as the signed-in visitor: the browser sends the cookie, not an Authorization header.
        who = await session.visitor(request)
        if who.credentials.principal is None:  # downloads always need a token, anonymous reads or not
            return RedirectResponse(login_url(request), status_code=303)
        request.scope.setdefault("state", {})["credentials"] = who.credentials
        return await download(request)

    return [
        Route("/", handlers.models, methods=["GET"]),
        Route("/models/{name}", handlers.model, methods=["GET"]),
        Route("/models/{name}/versions/{number:int}", handlers.version, methods=["GET"]),
        Route("/models/{name}/compare", handlers.compare, methods=["GET"]),
        Route("/models/{name}/deployments", handlers.deploy, methods=["POST"]),
        Route("/audit", handlers.audit, methods=["GET"]),
        Route("/audit/chains", partial(audit_chains.page, pages), methods=["GET"]),
        Route("/monitoring", partial(monitoring.overview, pages), methods=["GET"]),
        Route("/models/{name}/monitoring", partial(monitoring.deployment, pages), methods=["GET"]),
        Route("/models/{name}/retraining", partial(monitoring.retraining, pages), methods=["POST"]),
        Route("/webhooks", partial(webhooks.page, pages), methods=["GET"]),
        Route("/webhooks/redeliver", partial(webhooks.redeliver, pages), methods=["POST"]),
        Route("/login", handlers.login, methods=["GET", "POST"]),
        Route("/logout", handlers.logout, methods=["POST"]),
        Route("/ui/artifacts/{sha256}", artifact, methods=["GET", "HEAD"]),
        Mount(STATIC_PATH, StaticFiles(directory=STATIC), name="ui-static"),
    ]


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Handlers:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    async def models(self, request: Request) -> Response:
        who = await session.visitor(request)
        params = request.query_params
        search, tag, production = params.get("q", "").strip(), params.get("tag", "").strip(), params.get("prod", "")
        sort = params.get("sort", "name") if params.get("sort") in _MODEL_ORDER else "name"
        direction = "DESC" if params.get("dir") == "desc" else "ASC"
        model_filter: dict[str, Any] = {}
        if search:
            model_filter["nameContains"] = search
        if tag:
            key, _, value = tag.partition("=")
            model_filter["tag"] = {"key": key.strip(), "value": value.strip()}
        if production in ("yes", "no"):
            model_filter["hasProduction"] = production == "yes"
        answer = await self.pages.query(
            request,
            who,
            "models",
            first=PAGE_SIZE,
            after=params.get("after") or None,
            filter=model_filter or None,
            orderBy={"field": _MODEL_ORDER[sort], "direction": direction},
        )
        if answer.problems and not answer.data.get("models"):
            return self.pages.refused(request, who, answer)
        rows = []
        for model in answer.data["models"]["nodes"]:
            environments = [
                {
                    "name": deployment["environment"],
                    "number": deployment["version"]["number"],
                    "metric": view.key_metric(deployment["version"]["metrics"]),
                }
                for deployment in model["activeDeployments"]
            ]
            last = model["deploymentHistory"]["nodes"]
            rows.append({"model": model, "environments": environments, "last": last[0] if last else None})
        query = {"q": search, "tag": tag, "prod": production, "sort": sort, "dir": direction.lower()}
        return self.pages.render(
            request, who, "models.html", data=answer.data, rows=rows, query=query, problems=answer.problems
        )

    async def model(self, request: Request) -> Response:
        who = await session.visitor(request)
        name, params = request.path_params["name"], request.query_params
        sort = params.get("sort", "number")
        direction = "ASC" if params.get("dir") == "asc" else "DESC"
        if sort.startswith("metric:"):
            order = {"field": "METRIC", "metric": sort.removeprefix("metric:"), "direction": direction}
        else:
            sort = "created" if sort == "created" else "number"
            order = {"field": "CREATED_AT" if sort == "created" else "NUMBER", "direction": direction}
        answer = await self.pages.query(
            request,
            who,
            "model",
            name=name,
            first=PAGE_SIZE,
            after=params.get("after") or None,
            orderBy=order,
            chartLimit=CHART_VERSIONS,
        )
        if answer.problems and not answer.data.get("model"):
            return self.pages.refused(request, who, answer)
        if answer.data.get("model") is None:
            return self.pages.not_found(request, who, f"model {name!r}")
        chart = answer.data["compareVersions"]
        metric_names = chart["metricNames"]
        shown = [metric for metric in params.getlist("metric") if metric in metric_names] or metric_names[:4]
        return self.pages.render(
            request,
            who,
            "model.html",
            data=answer.data,
            model=answer.data["model"],
            strip=view.environment_strip(answer.data),
            choices=answer.data["model"]["versionChoices"]["nodes"],
            outcome=None,
            metric_names=metric_names,
            shown=shown,
            sort=sort,
            direction=direction.lower(),
            charts=_charts(chart),
            problems=answer.problems,
        )

    async def version(self, request: Request) -> Response:
        who = await session.visitor(request)
        name, number = request.path_params["name"], request.path_params["number"]
        answer = await self.pages.query(request, who, "version", name=name, number=number)
        if answer.problems and not answer.data.get("model"):
            return self.pages.refused(request, who, answer)
        model = answer.data.get("model")
        if model is None or model["version"] is None:
            return self.pages.not_found(request, who, f"version {number} of model {name!r}")
        return self.pages.render(request, who, "version.html", data=answer.data, model=model, version=model["version"])

    async def compare(self, request: Request) -> Response:
        who = await session.visitor(request)
        name = request.path_params["name"]
        numbers = sorted({_int(value, 0) for value in request.query_params.getlist("v")} - {0})
        answer = await self.pages.query(request, who, "compare", name=name, numbers=numbers or None, limit=5)
        if answer.problems and not answer.data.get("compareVersions"):
            return self.pages.refused(request, who, answer)  # the API names what is missing: model or version
        comparison = answer.data["compareVersions"]
        production = answer.data["model"]["production"]
        return self.pages.render(
            request,
            who,
            "compare.html",
            data=answer.data,
            model=answer.data["model"],
            comparison=comparison,
            production=production["version"]["number"] if production else None,
            chosen=[row["version"]["number"] for row in comparison["rows"]],
            charts=_charts(comparison),
        )

    async def audit(self, request: Request) -> Response:
        who = await session.visitor(request)
        params = request.query_params
        fields = {key: params.get(key, "").strip() for key in ("model", "action", "actor", "since", "until")}
        audit_filter = {key: value for key, value in fields.items() if value}
        for bound in ("since", "until"):
            if bound in audit_filter and len(audit_filter[bound]) == 16:  # <input type=datetime-local>, UTC
                audit_filter[bound] += ":00+00:00"
        environment = params.get("environment", "").strip()
        answer = await self.pages.query(
            request, who, "audit", first=PAGE_SIZE, after=params.get("after") or None, filter=audit_filter or None
        )
        if answer.problems and not answer.data.get("auditEvents"):
            if answer.code() == ErrorCode.BAD_USER_INPUT:
                shown: dict[str, Any] = {"fields": fields, "environment": environment, "problems": answer.problems}
                return self.pages.render(request, who, "audit.html", events=None, **shown)
            return self.pages.refused(request, who, answer)
        events = answer.data["auditEvents"]
        nodes = [event for event in events["nodes"] if not environment or event["environment"] == environment]
        return self.pages.render(
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

    async def login(self, request: Request) -> Response:
        who = await session.visitor(request)
        if request.method == "GET":
            return self.pages.render(request, who, "login.html", next=safe_next(request.query_params.get("next")))
        form = await session.read_form(request)
        destination = safe_next(form.get("next"))
        refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
        token = form.get("token", "").strip()
        if refusal is not None:
            return self.pages.render(request, who, "login.html", status_code=403, next=destination, error=refusal)
        checked = await credentials(f"Bearer {token}") if token else None
        if checked is None or checked.principal is None:
            reason = f"the token is {checked.error}" if checked is not None and checked.error else "paste a token"
            return self.pages.render(request, who, "login.html", status_code=401, next=destination, error=reason)
        response = RedirectResponse(destination, status_code=303)
        session.sign_in(request, response, token)
        return response

    async def logout(self, request: Request) -> Response:
        who = await session.visitor(request)
        form = await session.read_form(request)
        refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
        if refusal is not None:
            return self.pages.render(request, who, "error.html", status_code=403, problems=[], refusal=refusal)
        response = RedirectResponse("/", status_code=303)
        session.sign_out(request, response)
        return response

    async def deploy(self, request: Request) -> Response:
        """Promote, demote or roll back from the environment strip; answers the strip again (htmx) or redirects."""
        who = await session.visitor(request)
        name = request.path_params["name"]
        form = await session.read_form(request)
        refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
        action = form.get("action")
        if refusal is not None or action not in _DEPLOY_ACTIONS:
            problem = refusal or "choose promote, demote or rollback"
            return self.pages.render(request, who, "error.html", status_code=403, problems=[], refusal=problem)
        environment = form.get("environment") or "production"
        deployment: dict[str, Any] = {"model": name, "environment": environment}
        reason = form.get("reason", "").strip()
        if reason:
            deployment["reason"] = reason
        if action in ("promote", "demote"):
            deployment["expectedCurrentVersion"] = _int(form.get("expected"), 0)
        if action == "promote":
            deployment["version"] = _int(form.get("version"), 0)
        done = await self.pages.query(request, who, action, input=deployment)
        conflict = done.code() == ErrorCode.CONFLICT
        outcome = {"action": action, "environment": environment, "problems": done.problems, "conflict": conflict}
        if request.headers.get("hx-request") != "true":
            if done.problems:
                return self.pages.render(request, who, "error.html", status_code=409, problems=done.problems)
            return RedirectResponse(f"/models/{name}", status_code=303)
        strip = await self.pages.query(request, who, "strip", name=name)
        if strip.data.get("model") is None:
            return self.pages.refused(request, who, strip)
        return self.pages.render(
            request,
            who,
            "_strip.html",
            model=strip.data["model"],
            strip=view.environment_strip(strip.data),
            choices=strip.data["model"]["versions"]["nodes"],
            outcome=outcome,
        )


def _charts(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """One chart per metric: the versions' numbers, the values, and where production is (uPlot's columns)."""
    rows = sorted(comparison["rows"], key=lambda row: row["version"]["number"])
    numbers = [row["version"]["number"] for row in rows]
    production = [row["version"]["number"] for row in rows if "production" in row["version"]["activeEnvironments"]]
    return [
        {
            "metric": metric,
            "numbers": numbers,
            "values": [row["values"][index] for row in rows],
            "production": production[0] if production else None,
        }
        for index, metric in enumerate(comparison["metricNames"])
    ]
