"""Where in a mutation's ``input`` a bad argument is, for ``InvalidInput`` raised by an operation.

``models`` names a bad argument as the operation's keyword argument, with the path into it
(``expected_current_version``, ``metrics[2].value``). Each mutation resolver is decorated with
``input_paths``, which raises the error again at the GraphQL path (``input.expectedCurrentVersion``,
``input.metrics[2].value``): each name camelCased as Strawberry names the input's fields, indexes kept.
Validation done in ``schema`` itself (filters, orderBy, permission classes) names GraphQL paths already,
so a mutation resolver leaves validation to its operation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from strawberry.utils.str_converters import to_camel_case

from models.errors import InvalidInput
from models.registry.operations import ARTIFACT_NOT_UPLOADED

P = ParamSpec("P")
T = TypeVar("T")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: What a client does about a problem whose fix ``models`` cannot name: an HTTP route.
_REMEDIES = {ARTIFACT_NOT_UPLOADED: "POST it to /api/artifacts first"}


def input_path(field: str) -> str:
    """``metrics[2].value`` -> ``input.metrics[2].value``; ``""`` (the arguments as a whole) -> ``input``."""
    if not field:
        return "input"
    return "input." + _NAME.sub(lambda name: to_camel_case(name[0]), field)


def input_paths(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorate a mutation resolver: ``InvalidInput`` from its operation is raised at the field's path in ``input``."""

    @functools.wraps(resolver)  # Strawberry reads the arguments and types of the resolver through it
    async def resolve(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await resolver(*args, **kwargs)
        except InvalidInput as error:
            remedy = _REMEDIES.get(error.problem)
            problem = f"{error.problem}; {remedy}" if remedy else error.problem
            raise InvalidInput(input_path(error.field), problem) from error

    return resolve
