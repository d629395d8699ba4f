"""What a request leaves for the cyclic garbage collector: nothing that holds its rows.

``PausedCollector`` (schema/execution.py) holds the collector off while any operation executes, so under steady
concurrent load whatever a request leaves in reference cycles waits for a moment with nothing executing. The
request's loaders are emptied once its result is built (``Loaders.clear``): counted here, not timed, with the
collector saving what it finds (the benchmark measures the server's RSS under load: docs/performance.md).
"""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

from tests.support.helpers import Api, promote, register

DASHBOARD = (Path(__file__).parents[2] / "examples" / "dashboard.graphql").read_text()


async def test_a_dashboard_leaves_no_rows_in_reference_cycles(api: Api) -> None:
    for model in ("churn", "fraud", "ranker"):
        numbers = await register(api, model, 4, metrics=[{"name": "accuracy", "value": 0.9}])
        await promote(api, model, numbers[-1])
    await api.data(DASHBOARD)  # warm: first-request caches of the schema, Tortoise and the app
    was_enabled = gc.isenabled()
    gc.collect()  # frees what came before, so what is saved below is the dashboard's alone
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        # Another name: the response cache must not answer it from the warm-up's result.
        answer = await api.data(DASHBOARD.replace("query Dashboard", "query DashboardMeasured"))
        gc.collect()
        kinds = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage)
        saved = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert len(answer["models"]["nodes"]) == 3
    rows = {kind: n for kind, n in kinds.items() if kind.startswith(("models.entities.", "models.db.paging."))}
    # Before Loaders.clear every row the dashboard read and a future per load were in cycles (11,677 objects
    # for the reference dashboard); now only the request's own machinery (its context and loaders, and the
    # parse and print of a document seen for the first time), however many rows it read.
    assert rows == {} and kinds.get("_asyncio.Future", 0) == 0, (saved, kinds.most_common(10))
