"""What a release ships: one version everywhere it shows.

Run these alone with ``pytest -m packaging``.
"""

from __future__ import annotations

import re

import pytest

from app import __version__
from tests.helpers import Api

pytestmark = pytest.mark.packaging


async def test_healthz_names_the_version(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "version": __version__})


async def test_graphiql_title_names_the_version(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert re.findall(r"<title>(.*?)</title>", page.text) == [f"modelreg {__version__} GraphiQL"]
