"""Running a write transaction again, from the start, when it lost a lock or a race.

``models.db.failures`` tells what kind of transient failure an error is. Contention and races rolled the
transaction back, so running the operation again is safe and usually succeeds; ``retried`` does that a bounded
number of times with jittered backoff, and turns what is still failing after the last attempt into the domain
error ``models.db.failures`` gives for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from models.db.failures import Failure, classify, domain_error

log = logging.getLogger("modelreg.db")

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a write transaction is attempted, and how long to wait between attempts."""

    attempts: int = 5
    #: The first backoff ceiling in seconds; it doubles per attempt up to ``max_delay`` (full jitter).
    base_delay: float = 0.02
    max_delay: float = 1.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): random, so racers spread out."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


_policy = RetryPolicy()
#: Set while a ``retried`` operation runs, so an operation called inside another is not retried on its own
#: (its transaction is the outer one's, which only the outer retry may run again).
_active: contextvars.ContextVar[bool] = contextvars.ContextVar("modelreg_retry_active", default=False)


def configure(policy: RetryPolicy) -> None:
    """Set the process-wide retry policy (the server does it from its settings at start)."""
    global _policy
    _policy = policy


def policy() -> RetryPolicy:
    return _policy


def retried(operation: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a state-changing operation (one write transaction) again when it lost a lock or race.

    Only the outermost ``retried`` call retries. Failures to reach the database are not retried here: the
    database is unlikely to be back within milliseconds, and the request fails fast with ``Unavailable``.
    """

    @functools.wraps(operation)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if _active.get():
            return await operation(*args, **kwargs)
        token = _active.set(True)
        try:
            attempt = 1
            while True:
                try:
                    return await operation(*args, **kwargs)
                except Exception as error:
                    kind = classify(error)
                    if kind is None:
                        raise
                    current = _policy
                    if kind not in (Failure.CONTENTION, Failure.RACE) or attempt >= current.attempts:
                        raise domain_error(kind, attempts=attempt) from error
                    wait = current.delay(attempt)
                    log.info(
                        "%s: %s (%s), attempt %d of %d; retrying in %.0f ms",
                        operation.__name__,
                        kind.value,
                        type(error).__name__,
                        attempt,
                        current.attempts,
                        wait * 1000,
                    )
                    await asyncio.sleep(wait)
                    attempt += 1
        finally:
            _active.reset(token)

    return run
