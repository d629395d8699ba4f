"""The statements behind the first page of models, a model page ordered by a metric and a promotion use indexes.

The benchmark targets (docs/performance.md, "Targets") ask these three to cost the same (within 2x) on a
registry of a million versions as on one of two thousand. That holds while none of their statements scans
``version``, ``metric`` or ``deployment``, the tables that grow. The statements are recorded from what the code
sends (Tortoise's statement log), not written out here, so this test follows the code as it changes. PostgreSQL
plans with sequential scans, hash and merge joins and materialisation off: on a small table reading it whole is
cheapest, and the question is whether an index can serve each access.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from models.entities import Role
from models.tokens.operations import create_token
from tests.benchmarks import fixture, plans, workloads
from tests.support.helpers import Api

MODELS = 8
VERSIONS = 10


def _promotion(index: int) -> dict[str, Any]:
    in_production = fixture.promoted_numbers(index, VERSIONS)[-1]
    target = 1 if in_production != 1 else 2
    return {"input": {"model": fixture.model_name(index), "version": target, "reason": "plan check"}}


OPERATIONS: tuple[tuple[str, str, dict[str, Any], str, tuple[str, ...]], ...] = (
    # name, document, variables, role, watched tables its statements must touch (proof they were recorded)
    ("first page of models", workloads.FIRST_PAGE, {}, "reader", ("deployment",)),
    (
        "model page ordered by a metric",
        workloads.MODEL_PAGE,
        {"name": fixture.model_name(3), "first": 20, "metric": "roc_auc"},
        "reader",
        ("version", "metric", "deployment"),
    ),
    ("promotion", workloads.PROMOTE, _promotion(5), "deployer", ("version", "deployment")),
)


@pytest.fixture
async def tokens(app: Starlette, database_url: str) -> dict[str, str]:
    """The registry is generated before the tokens exist: the generator assigns ids into empty tables, and
    creating a token writes an audit event."""
    await fixture.generate(database_url, models=MODELS, versions=VERSIONS)
    return {role.value: (await create_token(name=role.value, role=role))[1] for role in Role}


async def test_paged_reads_and_promotion_never_scan_the_growing_tables(api: Api, database_url: str) -> None:
    recorded: list[plans.Statement] = []
    for name, document, variables, role, touches in OPERATIONS:
        with plans.recording() as statements:
            data = await api.data(document, variables, as_=role)
        assert data, name
        mentioned = {table for statement in statements for table in plans.watched_names(statement.sql).values()}
        assert set(touches) <= mentioned, f"{name}: recorded no statement on {set(touches) - mentioned}"
        recorded.extend(statements)

    explained = await plans.explain(database_url, recorded)

    scanning = [plan for plan in explained if plan.full_scans]
    assert not scanning, "statements that scan a growing table:\n" + plans.describe(scanning)


async def test_the_check_sees_a_full_scan(database_url: str) -> None:
    """Statements that can only scan are reported, aliases included, so the test above can fail."""
    bad = [
        plans.Statement("SELECT v.id FROM version v WHERE v.description = ?", ("x",)),
        plans.Statement('SELECT COUNT(*) FROM "metric"'),
        plans.Statement("SELECT d.id FROM model m JOIN deployment AS d ON d.reason = m.name WHERE m.id = ?", (1,)),
    ]
    explained = await plans.explain(database_url, bad)
    assert [bool(plan.full_scans) for plan in explained] == [True, True, True], [p.text for p in explained]
    good = [plans.Statement("SELECT id FROM version WHERE model_id = ? AND number = ?", (1, 2))]
    assert not (await plans.explain(database_url, good))[0].full_scans
