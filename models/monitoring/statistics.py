"""Distances between a reference distribution and a window's, both as counts on the same bins.

Each function takes two count vectors of equal length (the reference's first) and returns a number; the
formulas, the smoothing and a worked example are in docs/monitoring.md, "Statistics". The tests check them
against scipy's own implementations and by their properties.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: Added to every bin's count before PSI takes proportions, so an empty bin gives a large but finite term
#: instead of a division by zero or log(0) (additive smoothing, as Jeffreys' prior: half an observation).
PSI_SMOOTHING = 0.5

Counts = Sequence[int] | Sequence[float]


def _proportions(counts: Counts) -> NDArray[np.float64]:
    values = np.asarray(counts, dtype=np.float64)
    total = values.sum()
    if total <= 0:
        raise ValueError("a distribution needs at least one observation")
    result: NDArray[np.float64] = values / total
    return result


def psi(reference: Counts, current: Counts, *, smoothing: float = PSI_SMOOTHING) -> float:
    """Population stability index: sum over bins of (q - p) * ln(q / p), on smoothed proportions."""
    ref = np.asarray(reference, dtype=np.float64) + smoothing
    cur = np.asarray(current, dtype=np.float64) + smoothing
    p = ref / ref.sum()
    q = cur / cur.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def jensen_shannon(reference: Counts, current: Counts) -> float:
    """Jensen-Shannon distance in base 2 (the square root of the divergence): 0 for equal distributions, at most 1."""
    p = _proportions(reference)
    q = _proportions(current)
    m = (p + q) / 2

    def kl(a: NDArray[np.float64]) -> float:
        present = a > 0  # 0 * log(0 / m) is 0; m > 0 wherever a > 0
        return float(np.sum(a[present] * np.log2(a[present] / m[present])))

    divergence = max((kl(p) + kl(q)) / 2, 0.0)  # rounding can leave -1e-17
    return min(math.sqrt(divergence), 1.0)


def bin_positions(edges: Sequence[float], spread: float | None) -> list[float]:
    """A representative value for each bin of a numeric feature: the middle of each inner bin, and for the open
    tails the outer edge moved out by half the neighbouring bin's width (by ``spread``, or 1, with one edge)."""
    if len(edges) == 1:
        step = spread if spread else 1.0
        return [edges[0] - step / 2, edges[0] + step / 2]
    inner = [(low + high) / 2 for low, high in itertools.pairwise(edges)]
    return [edges[0] - (edges[1] - edges[0]) / 2, *inner, edges[-1] + (edges[-1] - edges[-2]) / 2]


def wasserstein(reference: Counts, current: Counts, positions: Sequence[float]) -> float:
    """Earth mover's distance between the two binned distributions, each bin's mass at its position
    (increasing): the area between their cumulative distribution functions."""
    p = np.cumsum(_proportions(reference))[:-1]
    q = np.cumsum(_proportions(current))[:-1]
    widths = np.diff(np.asarray(positions, dtype=np.float64))
    return float(np.sum(np.abs(p - q) * widths))


def chi_squared(reference: Counts, current: Counts) -> tuple[float, float]:
    """Pearson's chi-squared test of homogeneity on the 2 x k table of counts (no continuity correction):
    the statistic and its p-value. Categories empty on both sides are left out; fewer than two left: (0, 1)."""
    table = np.asarray([reference, current], dtype=np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    # Imported here, not with the module: scipy.special is the heaviest import of the server (measured: some
    # 20 MB of resident memory and a fifth of the start-up), and only categorical drift needs it. A
    # server that records no categorical window never pays for it; one that does pays once (Python caches it).
    from scipy.special import chdtrc

    return statistic, float(chdtrc(table.shape[1] - 1, statistic))
