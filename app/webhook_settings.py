"""Settings of webhook delivery, read from ``MODELREG_WEBHOOK_*`` variables (docs/events.md, "Configuration")."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta

from models.errors import InvalidInput
from models.webhooks.destinations import AllowList
from models.webhooks.policy import DEFAULT_RETRY_SCHEDULE, DeliveryPolicy


def _seconds(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(name, f"must be a number of seconds, got {raw[:40]!r}") from None
    if not math.isfinite(value) or value < minimum:
        raise InvalidInput(name, f"must be at least {minimum:g}, got {raw[:40]!r}")
    return value


def _schedule(env: Mapping[str, str]) -> tuple[float, ...]:
    name = "MODELREG_WEBHOOK_RETRY_SCHEDULE"
    raw = env.get(name, "").strip()
    if not raw:
        return DEFAULT_RETRY_SCHEDULE
    try:
        schedule = tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise InvalidInput(name, f"comma-separated seconds, e.g. 5,300,1800 (got {raw[:60]!r})") from None
    if len(schedule) > 20 or any(not math.isfinite(s) or s < 0 for s in schedule):
        raise InvalidInput(name, "at most 20 delays, each a number of seconds of at least 0")
    return schedule


def delivery_policy(env: Mapping[str, str]) -> DeliveryPolicy:
    """The delivery policy from the environment; a malformed value is an ``InvalidInput`` naming the variable."""
    default = DeliveryPolicy()
    hosts = env.get("MODELREG_WEBHOOK_ALLOW_HOSTS", "")
    return DeliveryPolicy(
        allow=AllowList.parse(hosts.split(",")),
        retry_schedule=_schedule(env),
        timeout_seconds=_seconds(env, "MODELREG_WEBHOOK_TIMEOUT_SECONDS", default.timeout_seconds, 0.1),
        lease_seconds=_seconds(env, "MODELREG_WEBHOOK_LEASE_SECONDS", default.lease_seconds, 1.0),
        poll_seconds=_seconds(env, "MODELREG_WEBHOOK_POLL_SECONDS", default.poll_seconds, 0.01),
        rotation_grace=timedelta(
            seconds=_seconds(
                env, "MODELREG_WEBHOOK_ROTATION_GRACE_SECONDS", default.rotation_grace.total_seconds(), 0.0
            )
        ),
    )
