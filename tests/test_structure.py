"""Rules about the shape of the code, checked by reading it: short functions in models/."""

from __future__ import annotations

import ast
from pathlib import Path

MODELS = Path(__file__).resolve().parent.parent / "models"
#: Longest function in models/, counted from its ``def`` line to the last line of its body.
MAX_FUNCTION_LINES = 60


def test_no_function_in_models_is_longer_than_the_limit() -> None:
    too_long = []
    for path in sorted(MODELS.rglob("*.py")):
        if "migrations" in path.relative_to(MODELS).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    where = path.relative_to(MODELS.parent)
                    too_long.append(f"{where}:{node.lineno} {node.name} ({length} lines)")
    assert not too_long, f"functions longer than {MAX_FUNCTION_LINES} lines; split them into named steps: {too_long}"
