"""What the templates need beyond the API's data: metric direction, key metrics, who may deploy where."""

from __future__ import annotations

from typing import Any

from modelreg_client import directions

#: The metric a list shows for a version, the first it has; app/ui/queries/models.graphql asks for these by name.
KEY_METRICS = ("roc_auc", "accuracy", "f1", "r2", "rmse", "mae", "log_loss")
_PATH = {"staging": 0, "production": 1}
_ROLES = ("READER", "WRITER", "DEPLOYER", "ADMIN")


def lower_is_better(metric: str) -> bool:
    """By the metric's name: the rule ``compare`` and the ``--if-better`` gate use (``modelreg_client.directions``)."""
    return directions.lower_is_better(metric)


def verdict(metric: str, delta: float | None) -> str:
    """``better``, ``worse`` or ``same`` for a delta from production, by the metric's direction."""
    return "same" if delta is None else directions.verdict(metric, delta)


def key_metric(version: dict[str, Any]) -> dict[str, Any] | None:
    """The first of ``KEY_METRICS`` that ``version`` (as the models page asks for it) has, as ``{name, value}``."""
    for name in KEY_METRICS:
        if version.get(name) is not None:
            return {"name": name, "value": version[name]}
    return None


def may_deploy(viewer: dict[str, Any] | None, environment: str, protection: dict[str, Any] | None) -> bool:
    """Whether to offer promote, rollback and demote in ``environment`` (the API decides again when asked)."""
    if viewer is None:
        return False
    needed = (protection or {}).get("requiredRole") or "DEPLOYER"
    if _ROLES.index(viewer["role"]) < max(_ROLES.index(needed), _ROLES.index("DEPLOYER")):
        return False
    allowed = viewer.get("environments")
    return allowed is None or environment in allowed


def environment_strip(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per environment (every known one, and the model's own): its active deployment and rules."""
    model = data["model"]
    active = {deployment["environment"]: deployment for deployment in model["activeDeployments"]}
    rules = {environment["name"]: environment["protection"] for environment in data["environments"]}
    # The usual path first (staging, then production), then the others by name.
    names = sorted(set(rules) | set(active) | {"production"}, key=lambda name: (_PATH.get(name, 2), name))
    viewer = data.get("viewer")
    return [
        {
            "name": name,
            "deployment": active.get(name),
            "protection": rules.get(name),
            "may_deploy": may_deploy(viewer, name, rules.get(name)),
        }
        for name in names
    ]
