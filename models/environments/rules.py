"""The rules of a protected environment: what they are, how they are written, parsed and stored.

An admin protects an environment with any of: a required role (for promote, rollback and demote there),
metric bounds (``roc_auc>=0.8``), required version tags (``approved=true``) and required prior deployments
of the same version elsewhere (``staging``: the version was deployed there at some point, active or since
retired). ``models.environments.operations`` changes and enforces them.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import validation
from models.entities import EnvironmentProtection, Role
from models.errors import InvalidInput

#: Most rules of each kind per environment.
MAX_RULES = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: A metric name in a rule cannot contain <, > or =, so a typo such as ``roc_auc=>0.8`` is refused, not read as
#: the metric ``roc_auc=``.
_METRIC_RULE = re.compile(r"(?P<metric>[^<>=]+?)\s*(?P<comparison>>=|<=|>|<)\s*(?P<threshold>[^<>=\s]+)")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


def number(value: float) -> str:
    """A float as people write it (``0.8``, ``250``), and as ``float()`` reads it back exactly."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


@dataclass(frozen=True)
class MetricRule:
    metric: str
    comparison: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.metric}{self.comparison}{number(self.threshold)}"

    def holds(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)


@dataclass(frozen=True)
class TagRule:
    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


@dataclass(frozen=True)
class Rules:
    required_role: Role | None = None
    metrics: tuple[MetricRule, ...] = ()
    tags: tuple[TagRule, ...] = ()
    prior_environments: tuple[str, ...] = ()

    def describe(self) -> list[str]:
        """One phrase per rule, e.g. ``["role admin", "roc_auc>=0.8", "tag approved=true", "prior staging"]``."""
        role = [f"role {self.required_role.value}"] if self.required_role else []
        return [
            *role,
            *map(str, self.metrics),
            *(f"tag {tag}" for tag in self.tags),
            *(f"prior {env}" for env in self.prior_environments),
        ]

    def stored(self) -> dict[str, list[str]]:
        return {
            "metrics": [str(rule) for rule in self.metrics],
            "tags": [str(rule) for rule in self.tags],
            "prior": list(self.prior_environments),
        }


@dataclass(frozen=True)
class Protection:
    environment: str
    rules: Rules
    reason: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, row: EnvironmentProtection) -> Protection:
        return cls(
            environment=row.environment,
            rules=_stored_rules(row.required_role, row.rules),
            reason=row.reason,
            created_at=row.created_at,
            created_by=row.created_by,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def snapshot(self) -> dict[str, Any]:
        """The whole protection as audit details (JSON), enough to rebuild it for an idempotent replay."""
        return {
            "requiredRole": self.rules.required_role.value if self.rules.required_role else None,
            "rules": self.rules.stored(),
            "reason": self.reason,
            "createdAt": self.created_at.isoformat(),
            "createdBy": self.created_by,
            "updatedAt": self.updated_at.isoformat(),
            "updatedBy": self.updated_by,
        }

    @classmethod
    def from_snapshot(cls, environment: str, data: dict[str, Any]) -> Protection:
        return cls(
            environment=environment,
            rules=_stored_rules(Role(data["requiredRole"]) if data["requiredRole"] else None, data["rules"]),
            reason=data["reason"],
            created_at=datetime.fromisoformat(data["createdAt"]),
            created_by=data["createdBy"],
            updated_at=datetime.fromisoformat(data["updatedAt"]),
            updated_by=data["updatedBy"],
        )


# Parsing. Every message shows the bad value and a correct example.


def parse_metric_rule(text: str, field: str) -> MetricRule:
    found = _METRIC_RULE.fullmatch(text.strip())
    threshold = _float(found["threshold"]) if found else None
    if found is None or threshold is None:
        raise InvalidInput(
            field,
            f"{text[:140]!r} is not a metric rule: write METRIC OP NUMBER with OP one of >=, >, <=, < "
            "(and no <, > or = in METRIC), e.g. roc_auc>=0.8",
        )
    metric = validation.metric_name(found["metric"], field)
    return MetricRule(metric, found["comparison"], threshold)


def parse_tag_rule(text: str, field: str) -> TagRule:
    key, sign, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sign or not key:
        raise InvalidInput(field, f"{text[:140]!r} is not a tag rule: write KEY=VALUE, e.g. approved=true")
    if len(key) > 128 or len(value) > 1024 or _CONTROL.search(key):
        raise InvalidInput(
            field, "tag keys are at most 128 characters without control characters, values at most 1,024"
        )
    return TagRule(key, value)


def parse_rules(
    *,
    environment: str,
    required_role: Role | None,
    metric_rules: Sequence[str] | None,
    tag_rules: Sequence[str] | None,
    prior_environments: Sequence[str] | None,
) -> Rules:
    """Validate rule strings (``roc_auc>=0.8``, ``approved=true``, ``staging``) into ``Rules``.

    A bad rule is ``InvalidInput`` naming its argument and position, e.g. ``metric_rules[1]``.
    """
    if required_role is not None and not required_role.includes(Role.DEPLOYER):
        raise InvalidInput(
            "required_role",
            f"promotions already need the deployer role; require deployer or admin, not {required_role.value}",
        )
    metrics = [
        parse_metric_rule(text, f"metric_rules[{index}]")
        for index, text in enumerate(_bounded(metric_rules, "metric_rules"))
    ]
    _unique([(rule.metric, rule.comparison) for rule in metrics], "metric_rules", "a bound on this metric")
    tags = [parse_tag_rule(text, f"tag_rules[{index}]") for index, text in enumerate(_bounded(tag_rules, "tag_rules"))]
    _unique([rule.key for rule in tags], "tag_rules", "a rule on this tag key")
    prior = []
    for index, name in enumerate(_bounded(prior_environments, "prior_environments")):
        where = f"prior_environments[{index}]"
        prior.append(validation.environment(name, where))
        if name == environment:
            raise InvalidInput(where, f"{environment} cannot require a prior deployment in itself; name another")
    _unique(prior, "prior_environments", "this environment")
    rules = Rules(required_role, tuple(metrics), tuple(tags), tuple(prior))
    if not rules.describe():
        raise InvalidInput(
            "",
            "give at least one rule: requiredRole, metricRules (roc_auc>=0.8), tagRules (approved=true) "
            "or priorEnvironments (staging); to remove protection, unprotect the environment",
        )
    return rules


def _stored_rules(required_role: Role | None, stored: dict[str, list[str]]) -> Rules:
    return Rules(
        required_role=required_role,
        metrics=tuple(parse_metric_rule(text, "rules.metrics") for text in stored.get("metrics", [])),
        tags=tuple(parse_tag_rule(text, "rules.tags") for text in stored.get("tags", [])),
        prior_environments=tuple(stored.get("prior", [])),
    )


def _bounded(items: Sequence[str] | None, field: str) -> Sequence[str]:
    if items is not None and len(items) > MAX_RULES:
        raise InvalidInput(field, f"at most {MAX_RULES} rules of each kind (got {len(items)})")
    return items or ()


def _unique(keys: Sequence[Any], field: str, what: str) -> None:
    seen: set[Any] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise InvalidInput(f"{field}[{index}]", f"{what} is given twice; give it once")
        seen.add(key)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
