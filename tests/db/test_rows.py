"""Rows read with raw statements are the objects Tortoise itself would have built (``models/db/rows.py``), and the
active deployments read that way are the ones Tortoise's own ``select_related`` query returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise.exceptions import IncompleteInstanceError
from tortoise.models import Model

from models.db.connection import connection, dialect, fetch, fetch_table
from models.db.rows import builder, columns, is_null, optional_builder
from models.deployments.reads import active_deployments
from models.entities import AuditEvent, Deployment, ModelVersion, RegisteredModel, VersionStatus
from tests.schema.test_sql_counts import _seed

TABLES: list[type[Model]] = [RegisteredModel, ModelVersion, Deployment, AuditEvent]


#: What Tortoise's ``_init_from_db`` sets besides the fields.
FLAGS = ("_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save")


def _state(built: Model | None) -> dict[str, Any]:
    """Every field's value as read (a built row converts some only when read) and Tortoise's flags."""
    assert built is not None
    meta = built._meta
    fields = [name for _, name, _ in (*meta.db_native_fields, *meta.db_default_fields, *meta.db_complex_fields)]
    return {name: getattr(built, name) for name in (*fields, *FLAGS)}


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.__name__)
async def test_instance_builds_what_tortoise_builds(app: object, table: type[Model]) -> None:
    await _seed(0, 2)
    await Deployment.filter(environment="staging").update(retired_by="someone", retired_reason="why")  # no nulls
    name = table._meta.db_table
    sql = f'SELECT {columns(table, "t", "x")} FROM "{name}" t ORDER BY t.id'
    rows = await fetch(connection(), sql)
    found = await fetch_table(connection(), sql)
    assert len(rows) >= 2 and len(found.rows) == len(rows)
    build = builder(table, found, "x")
    for row, table_row in zip(rows, found.rows, strict=True):
        plain = {key.removeprefix("x."): value for key, value in row.items()}
        # Tortoise's executor builds every row it reads with this classmethod.
        assert _state(build(table_row)) == _state(table._init_from_db(**plain))


async def test_instance_is_none_for_a_missing_outer_row(app: object) -> None:
    await _seed(0, 1)
    found = await fetch_table(
        connection(),
        f"SELECT {columns(ModelVersion, 'v', 'v')}, {columns(Deployment, 'd', 'd')} FROM version v "
        "LEFT JOIN deployment d ON d.version_id = v.id AND 1 = 0",
    )
    deployment = optional_builder(Deployment, found, "d")
    assert found.rows and all(deployment(row) is None for row in found.rows)


async def test_active_deployments_are_those_tortoise_selects(app: object) -> None:
    await _seed(0, 3)
    ids = [model.id for model in await RegisteredModel.all()]
    found = await active_deployments([*ids, 10**9])  # a model that does not exist has none
    expected: dict[int, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    # The implementation this replaced: Tortoise's own query, which builds the related version itself.
    for d in await Deployment.filter(model_id__in=ids, retired_at__isnull=True).select_related("version"):
        expected.setdefault(d.model_id, []).append((_state(d), _state(d.version)))
    for pairs in expected.values():
        pairs.sort(key=lambda pair: pair[0]["environment"])
    assert {model: [(_state(d), _state(v)) for d, v in pairs] for model, pairs in found.items()} == expected
    assert sum(len(pairs) for pairs in expected.values()) == 6  # production and staging of three models


async def test_a_name_two_columns_share_is_read_from_the_first(app: object) -> None:
    sql = "SELECT 1 AS a, 2 AS b, 3 AS a"
    if dialect(connection()) == "sqlite":  # what Tortoise's ``dict(row)`` gave, which models/db/_sqlite.py keeps
        assert await fetch(connection(), sql) == [{"a": 1, "b": 2}]
    found = await fetch_table(connection(), sql)
    assert found.columns == {"a": 0, "b": 1} and [tuple(row) for row in found.rows] == [(1, 2, 3)]


async def test_a_value_is_converted_when_first_read_and_then_is_the_instances_own(app: object) -> None:
    await _seed(0, 2)
    found = await fetch_table(connection(), f"SELECT {columns(ModelVersion, 'v', 'v')} FROM version v ORDER BY v.id")
    build = builder(ModelVersion, found, "v")
    version, other = build(found.rows[0]), build(found.rows[1])
    stored = await ModelVersion.get(id=version.id)
    converted = [name for _, name, _ in ModelVersion._meta.db_complex_fields]
    assert {"created_at", "hyperparameters", "status"} <= set(converted)
    assert not set(converted) & set(vars(version))  # nothing converted while building
    assert version.created_at == stored.created_at and vars(version)["created_at"] == stored.created_at
    assert version.hyperparameters == stored.hyperparameters and version.status is VersionStatus.READY

    # A value written before it was ever read is the one read and saved; the others are converted for the save.
    other.status = VersionStatus.ARCHIVED
    assert other.status is VersionStatus.ARCHIVED
    await other.save()
    saved = await ModelVersion.get(id=other.id)
    assert _state(saved) == _state(other) and saved.status is VersionStatus.ARCHIVED

    # A statement without the row's key builds nothing.
    keyless = await fetch_table(connection(), 'SELECT v.number AS "v.number" FROM version v')
    with pytest.raises(KeyError):
        builder(ModelVersion, keyless, "v")
    assert not hasattr(ModelVersion.__new__(ModelVersion), "created_at")


async def test_is_null_reads_a_value_not_yet_converted_without_converting_it(app: object) -> None:
    await _seed(0, 2)
    await Deployment.filter(environment="staging").update(retired_at=datetime.now(UTC), retired_by="someone")
    found = await fetch_table(connection(), f"SELECT {columns(Deployment, 'd', 'd')} FROM deployment d ORDER BY d.id")
    build = builder(Deployment, found, "d")
    for row in found.rows:
        built, tortoises = build(row), await Deployment.get(id=row[found.columns["d.id"]])
        for name in ("retired_at", "retired_by", "reason", "deployed_at"):
            assert is_null(built, name) == (getattr(tortoises, name) is None), name  # and on Tortoise's own
            assert is_null(tortoises, name) == (getattr(tortoises, name) is None), name
        assert "retired_at" not in vars(built)  # still as read: nothing converted
        assert is_null(built, "retired_at") == (built.retired_at is None)  # and once converted, the same
    assert {is_null(build(row), "retired_at") for row in found.rows} == {True, False}


async def test_a_row_read_with_some_columns_is_partial_as_tortoise_only_makes_it(app: object) -> None:
    """``columns(..., only=...)``: the fields read are the row's, a field not read is no attribute (not a None that
    a resolver would answer), and the row cannot be saved whole."""
    await _seed(0, 1)
    narrow = columns(ModelVersion, "v", "v", only={"number", "status", "created_at"})
    assert narrow.count(" AS ") == 4  # and the key
    found = await fetch_table(connection(), f"SELECT {narrow} FROM version v ORDER BY v.id")
    partial = builder(ModelVersion, found, "v")(found.rows[0])
    only = await ModelVersion.filter(id=partial.id).only("id", "number", "status", "created_at").get()
    everything = await fetch_table(connection(), f"SELECT {columns(ModelVersion, 'v', 'v')} FROM version v")
    assert (
        partial._partial and only._partial and not builder(ModelVersion, everything, "v")(everything.rows[0])._partial
    )
    for row in (partial, only):
        assert (row.id, row.number, row.status, row.created_at) == (only.id, 1, VersionStatus.READY, only.created_at)
        for absent in ("description", "hyperparameters", "model_type"):
            with pytest.raises(AttributeError):
                getattr(row, absent)
        with pytest.raises(IncompleteInstanceError):
            await row.save()


#: Date-time text as SQLite may hold it: Tortoise's own (``isoformat(" ")`` in UTC), and what SQL or another
#: writer may have left (no offset, another offset, ``Z``, a "T", fewer digits of fraction).
STORED_TIMES = [
    "2026-11-28 09:30:00.123456+00:00",
    "2026-11-28 09:30:00+00:00",
    "2026-11-28 09:30:00",
    "2026-11-28T09:30:00Z",
    "2026-11-28 11:30:00.5+02:00",
    "2026-11-28T06:00:00-03:30",
    "0001-01-01 00:00:00+00:00",
]


@pytest.mark.parametrize("stored", STORED_TIMES)
async def test_a_date_time_reads_as_tortoise_reads_it_in_utc(app: object, stored: str) -> None:
    """Built rows read date-times their own, faster way on SQLite (``models.db.rows._reader``); on PostgreSQL the
    driver gives them. Either way the value is Tortoise's instant, in ``datetime.UTC``, which serializes fastest."""
    await _seed(0, 1)
    value = "CAST(CAST(? AS TEXT) AS TIMESTAMPTZ)" if dialect(connection()) == "postgres" else "?"
    await fetch(
        connection(), f"UPDATE version SET created_at = {value} WHERE id = (SELECT MIN(id) FROM version)", [stored]
    )
    found = await fetch_table(connection(), f"SELECT {columns(ModelVersion, 'v', 'v')} FROM version v ORDER BY v.id")
    built = builder(ModelVersion, found, "v")(found.rows[0])
    stored_by_tortoise = await ModelVersion.get(id=built.id)
    assert built.created_at == stored_by_tortoise.created_at
    assert built.created_at.tzinfo is UTC and built.created_at.utcoffset() == timedelta(0)
