"""Domain errors. ``schema/errors.py`` maps each class to a GraphQL ``extensions.code`` in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A failure the caller can act on. The message is shown to users: it names the field and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """An argument is malformed or out of range.

    ``field`` names it as its caller wrote it: in ``models``, an operation's keyword argument and the path into
    it (``expected_current_version``, ``metrics[2].value``), or ``""`` when the arguments as a whole are at
    fault; a setting's name in ``app``. ``schema`` re-raises it at the GraphQL path (``input.metrics[2].value``).
    ``problem`` is what is wrong and how to fix it; ``message`` starts with the field.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


class NotFound(DomainError):
    """An unknown model, version, node or artifact."""


class Conflict(DomainError):
    """The request is well-formed but contradicts the registry's current state."""


class Unauthenticated(DomainError):
    """No valid token where one is needed."""


class Forbidden(DomainError):
    """The principal's role is too low for the operation."""


class Unavailable(DomainError):
    """The database cannot serve the request now (unreachable, restarting, or too busy); retrying later may work."""
