"""GraphiQL in a real browser: Debian's Chromium driven by Playwright against a real ``modelreg serve``.

The page must render, run ``examples/dashboard.graphql`` and run a promotion with an ``Authorization``
header typed into its Headers tab, with every request going to the server itself (a request anywhere else,
a CDN say, fails the test, as does any error in the browser's console: a Content-Security-Policy violation
or a failed integrity check). Chromium missing is a failure, never a skip: ``.ci/run`` installs it with apt.
Playwright never downloads a browser here; it launches ``CHROMIUM``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.support.server import REPO, create_token, running_server

CHROMIUM = Path(os.environ.get("MODELREG_TEST_CHROMIUM", "/usr/bin/chromium"))
DASHBOARD = (REPO / "examples" / "dashboard.graphql").read_text()
REGISTER = """mutation($metrics: [MetricInput!]) {
  registerVersion(input: {model: "iris-classifier", metrics: $metrics}) { version { number } }
}"""
PROMOTE = """mutation {
  promote(input: {model: "iris-classifier", version: 2, environment: "production", expectedCurrentVersion: 1}) {
    changed
    deployment { deployedBy version { number } }
  }
}"""
#: Milliseconds to wait for the page or a result.
TIMEOUT_MS = 30_000
#: Milliseconds to let GraphiQL take in an edit (it parses the document again after a short debounce).
EDIT_SETTLE_MS = 600


@pytest.fixture
def backend() -> str:
    """SQLite only: the page, not the database, is under test (overrides the conftest's two backends)."""
    return "sqlite"


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); .ci/run does")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _register(base: str, token: str) -> None:
    """iris-classifier versions 1 and 2, version 1 in production: something for the dashboard to show."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for accuracy in (0.91, 0.95):
            variables = {"metrics": [{"name": "accuracy", "value": accuracy}]}
            body = client.post("/graphql", json={"query": REGISTER, "variables": variables}).json()
            assert "errors" not in body, body
        promote = 'mutation { promote(input: {model: "iris-classifier", version: 1}) { changed } }'
        assert client.post("/graphql", json={"query": promote}).json() == {"data": {"promote": {"changed": True}}}


def _set_editor(page: Page, selector: str, text: str) -> None:
    """Replace an editor's text through CodeMirror, as typing would (GraphiQL sees the change)."""
    page.locator(f"{selector} .CodeMirror").first.evaluate("(node, text) => node.CodeMirror.setValue(text)", text)
    # GraphiQL re-reads the document (its operation name above all) after a pause in typing, as after keystrokes.
    page.wait_for_timeout(EDIT_SETTLE_MS)


def _run_and_read(page: Page) -> dict[str, Any]:
    """Press GraphiQL's run button and parse what its result pane shows."""
    result = page.locator(".result-window .CodeMirror").first
    result.evaluate("node => node.CodeMirror.setValue('')")
    page.locator(".graphiql-execute-button").click()
    page.wait_for_function(
        "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().trim().endsWith('}')",
        timeout=TIMEOUT_MS,
    )
    text: str = result.evaluate("node => node.CodeMirror.getValue()")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


# The database comes before the browser, whose Playwright loop would otherwise be running while the database
# fixture migrates its template.
def test_graphiql_runs_the_dashboard_and_a_promotion_offline(
    database_url: str, tmp_path: Path, browser: Browser
) -> None:
    with running_server(database_url, tmp_path / "artifacts", "--allow-anonymous-read") as base:
        token = create_token(database_url, name="browser", role="admin")
        _register(base, token)

        page = browser.new_page(viewport={"width": 1400, "height": 900})
        elsewhere: list[str] = []
        console_errors: list[str] = []

        def only_this_server(route: Route) -> None:
            if route.request.url.startswith(base + "/") or route.request.url.startswith("data:"):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_this_server)
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: console_errors.append(str(error)))

        page.goto(f"{base}/graphql", timeout=TIMEOUT_MS)
        page.locator(".graphiql-query-editor .CodeMirror").wait_for(timeout=TIMEOUT_MS)
        assert page.title().startswith("modelreg ") and page.title().endswith(" GraphiQL")

        _set_editor(page, ".graphiql-query-editor", DASHBOARD)
        dashboard = _run_and_read(page)
        assert "errors" not in dashboard, dashboard
        statistics = dashboard["data"]["registryStatistics"]
        assert (statistics["modelCount"], statistics["versionCount"], statistics["modelsInProduction"]) == (1, 2, 1)
        (model,) = dashboard["data"]["models"]["nodes"]
        assert (model["name"], model["production"]["version"]["number"]) == ("iris-classifier", 1)
        page.screenshot(path=str(tmp_path / "graphiql-dashboard.png"))

        # Anonymous reads are allowed, writes are not: without a header the promotion is refused...
        _set_editor(page, ".graphiql-query-editor", PROMOTE)
        refused = _run_and_read(page)
        assert [error.get("extensions", {}).get("code") for error in refused["errors"]] == ["UNAUTHENTICATED"], refused

        # ...and with the token in the Headers tab it goes through, done by that token.
        page.get_by_role("button", name="Headers").click()
        _set_editor(
            page, ".graphiql-editor-tool .graphiql-editor:visible", json.dumps({"Authorization": f"Bearer {token}"})
        )
        promoted = _run_and_read(page)
        assert promoted == {
            "data": {"promote": {"changed": True, "deployment": {"deployedBy": "browser", "version": {"number": 2}}}}
        }

        assert elsewhere == [], f"the page requested files from elsewhere: {elsewhere}"
        # The refused promotion is a 200 with errors, so the browser logs no failed request for it.
        assert console_errors == [], console_errors
