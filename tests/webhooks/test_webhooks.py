"""Webhooks end to end in one process: the GraphQL admin API, the outbox, and the delivery worker of the app's
lifespan sending to a real loopback receiver. Every request is verified with the ``standardwebhooks`` package."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Any

import pytest

from models.deployments.operations import promote
from models.entities import DeliveryStatus, Role, Webhook, WebhookDelivery
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token
from models.webhooks.destinations import AllowList, Refused, check_destination, check_url, public
from tests.support.helpers import Api, StatementCounter
from tests.support.receiver import Receiver, verified

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id url enabled eventTypes modelPatterns environments } } }"""
DELIVERIES = """query($id: ID!) { webhook(id: $id) { enabled disabledReason deliveries(first: 50) { totalCount nodes {
  messageId eventType status attemptCount auditEvent { action } attempts { statusCode error responseExcerpt } } } } }"""


async def _create(api: Api, receiver: Receiver, **fields: Any) -> tuple[str, str]:
    body = {"url": receiver.url, "eventTypes": ["PROMOTED"], **fields}
    created = (await api.data(CREATE, {"input": body}))["createWebhook"]
    return created["webhook"]["id"], created["secret"]


async def _model(name: str = "churn", versions: int = 2) -> None:
    for _ in range(versions):
        await register_version(model=name, registration=Registration(), actor="trainer")


async def _settled(api: Api, webhook_id: str, count: int, timeout: float = 15.0) -> dict[str, Any]:
    """The webhook once ``count`` of its deliveries are no longer PENDING."""
    deadline = time.monotonic() + timeout
    while True:
        webhook: dict[str, Any] = (await api.data(DELIVERIES, {"id": webhook_id}))["webhook"]
        done = [d for d in webhook["deliveries"]["nodes"] if d["status"] != "PENDING"]
        if len(done) >= count or time.monotonic() > deadline:
            return webhook
        await asyncio.sleep(0.1)


async def test_a_promotion_is_delivered_signed_with_its_payload(api: Api, receiver: Receiver) -> None:
    await _model()
    webhook_id, secret = await _create(api, receiver, modelPatterns=["churn*"], environments=["production"])
    await promote(model="churn", version=2, actor="release-bot", reason="better auc")
    [request] = await receiver.wait_for(1)
    [payload] = verified([request], secret)
    assert payload["type"] == "PROMOTED"
    data = payload["data"]
    assert (data["model"], data["version"], data["previousVersion"], data["environment"]) == (
        "churn",
        2,
        None,
        "production",
    )
    assert (data["actor"], data["reason"]) == ("release-bot", "better auc")
    assert data["chain"]["position"] == 4 and len(data["chain"]["hash"]) == 64  # created, 2 registered
    webhook = await _settled(api, webhook_id, 1)
    [delivery] = webhook["deliveries"]["nodes"]
    assert delivery["messageId"] == request.message_id
    assert (delivery["status"], delivery["attemptCount"], delivery["auditEvent"]["action"]) == (
        "DELIVERED",
        1,
        "PROMOTED",
    )
    assert delivery["attempts"] == [{"statusCode": 200, "error": None, "responseExcerpt": "status 200"}]


async def test_the_outbox_matches_event_types_models_and_environments(api: Api, receiver: Receiver) -> None:
    await _model("churn")
    await _model("fraud")
    matching, _ = await _create(api, receiver, modelPatterns=["churn"], environments=["staging"])
    await _create(api, receiver, eventTypes=["DEMOTED"])
    registrations, _ = await _create(api, receiver, eventTypes=["VERSION_REGISTERED"], environments=["production"])
    await promote(model="fraud", version=1, actor="a", environment="staging")
    await promote(model="churn", version=1, actor="a", environment="production")
    await promote(model="churn", version=1, actor="a", environment="staging")
    await register_version(model="churn", registration=Registration(), actor="trainer")
    counts = {w.id: await WebhookDelivery.filter(webhook_id=w.id).count() for w in await Webhook.all()}
    assert sorted(counts.values()) == [0, 1, 1]  # the DEMOTED one gets nothing
    events = {d.webhook_id: d.event_type for d in await WebhookDelivery.all()}
    assert sorted(events.values()) == ["PROMOTED", "VERSION_REGISTERED"]  # registrations name no environment
    assert matching and registrations


async def test_failed_attempts_are_retried_then_delivered(api: Api, receiver: Receiver) -> None:
    await _model()
    receiver.script = [500, 503]
    webhook_id, secret = await _create(api, receiver)
    await promote(model="churn", version=1, actor="a")
    webhook = await _settled(api, webhook_id, 1)
    [delivery] = webhook["deliveries"]["nodes"]
    assert (delivery["status"], delivery["attemptCount"]) == ("DELIVERED", 3)
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["attempts"][0]["error"] == "the receiver answered HTTP 500"
    requests = receiver.snapshot()
    assert len({r.message_id for r in requests}) == 1 and len(requests) == 3  # one webhook-id for every attempt
    verified(requests, secret)


async def test_a_delivery_fails_after_the_last_retry_and_can_be_redelivered(api: Api, receiver: Receiver) -> None:
    await _model()
    receiver.status = 500
    webhook_id, _ = await _create(api, receiver)
    await promote(model="churn", version=1, actor="a")
    webhook = await _settled(api, webhook_id, 1)
    [delivery] = webhook["deliveries"]["nodes"]
    assert (delivery["status"], delivery["attemptCount"]) == ("FAILED", 4)  # the first attempt and 3 retries
    receiver.status = 200
    [row] = await WebhookDelivery.all()
    redeliver = "mutation($input: RedeliverInput!) { redeliver(input: $input) { delivery { status attemptCount } } }"
    from schema.relay import global_id

    queued = (await api.data(redeliver, {"input": {"id": global_id("WebhookDelivery", row.id)}}))["redeliver"]
    assert queued["delivery"] == {"status": "PENDING", "attemptCount": 0}
    deadline = time.monotonic() + 10
    while (await WebhookDelivery.get(id=row.id)).status != DeliveryStatus.DELIVERED and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert (await WebhookDelivery.get(id=row.id)).status == DeliveryStatus.DELIVERED
    assert {r.message_id for r in receiver.snapshot()} == {f"msg_{row.id}"}


async def test_gone_disables_the_webhook(api: Api, receiver: Receiver) -> None:
    await _model()
    receiver.status = 410
    webhook_id, _ = await _create(api, receiver)
    await promote(model="churn", version=1, actor="a")
    webhook = await _settled(api, webhook_id, 1)
    assert webhook["enabled"] is False and "410" in webhook["disabledReason"]
    assert webhook["deliveries"]["nodes"][0]["status"] == "FAILED"
    await promote(model="churn", version=2, actor="a")
    assert await WebhookDelivery.all().count() == 1  # a disabled webhook is owed nothing


async def test_a_rotated_secret_signs_beside_the_old_one(api: Api, receiver: Receiver) -> None:
    await _model()
    webhook_id, old = await _create(api, receiver)
    rotate = """mutation($input: RotateWebhookSecretInput!) {
      rotateWebhookSecret(input: $input) { secret webhook { previousSecretExpiresAt } } }"""
    rotated = (await api.data(rotate, {"input": {"id": webhook_id, "graceSeconds": 3600}}))["rotateWebhookSecret"]
    assert rotated["secret"] != old and rotated["webhook"]["previousSecretExpiresAt"] is not None
    await promote(model="churn", version=1, actor="a")
    [request] = await receiver.wait_for(1)
    verified([request], old, rotated["secret"])  # each secret finds its signature among the two
    assert len(request.headers["webhook-signature"].split(" ")) == 2


async def test_ping_is_queued_and_sent_by_the_worker(api: Api, receiver: Receiver) -> None:
    webhook_id, secret = await _create(api, receiver)
    ping = "mutation($input: WebhookIdInput!) { pingWebhook(input: $input) { delivery { eventType status } } }"
    queued = (await api.data(ping, {"input": {"id": webhook_id}}))["pingWebhook"]["delivery"]
    assert queued == {"eventType": "webhook.ping", "status": "PENDING"}
    [payload] = verified(await receiver.wait_for(1), secret)
    assert payload["type"] == "webhook.ping"


async def test_unsafe_destinations_and_bad_input_are_refused(api: Api) -> None:
    for url, problem in [
        ("http://example.com/hook", "https"),
        ("https://10.1.2.3/hook", "not a public address"),
        ("https://169.254.169.254/latest", "not a public address"),
        ("https://user:pw@example.com/", "credentials"),
        ("ftp://example.com/", "https://"),
    ]:
        error = await api.error(CREATE, {"input": {"url": url, "eventTypes": ["PROMOTED"]}})
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and problem in error["message"], error
        assert error["message"].startswith("input.url:")
    error = await api.error(
        CREATE, {"input": {"url": "https://example.com", "eventTypes": [], "modelPatterns": ["a b"]}}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await Webhook.all().count() == 0
    unknown = 'query { webhook(id: "V2ViaG9vazo5OTk") { id } }'  # Webhook:999
    assert (await api.data(unknown))["webhook"] is None
    assert await api.code('query { webhook(id: "bm9wZQ") { id } }') == "BAD_USER_INPUT"
    assert await api.code("{ webhooks { id } }", as_="deployer") == "FORBIDDEN"
    delete = "mutation($input: WebhookIdInput!) { deleteWebhook(input: $input) { deletedId } }"
    assert await api.code(delete, {"input": {"id": "V2ViaG9vazo5OTk"}}) == "NOT_FOUND"


async def test_scoped_tokens_see_and_receive_only_their_scope(api: Api, receiver: Receiver) -> None:
    await _model("churn")
    await _model("fraud")
    _, scoped_secret = await create_token(name="churn-admin", role=Role.ADMIN, model_patterns=["churn*"])
    api.tokens["churn-admin"] = scoped_secret
    everything, _ = await _create(api, receiver)
    body = {"url": receiver.url, "eventTypes": ["PROMOTED"]}
    mine = (await api.data(CREATE, {"input": body}, as_="churn-admin"))["createWebhook"]["webhook"]["id"]
    listed = (await api.data("{ webhooks { id } }", as_="churn-admin"))["webhooks"]
    assert listed == [{"id": mine}]
    assert (await api.data(f'{{ webhook(id: "{everything}") {{ id }} }}', as_="churn-admin"))["webhook"] is None
    update = "mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { id } } }"
    assert await api.code(update, {"input": {"id": everything, "enabled": False}}, as_="churn-admin") == "NOT_FOUND"
    outside = {"input": {**body, "modelPatterns": ["fraud*"]}}
    assert await api.code(CREATE, outside, as_="churn-admin") == "FORBIDDEN"
    inside = {"input": {**body, "modelPatterns": ["churn"]}}  # a model name within the scope
    assert (await api.data(CREATE, inside, as_="churn-admin"))["createWebhook"]["webhook"]["modelPatterns"] == ["churn"]
    await promote(model="fraud", version=1, actor="a")
    await promote(model="churn", version=1, actor="a")
    by_webhook = sorted([d.webhook_id for d in await WebhookDelivery.all()])
    assert len(by_webhook) == 4  # the unscoped webhook gets both, each scoped one only churn's


async def test_update_and_delete_are_audited(api: Api, receiver: Receiver) -> None:
    webhook_id, _ = await _create(api, receiver, description="ci")
    update = """mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) {
      webhook { eventTypes modelPatterns enabled description } } }"""
    changed = (
        await api.data(
            update, {"input": {"id": webhook_id, "eventTypes": ["DEMOTED"], "modelPatterns": [], "enabled": False}}
        )
    )["updateWebhook"]["webhook"]
    assert changed == {"eventTypes": ["DEMOTED"], "modelPatterns": None, "enabled": False, "description": "ci"}
    delete = "mutation($input: WebhookIdInput!) { deleteWebhook(input: $input) { deletedId } }"
    assert (await api.data(delete, {"input": {"id": webhook_id}}))["deleteWebhook"]["deletedId"] == webhook_id
    events = await api.data("{ auditEvents(first: 10) { nodes { action details } } }")
    actions = [e["action"] for e in events["auditEvents"]["nodes"]]
    assert actions[:3] == ["WEBHOOK_DELETED", "WEBHOOK_UPDATED", "WEBHOOK_CREATED"]
    assert "secret" not in str(events) and receiver.url not in str(events)


async def test_redirects_are_not_followed(api: Api, receiver: Receiver) -> None:
    await _model()
    receiver.script = [302]
    webhook_id, _ = await _create(api, receiver)
    await promote(model="churn", version=1, actor="a")
    [delivery] = (await _settled(api, webhook_id, 1))["deliveries"]["nodes"]
    assert [a["statusCode"] for a in delivery["attempts"]] == [302, 200]
    assert "redirects are not followed" in delivery["attempts"][0]["error"]


async def test_destinations_are_checked_again_when_sending() -> None:
    allow_none = AllowList()
    with pytest.raises(Refused, match="not a public address"):
        await check_destination("https://localhost/hook", allow_none)  # resolves to loopback
    with pytest.raises(Refused, match="https"):
        await check_destination("http://example.com/hook", allow_none)
    await check_destination("http://localhost:1/hook", AllowList.parse(["localhost"]))
    await check_destination("https://localhost/hook", AllowList.parse(["127.0.0.0/8", "::1"]))
    assert not public(ipaddress.ip_address("::ffff:10.0.0.1")) and public(ipaddress.ip_address("93.184.216.34"))
    assert check_url(" https://example.com/hook ", allow_none) == "https://example.com/hook"


async def test_a_transaction_sends_no_statement_for_its_deliveries(
    api: Api, receiver: Receiver, statements: StatementCounter
) -> None:
    """The database's trigger writes them (tests/webhooks/test_outbox.py). The app's delivery worker polls
    ``webhook_delivery`` meanwhile, so only inserts are looked for."""
    await _create(api, receiver, eventTypes=["MODEL_CREATED", "VERSION_REGISTERED"])
    statements.reset()
    await register_version(model="fresh", registration=Registration(), actor="trainer")  # two events
    inserts = [sql for sql in statements.sql if "INSERT INTO WEBHOOK_DELIVERY" in sql.upper().replace('"', "")]
    assert not inserts, statements.sql
    assert sorted(d.event_type for d in await WebhookDelivery.all()) == ["MODEL_CREATED", "VERSION_REGISTERED"]
