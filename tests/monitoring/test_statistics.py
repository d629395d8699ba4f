"""The drift statistics against scipy's independent implementations, a worked example, and their properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from models.monitoring import statistics

counts = st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=30).filter(lambda c: sum(c) > 0)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    reference = draw(counts)
    current = draw(
        st.lists(st.integers(min_value=0, max_value=10_000), min_size=len(reference), max_size=len(reference)).filter(
            lambda c: sum(c) > 0
        )
    )
    return reference, current


def test_psi_matches_the_worked_example_of_the_docs() -> None:
    # docs/monitoring.md, "A worked example": 3 bins, 100 reference rows and 100 window rows.
    reference, current = [50, 30, 20], [30, 30, 40]
    p = [(c + 0.5) / 101.5 for c in reference]
    q = [(c + 0.5) / 101.5 for c in current]
    expected = sum((b - a) * math.log(b / a) for a, b in zip(p, q, strict=True))
    assert statistics.psi(reference, current) == pytest.approx(expected)
    assert statistics.psi(reference, current) == pytest.approx(0.2335, abs=1e-4)
    # An empty bin stays finite thanks to the smoothing.
    assert statistics.psi([100, 0], [0, 100]) is not None


@given(pairs())
@settings(max_examples=200, deadline=None)
def test_jensen_shannon_is_scipys_in_base_2(pair: tuple[list[int], list[int]]) -> None:
    reference, current = pair
    assert statistics.jensen_shannon(reference, current) == pytest.approx(
        float(jensenshannon(reference, current, base=2)), abs=1e-9
    )


@given(pairs(), st.floats(min_value=-1e3, max_value=1e3), st.floats(min_value=0.01, max_value=100))
@settings(max_examples=200, deadline=None)
def test_wasserstein_is_scipys_on_the_bin_positions(pair: tuple[list[int], list[int]], low: float, step: float) -> None:
    reference, current = pair
    edges = [low + step * i for i in range(len(reference) - 1)]
    positions = statistics.bin_positions(edges, spread=step)
    assert len(positions) == len(reference)
    expected = stats.wasserstein_distance(positions, positions, reference, current)
    assert statistics.wasserstein(reference, current, positions) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(pairs())
@settings(max_examples=200, deadline=None)
def test_chi_squared_is_scipys_contingency_test(pair: tuple[list[int], list[int]]) -> None:
    reference, current = pair
    table = np.array([reference, current])
    table = table[:, table.sum(axis=0) > 0]
    statistic, p_value = statistics.chi_squared(reference, current)
    if table.shape[1] < 2:
        assert (statistic, p_value) == (0.0, 1.0)
        return
    expected = stats.chi2_contingency(table, correction=False)
    assert statistic == pytest.approx(float(expected.statistic), rel=1e-9, abs=1e-9)
    assert p_value == pytest.approx(float(expected.pvalue), rel=1e-6, abs=1e-12)


@given(counts)
def test_identical_distributions_give_zero(reference: list[int]) -> None:
    scaled = [c * 3 for c in reference]  # the same proportions on more rows
    assert statistics.jensen_shannon(reference, scaled) == pytest.approx(0, abs=1e-7)
    assert statistics.psi(reference, reference) == pytest.approx(0, abs=1e-12)
    positions = [float(i) for i in range(len(reference))]
    assert statistics.wasserstein(reference, scaled, positions) == pytest.approx(0, abs=1e-9)
    assert statistics.chi_squared(reference, reference)[0] == pytest.approx(0, abs=1e-9)


@given(pairs())
def test_psi_is_never_negative_and_jensen_shannon_is_symmetric_and_at_most_one(
    pair: tuple[list[int], list[int]],
) -> None:
    reference, current = pair
    psi = statistics.psi(reference, current)
    assert psi is not None and psi >= 0
    forward = statistics.jensen_shannon(reference, current)
    assert forward is not None and forward == pytest.approx(statistics.jensen_shannon(current, reference), abs=1e-12)
    assert 0 <= forward <= 1


def test_disjoint_distributions_are_one_apart_in_jensen_shannon() -> None:
    assert statistics.jensen_shannon([10, 0], [0, 10]) == pytest.approx(1.0)


def test_a_single_edge_places_the_tails_by_the_spread() -> None:
    assert statistics.bin_positions([5.0], spread=2.0) == [4.0, 6.0]
    assert statistics.bin_positions([0.0, 1.0, 3.0], spread=None) == [-0.5, 0.5, 2.0, 4.0]


def test_a_statistic_that_overflows_is_none_never_infinite_or_nan() -> None:
    # Edges a float can hold whose bins' span it cannot: numpy's subtraction overflows, then 0 x inf is NaN. The
    # suite turns numpy's warnings into errors, so this also checks they are silenced where the result is checked.
    positions = statistics.bin_positions([-1.7e308, 1.7e308], spread=None)
    assert not all(math.isfinite(p) for p in positions)
    assert statistics.wasserstein([20, 30, 50], [50, 30, 20], positions) is None
    assert statistics.wasserstein([20, 30, 50], [20, 30, 50], positions) is None
    assert statistics.wasserstein_rows(
        [[20, 30, 50], [1, 1, 1]], [[50, 30, 20], [1, 1, 1]], [positions, [0, 1, 2]]
    ) == [
        None,
        0.0,
    ]
    assert statistics.finite(float("nan")) is None and statistics.finite(float("-inf")) is None
    assert statistics.finite(1.5) == 1.5
