"""Control characters are refused in every string a request sends, before anything runs.

PostgreSQL cannot store U+0000 in text or JSONB and fails on it, while SQLite stores it or, in a filter,
quietly matches nothing; other control characters corrupt logs and terminals. So every string of the
operation (literals in the document, and every key and value in its variables, JSON scalars included) is
checked once, here, and both backends give the same answer: ``BAD_USER_INPUT`` naming where the character is
and its code point, never the value. Free text (``description``, ``reason`` and values inside
``hyperparameters``) may hold tabs and line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from schema.codes import ErrorCode

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Input fields whose text may span lines.
FREE_TEXT = frozenset({"description", "reason", "hyperparameters"})


def control_character(document: DocumentNode | None, variables: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """Where the first control character of a request is, and which one (``U+0000``); None when there is none."""
    found = [*(_in_document(document) if document is not None else ()), *_in_value(variables or {}, "$", False)]
    return found[0] if found else None


def _in_value(value: Any, path: str, free_text: bool) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        match = (_CONTROL_IN_TEXT if free_text else _CONTROL).search(value)
        if match:
            yield path, f"U+{ord(match.group()):04X}"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            key_text = str(key)
            in_key = _CONTROL.search(key_text)
            if in_key:
                yield f"{path} (a key)", f"U+{ord(in_key.group()):04X}"
                continue
            child = f"{path}{key_text}" if path == "$" else f"{path}.{key_text}"
            yield from _in_value(item, child, free_text or key_text in FREE_TEXT)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            # Numbers, booleans and nulls hold no text: a window's 2,000 counts are passed over without a path
            # built and a call for each (docs/performance.md, "Recording a window").
            if item is not None and not isinstance(item, int | float):
                yield from _in_value(item, f"{path}[{index}]", free_text)


#: Findings per document text: the literals of a document are fixed by its text, and clients send the same few
#: documents again and again (visiting one costs a walk of its whole tree). Bounded, oldest forgotten first.
_by_text: dict[str, tuple[tuple[str, str], ...]] = {}
_TEXTS_KEPT = 256


def _in_document(document: DocumentNode) -> list[tuple[str, str]]:
    text = document.loc.source.body if document.loc is not None else None
    if text is None:
        return _visited(document)
    known = _by_text.get(text)
    if known is None:
        if len(_by_text) >= _TEXTS_KEPT:
            del _by_text[next(iter(_by_text))]
        known = _by_text[text] = tuple(_visited(document))
    return list(known)


def _visited(document: DocumentNode) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            found.extend(_in_literal(node.value, node.name.value, node.name.value in FREE_TEXT))

    visit(document, Arguments())
    return found


def _in_literal(value: ValueNode, path: str, free_text: bool) -> Iterator[tuple[str, str]]:
    if isinstance(value, StringValueNode):
        yield from _in_value(value.value, path, free_text)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            name = field.name.value
            yield from _in_literal(field.value, f"{path}.{name}", free_text or name in FREE_TEXT)
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            yield from _in_literal(item, f"{path}[{index}]", free_text)


class InputText(SchemaExtension):
    """Refuse a request with a control character in any string it sends (see the module's docstring)."""

    def on_execute(self) -> Iterator[None]:
        execution_context = self.execution_context
        found = control_character(execution_context.graphql_document, execution_context.variables)
        if found is not None:
            path, character = found
            message = f"{path}: contains the control character {character}; remove it"
            error = GraphQLError(message, extensions={"code": ErrorCode.BAD_USER_INPUT, "field": path})
            execution_context.result = ExecutionResult(data=None, errors=[error])
        yield
