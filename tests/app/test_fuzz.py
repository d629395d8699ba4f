"""schemathesis (GraphQL mode) against a live ``modelreg serve`` seeded with the demo registry and called with an
admin token: whatever it sends, no answer is an HTTP 5xx, carries ``INTERNAL_SERVER_ERROR``, or breaks the
schema's own non-null promises.

Budget: ``MODELREG_FUZZ_EXAMPLES`` generated documents per operation and generation mode (positive: valid
documents with arbitrary values; negative: documents that break the schema). ``make test`` runs the default
below; ``make fuzz`` runs 300. Rate limits are off for the run (they would answer 429 to most of it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import graphql
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Err
from schemathesis.graphql import nodes

from tests.support.server import REPO, create_token, environment, running_server

EXAMPLES = int(os.environ.get("MODELREG_FUZZ_EXAMPLES", "10"))
NON_NULL_BROKEN = "Cannot return null for non-nullable field"


def _json_values(depth: int = 2) -> st.SearchStrategy[graphql.ValueNode]:
    """GraphQL literals for the ``JSON`` scalar (``hyperparameters``): scalars, lists and objects."""
    leaves = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.text(max_size=20).map(nodes.String),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    )
    names = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,10}", fullmatch=True)

    def containers(inner: st.SearchStrategy[graphql.ValueNode]) -> st.SearchStrategy[graphql.ValueNode]:
        fields = st.dictionaries(names, inner, max_size=4).map(
            lambda items: [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value) for key, value in items.items()
            ]
        )
        return st.one_of(st.lists(inner, max_size=4).map(nodes.List), fields.map(nodes.Object))

    return st.recursive(leaves, containers, max_leaves=10)


def _date_times() -> st.SearchStrategy[graphql.ValueNode]:
    """``DateTime`` strings with any offset (schemathesis' own use Z only), near the ends of the range too."""
    offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
    moments = st.one_of(st.datetimes(), st.sampled_from([datetime.min, datetime.max]))  # the range's ends
    aware = st.builds(lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(), moments, offsets)
    return st.one_of(aware, st.datetimes().map(datetime.isoformat), st.text(max_size=30)).map(nodes.String)


schemathesis.graphql.scalar("JSON", _json_values())
schemathesis.graphql.scalar("DateTime", _date_times())


def seed_demo(database_url: str, artifact_root: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "demo",
            "--database-url",
            database_url,
            "--artifact-root",
            str(artifact_root),
        ],
        cwd=REPO,
        env=environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )


class Tally:
    """Requests per operation, answers per error code, and the answers that are server bugs."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self.failures: list[str] = []

    def record(self, case: Any, response: Any) -> None:
        self.requests[case.operation.label] += 1
        problems: list[str] = []
        if response.status_code >= 500:
            problems.append(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            body = response.json()
        except ValueError:
            body = None
            problems.append(f"HTTP {response.status_code} with a body that is not JSON: {response.text[:300]}")
        errors = (body.get("errors") or []) if isinstance(body, dict) else []
        self.answers.update({(error.get("extensions") or {}).get("code", "(document)") for error in errors} or {"data"})
        for error in errors:
            code = (error.get("extensions") or {}).get("code")
            # Any code (NOT_FOUND, BAD_USER_INPUT, ...) is a fine answer, except these two.
            if code == "INTERNAL_SERVER_ERROR" or NON_NULL_BROKEN in error.get("message", ""):
                problems.append(f"{code}: {error.get('message')} at {error.get('path')}")
        self.failures.extend(f"{problem}\n  document: {case.body}" for problem in problems)


def test_schemathesis_finds_no_server_errors(database_url: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    seed_demo(database_url, artifacts)
    auth = {"Authorization": f"Bearer {create_token(database_url, name='fuzzer', role='admin')}"}
    tally = Tally()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        tally.record(case, case.call(headers=auth, timeout=30))

    with running_server(database_url, artifacts, env={"MODELREG_RATE_LIMIT": "0"}) as base:
        schema = schemathesis.graphql.from_url(f"{base}/graphql", headers=auth)
        operations = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # an operation schemathesis cannot read fails the test, with its reason
            operations.append(result.ok())
        assert len(operations) >= 14, [operation.label for operation in operations]
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                given(case=operation.as_strategy(generation_mode=mode))(run)()
    total = sum(tally.requests.values())
    print(f"\nschemathesis: {total} requests over {len(tally.requests)} operations; answers: {dict(tally.answers)}")
    assert total >= len(operations) * EXAMPLES, tally.requests
    assert not tally.failures, f"{len(tally.failures)} bad answers of {total}:\n" + "\n".join(tally.failures[:20])
