"""The monitoring pages: production deployments with their verdicts, and one deployment's drift and performance."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.ui import session, view
from app.ui.pages import PAGE_SIZE, Pages

#: Windows shown (and drawn) on a deployment's page, the newest.
WINDOWS = 30
_RETRAINING_ACTIONS = ("acknowledge", "complete", "cancel")


async def overview(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    after = request.query_params.get("after") or None
    answer = await pages.query(request, who, "monitoring", first=PAGE_SIZE, after=after)
    if answer.problems and not answer.data.get("models"):
        return pages.refused(request, who, answer)
    return pages.render(request, who, "monitoring.html", data=answer.data, problems=answer.problems)


async def deployment(pages: Pages, request: Request) -> Response:
    who = await session.visitor(request)
    name = request.path_params["name"]
    environment = request.query_params.get("environment") or "production"
    answer = await pages.query(
        request, who, "deployment_monitoring", name=name, environment=environment, windows=WINDOWS
    )
    if answer.problems and not answer.data.get("model"):
        return pages.refused(request, who, answer)
    model = answer.data.get("model")
    if model is None:
        return pages.not_found(request, who, f"model {name!r}")
    watched = model["deployment"]
    charts = _charts(watched["windows"]["nodes"]) if watched is not None else []
    return pages.render(
        request,
        who,
        "deployment_monitoring.html",
        data=answer.data,
        model=model,
        deployment=watched,
        environment=environment,
        charts=charts,
        done=request.query_params.get("done"),
        may_deploy=view.may_deploy(answer.data.get("viewer"), environment, None),
        problems=answer.problems,
    )


def _charts(windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PSI per feature, and each realized metric, over the windows (oldest first), as uPlot series by window end."""
    ordered = list(reversed(windows))
    ends = [int(datetime.fromisoformat(window["end"]).timestamp()) for window in ordered]
    features = sorted({feature["feature"] for window in ordered for feature in window["features"]})
    metrics = sorted({metric["metric"] for window in ordered for metric in window["performance"]})

    def series(values: dict[str, list[float | None]]) -> list[dict[str, Any]]:
        return [{"label": label, "values": points} for label, points in values.items()]

    def values(part: str, key: str, name: str, value: str) -> list[float | None]:
        return [next((row[value] for row in window[part] if row[key] == name), None) for window in ordered]

    psi = {feature: values("features", "feature", feature, "psi") for feature in features}
    realized = {metric: values("performance", "metric", metric, "realized") for metric in metrics}
    charts = [{"title": "PSI per feature", "x": ends, "series": series(psi)}] if features else []
    if metrics:
        charts.append({"title": "Realized metrics", "x": ends, "series": series(realized)})
    return charts


async def retraining(pages: Pages, request: Request) -> Response:
    """Acknowledge, complete or cancel the model's open retraining request; back to its monitoring page."""
    who = await session.visitor(request)
    name = request.path_params["name"]
    form = await session.read_form(request)
    refusal = session.csrf_refusal(request, who, form.get(session.CSRF_FIELD))
    action = form.get("action", "")
    if refusal is not None or action not in _RETRAINING_ACTIONS:
        problem = refusal or "choose acknowledge, complete or cancel"
        return pages.render(request, who, "error.html", status_code=403, problems=[], refusal=problem)
    change: dict[str, Any] = {"model": name}
    if form.get("reason", "").strip():
        change["reason"] = form["reason"].strip()
    if action == "complete":
        change["version"] = int(form["version"]) if form.get("version", "").isdigit() else 0
    done = await pages.query(request, who, f"{action}_retraining", input=change)
    if done.problems:
        return pages.refused(request, who, done)
    back = urlencode({"environment": form.get("environment") or "production", "done": action})
    return RedirectResponse(f"/models/{quote(name, safe='')}/monitoring?{back}", status_code=303)
