"""What a document selects below a field: a page read fetches the columns its answer needs, and counts only when
the document asks for the count.

A dashboard lists the five newest versions and deployments of 100 models. Reading every column of those 1,000
versions (JSON hyperparameters and feature names, descriptions) for the number, status and creation time it shows
cost a third of the statements' time, and counting every model's versions for a ``totalCount`` no one selected
another part (docs/performance.md, "Reading what the document selects").

``shape`` answers, for a field being resolved, the tree of field names selected below it: aliases, fragments
and inline fragments merged, directives ignored (a field under ``@skip`` may be read; what is read is then a
superset of what is needed, never less). It is computed once per field of a parsed document (the parsed
documents are cached, schema/document.py) and remembered by the field's nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

#: Field name -> what is selected below it (empty for a leaf), merged over every place the document selects it.
Shape = Mapping[str, "Shape"]

#: How many fields' shapes are remembered: a process serves a few dozen documents with one or two paged fields.
_REMEMBERED = 512
#: id of each field node -> (the nodes, kept alive so their ids are not reused while remembered; their shape)
_shapes: dict[tuple[int, ...], tuple[tuple[FieldNode, ...], Shape]] = {}


def shape(info: Any) -> Shape:
    """What is selected below the field ``info`` resolves (a Strawberry ``Info`` or graphql-core's own)."""
    raw = getattr(info, "_raw_info", info)
    nodes: tuple[FieldNode, ...] = tuple(raw.field_nodes)
    key = tuple(map(id, nodes))
    remembered = _shapes.get(key)
    if remembered is not None and all(a is b for a, b in zip(remembered[0], nodes, strict=True)):
        return remembered[1]
    merged: dict[str, Any] = {}
    for node in nodes:
        _merge(merged, node.selection_set, raw.fragments, frozenset())
    if len(_shapes) >= _REMEMBERED:
        del _shapes[next(iter(_shapes))]
    _shapes[key] = (nodes, merged)
    return merged


def below(selected: Shape, *path: str) -> Shape | None:
    """What is selected at ``path`` under ``selected``, or None when the document does not select it."""
    for name in path:
        found = selected.get(name)
        if found is None:
            return None
        selected = found
    return selected


def _merge(
    into: dict[str, Any],
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    spread: frozenset[str],
) -> None:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            _merge(into.setdefault(selection.name.value, {}), selection.selection_set, fragments, spread)
        elif isinstance(selection, InlineFragmentNode):
            _merge(into, selection.selection_set, fragments, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in spread:  # validation rejects cycles; this never loops anyway
                _merge(into, fragment.selection_set, fragments, spread | {name})


def node_fields(connection: Shape, *path: str) -> frozenset[str] | None:
    """The names selected at ``path`` below a connection's nodes, through ``edges { node }`` and ``nodes`` alike,
    or None when neither selects ``path`` (with no path: the names selected on the nodes themselves)."""
    found = [below(connection, "edges", "node", *path), below(connection, "nodes", *path)]
    selected = [names for names in found if names is not None]
    if not selected:
        return None
    return frozenset().union(*selected)
