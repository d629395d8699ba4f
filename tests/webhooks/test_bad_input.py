"""Bad webhook input is refused with ``BAD_USER_INPUT`` on its field and writes nothing; a bad URL already stored
(before these checks existed) fails its deliveries instead of jamming the worker."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from models.entities import AuditEvent, DeliveryStatus, Webhook, WebhookDelivery
from models.errors import InvalidInput
from models.webhooks import signing
from models.webhooks.delivery import Claimed, send
from models.webhooks.destinations import AllowList, Refused, check_destination, check_url
from schema.relay import parse_global_id
from tests.support.helpers import Api, declare
from tests.support.receiver import Receiver
from tests.webhooks.conftest import FAST

CREATE = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id environments } } }"
UPDATE = "mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { url environments } } }"
PING = "mutation($input: WebhookIdInput!) { pingWebhook(input: $input) { delivery { status } } }"
ATTEMPTS = """query($id: ID!) { webhook(id: $id) { deliveries(first: 5) { nodes {
  status attemptCount attempts { error } } } } }"""

BAD_URLS = [
    ("https://[::1/", "not a valid URL"),
    ("https://[zz::1]/", "not a valid URL"),
    ("https://[::1]x/", "Invalid port"),
    ("https://example.com:99999/", "port"),
    ("https://example.com:70000/hook", "port"),
    ("https://example.com:0/", "port"),
    ("https://example.com:http/", "port"),
    ("https://exa mple.com/", "host"),
    ("https://exa\u200bmple.com/", "host"),
    ("https://exa\u00a0mple.com/", "host"),
    ("https://exa%20mple.com/", "host"),
    ("https://exa\x01mple.com/", "host"),
    ("https://a..b/", "host"),
    ("https://example.com/\x7fhook", "URL"),
]


async def _webhooks_and_events() -> tuple[int, int]:
    return await Webhook.all().count(), await AuditEvent.all().count()


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_malformed_urls_are_invalid_input(url: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem) as raised:
        check_url(url, AllowList.parse(["127.0.0.1"]))
    assert raised.value.field == "url"


def test_well_formed_urls_pass() -> None:
    allow = AllowList()
    for url in [
        "https://example.com/hook",
        "https://example.com:8443/hook",
        "https://example.com:65535/",
        "https://[2001:4860::8888]:443/hook",
        "https://b\u00fccher.de/hook",
        "https://ci_runner.example.com./hook",
    ]:
        assert check_url(url, allow) == url


async def test_malformed_urls_are_refused_at_create_and_update(api: Api, receiver: Receiver) -> None:
    body = {"url": receiver.url, "eventTypes": ["PROMOTED"]}
    webhook_id = (await api.data(CREATE, {"input": body}))["createWebhook"]["webhook"]["id"]
    before = await _webhooks_and_events()
    for url, _ in BAD_URLS:
        for document, fields in [(CREATE, {**body, "url": url}), (UPDATE, {"id": webhook_id, "url": url})]:
            error = await api.error(document, {"input": fields})
            assert error["extensions"]["code"] == "BAD_USER_INPUT", (url, error)
            assert error["message"].lstrip("$").startswith("input.url: "), (url, error)  # $: the variable
    assert await _webhooks_and_events() == before
    assert (await Webhook.get()).url == receiver.url


async def test_undeclared_environments_are_refused_at_create_and_update(api: Api, receiver: Receiver) -> None:
    await declare("qa-")
    body = {"url": receiver.url, "eventTypes": ["PROMOTED"]}
    webhook_id = (await api.data(CREATE, {"input": {**body, "environments": ["staging"]}}))["createWebhook"]["webhook"][
        "id"
    ]
    before = await _webhooks_and_events()
    for document, fields in [
        (CREATE, {**body, "environments": ["production", "qa"]}),
        (UPDATE, {"id": webhook_id, "environments": ["production", "qa"]}),
    ]:
        error = await api.error(document, {"input": fields})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["message"].startswith("input.environments[1]: 'qa' is not a declared environment"), error
        assert "did you mean 'qa-'" in error["message"], error
    assert await _webhooks_and_events() == before
    update = {"id": webhook_id, "environments": ["qa-", "production"]}
    assert (await api.data(UPDATE, {"input": update}))["updateWebhook"]["webhook"]["environments"] == [
        "qa-",
        "production",
    ]


async def test_a_stored_url_the_sender_cannot_use_fails_its_deliveries(api: Api, receiver: Receiver) -> None:
    """Rows written before the checks above: each delivery is recorded as failed, and the worker goes on."""
    body = {"url": receiver.url, "eventTypes": ["PROMOTED"]}
    bad = {
        "https://example.com:99999/": "port",  # refused before resolving
        "http://127.0.0.1:99999/": "port",  # an allowed host, not resolved: checked all the same
        "http://127.0.0.1/\x01": "non-printable",  # what httpx refuses
        "https://[::1/": "not a valid URL",
    }
    ids = []
    for url in bad:
        webhook_id = (await api.data(CREATE, {"input": body}))["createWebhook"]["webhook"]["id"]
        await Webhook.filter(id=parse_global_id(webhook_id, "id")[1]).update(url=url)
        await api.data(PING, {"input": {"id": webhook_id}})
        ids.append(webhook_id)
    good = (await api.data(CREATE, {"input": body}))["createWebhook"]["webhook"]["id"]
    await api.data(PING, {"input": {"id": good}})
    deadline = time.monotonic() + 15
    while await WebhookDelivery.filter(status=DeliveryStatus.PENDING).exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for webhook_id, problem in zip(ids, bad.values(), strict=True):
        [delivery] = (await api.data(ATTEMPTS, {"id": webhook_id}))["webhook"]["deliveries"]["nodes"]
        assert (delivery["status"], delivery["attemptCount"]) == ("FAILED", 4), (webhook_id, delivery)
        assert all(problem in attempt["error"] for attempt in delivery["attempts"]), delivery
    [delivery] = (await api.data(ATTEMPTS, {"id": good}))["webhook"]["deliveries"]["nodes"]
    assert delivery["status"] == "DELIVERED"


async def test_the_destination_check_refuses_a_malformed_url() -> None:
    for url in ["https://example.com:99999/", "https://[::1/", "https://exa\u200bmple.com/"]:
        with pytest.raises(Refused):
            await check_destination(url, AllowList())


@pytest.mark.parametrize("failure", [ValueError("Port out of range 0-65535"), httpx.InvalidURL("Invalid port: 'x'")])
async def test_send_reports_a_url_the_client_refuses_as_a_failed_attempt(failure: Exception) -> None:
    """Neither is an ``httpx.HTTPError``; each used to escape ``send`` and kill the delivery's task."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise failure

    delivery = Claimed(
        delivery_id=1,
        webhook_id=1,
        attempts=0,
        url="http://127.0.0.1:1/hook",  # allowed by FAST: not resolved
        secrets=[signing.generate_secret()],
        enabled=True,
        is_ping=True,
        body=b"{}",
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        outcome = await send(client, delivery, FAST)
    assert not outcome.delivered and outcome.error is not None and str(failure) in outcome.error
