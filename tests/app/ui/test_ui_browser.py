"""The web UI in a real browser: Debian's Chromium driven by Playwright against a real ``modelreg serve`` on the
demo registry (``modelreg demo``).

A deployer signs in, browses to a model, sorts its versions by a metric, promotes, meets a compare-and-set
conflict from a concurrent change, reloads, rolls back, compares two versions and filters the audit log; a
reader and an anonymous visitor are offered no action. Every page is checked for errors in the console, for
requests to any other host, and with axe-core (pinned in ``vendor/``, run inside the page) at 1280 and 390 px;
screenshots are kept in ``var/screenshots/`` (or ``MODELREG_TEST_SCREENSHOTS``). Chromium missing is a failure,
never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.support.server import REPO, create_token, environment, running_server

CHROMIUM = Path(os.environ.get("MODELREG_TEST_CHROMIUM", "/usr/bin/chromium"))
#: Where the screenshots are kept after the run (pytest's temporary folders are pruned by later runs).
SCREENSHOTS = Path(os.environ.get("MODELREG_TEST_SCREENSHOTS", REPO / "var" / "screenshots"))
AXE = (Path(__file__).parent / "vendor" / "axe-core@4.14.1" / "axe.min.js").read_text()
TIMEOUT_MS = 30_000
MODEL = "iris-classifier"
#: (name, path) of every page, for the checks each must pass.
PAGES = [
    ("models", "/"),
    ("model", f"/models/{MODEL}"),
    ("version", f"/models/{MODEL}/versions/2"),
    ("compare", f"/models/{MODEL}/compare?v=1&v=2&v=3"),
    ("audit", "/audit"),
    ("chains", "/audit/chains"),
    ("monitoring", "/monitoring"),
    ("drift", f"/models/{MODEL}/monitoring"),
    ("webhooks", "/webhooks"),
    ("login", "/login"),
]
STAGING = '[data-environment="staging"]'


@dataclass
class Demo:
    base: str
    tokens: dict[str, str]
    shots: Path


@dataclass
class Watched:
    """A page whose console errors and requests to other hosts are collected."""

    page: Page
    errors: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.elsewhere == [], f"the page requested files from elsewhere: {self.elsewhere}"
        assert self.errors == [], self.errors


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Demo]:
    """The demo registry served once for the module, with a token per role."""
    folder = tmp_path_factory.mktemp("ui")
    shutil.copy(sqlite_template, folder / "registry.sqlite3")
    database_url = f"sqlite://{folder / 'registry.sqlite3'}"
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo", "--database-url", database_url, "--artifact-root", str(folder / "a")],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    tokens = {role: create_token(database_url, name=f"{role}-user", role=role) for role in ("reader", "deployer")}
    tokens["admin"] = create_token(database_url, name="admin-user", role="admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with running_server(database_url, folder / "a", "--allow-anonymous-read") as base:
        yield Demo(base, tokens, SCREENSHOTS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); .ci/run does")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _open(browser: Browser, demo: Demo, width: int = 1280) -> Watched:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    watched = Watched(page)

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(demo.base + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            watched.elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.on("console", lambda message: watched.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    return watched


def _sign_in(watched: Watched, demo: Demo, role: str, then: str = "/") -> None:
    page = watched.page
    page.goto(f"{demo.base}/login?next={then}")
    page.get_by_label("Token").fill(demo.tokens[role])
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo.base}{then}")
    assert page.get_by_role("button", name="Sign out").is_visible()


def _axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page (evaluated through the DevTools protocol, which the page's CSP allows)."""
    page.evaluate(AXE)
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return violations


def _active(page: Page, environment: str) -> str:
    return page.locator(f'[data-environment="{environment}"] .active-version').inner_text().split()[0]


def _graphql(demo: Demo, query: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {demo.tokens['admin']}"}
    body: dict[str, Any] = httpx.post(f"{demo.base}/graphql", json={"query": query}, headers=headers, timeout=30).json()
    assert "errors" not in body, body
    return body


# The database comes before the browser (see test_graphiql_browser.py): module fixtures in that order.
def test_every_page_renders_cleanly_and_accessibly_at_both_widths(demo: Demo, browser: Browser) -> None:
    for width in (1280, 390):
        watched = _open(browser, demo, width)
        _sign_in(watched, demo, "admin")  # the webhooks page is for admins
        for name, path in PAGES:
            response = watched.page.goto(f"{demo.base}{path}")
            assert response is not None and response.status == 200, path
            assert watched.page.locator("h1").first.is_visible(), path
            if name in ("model", "compare", "drift"):
                watched.page.locator(".uplot").first.wait_for()  # the charts drew
            violations = _axe(watched.page)
            assert violations == [], f"{path} at {width} px: {json.dumps(violations, indent=1)}"
            # Nothing is wider than the window: tables scroll inside their own box.
            overflow = watched.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} at {width} px is {overflow} px too wide"
            watched.page.screenshot(path=str(demo.shots / f"ui-{name}-{width}.png"), full_page=True)
        watched.clean()
        watched.page.close()


def test_a_reader_and_an_anonymous_visitor_are_offered_no_action(demo: Demo, browser: Browser) -> None:
    watched = _open(browser, demo)
    watched.page.goto(f"{demo.base}/models/{MODEL}")
    assert watched.page.get_by_role("link", name="Sign in").is_visible()
    assert watched.page.locator("form.action").count() == 0
    _sign_in(watched, demo, "reader", then=f"/models/{MODEL}")
    assert watched.page.locator(".env-card").count() >= 2
    assert watched.page.get_by_role("button", name="Promote").count() == 0
    watched.page.get_by_role("button", name="Sign out").click()
    watched.page.wait_for_url(f"{demo.base}/")
    assert watched.page.get_by_role("link", name="Sign in").is_visible()
    watched.clean()


def test_a_deployer_sorts_promotes_meets_a_conflict_rolls_back_compares_and_audits(
    demo: Demo, browser: Browser
) -> None:
    watched = _open(browser, demo)
    page = watched.page
    _sign_in(watched, demo, "deployer")

    # Browse to the model; sort its versions by accuracy, lowest first, by keyboard alone.
    page.get_by_role("link", name=MODEL).click()
    page.wait_for_url(f"{demo.base}/models/{MODEL}")
    page.evaluate("window.notReloaded = true")  # htmx swaps the versions section alone: the page stays
    page.get_by_label("Sort by").select_option("metric:accuracy")
    page.get_by_label("Order").select_option("asc")
    page.get_by_role("button", name="Apply").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=metric%3Aaccuracy**")
    accuracy = [float(cell) for cell in page.locator("table.versions tbody td:nth-child(4)").all_inner_texts()]
    assert accuracy == sorted(accuracy) and len(accuracy) == 3, accuracy
    assert page.evaluate("window.notReloaded === true")
    assert page.get_by_label("Sort by").input_value() == "metric:accuracy"
    # A version's link in the swapped section loads the version page whole.
    page.locator("table.versions").get_by_role("link", name="v1", exact=True).click()
    page.wait_for_url(f"{demo.base}/models/{MODEL}/versions/1")
    assert page.locator("h1").inner_text().startswith(f"{MODEL} v1")
    page.goto(f"{demo.base}/models/{MODEL}")

    # Promote version 2 in staging (htmx swaps the strip in place).
    before = _active(page, "staging")
    page.locator(STAGING).get_by_label("Version").select_option("2")
    page.locator(STAGING).get_by_label("Reason").fill("browser test")
    page.locator(STAGING).get_by_role("button", name="Promote").click()
    page.get_by_role("status").wait_for()
    assert "Done: promote in staging" in page.get_by_role("status").inner_text()
    assert _active(page, "staging") == "v2" != before
    page.screenshot(path=str(demo.shots / "ui-promoted.png"), full_page=True)

    # Someone else moves staging to version 1; this page still shows version 2, so its promotion must fail.
    changed = 'mutation { promote(input: {model: "iris-classifier", version: 1, environment: "staging"}) { changed } }'
    assert _graphql(demo, changed)["data"]["promote"]["changed"] is True
    page.locator(STAGING).get_by_label("Version").select_option("3")
    page.locator(STAGING).get_by_role("button", name="Promote").click()
    page.get_by_role("alert").wait_for()
    alert = page.get_by_role("alert").inner_text()
    assert "someone changed staging since this page was loaded" in alert, alert
    assert _active(page, "staging") == "v1"  # what changed, shown at once
    page.screenshot(path=str(demo.shots / "ui-conflict.png"), full_page=True)
    page.get_by_role("link", name="Reload the page").click()
    page.wait_for_url(f"{demo.base}/models/{MODEL}")
    assert _active(page, "staging") == "v1" and page.get_by_role("alert").count() == 0

    # Roll staging back to the version active before version 1: version 2.
    page.locator(STAGING).get_by_role("button", name="Roll back").click()
    page.get_by_role("status").wait_for()
    assert _active(page, "staging") == "v2"

    # Compare versions 1 and 2 against production (version 3): both worse on accuracy and on log_loss.
    page.get_by_role("link", name="Compare versions").click()
    page.get_by_label("v3").uncheck()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare?v=2&v=1")
    header = page.locator("table.compare thead th").all_inner_texts()
    assert [text.split()[0] for text in header] == ["Metric", "v2", "v1"], header
    accuracy_row = page.locator("table.compare tbody tr", has_text="accuracy")
    assert accuracy_row.locator(".delta.worse").count() == 2
    log_loss_row = page.locator("table.compare tbody tr", has_text="log_loss")
    assert log_loss_row.locator(".delta").first.inner_text().startswith("+")  # higher loss: worse
    assert log_loss_row.locator(".delta.worse").count() == 2
    page.locator(".uplot").first.wait_for()

    # The audit log, filtered to this model's promotions by the deployer.
    page.get_by_role("link", name="Audit", exact=True).click()
    page.get_by_role("textbox", name="Model", exact=True).fill(MODEL)
    page.get_by_role("combobox", name="Action").select_option("PROMOTED")
    page.get_by_role("textbox", name="Actor", exact=True).fill("deployer-user")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**action=PROMOTED**")
    rows = page.locator("table.audit tbody tr").all_inner_texts()
    assert len(rows) == 1 and "promoted" in rows[0] and "browser test" in rows[0], rows
    page.screenshot(path=str(demo.shots / "ui-audit-filtered.png"), full_page=True)
    watched.clean()
