"""The monitoring policy of a model in an environment: the thresholds that turn statistics into verdicts.

Without a stored policy the defaults below apply (docs/monitoring.md, "Policy"). ``Policy.stored()`` is what
the ``monitoring_policy.thresholds`` column holds; fields missing from a stored policy take their defaults, so a
field added later needs no migration.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from models.errors import InvalidInput


@dataclass(frozen=True)
class Policy:
    #: A window with fewer rows gets INSUFFICIENT_DATA and no verdict.
    min_rows: int = 100
    #: PSI from which a feature is WARNING, and DRIFT.
    psi_warning: float = 0.1
    psi_drift: float = 0.25
    #: A categorical feature is DRIFT only if the chi-squared test also rejects equal distributions at this level
    #: (else WARNING): with few rows, PSI alone over-reacts to rare categories.
    chi_squared_p_value: float = 0.01
    #: The share of features in DRIFT from which the whole window is DRIFT (else WARNING if any feature is).
    drift_share: float = 0.3
    #: Performance is DEGRADED when a realized metric is worse than the version's registered value by more than
    #: this share of it (0.05: an accuracy of 0.90 below 0.855, an rmse of 40 above 42), whatever the metric's scale.
    metric_drop: float = 0.05
    #: Realized metrics count only when at least this share of the window's rows is labeled.
    min_label_coverage: float = 0.1
    #: Open a retraining request (if none is open) when the newest window turns DRIFT or DEGRADED.
    auto_retrain: bool = True

    def stored(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_stored(cls, data: dict[str, Any] | None) -> Policy:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in names})

    def changed(self, **changes: Any) -> Policy:
        """This policy with the given fields replaced (None keeps a field), checked."""
        return check(dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None}))


def _share(value: float, field: str, *, zero_ok: bool = True) -> None:
    low_ok = value >= 0 if zero_ok else value > 0
    if not math.isfinite(value) or not low_ok or value > 1:
        raise InvalidInput(field, f"must be a number {'from 0' if zero_ok else 'above 0'} to 1 (got {value})")


def check(policy: Policy) -> Policy:
    if not 1 <= policy.min_rows <= 1_000_000_000:
        raise InvalidInput("min_rows", f"must be between 1 and 1000000000 (got {policy.min_rows})")
    for name in ("psi_warning", "psi_drift", "metric_drop"):
        value = getattr(policy, name)
        if not math.isfinite(value) or value < 0:
            raise InvalidInput(name, f"must be a finite number of at least 0 (got {value})")
    if policy.psi_drift < policy.psi_warning:
        raise InvalidInput("psi_drift", f"must be at least psi_warning ({policy.psi_warning})")
    _share(policy.chi_squared_p_value, "chi_squared_p_value")
    _share(policy.drift_share, "drift_share", zero_ok=False)
    _share(policy.min_label_coverage, "min_label_coverage")
    return policy
