"""Rules about the shape of the code, checked by reading it: short functions in models/, every write operation
retried the same way, and a server that starts without the libraries only some requests need."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

from models.db.retry import retried

MODELS = Path(__file__).resolve().parent.parent / "models"
#: Longest function in models/, counted from its ``def`` line to the last line of its body.
MAX_FUNCTION_LINES = 60

#: Public async functions of models/*/operations.py that are not wrapped by ``retried``, and why they need not be.
NOT_RETRIED = {
    "models.environments.operations.enforce_protection": "a step of promote, demote and rollback, on their "
    "connection: their retry runs it again with the whole transaction",
    "models.tokens.operations.identify": "a read for each request; its once-a-minute last_used_at stamp is a "
    "single UPDATE outside any transaction",
    "models.tokens.operations.authenticate": "identify, answering a principal or None",
}


#: Imported by the code that needs them, never by starting the server: scipy.special alone is some 20 MB of
#: resident memory and a fifth of the start-up (docs/performance.md, "Memory"); scikit-learn and joblib are for
#: the demo and for loading artifacts.
NOT_AT_START = ("scipy", "sklearn", "joblib")


async def _probe() -> None:
    """Wrapped below only to learn the code that every function ``retried`` returns runs."""


_RETRIED_CODE = retried(_probe).__code__


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


def test_every_public_operation_is_retried() -> None:
    public: set[str] = set()
    not_retried = []
    for path in sorted(MODELS.glob("*/operations.py")):
        module = importlib.import_module(f"models.{path.parent.name}.operations")
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.iscoroutinefunction(function):
                continue
            if function.__module__ != module.__name__:  # imported from elsewhere: checked where it is defined
                continue
            qualified = f"{module.__name__}.{name}"
            public.add(qualified)
            if function.__code__ is not _RETRIED_CODE and qualified not in NOT_RETRIED:
                not_retried.append(qualified)
    assert not not_retried, f"write operations without @retried (models/db/retry.py): {not_retried}"
    assert set(NOT_RETRIED) <= public, f"NOT_RETRIED names what is gone: {sorted(set(NOT_RETRIED) - public)}"


def test_the_server_starts_without_the_libraries_only_some_requests_need() -> None:
    # A fresh interpreter: this one has imported whatever earlier tests needed.
    code = (
        "import sys; from app.server import create_app; from app.cli import main; "
        f"print(','.join(name for name in {NOT_AT_START!r} if name in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert not loaded, f"imported when the server starts: {loaded}; import them where they are used"


#: Not imported by ``modelreg``'s own module: the release commands (models, versions, compare, promote...) talk HTTP
#: and the token commands reach the database through the models alone; the GraphQL stack was over a third of each
#: command's start-up (0.4 of 1.05 s of CPU, measured), and the test suite starts the command hundreds of times.
#: numpy is the client's for profiles and windows only (modelreg_client/monitoring.py imports it where it computes).
NOT_FOR_COMMANDS = ("graphql", "strawberry", "schema.cost", "numpy")


def test_a_command_starts_without_the_graphql_stack_or_numpy() -> None:
    code = f"import sys; from app.cli import main; print(','.join(n for n in {NOT_FOR_COMMANDS!r} if n in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert not loaded, f"imported by app.cli: {loaded}; import them where they are used"
