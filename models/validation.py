"""Input rules (docs/api.md, "Limits"), shared by every operation and query."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from models.errors import InvalidInput

MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
ENVIRONMENT = re.compile(r"[a-z][a-z0-9-]{0,63}")
SHA256 = re.compile(r"[0-9a-f]{64}")
ARTIFACT_FORMAT = re.compile(r"[a-z0-9][a-z0-9._+-]{0,31}")
#: What a name (metric, tag key, feature, idempotency key) may not hold, said once for every message.
_PLAIN = "without control, format or invisible characters (such as U+200B or U+202E) or leading or trailing spaces"

DEFAULT_ENVIRONMENT = "production"
MAX_DESCRIPTION = 10_000
MAX_REASON = 1_000
MAX_SHORT_TEXT = 256
MAX_TAGS = 100
MAX_METRICS = 500
MAX_FEATURES = 10_000
MAX_HYPERPARAMETERS_BYTES = 64 * 1024
MAX_IDEMPOTENCY_KEY = 128
#: Environments a model may be active in at once; a promotion or rollback into one more is refused.
MAX_ACTIVE_ENVIRONMENTS = 50
#: ``Query.environments`` lists the first this many environments by name.
MAX_ENVIRONMENTS_LISTED = 1_000
#: ``Version.deployments`` shows the newest this many (a version toggled by rollbacks can gather any number);
#: ``Model.deploymentHistory`` pages through them all.
MAX_VERSION_DEPLOYMENTS_SHOWN = 100
#: Connections (``first``): the page when none is asked for, and the largest page.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def model_name(value: str, field: str = "model") -> str:
    if not MODEL_NAME.fullmatch(value):
        raise InvalidInput(
            field,
            f"{value[:140]!r} is not a valid model name: use 1 to 128 characters of A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit",
        )
    return value


def environment(value: str | None, field: str = "environment") -> str:
    if value is None:
        return DEFAULT_ENVIRONMENT
    if not ENVIRONMENT.fullmatch(value):
        raise InvalidInput(
            field,
            f"{value[:80]!r} is not a valid environment: use 1 to 64 characters of a-z 0-9 -, starting with a letter",
        )
    return value


def text(value: str | None, field: str, *, max_length: int) -> str | None:
    if value is not None and len(value) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters (got {len(value)})")
    if value is not None and not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            # JSON and GraphQL refuse one at the door; a caller in this process (the CLI, a script) could still
            # give one, and no database stores it.
            raise InvalidInput(field, "must be Unicode text: it contains a lone surrogate") from None
    return value


def positive_version(value: int, field: str = "version") -> int:
    if value < 1:
        raise InvalidInput(field, f"version numbers start at 1 (got {value})")
    return value


def expected_version(value: int | None, field: str = "expected_current_version") -> int | None:
    if value is not None and value < 0:
        raise InvalidInput(field, f"must be 0 (nothing active) or a version number (got {value})")
    return value


def plain(value: str) -> bool:
    """A name that cannot pose as another: every character printable (no control, format, bidirectional or
    zero-width character: categories Cc, Cf, Zl, Zp, no space other than U+0020, nothing unassigned) and no
    leading or trailing space. So ``roc_auc\u200b`` cannot sit on a dashboard beside ``roc_auc``."""
    return value.isprintable() and value == value.strip()


def idempotency_key(value: str | None, field: str = "idempotency_key") -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY or not plain(value):
        raise InvalidInput(field, f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters {_PLAIN}")
    return value


def sha256(value: str, field: str = "artifact_sha256") -> str:
    if not SHA256.fullmatch(value):
        raise InvalidInput(field, "must be 64 lowercase hexadecimal characters (a sha256 digest)")
    return value


def artifact_format(value: str | None, field: str = "artifact_format") -> str:
    if value is None:
        return "joblib"
    if not ARTIFACT_FORMAT.fullmatch(value):
        raise InvalidInput(field, "must be 1 to 32 characters of a-z 0-9 . _ + -, e.g. joblib")
    return value


def metric_name(value: str, field: str) -> str:
    if not 1 <= len(value) <= 128 or not plain(value):
        raise InvalidInput(field, f"metric names are 1 to 128 characters {_PLAIN}")
    return value


def metric_value(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise InvalidInput(field, f"metric values must be finite numbers (got {value})")
    return float(value)


def metrics(items: Sequence[tuple[str, float]] | None, field: str = "metrics") -> dict[str, float]:
    if not items:
        return {}
    if len(items) > MAX_METRICS:
        raise InvalidInput(field, f"at most {MAX_METRICS} metrics per version")
    result: dict[str, float] = {}
    for index, (name, value) in enumerate(items):
        metric_name(name, f"{field}[{index}].name")
        if name in result:
            raise InvalidInput(f"{field}[{index}].name", f"metric {name!r} is given twice")
        result[name] = metric_value(value, f"{field}[{index}].value")
    return result


def tags(items: Sequence[tuple[str, str]] | None, field: str = "tags") -> dict[str, str]:
    if not items:
        return {}
    if len(items) > MAX_TAGS:
        raise InvalidInput(field, f"at most {MAX_TAGS} tags")
    result: dict[str, str] = {}
    for index, (key, value) in enumerate(items):
        if not 1 <= len(key) <= 128 or not plain(key):
            raise InvalidInput(f"{field}[{index}].key", f"tag keys are 1 to 128 characters {_PLAIN}")
        if len(value) > 1024:
            raise InvalidInput(f"{field}[{index}].value", "tag values are at most 1,024 characters")
        if key in result:
            raise InvalidInput(f"{field}[{index}].key", f"tag {key!r} is given twice")
        result[key] = value
    return result


def feature_names(items: Iterable[str] | None, field: str = "feature_names") -> list[str]:
    names = list(items or [])
    if len(names) > MAX_FEATURES:
        raise InvalidInput(field, f"at most {MAX_FEATURES} feature names")
    for index, name in enumerate(names):
        if not 1 <= len(name) <= MAX_SHORT_TEXT or not plain(name):
            raise InvalidInput(f"{field}[{index}]", f"feature names are 1 to {MAX_SHORT_TEXT} characters {_PLAIN}")
    return names


def hyperparameters(value: Any, field: str = "hyperparameters") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(field, 'must be a JSON object, e.g. {"max_depth": 3}')
    try:
        encoded = orjson.dumps(value)
    except TypeError as error:  # non-string keys, values JSON cannot hold, or an integer past 64 bits
        reason = _number_problem(value) or "must be plain JSON (string keys, finite numbers)"
        raise InvalidInput(field, reason) from error
    if len(encoded) > MAX_HYPERPARAMETERS_BYTES:
        raise InvalidInput(field, f"must encode to at most {MAX_HYPERPARAMETERS_BYTES} bytes of JSON")
    problem = _number_problem(value)
    if problem is not None:
        raise InvalidInput(field, problem)
    return value


#: Hyperparameter integers lie within the signed 64-bit range: one beyond it (from a GraphQL literal or a caller in
#: the process) would be stored as an approximate float, so it is refused, not rounded. Floats are not limited (a
#: regularisation of 1e30 is a float); a request body's integer past 64 bits already reaches here as one, since
#: the JSON parser (orjson) reads 10**30 as 1e+30 (docs/api.md says so).
_INTEGERS = range(-(2**63), 2**63)
_OUT_OF_RANGE = (
    "integers must lie between -2^63 and 2^63-1 (64 bits), as a larger one would be stored rounded; "
    "send it as a string, or as a float"
)


def _number_problem(value: Any) -> str | None:
    """What is wrong with a number inside ``value`` (a non-finite or out-of-range one), if anything. Iterative:
    it may run on a value nested deeper than ``orjson.dumps`` (which refused it) or the interpreter's stack allow."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "numbers must be finite (no NaN or infinity)"
        elif isinstance(item, int) and item not in _INTEGERS:
            return _OUT_OF_RANGE
    return None


def non_negative_finite(value: float | None, field: str) -> float | None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise InvalidInput(field, f"must be a finite number of at least 0 (got {value})")
    return value


def page_size(
    first: int | None, field: str = "first", *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
) -> int:
    if first is None:
        return default
    if not 0 <= first <= maximum:
        raise InvalidInput(field, f"must be between 0 and {maximum} (got {first})")
    return first


def metric_directions(items: Sequence[tuple[str, str]], field: str = "metric_directions") -> dict[str, str]:
    """``[(metric, "higher" | "lower")]`` as a map; each metric once, at most ``MAX_METRICS`` of them."""
    if len(items) > MAX_METRICS:
        raise InvalidInput(field, f"at most {MAX_METRICS} metrics (got {len(items)})")
    found: dict[str, str] = {}
    for index, (name, direction) in enumerate(items):
        metric_name(name, f"{field}[{index}].metric")
        if name in found:
            raise InvalidInput(f"{field}[{index}].metric", f"{name!r} is given twice; give each metric once")
        if direction not in ("higher", "lower"):
            raise InvalidInput(f"{field}[{index}].direction", f"must be higher or lower, got {direction!r}")
        found[name] = direction
    return found
