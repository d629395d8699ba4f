"""The monitoring and webhooks pages over HTTP: what each role sees, and redelivery with its CSRF token."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import Settings
from models.webhooks.destinations import AllowList
from models.webhooks.policy import DeliveryPolicy
from tests.app.ui.test_pages import _csrf, _send
from tests.support.helpers import Api, promote, register

CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }"""
DELIVERIES = """query($id: ID!) { webhook(id: $id) { deliveries(first: 5) { nodes { id status attemptCount } } } }"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """No delivery worker (deliveries stay as the page shows them), webhooks to the loopback allowed."""
    return Settings(
        database_url=database_url,
        artifact_root=tmp_path / "artifacts",
        delivery_worker=False,
        delivery=replace(DeliveryPolicy(), allow=AllowList.parse(["127.0.0.1"])),
    )


async def test_the_webhooks_page_lists_deliveries_and_redelivers_for_admins_only(api: Api) -> None:
    webhook = await api.data(CREATE, {"input": {"url": "http://127.0.0.1:9/hook", "eventTypes": ["PROMOTED"]}})
    webhook_id = webhook["createWebhook"]["webhook"]["id"]
    await register(api, "churn", 1)
    await promote(api, "churn", 1)
    (delivery,) = (await api.data(DELIVERIES, {"id": webhook_id}))["webhook"]["deliveries"]["nodes"]

    page = await _send(api, "GET", "/webhooks", role="admin")
    assert page.status_code == 200
    assert "http://127.0.0.1:9/hook" in page.text and "promoted" in page.text and "churn in production" in page.text
    assert f'name="id" value="{delivery["id"]}"' in page.text

    refused = await _send(api, "GET", "/webhooks", role="deployer")
    assert refused.status_code == 403 and "FORBIDDEN" in refused.text

    csrf = await _csrf(api)
    form = {"id": delivery["id"], "csrf_token": csrf}
    without_token = await _send(api, "POST", "/webhooks/redeliver", role="admin", csrf=csrf, form={"id": "x"})
    assert without_token.status_code == 403
    done = await _send(api, "POST", "/webhooks/redeliver", role="admin", csrf=csrf, form=form)
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/webhooks?redelivered=")
    by_deployer = await _send(api, "POST", "/webhooks/redeliver", role="deployer", csrf=csrf, form=form)
    assert by_deployer.status_code == 403 and "FORBIDDEN" in by_deployer.text


async def test_the_monitoring_pages_render_without_windows(api: Api) -> None:
    await register(api, "churn", 1)
    await promote(api, "churn", 1)
    overview = await _send(api, "GET", "/monitoring", role="reader")
    assert overview.status_code == 200 and "churn" in overview.text and "no window yet" in overview.text
    single = await _send(api, "GET", "/models/churn/monitoring", role="reader")
    assert single.status_code == 200 and "No window recorded." in single.text
    staging = await _send(api, "GET", "/models/churn/monitoring?environment=staging", role="reader")
    assert staging.status_code == 200 and "Nothing is deployed in staging." in staging.text
    assert (await _send(api, "GET", "/models/nope/monitoring", role="reader")).status_code == 404


async def test_admins_verify_the_audit_hash_chains_from_the_audit_page(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    audit = await _send(api, "GET", "/audit", role="admin")
    assert 'href="/audit/chains"' in audit.text
    assert 'href="/audit/chains"' not in (await _send(api, "GET", "/audit", role="deployer")).text
    report = await _send(api, "GET", "/audit/chains", role="admin")
    assert report.status_code == 200 and "Intact: " in report.text and "churn" in report.text
    one = await _send(api, "GET", "/audit/chains?model=churn", role="admin")
    assert one.status_code == 200 and "Intact: 1 chain, 4 events." in one.text
    assert (await _send(api, "GET", "/audit/chains?model=nope", role="admin")).status_code == 404
    assert (await _send(api, "GET", "/audit/chains", role="deployer")).status_code == 403
    assert (await _send(api, "GET", "/audit/chains")).status_code == 403


async def test_deployers_answer_a_retraining_request_from_the_monitoring_page(api: Api) -> None:
    await register(api, "churn", 2)
    await promote(api, "churn", 1)
    await api.data('mutation { requestRetraining(input: {model: "churn"}) { retrainingRequest { state } } }')
    assert 'value="acknowledge"' not in (await _send(api, "GET", "/models/churn/monitoring", role="reader")).text
    page = await _send(api, "GET", "/models/churn/monitoring", role="deployer")
    assert "Retraining open" in page.text and 'value="acknowledge"' in page.text

    csrf = await _csrf(api)
    form = {"action": "acknowledge", "csrf_token": csrf, "environment": "production"}
    by_reader = await _send(api, "POST", "/models/churn/retraining", role="reader", csrf=csrf, form=form)
    assert by_reader.status_code == 403 and "FORBIDDEN" in by_reader.text
    acknowledged = await _send(api, "POST", "/models/churn/retraining", role="deployer", csrf=csrf, form=form)
    assert acknowledged.headers["location"] == "/models/churn/monitoring?environment=production&done=acknowledge"
    form.update(action="complete", version="2", reason="retrained")
    completed = await _send(api, "POST", "/models/churn/retraining", role="deployer", csrf=csrf, form=form)
    assert completed.status_code == 303
    completed_requests = """{ retrainingRequests(model: "churn", states: [COMPLETED]) {
      nodes { answeredBy { number } } } }"""
    state = await api.data(completed_requests)
    assert state["retrainingRequests"]["nodes"] == [{"answeredBy": {"number": 2}}]
    after = await _send(api, "GET", "/models/churn/monitoring?done=complete", role="deployer")
    assert "Done: complete the retraining request." in after.text and "Retraining open" not in after.text
