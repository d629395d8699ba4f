"""Field descriptions from ``#:`` comments, read from one parse of the module instead of one per model.

Tortoise describes each field of a model with the ``#:`` comment above it: what aerich records in a migration's
``MODELS_STATE`` and writes as column comments. It finds them with ``inspect.getsource`` of every model class as
the class is created, which on Python 3.11 parses the whole module each time: 20 parses of models/entities.py,
0.3 s of every start of the server and of every command. Models built on ``Model`` skip that (Tortoise's own
``_no_comments`` switch), and ``describe_fields`` applies the same comments by Tortoise's own rule
(``tortoise.models._get_comments``) once the module's classes exist. ``tests/db/test_migrations.py`` compares the
result with the newest migration's ``MODELS_STATE``.
"""

from __future__ import annotations

import ast
import inspect
import re
from types import ModuleType
from typing import Any

from tortoise.models import Model as TortoiseModel
from tortoise.models import ModelMeta

#: Tortoise's pattern: one or more ``#:`` lines right above a ``name:`` or ``name =`` line.
_COMMENTED = re.compile(r"((?:(?!\n|^)[^\w\n]*#:.*?\n)+?)[^\w\n]*(\w+)\s*[:=]")
_COMMENT_MARK = re.compile(r"(^\s*#:\s*|\s*$)", flags=re.MULTILINE)


class _Uncommented(ModelMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(TortoiseModel, metaclass=_Uncommented):
    """Tortoise's ``Model``, whose fields ``describe_fields`` describes from their comments."""

    class Meta:
        abstract = True


def describe_fields(module: ModuleType) -> None:
    """Give the fields of every model class defined in ``module`` their ``#:`` comments, as Tortoise would: the
    whole comment as ``docstring``, its first line as ``description`` unless the field was given one."""
    source = inspect.getsource(module)
    lines = source.splitlines(keepends=True)
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name, None)
        if not (isinstance(cls, type) and issubclass(cls, TortoiseModel)) or cls._meta.abstract:
            continue
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        class_source = "".join(lines[first - 1 : node.end_lineno])
        # The last comment of a name wins, as in Tortoise's dict.
        comments = {name: _COMMENT_MARK.sub("", text) for text, name in _COMMENTED.findall(class_source)}
        fields_map = cls._meta.fields_map
        for field_name, comment in comments.items():
            field = fields_map.get(field_name)
            if field is None:
                continue
            field.docstring = comment.replace("{model}", cls.__name__)
            if field.description is None:
                field.description = field.docstring.split("\n")[0]
