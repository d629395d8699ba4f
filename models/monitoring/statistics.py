"""Distances between a reference distribution and a window's, both as counts on the same bins.

Each function takes two count vectors of equal length (the reference's first) and returns a number; the
formulas, the smoothing and a worked example are in docs/monitoring.md, "Statistics". The tests check them
against scipy's own implementations and by their properties.

PSI, Jensen-Shannon and Wasserstein are written once, on rows: ``*_rows`` take two matrices (one row per feature,
every row the same number of bins) and return one number per row, and the one-vector functions are that with a
single row. A window of 100 features is judged in a few numpy calls per statistic instead of a few per feature:
with ~20 bins numpy's cost is its per-call overhead, not the arithmetic (docs/performance.md, "Recording a
window").

Every statistic is a finite number or None: edges far apart overflow (the distance between two bins of a profile whose
edges are +-1e308 is infinite, and 0 times it NaN), and neither JSON nor a GraphQL ``Float`` can carry infinity or
NaN. numpy's warnings are silenced where the result is checked instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: Added to every bin's count before PSI takes proportions, so an empty bin gives a large but finite term
#: instead of a division by zero or log(0) (additive smoothing, as Jeffreys' prior: half an observation).
PSI_SMOOTHING = 0.5

Counts = Sequence[int] | Sequence[float]
#: Count vectors of equal length, one row each (a list of ``Counts`` or a 2-D array).
Rows = Sequence[Counts] | NDArray[np.float64]


def finite(value: float) -> float | None:
    """``value``, or None if it is infinite or NaN (an overflow): a statistic that overflowed measures nothing."""
    return value if math.isfinite(value) else None


def _finite_rows(values: NDArray[np.float64]) -> list[float | None]:
    return [finite(value) for value in values.tolist()]


def _proportions(counts: Rows) -> NDArray[np.float64]:
    values = np.asarray(counts, dtype=np.float64)
    totals = values.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("a distribution needs at least one observation")
    result: NDArray[np.float64] = values / totals
    return result


def psi_rows(reference: Rows, current: Rows, *, smoothing: float = PSI_SMOOTHING) -> list[float | None]:
    """``psi`` of each row of ``reference`` against the same row of ``current``."""
    ref = np.asarray(reference, dtype=np.float64) + smoothing
    cur = np.asarray(current, dtype=np.float64) + smoothing
    with np.errstate(all="ignore"):
        p = ref / ref.sum(axis=1, keepdims=True)
        q = cur / cur.sum(axis=1, keepdims=True)
        return _finite_rows(np.sum((q - p) * np.log(q / p), axis=1))


def psi(reference: Counts, current: Counts, *, smoothing: float = PSI_SMOOTHING) -> float | None:
    """Population stability index: sum over bins of (q - p) * ln(q / p), on smoothed proportions."""
    return psi_rows([reference], [current], smoothing=smoothing)[0]


def jensen_shannon_rows(reference: Rows, current: Rows) -> list[float | None]:
    """``jensen_shannon`` of each row of ``reference`` against the same row of ``current``."""
    p = _proportions(reference)
    q = _proportions(current)
    m = (p + q) / 2

    def kl(a: NDArray[np.float64]) -> NDArray[np.float64]:
        # 0 * log(0 / m) is 0: the ratio of an empty bin is taken as 1 (m > 0 wherever a > 0), so its term is 0.
        ratio = np.divide(a, m, out=np.ones_like(a), where=a > 0)
        result: NDArray[np.float64] = np.sum(a * np.log2(ratio), axis=1)
        return result

    with np.errstate(all="ignore"):
        divergence = np.maximum((kl(p) + kl(q)) / 2, 0.0)  # rounding can leave -1e-17
        return _finite_rows(np.minimum(np.sqrt(divergence), 1.0))


def jensen_shannon(reference: Counts, current: Counts) -> float | None:
    """Jensen-Shannon distance in base 2 (the square root of the divergence): 0 for equal distributions, at most 1."""
    return jensen_shannon_rows([reference], [current])[0]


def bin_positions_rows(edges: Rows, spreads: Sequence[float | None]) -> NDArray[np.float64]:
    """``bin_positions`` of each row of ``edges`` (every row the same number of edges), with its row's spread.
    Positions of edges too far apart for a float are infinite (profiles.py refuses such edges)."""
    cuts = np.asarray(edges, dtype=np.float64)
    with np.errstate(all="ignore"):
        if cuts.shape[1] == 1:
            steps = np.asarray([spread if spread else 1.0 for spread in spreads], dtype=np.float64)[:, None]
            return np.hstack([cuts - steps / 2, cuts + steps / 2])
        inner = (cuts[:, :-1] + cuts[:, 1:]) / 2
        low = cuts[:, :1] - (cuts[:, 1:2] - cuts[:, :1]) / 2
        high = cuts[:, -1:] + (cuts[:, -1:] - cuts[:, -2:-1]) / 2
        return np.hstack([low, inner, high])


def bin_positions(edges: Sequence[float], spread: float | None) -> list[float]:
    """A representative value for each bin of a numeric feature: the middle of each inner bin, and for the open
    tails the outer edge moved out by half the neighbouring bin's width (by ``spread``, or 1, with one edge)."""
    positions: list[float] = bin_positions_rows([edges], [spread])[0].tolist()
    return positions


def wasserstein_rows(reference: Rows, current: Rows, positions: Rows) -> list[float | None]:
    """``wasserstein`` of each row of ``reference`` against the same row of ``current``, on that row's
    ``positions``."""
    p = np.cumsum(_proportions(reference), axis=1)[:, :-1]
    q = np.cumsum(_proportions(current), axis=1)[:, :-1]
    with np.errstate(all="ignore"):
        widths = np.diff(np.asarray(positions, dtype=np.float64), axis=1)
        return _finite_rows(np.sum(np.abs(p - q) * widths, axis=1))


def wasserstein(reference: Counts, current: Counts, positions: Sequence[float]) -> float | None:
    """Earth mover's distance between the two binned distributions, each bin's mass at its position
    (increasing): the area between their cumulative distribution functions."""
    return wasserstein_rows([reference], [current], [positions])[0]


def chi_squared(reference: Counts, current: Counts) -> tuple[float | None, float | None]:
    """Pearson's chi-squared test of homogeneity on the 2 x k table of counts (no continuity correction):
    the statistic and its p-value. Categories empty on both sides are left out; fewer than two left: (0, 1)."""
    table = np.asarray([reference, current], dtype=np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    with np.errstate(all="ignore"):
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        statistic = finite(float(np.sum((table - expected) ** 2 / expected)))
    if statistic is None:
        return None, None
    # Imported here, not with the module: scipy.special is the heaviest import of the server (measured: some
    # 20 MB of resident memory and a fifth of the start-up), and only categorical drift needs it. A
    # server that records no categorical window never pays for it; one that does pays once (Python caches it).
    from scipy.special import chdtrc

    return statistic, finite(float(chdtrc(table.shape[1] - 1, statistic)))
