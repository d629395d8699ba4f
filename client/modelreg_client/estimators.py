"""What the registry records about a scikit-learn estimator, shared by the demo and the Python client.

``model_type`` names the estimator that makes the predictions: for a ``Pipeline`` (a scaler in front of a
linear model, say) that is the final step, and the hyperparameters are the pipeline's step-prefixed
parameters, the keys ``Pipeline.set_params`` accepts. Everything is made JSON-safe for the registry.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

#: scikit-learn ships no type hints; an estimator is anything with ``fit`` and ``get_params``.
Estimator: TypeAlias = Any
JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None

FRAMEWORK = f"scikit-learn {sklearn.__version__}"
_FRAMEWORK = re.compile(r"scikit-learn (\S+)")


@dataclass(frozen=True)
class EstimatorFacts:
    model_type: str
    framework: str
    hyperparameters: dict[str, JSONValue]
    #: ``feature_names_in_`` when the estimator was fitted on named columns, else None.
    feature_names: list[str] | None


def describe(estimator: Estimator) -> EstimatorFacts:
    names = getattr(estimator, "feature_names_in_", None)
    return EstimatorFacts(
        model_type=public_name(type(final_step(estimator))),
        framework=FRAMEWORK,
        hyperparameters=hyperparameters(estimator),
        feature_names=[str(name) for name in names] if names is not None else None,
    )


def trained_with(framework: str | None) -> str | None:
    """The scikit-learn version in a ``framework`` string such as ``scikit-learn 1.9.1``, if it names one."""
    match = _FRAMEWORK.fullmatch(framework or "")
    return match.group(1) if match else None


def final_step(estimator: Estimator) -> Estimator:
    return estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator


def hyperparameters(estimator: Estimator) -> dict[str, JSONValue]:
    if isinstance(estimator, Pipeline):
        # Step parameters carry a "step__" prefix; unprefixed keys are the step objects and pipeline plumbing.
        params = {key: value for key, value in estimator.get_params(deep=True).items() if "__" in key}
    else:
        params = estimator.get_params(deep=False)
    return {str(key): json_safe(value) for key, value in params.items()}


def json_safe(value: object) -> JSONValue:
    """A value the registry's JSON column accepts: numpy scalars unwrapped, NaN and infinity as null."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    # Estimators, random states, callables: their repr is what a reader of the registry can use.
    return str(value)


def public_name(cls: type) -> str:
    """``sklearn.ensemble.RandomForestClassifier``, not the private module it is defined in (``_forest``)."""
    parts = cls.__module__.split(".")
    for end in range(1, len(parts) + 1):
        module = sys.modules.get(".".join(parts[:end]))
        if getattr(module, cls.__name__, None) is cls:
            return f"{'.'.join(parts[:end])}.{cls.__qualname__}"
    return f"{cls.__module__}.{cls.__qualname__}"
