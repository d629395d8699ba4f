"""Which way is better for a metric: the one rule ``compare``'s marks and the ``--if-better`` gate share.

By name: a metric whose name has a word meaning a loss, an error, a cost in time or size (``log_loss``,
``rmse``, ``error_rate``, ``latency_ms``) is better lower; every other metric (``accuracy``, ``roc_auc``, ``r2``)
is better higher. A model can declare the direction of any metric (``updateModel``'s ``metricDirections``,
``modelreg directions MODEL METRIC=lower``), which wins over the name; a caller that knows better still passes
the direction explicitly (``--lower-is-better``, ``--higher-is-better``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Words of a metric's name that make lower values better.
LOWER_IS_BETTER_WORDS = frozenset(
    {"loss", "error", "err", "errors", "mse", "mae", "rmse", "mape", "msle", "rmsle", "logloss", "deviance",
     "latency", "ms", "seconds", "duration", "time", "size", "bytes", "cost", "perplexity", "wer", "cer", "brier"}
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def lower_is_better(metric: str, declared: Mapping[str, str] | None = None) -> bool:
    """``declared[metric]`` (``"lower"`` or ``"higher"``) when the model declares it, else by the name."""
    if declared and metric in declared:
        return declared[metric] == "lower"
    words = _WORD.findall(metric.lower())
    return any(word in LOWER_IS_BETTER_WORDS or word.endswith(("loss", "error")) for word in words)


def verdict(metric: str, delta: float, declared: Mapping[str, str] | None = None) -> str:
    """``better``, ``worse`` or ``same`` for a change of ``delta`` in ``metric``."""
    if delta == 0:
        return "same"
    return "better" if (delta < 0) == lower_is_better(metric, declared) else "worse"
