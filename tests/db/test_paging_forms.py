"""Every way ``windowed`` reads a page per parent gives the same pages (``models/db/paging.py``).

Each backend reads a parent's page by itself, only as far as the page goes (PostgreSQL's lateral join, SQLite's
``IN`` list per parent of a JSON array). Their pages, totals, next-page flags and cursors are compared here with
those of a form that shares nothing with them but the cursor conditions: every row of every parent ranked with
``ROW_NUMBER()`` (``_ranked``), on the same data, in every ordering, with and without a cursor, on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from models.db import paging
from models.db.connection import placeholders
from models.deployments.reads import list_deployment_history
from models.entities import RegisteredModel, VersionStatus
from models.registry.reads import VersionOrderField, VersionQuery, list_versions
from tests.schema.test_sql_counts import _seed, _seed_model

QUERIES = [
    VersionQuery(),
    VersionQuery(descending=False),
    VersionQuery(order=VersionOrderField.CREATED_AT),
    VersionQuery(order=VersionOrderField.METRIC, order_metric="roc_auc"),
    VersionQuery(order=VersionOrderField.METRIC, order_metric="roc_auc", descending=False),
    VersionQuery(status=VersionStatus.READY, metric_at_least=("accuracy", 0.0)),
]


def _plain(pages: dict[int, paging.Page[Any]]) -> dict[int, Any]:
    def node(value: Any) -> Any:
        return tuple(item.id for item in value) if isinstance(value, tuple) else value.id

    return {
        parent: (
            [(cursor.encoded(), node(value)) for cursor, value in page.edges],
            page.total,
            page.has_next,
            page.has_previous,
        )
        for parent, page in pages.items()
    }


def _ranked(
    of: paging.Nested,
    ordering: paging.Ordering,
    cursor: list[Any] | None,
    limit: int,
    parents: Sequence[int],
    count: bool,
) -> tuple[str, list[Any]]:
    """The pages the other forms must give: every row of every parent ranked within its parent (``ROW_NUMBER``),
    the first ``limit`` kept. It reads every row anyway, so it counts them whether or not ``count`` asks."""
    counted = (
        f"SELECT base.*, COUNT(*) OVER (PARTITION BY base.{of.partition}) AS total FROM ({of.select}) base "
        f"WHERE base.{of.partition} IN ({placeholders(parents)})"
    )
    after_sql, after_params = paging._after(ordering, cursor, "WHERE", "counted.")
    ranked = (
        f"SELECT counted.*, ROW_NUMBER() OVER (PARTITION BY counted.{of.partition} "
        f"ORDER BY {ordering.order_by('counted.')}) AS rn FROM ({counted}) counted {after_sql}"
    )
    sql = (
        f"SELECT ranked.*, {of.rows} FROM ({ranked}) ranked {of.joins} "
        f"WHERE ranked.rn <= {int(limit)} ORDER BY ranked.{of.partition}, ranked.rn"
    )
    return sql, [*of.params, *parents, *after_params]


@pytest.fixture
def ranked_only(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run a read with every page from the ranking form."""

    async def run(read: Any) -> Any:
        with monkeypatch.context() as patched:
            patched.setattr(paging, "form", lambda backend: _ranked)
            return await read()

    return run


async def test_version_pages_are_the_same_in_every_form(app: object, ranked_only: Any) -> None:
    await _seed(0, 3)
    await _seed_model(1, 13)  # 12 versions, every third without roc_auc (nulls sort last)
    ids = [model.id for model in await RegisteredModel.all().order_by("id")]
    compared = 0
    for query in QUERIES:
        for first in (1, 2, 5, 50):
            after: str | None = None
            while True:  # page through every parent's list, with the cursor of the longest
                pages = await list_versions(model_ids=ids, query=query, first=first, after=after)
                ranked = await ranked_only(
                    lambda: list_versions(model_ids=ids, query=query, first=first, after=after)  # noqa: B023
                )
                assert _plain(pages) == _plain(ranked), (query, first, after)
                compared += 1
                longest = max(pages.values(), key=lambda page: page.total or 0)
                if not longest.has_next:
                    break
                after = longest.edges[-1][0].encoded()
    assert compared > 40


async def test_history_pages_are_the_same_in_every_form(app: object, ranked_only: Any) -> None:
    await _seed(0, 3)
    ids = [model.id for model in await RegisteredModel.all().order_by("id")]
    for environment in (None, "production", "nowhere"):
        for first in (1, 2, 10):
            pages = await list_deployment_history(model_ids=ids, environment=environment, first=first, after=None)
            ranked = await ranked_only(
                lambda: list_deployment_history(model_ids=ids, environment=environment, first=first, after=None)  # noqa: B023
            )
            assert _plain(pages) == _plain(ranked)
            if first == 1 and environment is None:
                after = pages[ids[0]].edges[0][0].encoded()
                later = await list_deployment_history(model_ids=ids, environment=None, first=1, after=after)
                ranked_later = await ranked_only(
                    lambda: list_deployment_history(model_ids=ids, environment=None, first=1, after=after)  # noqa: B023
                )
                assert _plain(later) == _plain(ranked_later)


async def test_pages_read_without_counting_are_the_counted_pages_without_totals(app: object, ranked_only: Any) -> None:
    """``count=False`` (no one selected ``totalCount``) changes nothing but the totals, which are None, in every
    form, past the end of a list too (where a counted read counts apart)."""
    await _seed(0, 3)
    await _seed_model(1, 13)
    ids = [model.id for model in await RegisteredModel.all().order_by("id")]

    def without_totals(pages: dict[int, paging.Page[Any]]) -> dict[int, Any]:
        return {parent: (edges, None, *flags) for parent, (edges, _, *flags) in _plain(pages).items()}

    longest = max(
        (await list_versions(model_ids=ids, query=QUERIES[1], first=5, after=None)).values(),
        key=lambda page: page.total or 0,
    )
    cursors = [None, longest.edges[-1][0].encoded()]
    for after in cursors:
        counted = await list_versions(model_ids=ids, query=QUERIES[1], first=5, after=after)
        for form in (lambda read: read(), ranked_only):
            uncounted = await form(
                lambda: list_versions(model_ids=ids, query=QUERIES[1], first=5, after=after, count=False)  # noqa: B023
            )
            assert _plain(uncounted) == without_totals(counted)
            assert all(page.total is None for page in uncounted.values())
        if after is not None:  # oldest first, past the fifth: the models with 4 versions have no page left
            assert any(not page.edges and page.total == 4 for page in counted.values())
    history = await list_deployment_history(model_ids=ids, environment=None, first=2, after=None)
    uncounted_history = await list_deployment_history(model_ids=ids, environment=None, first=2, after=None, count=False)
    assert _plain(uncounted_history) == without_totals(history)


async def test_pages_read_without_peeking_are_the_pages_without_next_page_flags(app: object, ranked_only: Any) -> None:
    """``peek=False`` (no one selected ``pageInfo``) reads no row past each page: the same nodes, totals and
    cursors, and ``has_next`` None instead of the flag, in every form, after a cursor too."""
    await _seed(0, 3)
    await _seed_model(1, 13)
    ids = [model.id for model in await RegisteredModel.all().order_by("id")]

    def without_next(pages: dict[int, paging.Page[Any]]) -> dict[int, Any]:
        return {parent: (edges, total, None, previous) for parent, (edges, total, _, previous) in _plain(pages).items()}

    peeked = await list_versions(model_ids=ids, query=QUERIES[0], first=5, after=None)
    assert any(page.has_next for page in peeked.values()) and any(not page.has_next for page in peeked.values())
    cursors = [None, max(peeked.values(), key=lambda page: page.total or 0).edges[-1][0].encoded()]
    for after in cursors:
        peeked = await list_versions(model_ids=ids, query=QUERIES[0], first=5, after=after)
        for form in (lambda read: read(), ranked_only):
            unpeeked = await form(
                lambda: list_versions(model_ids=ids, query=QUERIES[0], first=5, after=after, peek=False)  # noqa: B023
            )
            assert _plain(unpeeked) == without_next(peeked)
    history = await list_deployment_history(model_ids=ids, environment=None, first=2, after=None)
    unpeeked_history = await list_deployment_history(model_ids=ids, environment=None, first=2, after=None, peek=False)
    assert _plain(unpeeked_history) == without_next(history)


async def test_pages_of_thousands_of_parents_are_read_in_one_statement(app: object, ranked_only: Any) -> None:
    """However many parents a list has (a UNION ALL allowed SQLite 500 arms; its variables are limited too), one
    statement reads their pages; parents without rows get empty pages."""
    await _seed(0, 3)
    ids = [model.id for model in await RegisteredModel.all().order_by("id")]
    parents = [*ids, *range(10**6, 10**6 + 2_000)]
    pages = await list_versions(model_ids=parents, query=QUERIES[0], first=2, after=None)
    assert len(pages) == len(parents)
    assert _plain(pages) == _plain(
        await ranked_only(lambda: list_versions(model_ids=parents, query=QUERIES[0], first=2, after=None))
    )
    assert all(page.edges for parent, page in pages.items() if parent in ids)


def test_each_backend_reads_each_parents_page_alone() -> None:
    assert paging.form("sqlite") is paging._listed
    assert paging.form("postgres") is paging._lateral
