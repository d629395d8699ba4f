"""Reference profiles and window counts: their shapes, and the rules they must follow to be stored.

A profile summarises a version's training data per feature (docs/monitoring.md, "Reference profiles"): a numeric
feature has ``edges`` (increasing, finite) that cut the line into ``len(edges) + 1`` bins with open tails, a
categorical one has its top ``categories`` and one more bin, "other". Each has ``counts`` per bin and a
``missing`` count, and they add up to the profile's ``row_count``. A window carries counts on the same bins.
Every problem is an ``InvalidInput`` that names the feature.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from models.errors import InvalidInput
from models.monitoring.limits import MAX_BINS, MAX_CATEGORIES, MAX_NAME, MAX_PROFILE_FEATURES, MAX_QUANTILES
from models.monitoring.statistics import bin_positions

#: The name the predictions' distribution goes by in verdicts and errors.
PREDICTION = "prediction"


class FeatureKind(StrEnum):
    NUMERIC = "NUMERIC"
    CATEGORICAL = "CATEGORICAL"


@dataclass(frozen=True)
class FeatureProfile:
    """One feature's (or the predictions') reference distribution."""

    name: str
    kind: FeatureKind
    counts: tuple[int, ...]
    missing: int = 0
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    #: (probability, value) pairs, increasing.
    quantiles: tuple[tuple[float, float], ...] = ()
    mean: float | None = None
    std: float | None = None

    def stored(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "counts": list(self.counts),
            "missing": self.missing,
            "edges": list(self.edges),
            "categories": list(self.categories),
            "quantiles": [list(pair) for pair in self.quantiles],
            "mean": self.mean,
            "std": self.std,
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> FeatureProfile:
        return cls(
            name=data["name"],
            kind=FeatureKind(data["kind"]),
            counts=tuple(data["counts"]),
            missing=data["missing"],
            edges=tuple(data["edges"]),
            categories=tuple(data["categories"]),
            quantiles=tuple((p, v) for p, v in data["quantiles"]),
            mean=data["mean"],
            std=data["std"],
        )


@dataclass(frozen=True)
class Profile:
    row_count: int
    features: tuple[FeatureProfile, ...]
    predictions: FeatureProfile


@dataclass(frozen=True)
class BinCounts:
    """A window's counts of one feature (or of the predictions) on the reference's bins."""

    name: str
    counts: tuple[int, ...]
    missing: int = 0

    def stored(self) -> dict[str, Any]:
        return {"counts": list(self.counts), "missing": self.missing}


@dataclass(frozen=True)
class WindowCounts:
    row_count: int
    features: tuple[BinCounts, ...]
    predictions: BinCounts
    #: Realized metrics on the labeled rows.
    metrics: dict[str, float] = field(default_factory=dict)
    labeled_rows: int = 0


def _counts(counts: Sequence[int], missing: int, rows: int, field: str, what: str) -> None:
    if (counts and min(counts) < 0) or missing < 0:
        raise InvalidInput(field, f"{what}: counts and missing must be at least 0")
    total = sum(counts)
    if total + missing != rows:
        raise InvalidInput(field, f"{what}: counts ({total}) plus missing ({missing}) must add up to rowCount ({rows})")


def _finite(value: float | None, field: str, what: str) -> None:
    if value is not None and not math.isfinite(value):
        raise InvalidInput(field, f"{what}: numbers must be finite (got {value})")


def _numeric(feature: FeatureProfile, field: str, what: str) -> None:
    edges = feature.edges
    if not 1 <= len(edges) <= MAX_BINS - 1 or feature.categories:
        raise InvalidInput(
            f"{field}.edges", f"{what}: a numeric feature has 1 to {MAX_BINS - 1} edges and no categories"
        )
    for edge in edges:
        _finite(edge, f"{field}.edges", what)
    if any(high <= low for low, high in itertools.pairwise(edges)):
        raise InvalidInput(f"{field}.edges", f"{what}: edges must be strictly increasing")
    if len(feature.counts) != len(edges) + 1:
        raise InvalidInput(
            f"{field}.counts",
            f"{what}: {len(edges)} edges make {len(edges) + 1} bins (open tails included); "
            f"got {len(feature.counts)} counts",
        )
    if len(feature.quantiles) > MAX_QUANTILES:
        raise InvalidInput(f"{field}.quantiles", f"{what}: at most {MAX_QUANTILES} quantiles")
    for p, value in feature.quantiles:
        _finite(value, f"{field}.quantiles", what)
        if not 0 <= p <= 1:
            raise InvalidInput(f"{field}.quantiles", f"{what}: quantile probabilities are between 0 and 1 (got {p})")
    pairs = feature.quantiles
    if any(b[0] <= a[0] or b[1] < a[1] for a, b in itertools.pairwise(pairs)):
        raise InvalidInput(f"{field}.quantiles", f"{what}: quantiles must increase in probability and not decrease")
    _finite(feature.mean, f"{field}.mean", what)
    _finite(feature.std, f"{field}.std", what)
    if feature.std is not None and feature.std < 0:
        raise InvalidInput(f"{field}.std", f"{what}: the standard deviation cannot be negative")
    _computable(feature, f"{field}.edges", what)


def _computable(feature: FeatureProfile, field: str, what: str) -> None:
    """Refuse edges that are finite but too far apart to compute with: the Wasserstein distance places each bin at a
    point (statistics.py, ``bin_positions``) and sums the distances between them, which overflow to infinity, then
    NaN, for edges such as -1.7e308 and 1.7e308."""
    positions = bin_positions(feature.edges, feature.std)
    if not all(math.isfinite(value) for value in (*positions, positions[-1] - positions[0])):
        raise InvalidInput(
            field,
            f"{what}: the bins span more than a float can hold (edges {feature.edges[0]:g} to "
            f"{feature.edges[-1]:g}, each open tail half a bin beyond, or half the std with one edge); "
            "rescale the feature",
        )


def _categorical(feature: FeatureProfile, field: str, what: str) -> None:
    names = feature.categories
    if not 1 <= len(names) <= MAX_CATEGORIES or feature.edges:
        raise InvalidInput(
            f"{field}.categories", f"{what}: a categorical feature has 1 to {MAX_CATEGORIES} categories and no edges"
        )
    if len(set(names)) != len(names) or any(not 1 <= len(name) <= MAX_NAME for name in names):
        raise InvalidInput(
            f"{field}.categories", f"{what}: categories must be distinct, 1 to {MAX_NAME} characters each"
        )
    if len(feature.counts) != len(names) + 1:
        raise InvalidInput(
            f"{field}.counts",
            f"{what}: {len(names)} categories and 'other' make {len(names) + 1} bins; got {len(feature.counts)} counts",
        )
    if feature.quantiles or feature.mean is not None or feature.std is not None:
        raise InvalidInput(field, f"{what}: quantiles, mean and std are for numeric features only")


def check_feature(feature: FeatureProfile, rows: int, field: str) -> None:
    what = f"feature {feature.name!r}" if feature.name != PREDICTION else "predictions"
    if not 1 <= len(feature.name) <= MAX_NAME:
        raise InvalidInput(f"{field}.name", f"feature names are 1 to {MAX_NAME} characters")
    if feature.kind is FeatureKind.NUMERIC:
        _numeric(feature, field, what)
    else:
        _categorical(feature, field, what)
    _counts(feature.counts, feature.missing, rows, f"{field}.counts", what)


def check_profile(profile: Profile, *, feature_names: Sequence[str], field: str = "profile") -> Profile:
    """Raise ``InvalidInput`` naming the feature unless ``profile`` can be stored for a version with these
    ``feature_names`` (when the version lists none, any distinct names do)."""
    if profile.row_count < 1:
        raise InvalidInput(f"{field}.row_count", "a profile summarises at least one row")
    if not 1 <= len(profile.features) <= MAX_PROFILE_FEATURES:
        raise InvalidInput(f"{field}.features", f"a profile has 1 to {MAX_PROFILE_FEATURES} features")
    seen: set[str] = set()
    for index, feature in enumerate(profile.features):
        if feature.name in seen:
            raise InvalidInput(f"{field}.features[{index}].name", f"feature {feature.name!r} is given twice")
        seen.add(feature.name)
        check_feature(feature, profile.row_count, f"{field}.features[{index}]")
    check_feature(profile.predictions, profile.row_count, f"{field}.predictions")
    if feature_names:
        missing = [name for name in feature_names if name not in seen]
        extra = [name for name in seen if name not in set(feature_names)]
        if missing or extra:
            raise InvalidInput(
                f"{field}.features",
                "the features must be the version's featureNames: "
                + "; ".join(part for part in (_names("missing", missing), _names("unknown", extra)) if part),
            )
    return profile


def _names(label: str, names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(repr(name) for name in names[:5])
    return f"{label} {shown}" + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check_window(window: WindowCounts, profile: Profile, field: str = "") -> WindowCounts:
    """Raise ``InvalidInput`` naming the feature unless the window's counts fit the reference's bins."""
    prefix = f"{field}." if field else ""
    given = {counts.name: index for index, counts in enumerate(window.features)}
    if len(given) != len(window.features):
        duplicate = next(c.name for i, c in enumerate(window.features) if given[c.name] != i)
        raise InvalidInput(f"{prefix}features", f"feature {duplicate!r} is given twice")
    missing = [f.name for f in profile.features if f.name not in given]
    known = {f.name for f in profile.features}  # a set: a window of 1,000 features checks in linear time
    extra = [name for name in given if name not in known]
    if missing or extra:
        raise InvalidInput(
            f"{prefix}features",
            "the features must be the reference profile's: "
            + "; ".join(part for part in (_names("missing", missing), _names("unknown", extra)) if part),
        )
    for reference in profile.features:
        index = given[reference.name]
        _fits(window.features[index], reference, window.row_count, f"{prefix}features[{index}]")
    _fits(window.predictions, profile.predictions, window.row_count, f"{prefix}predictions")
    return window


def _fits(counts: BinCounts, reference: FeatureProfile, rows: int, field: str) -> None:
    what = f"feature {reference.name!r}" if field.find("predictions") < 0 else "predictions"
    if len(counts.counts) != len(reference.counts):
        raise InvalidInput(
            f"{field}.counts",
            f"{what}: the reference profile has {len(reference.counts)} bins; got {len(counts.counts)} counts",
        )
    _counts(counts.counts, counts.missing, rows, f"{field}.counts", what)
