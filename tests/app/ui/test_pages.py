"""The web UI over HTTP against the real app: sign-in, CSRF, who is offered what, the policy, statement budgets.

The browser tests (test_ui_browser.py) drive the same pages in Chromium; these check what a browser hides:
cookie flags, refusals of forged or cross-site posts, and how many SQL statements a page costs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import httpx

from app.server import create_app
from app.settings import Settings
from app.ui.pages import CONTENT_SECURITY_POLICY
from app.ui.session import CSRF_COOKIE, SESSION_COOKIE
from tests.support.helpers import Api, StatementCounter, promote, register

ORIGIN = "http://registry"


async def _csrf(api: Api) -> str:
    api.client.cookies.clear()
    response = await api.client.get("/login")
    assert response.status_code == 200
    token = response.cookies[CSRF_COOKIE]
    api.client.cookies.clear()
    return token


async def _send(
    api: Api,
    method: str,
    path: str,
    *,
    role: str | None = None,
    csrf: str | None = None,
    form: dict[str, str] | None = None,
    origin: str | None = ORIGIN,
    htmx: bool = False,
) -> httpx.Response:
    """A browser's request: the session cookie of ``role``'s token, the CSRF cookie, the form, the Origin."""
    cookies = []
    if role is not None:
        cookies.append(f"{SESSION_COOKIE}={api.tokens[role]}")
    if csrf is not None:
        cookies.append(f"{CSRF_COOKIE}={csrf}")
    headers = {"cookie": "; ".join(cookies)} if cookies else {}
    if origin is not None:
        headers["origin"] = origin
    if htmx:
        headers["hx-request"] = "true"
    api.client.cookies.clear()
    response = await api.client.request(method, path, headers=headers, data=form)
    api.client.cookies.clear()
    return response


async def test_anonymous_visitors_are_sent_to_sign_in_where_anonymous_reads_are_off(api: Api) -> None:
    response = await _send(api, "GET", "/models/churn?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmodels%2Fchurn%3Fx%3D1"


async def test_signing_in_keeps_the_token_in_a_strict_httponly_cookie(api: Api) -> None:
    csrf = await _csrf(api)
    form = {"token": api.tokens["reader"], "csrf_token": csrf, "next": "/audit"}
    response = await _send(api, "POST", "/login", csrf=csrf, form=form)
    assert (response.status_code, response.headers["location"]) == (303, "/audit")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={api.tokens['reader']};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie

    # A page elsewhere is never where signing in leads; a wrong token is named as such and sets nothing.
    form = {"token": api.tokens["reader"], "csrf_token": csrf, "next": "//evil.example/"}
    assert (await _send(api, "POST", "/login", csrf=csrf, form=form)).headers["location"] == "/"
    wrong = await _send(api, "POST", "/login", csrf=csrf, form={"token": "mreg_nope", "csrf_token": csrf})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert "the token is not valid" in wrong.text or "the token is" in wrong.text

    signed_in = await _send(api, "GET", "/", role="reader")
    assert signed_in.status_code == 200 and "reader (reader)" in signed_in.text


async def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    csrf = await _csrf(api)
    form = {"action": "promote", "environment": "production", "version": "2", "expected": "1"}
    deploy, signed = "/models/churn/deployments", {**form, "csrf_token": csrf}
    forged = [
        await _send(api, "POST", deploy, role="admin", csrf=csrf, form=form),
        await _send(api, "POST", deploy, role="admin", csrf=csrf, form={**form, "csrf_token": "x"}),
        await _send(api, "POST", deploy, role="admin", csrf=csrf, form=signed, origin="http://evil.example"),
        await _send(api, "POST", deploy, role="admin", csrf=csrf, form=signed, origin=None),
        await _send(api, "POST", "/logout", role="admin", csrf=csrf, form={}),
    ]
    assert [response.status_code for response in forged] == [403] * 5
    assert "CSRF token" in forged[0].text and "another site" in forged[2].text
    production = await api.data('{ model(name: "churn") { production { version { number } } } }')
    assert production["model"]["production"]["version"]["number"] == 1


async def test_a_reader_is_offered_no_action_and_a_forged_one_is_refused_by_the_api(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    for role, offered in (("reader", False), ("writer", False), ("deployer", True), ("admin", True)):
        page = await _send(api, "GET", "/models/churn", role=role)
        assert page.status_code == 200
        assert ('value="promote"' in page.text) is offered, role
    csrf = await _csrf(api)
    form = {"action": "promote", "environment": "production", "version": "2", "expected": "1", "csrf_token": csrf}
    refused = await _send(api, "POST", "/models/churn/deployments", role="reader", csrf=csrf, form=form, htmx=True)
    assert refused.status_code == 200 and "FORBIDDEN" in refused.text and "needs the deployer role" in refused.text
    production = await api.data('{ model(name: "churn") { production { version { number } } } }')
    assert production["model"]["production"]["version"]["number"] == 1


async def test_a_promotion_and_a_compare_and_set_conflict(api: Api) -> None:
    await register(api, "churn", 3)
    await promote(api, "churn", 1)
    csrf = await _csrf(api)
    form = {"action": "promote", "environment": "production", "version": "2", "expected": "1", "csrf_token": csrf}
    done = await _send(api, "POST", "/models/churn/deployments", role="deployer", csrf=csrf, form=form, htmx=True)
    assert done.status_code == 200 and "Done: promote in production" in done.text
    active = r'data-environment="production">\s*<h3>production</h3>\s*<p class="active-version"><a [^>]*>v2<'
    assert re.search(active, done.text)

    # The page still believed version 1 was active: the API refuses, the strip says so and shows version 2.
    form["version"] = "3"
    conflict = await _send(api, "POST", "/models/churn/deployments", role="deployer", csrf=csrf, form=form, htmx=True)
    assert "someone changed production since this page was loaded" in conflict.text
    assert "Reload the page" in conflict.text
    # Without htmx (no JavaScript), a refusal is a page of its own and success a redirect to the model page.
    plain = await _send(api, "POST", "/models/churn/deployments", role="deployer", csrf=csrf, form=form)
    assert plain.status_code == 409 and "CONFLICT" in plain.text
    form["expected"] = "2"
    moved = await _send(api, "POST", "/models/churn/deployments", role="deployer", csrf=csrf, form=form)
    assert (moved.status_code, moved.headers["location"]) == (303, "/models/churn")
    rollback = {"action": "rollback", "environment": "production", "csrf_token": csrf}
    rolled_back = await _send(api, "POST", "/models/churn/deployments", role="deployer", csrf=csrf, form=rollback)
    assert rolled_back.status_code == 303
    production = await api.data('{ model(name: "churn") { production { version { number } } } }')
    assert production["model"]["production"]["version"]["number"] == 2


async def test_every_page_has_the_policy_and_no_inline_script_or_style(api: Api) -> None:
    await register(api, "churn", 2, metrics=[{"name": "auc", "value": 0.8}])
    await promote(api, "churn", 1)
    for path in ("/", "/models/churn", "/models/churn/versions/1", "/models/churn/compare?v=1&v=2", "/audit", "/login"):
        page = await _send(api, "GET", path, role="reader")
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
        scripts = re.findall(r"<script([^>]*)>", page.text)
        assert all("src=" in attributes or 'type="application/json"' in attributes for attributes in scripts), path
        assert " style=" not in page.text and "<style" not in page.text and " on" + "click=" not in page.text, path
        assert not re.search(r"(src|href)=\"https?://", page.text), path


async def test_missing_things_are_404_pages(api: Api) -> None:
    await register(api, "churn", 1)
    for path in ("/models/nope", "/models/churn/versions/9", "/models/nope/compare"):
        page = await _send(api, "GET", path, role="reader")
        assert page.status_code == 404 and "Not found" in page.text, path


async def test_the_pages_cost_the_same_statements_whatever_the_number_of_models(
    api: Api, statements: StatementCounter
) -> None:
    """A page's SQL does not grow with the rows it shows (DataLoaders, keyset pages): the 10,000-model claim."""

    async def costs() -> list[int]:
        counts = []
        for path in ("/", "/models/m0", "/models/m0/compare", "/audit"):
            statements.reset()
            assert (await _send(api, "GET", path, role="reader")).status_code == 200
            counts.append(statements.count)
        return counts

    for name in ("m0", "m1"):
        await register(api, name, 2, metrics=[{"name": "auc", "value": 0.7}])
        await promote(api, name, 1)
    await costs()  # the token's first use of the minute records it (one UPDATE), once
    few = await costs()
    for name in ("m2", "m3", "m4", "m5"):
        await register(api, name, 3, metrics=[{"name": "auc", "value": 0.7}])
        await promote(api, name, 2)
    await register(api, "m0", 3, metrics=[{"name": "auc", "value": 0.9}])
    assert await costs() == few
    # Models: the token, models, active deployments, last deployments, latest windows, statistics, tags,
    # metrics. Model: the same kinds plus environments and their rules, versions, history and the comparison.
    assert few == [8, 14, 6, 4]


async def test_the_version_page_downloads_its_artifact_with_the_session(api: Api) -> None:
    blob = b"not really a joblib file, but bytes all the same"
    uploaded = await api.client.post("/api/artifacts", content=blob, headers=api.headers("writer"))
    assert uploaded.status_code == 201, uploaded.text
    sha256 = hashlib.sha256(blob).hexdigest()
    await register(api, "churn", 1, artifactSha256=sha256)
    page = await _send(api, "GET", "/models/churn/versions/1", role="reader")
    assert f'href="/ui/artifacts/{sha256}"' in page.text and sha256 in page.text
    downloaded = await _send(api, "GET", f"/ui/artifacts/{sha256}", role="reader")
    assert (downloaded.status_code, downloaded.content) == (200, blob)
    anonymous = await _send(api, "GET", f"/ui/artifacts/{sha256}")
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, f"/login?next=%2Fui%2Fartifacts%2F{sha256}")


async def test_the_header_links_to_graphiql_only_when_it_is_served(settings: Settings) -> None:
    for graphiql in (True, False):
        app = create_app(replace(settings, graphiql=graphiql))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            page = await client.get("/login")
        assert page.status_code == 200
        assert ('href="/graphql"' in page.text) is graphiql
