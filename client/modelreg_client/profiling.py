"""Summaries of data for monitoring, computed where the data is: reference profiles and window counts.

Only summaries leave the machine, never rows (docs/monitoring.md, "Reference profiles"). A numeric feature is cut at
quantiles of the training data into bins with open tails; a categorical one keeps its most frequent categories and
an "other" bin. A window is binned on the reference's own edges and categories, so both sides count the same bins.
Inputs are 2-D numpy arrays, pandas DataFrames (when pandas is installed; nothing here imports it), or a mapping of
column name to values. The results are the GraphQL inputs, as plain dictionaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Bins per numeric feature (quantile cuts of the training data), categories kept per categorical one.
DEFAULT_BINS = 10
DEFAULT_CATEGORIES = 20
#: Quantiles recorded in a numeric feature's profile.
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
#: Predictions with at most this many distinct values are classes (categorical), else numeric.
MAX_CLASSES = 50

Columns = dict[str, NDArray[Any]]


def columns(data: Any, feature_names: Sequence[str] | None = None) -> Columns:
    """Column name -> 1-D array, from a DataFrame (its column names), a mapping, or a 2-D array (``feature_names``,
    else ``x0``, ``x1``, ...)."""
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and not isinstance(data, np.ndarray):
        return {str(name): np.asarray(data[name]) for name in data.columns}
    if isinstance(data, Mapping):
        return {str(name): np.asarray(values) for name, values in data.items()}
    array = np.asarray(data)
    if array.ndim != 2:
        raise ValueError(f"expected 2-D data (rows x features); got {array.ndim} dimension(s)")
    names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(array.shape[1])]
    if len(names) != array.shape[1]:
        raise ValueError(f"{len(names)} feature names for {array.shape[1]} columns")
    return {name: array[:, index] for index, name in enumerate(names)}


def _is_numeric(values: NDArray[Any]) -> bool:
    return values.dtype.kind in "iuf"


def _missing(values: NDArray[Any]) -> NDArray[np.bool_]:
    if values.dtype.kind == "f":
        nan: NDArray[np.bool_] = np.isnan(values)
        return nan
    if values.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and v != v) for v in values], dtype=bool)
    return np.zeros(len(values), dtype=bool)


def numeric_profile(name: str, values: NDArray[Any], bins: int = DEFAULT_BINS) -> dict[str, Any]:
    values = values.astype(np.float64)
    missing = np.isnan(values)
    present = values[~missing]
    if present.size == 0:
        edges = [0.0]
    else:
        cuts = np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]) if bins > 1 else np.array([np.median(present)])
        edges = [float(e) for e in np.unique(cuts)]
    return {
        "name": name,
        "kind": "NUMERIC",
        "edges": edges,
        "counts": bin_numeric(present, edges),
        "missing": int(missing.sum()),
        "quantiles": [{"p": p, "value": float(np.quantile(present, p))} for p in QUANTILES] if present.size else [],
        "mean": float(present.mean()) if present.size else None,
        "std": float(present.std()) if present.size else None,
    }


def bin_numeric(present: NDArray[Any], edges: Sequence[float]) -> list[int]:
    """Counts on the bins (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), present, side="left")
    return [int(c) for c in np.bincount(index, minlength=len(edges) + 1)]


def categorical_profile(name: str, values: NDArray[Any], top: int = DEFAULT_CATEGORIES) -> dict[str, Any]:
    missing = _missing(values)
    labels, counts = np.unique(np.asarray([str(v) for v in values[~missing]], dtype=object), return_counts=True)
    order = sorted(range(len(labels)), key=lambda i: (-counts[i], str(labels[i])))[:top]
    categories = [str(labels[i]) for i in order] or ["(none)"]
    return {
        "name": name,
        "kind": "CATEGORICAL",
        "categories": categories,
        "counts": bin_categorical(values[~missing], categories),
        "missing": int(missing.sum()),
    }


def bin_categorical(present: NDArray[Any], categories: Sequence[str]) -> list[int]:
    """Counts per category, then "other" for every value outside them."""
    position = {category: index for index, category in enumerate(categories)}
    counts = [0] * (len(categories) + 1)
    for value in present:
        counts[position.get(str(value), len(categories))] += 1
    return counts


def _feature(name: str, values: NDArray[Any]) -> dict[str, Any]:
    return numeric_profile(name, values) if _is_numeric(values) else categorical_profile(name, values)


def _prediction(values: NDArray[Any]) -> dict[str, Any]:
    classes = not _is_numeric(values) or (values.dtype.kind in "iu" and np.unique(values).size <= MAX_CLASSES)
    if classes:
        return categorical_profile("prediction", values, top=MAX_CLASSES)
    return numeric_profile("prediction", values)


def reference_profile(data: Any, predictions: Any, *, feature_names: Sequence[str] | None = None) -> dict[str, Any]:
    """The ``ReferenceProfileInput`` of training data and the model's predictions on it."""
    found = columns(data, feature_names)
    rows = {len(values) for values in found.values()}
    predicted = np.asarray(predictions).ravel()
    if len(rows) != 1 or rows != {len(predicted)}:
        raise ValueError("every column and the predictions must have the same number of rows")
    return {
        "rowCount": len(predicted),
        "features": [_feature(name, values) for name, values in found.items()],
        "predictions": _prediction(predicted),
    }


def _bin_like(reference: Mapping[str, Any], values: NDArray[Any]) -> dict[str, Any]:
    missing = _missing(values)
    present = values[~missing]
    if reference["kind"] == "NUMERIC":
        counts = bin_numeric(present.astype(np.float64), reference["edges"])
    else:
        counts = bin_categorical(present, reference["categories"])
    return {"counts": counts, "missing": int(missing.sum())}


def window_counts(
    profile: Mapping[str, Any], data: Any, predictions: Any, *, feature_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """A window's ``rowCount``, ``features`` and ``predictions`` counted on the bins of ``profile`` (as
    ``Version.referenceProfile`` returns it, or as ``reference_profile`` made it)."""
    names = feature_names or [f["name"] for f in profile["features"]]
    found = columns(data, names)
    predicted = np.asarray(predictions).ravel()
    features = []
    for reference in profile["features"]:
        if reference["name"] not in found:
            raise ValueError(f"the data has no column {reference['name']!r}, which the reference profile has")
        features.append({"name": reference["name"], **_bin_like(reference, found[reference["name"]])})
    return {
        "rowCount": len(predicted),
        "features": features,
        "predictions": _bin_like(profile["predictions"], predicted),
    }
