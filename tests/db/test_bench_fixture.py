"""The benchmark's bulk-written registry is one the real operations could have written, and they carry on from it.

The generator (``tests/benchmarks/fixture.py``) bypasses the operations for speed, so this checks its rows
against the invariants, reads them back through the API, and then registers, promotes and rolls back on top.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette

from models.deployments.operations import promote, rollback
from models.entities import ModelVersion, Role
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token
from tests.benchmarks import fixture
from tests.support.helpers import Api

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()
MODELS = 6
VERSIONS = 8
HISTORY = """
query History($model: String!) {
  auditEvents(first: 4, filter: { model: $model }) { totalCount nodes { action actor version { number } } }
}"""


@pytest.fixture
async def generated(app: Starlette, database_url: str) -> fixture.Generated:
    return await fixture.generate(database_url, models=MODELS, versions=VERSIONS)


@pytest.fixture
async def tokens(generated: fixture.Generated) -> dict[str, str]:
    """Made after the registry is generated: the generator assigns ids into empty tables, and creating a token
    writes an audit event."""
    return {role.value: (await create_token(name=role.value, role=role))[1] for role in Role}


async def test_generated_registry_reads_back_and_the_operations_carry_on(
    api: Api, generated: fixture.Generated, database_url: str
) -> None:
    versions = MODELS * VERSIONS
    assert generated.rows_per_table == {
        "model": MODELS,
        "model_tag": MODELS * 2,
        "version": versions,
        "version_tag": versions * 5,
        "metric": versions * len(fixture.METRICS),
        "deployment": MODELS * fixture.PROMOTIONS,
        "audit_event": MODELS * fixture.events_per_model(VERSIONS),
    }
    broken = {name: count for name, count in (await fixture.check_invariants(database_url)).items() if count}
    assert not broken

    data = await api.data(DASHBOARD, as_="reader")
    assert data["registryStatistics"] == {
        "modelCount": MODELS,
        "versionCount": versions,
        "modelsInProduction": MODELS,
        "promotionCount": MODELS * fixture.PROMOTIONS,
    }
    for index, node in enumerate(data["models"]["nodes"]):
        promoted = fixture.promoted_numbers(index, VERSIONS)
        assert node["name"] == fixture.model_name(index)
        assert node["versionCount"] == VERSIONS
        assert node["production"]["version"]["number"] == promoted[-1]
        assert [m["name"] for m in node["production"]["version"]["metrics"]] == list(fixture.METRICS)
        assert len(node["production"]["version"]["tags"]) == 5
        assert [v["number"] for v in node["versions"]["nodes"]] == list(range(VERSIONS, VERSIONS - 5, -1))
        history = node["deploymentHistory"]
        assert history["totalCount"] == fixture.PROMOTIONS
        assert [(d["version"]["number"], d["active"]) for d in history["nodes"]] == [
            (number, number == promoted[-1]) for number in reversed(promoted[-5:])
        ]

    # The operations continue where the generator stopped: numbering, ids, the active deployment, history.
    name = fixture.model_name(2)
    promoted = fixture.promoted_numbers(2, VERSIONS)
    registered = await register_version(
        model=name, registration=Registration(metrics=[("accuracy", 0.5)]), actor="tester"
    )
    assert registered.version.number == VERSIONS + 1
    promotion = await promote(model=name, version=VERSIONS + 1, actor="tester", expected_current_version=promoted[-1])
    assert promotion.changed
    assert promotion.previous is not None
    assert (await ModelVersion.get(id=promotion.previous.version_id)).number == promoted[-1]
    back = await rollback(model=name, actor="tester")
    assert (await ModelVersion.get(id=back.deployment.version_id)).number == promoted[-1]
    events = (await api.data(HISTORY, {"model": name}))["auditEvents"]
    assert events["totalCount"] == fixture.events_per_model(VERSIONS) + 3
    assert [(e["action"], e["version"]["number"]) for e in events["nodes"]] == [
        ("ROLLED_BACK", promoted[-1]),
        ("PROMOTED", VERSIONS + 1),
        ("VERSION_REGISTERED", VERSIONS + 1),
        ("PROMOTED", promoted[-1]),
    ]


def test_the_same_seed_writes_the_same_rows() -> None:
    first, second, other = fixture.Chunk(), fixture.Chunk(), fixture.Chunk()
    fixture.generate_model(first, 3, VERSIONS, sqlite=True)
    fixture.generate_model(second, 3, VERSIONS, sqlite=True)
    fixture.generate_model(other, 3, VERSIONS, sqlite=True, seed=fixture.SEED + 1)
    assert first.rows == second.rows
    assert first.rows["metric"] != other.rows["metric"]
