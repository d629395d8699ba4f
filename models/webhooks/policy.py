"""How webhooks are delivered: destinations allowed, timeouts, retries. Set once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from models.webhooks.destinations import AllowList

#: About 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about 28 hours, then FAILED.
DEFAULT_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


@dataclass(frozen=True)
class DeliveryPolicy:
    allow: AllowList = field(default_factory=AllowList)
    #: Seconds to wait after failed attempt 1, 2, ...; after the last, the delivery is FAILED.
    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    #: Connect, write and read timeout of one request.
    timeout_seconds: float = 10.0
    #: Bytes of a response that are read (and kept, as the attempt's excerpt, up to ``excerpt_chars``).
    max_response_bytes: int = 4096
    excerpt_chars: int = 512
    #: How long a claimed delivery is reserved for its worker; a worker killed mid-request frees it after this.
    lease_seconds: float = 60.0
    #: Seconds between looks for due deliveries when there were none; and deliveries claimed per look.
    poll_seconds: float = 1.0
    batch: int = 16
    #: How long the previous secret stays valid after a rotation, by default.
    rotation_grace: timedelta = timedelta(hours=24)


_policy = DeliveryPolicy()


def configure(policy: DeliveryPolicy) -> None:
    """Set the process-wide policy (``modelreg serve`` and ``modelreg worker`` do it from their settings)."""
    global _policy
    _policy = policy


def policy() -> DeliveryPolicy:
    return _policy
