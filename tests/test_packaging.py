"""What a release ships: one version everywhere it shows, and locks that agree.

Run these alone with ``pytest -m packaging``.
"""

from __future__ import annotations

import re

import pytest

from app import __version__
from tests.helpers import Api
from tests.server import REPO

pytestmark = pytest.mark.packaging


async def test_healthz_names_the_version(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "version": __version__})


async def test_graphiql_title_names_the_version(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert re.findall(r"<title>(.*?)</title>", page.text) == [f"modelreg {__version__} GraphiQL"]


def _pins(lock: str) -> dict[str, str]:
    """Each requirement line of a lock (``name==version ; markers``), by name and markers."""
    text = (REPO / "requirements" / lock).read_text()
    return {line.split("==")[0] + line.partition(";")[2]: line for line in re.findall(r"^\S+==[^\\\n]+", text, re.M)}


def test_test_lock_pins_the_runtime_lock_exactly() -> None:
    runtime, test = _pins("runtime.txt"), _pins("test.txt")
    assert runtime, "requirements/runtime.txt pins nothing"
    assert {name: test.get(name) for name in runtime} == runtime
