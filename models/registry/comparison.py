"""Comparing versions of one model metric by metric, against the version in production."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models import validation
from models.db.connection import connection, fetch_table, one_of
from models.db.rows import builder, columns, optional_builder
from models.entities import ModelVersion, RegisteredModel
from models.errors import InvalidInput, NotFound
from models.registry.reads import version_metrics

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
DEFAULT_ENV = validation.DEFAULT_ENVIRONMENT
#: Metric names compared at most (the first by name): as many as one version may carry, so the table a
#: comparison returns is bounded by the versions compared, whatever names they use (docs/security.md, "Limits").
MAX_COMPARED_METRICS = validation.MAX_METRICS


@dataclass(frozen=True)
class ComparisonRow:
    version: ModelVersion
    #: Aligned with ``Comparison.metric_names``; None where the version lacks the metric.
    values: list[float | None]
    deltas_from_production: list[float | None]


@dataclass(frozen=True)
class Comparison:
    model: RegisteredModel
    metric_names: list[str]
    rows: list[ComparisonRow]


async def compare_versions(
    *,
    model: str,
    numbers: Sequence[int] | None = None,
    sort_by: str | None = None,
    descending: bool = True,
    limit: int | None = None,
) -> Comparison:
    """Metrics of several versions side by side (default: the newest ``limit``), sorted by number or a metric."""
    validation.model_name(model, "model")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT} (got {limit})")
    if sort_by is not None:
        validation.metric_name(sort_by, "sortBy")
    wanted = _checked_numbers(numbers)
    target, versions, production_version_id = await _read(model, wanted, limit or DEFAULT_LIMIT)

    ids = [v.id for v in versions]
    if production_version_id is not None and production_version_id not in ids:
        ids.append(production_version_id)
    metrics = {version_id: dict(pairs) for version_id, pairs in (await version_metrics(ids)).items()}
    names = sorted({name for v in versions for name in metrics.get(v.id, {})})[:MAX_COMPARED_METRICS]
    baseline = metrics.get(production_version_id, {}) if production_version_id is not None else None

    def row(version: ModelVersion) -> ComparisonRow:
        own = metrics.get(version.id, {})
        values = [own.get(name) for name in names]
        deltas = [
            own[name] - baseline[name] if baseline is not None and name in own and name in baseline else None
            for name in names
        ]
        return ComparisonRow(version, values, deltas)

    def order(version: ModelVersion) -> tuple[bool, float, int]:
        sign = -1 if descending else 1
        if sort_by is None:
            return (False, 0.0, sign * version.number)
        value = metrics.get(version.id, {}).get(sort_by)
        # Lacking the metric sorts last in either direction; ties fall back to newest first.
        return (value is None, sign * (value or 0.0), -version.number)

    return Comparison(target, names, [row(v) for v in sorted(versions, key=order)])


def _checked_numbers(numbers: Sequence[int] | None) -> list[int] | None:
    if numbers is None:
        return None
    wanted = list(numbers)
    if not wanted:
        raise InvalidInput("numbers", "give at least one version number, or leave numbers out")
    if len(wanted) > MAX_LIMIT:
        raise InvalidInput("numbers", f"compare at most {MAX_LIMIT} versions at once")
    for index, number in enumerate(wanted):
        validation.positive_version(number, f"numbers[{index}]")
    if len(set(wanted)) != len(wanted):
        raise InvalidInput("numbers", "each version number may appear once")
    return wanted


async def _read(
    model: str, numbers: list[int] | None, newest: int
) -> tuple[RegisteredModel, list[ModelVersion], int | None]:
    """In one statement: the model, the versions to compare (``numbers``, else the ``newest`` many) and the id
    of the version in production."""
    conn = connection()
    if numbers is not None:
        which, params = one_of(conn, "v.number", numbers)
    else:
        # Numbers are dense and never reused, so the newest N are those above version_count - N.
        which, params = "v.number > m.version_count - ?", [newest]
    joins = (
        "LEFT JOIN deployment d ON d.model_id = m.id AND d.environment = ? AND d.retired_at IS NULL "
        f"LEFT JOIN version v ON v.model_id = m.id AND {which}"
    )
    selected = f"{columns(RegisteredModel, 'm', 'm')}, {columns(ModelVersion, 'v', 'v')}, d.version_id AS production"
    found = await fetch_table(
        conn, f"SELECT {selected} FROM model m {joins} WHERE m.name = ?", [DEFAULT_ENV, *params, model]
    )
    rows = found.rows
    if not rows:
        raise NotFound(f"no model named {model!r}")
    target = builder(RegisteredModel, found, "m")(rows[0])
    version_of = optional_builder(ModelVersion, found, "v")
    versions = [version for row in rows if (version := version_of(row)) is not None]
    if numbers is not None:
        missing = sorted(set(numbers) - {v.number for v in versions})
        if missing:
            raise NotFound(f"model {model!r} has no version {', '.join(map(str, missing))}")
    return target, versions, rows[0][found.columns["production"]]
