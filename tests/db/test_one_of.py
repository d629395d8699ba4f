"""``one_of`` (``models/db/connection.py``): a condition that a column is one of some values, the same rows on both
backends, and on PostgreSQL one statement text whatever the number of values."""

from __future__ import annotations

import pytest

from models.db.connection import connection, dialect, fetch, fetch_table, one_of
from tests.schema.test_sql_counts import VERSIONS_PER_MODEL, _seed

SELECT = "SELECT v.number FROM version v WHERE {condition} ORDER BY v.number"


async def _numbers(wanted: list[int]) -> list[int]:
    condition, params = one_of(connection(), "v.number", wanted)
    return [row["number"] for row in await fetch(connection(), SELECT.format(condition=condition), params)]


@pytest.mark.parametrize(
    "wanted",
    [[2], [1, 3], [4, 2, 2], [0, 5, 999], list(range(-500, 500))],
    ids=["one", "two", "repeated", "none-stored", "a-thousand"],
)
async def test_selects_the_rows_whose_value_is_listed(app: object, wanted: list[int]) -> None:
    await _seed(0, 1)
    stored = range(1, VERSIONS_PER_MODEL + 1)
    assert await _numbers(wanted) == sorted({number for number in wanted if number in stored})


async def test_is_one_statement_whatever_the_number_of_values_on_postgres(app: object) -> None:
    """On PostgreSQL the values travel as one array, so the driver prepares the statement once per connection; on
    SQLite each value has its placeholder."""
    texts = {count: one_of(connection(), "v.number", list(range(count))) for count in (1, 10, 2_500)}
    if dialect(connection()) == "postgres":
        assert {condition for condition, _ in texts.values()} == {"v.number = ANY(?)"}
        assert all(params == [list(range(count))] for count, (_, params) in texts.items())
    else:
        assert all(condition.count("?") == count for count, (condition, _) in texts.items())
        assert all(params == list(range(count)) for count, (_, params) in texts.items())


async def test_reads_by_position_with_other_parameters_around_it(app: object) -> None:
    """The array is one parameter among the statement's others, numbered in order on PostgreSQL."""
    await _seed(0, 1)
    condition, params = one_of(connection(), "v.number", [1, 2, 3])
    found = await fetch_table(
        connection(),
        f"SELECT v.number FROM version v WHERE v.number > ? AND {condition} AND v.number < ? ORDER BY v.number",
        [1, *params, 3],
    )
    assert [row[0] for row in found.rows] == [2]
