"""The registry pages: models, a model (with its environment strip and its actions), a version, compare."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.ui import session, view
from app.ui.pages import CHART_VERSIONS, PAGE_SIZE, Pages
from schema.codes import ErrorCode

_MODEL_ORDER = {"name": "NAME", "created": "CREATED_AT", "updated": "UPDATED_AT"}
_DEPLOY_ACTIONS = ("promote", "demote", "rollback")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


async def models(pages: Pages, request: Request) -> Response:
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
    answer = await pages.query(
        request,
        who,
        "models",
        first=PAGE_SIZE,
        after=params.get("after") or None,
        filter=model_filter or None,
        orderBy={"field": _MODEL_ORDER[sort], "direction": direction},
    )
    if answer.problems and not answer.data.get("models"):
        return pages.refused(request, who, answer)
    rows = []
    for model in answer.data["models"]["nodes"]:
        environments = [
            {
                "name": deployment["environment"],
                "number": deployment["version"]["number"],
                "metric": view.key_metric(deployment["version"]),
            }
            for deployment in model["activeDeployments"]
        ]
        last = model["deploymentHistory"]["nodes"]
        rows.append({"model": model, "environments": environments, "last": last[0] if last else None})
    query = {"q": search, "tag": tag, "prod": production, "sort": sort, "dir": direction.lower()}
    return pages.render(request, who, "models.html", data=answer.data, rows=rows, query=query, problems=answer.problems)


async def model(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    name, params = request.path_params["name"], request.query_params
    sort = params.get("sort", "number")
    direction = "ASC" if params.get("dir") == "asc" else "DESC"
    if sort.startswith("metric:"):
        order = {"field": "METRIC", "metric": sort.removeprefix("metric:"), "direction": direction}
    else:
        sort = "created" if sort == "created" else "number"
        order = {"field": "CREATED_AT" if sort == "created" else "NUMBER", "direction": direction}
    answer = await pages.query(
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
        return pages.refused(request, who, answer)
    if answer.data.get("model") is None:
        return pages.not_found(request, who, f"model {name!r}")
    chart = answer.data["compareVersions"]
    metric_names = chart["metricNames"]
    shown = [metric for metric in params.getlist("metric") if metric in metric_names] or metric_names[:4]
    return pages.render(
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


async def version(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    name, number = request.path_params["name"], request.path_params["number"]
    answer = await pages.query(request, who, "version", name=name, number=number)
    if answer.problems and not answer.data.get("model"):
        return pages.refused(request, who, answer)
    model = answer.data.get("model")
    if model is None or model["version"] is None:
        return pages.not_found(request, who, f"version {number} of model {name!r}")
    return pages.render(request, who, "version.html", data=answer.data, model=model, version=model["version"])


async def compare(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    name = request.path_params["name"]
    numbers = sorted({_int(value, 0) for value in request.query_params.getlist("v")} - {0})
    answer = await pages.query(request, who, "compare", name=name, numbers=numbers or None, limit=5)
    if answer.problems and not answer.data.get("compareVersions"):
        return pages.refused(request, who, answer)  # the API names what is missing: model or version
    comparison = answer.data["compareVersions"]
    production = answer.data["model"]["production"]
    return pages.render(
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


async def deploy(pages: Pages, request: Request) -> Response:
    """Promote, demote or roll back from the environment strip; answers the strip again (htmx) or redirects."""
    who = await session.visitor(request)
    name = request.path_params["name"]
    form = await session.read_form(request)
    refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
    action = form.get("action")
    if refusal is not None or action not in _DEPLOY_ACTIONS:
        problem = refusal or "choose promote, demote or rollback"
        return pages.render(request, who, "error.html", status_code=403, problems=[], refusal=problem)
    environment = form.get("environment") or "production"
    deployment: dict[str, Any] = {"model": name, "environment": environment}
    reason = form.get("reason", "").strip()
    if reason:
        deployment["reason"] = reason
    if action in ("promote", "demote"):
        deployment["expectedCurrentVersion"] = _int(form.get("expected"), 0)
    if action == "promote":
        deployment["version"] = _int(form.get("version"), 0)
    done = await pages.query(request, who, action, input=deployment)
    conflict = done.code() == ErrorCode.CONFLICT
    outcome = {"action": action, "environment": environment, "problems": done.problems, "conflict": conflict}
    if request.headers.get("hx-request") != "true":
        if done.problems:
            return pages.render(request, who, "error.html", status_code=409, problems=done.problems)
        return RedirectResponse(f"/models/{name}", status_code=303)
    strip = await pages.query(request, who, "strip", name=name)
    if strip.data.get("model") is None:
        return pages.refused(request, who, strip)
    return pages.render(
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
