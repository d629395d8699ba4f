"""``modelreg webhooks ...``, ``modelreg worker`` and ``modelreg events tail`` (docs/events.md).

``webhooks`` and ``worker`` work on the database directly, like ``tokens`` (webhook changes are audited as
``cli:USER``); ``events tail`` follows a running server's ``GET /api/events`` stream over HTTP, like the
release commands, and can wait for a condition: ``--until PROMOTED --version 7`` exits 0 when it happens and 1 ("a check
failed") when ``--timeout`` passes first, so a release pipeline can wait for a promotion and still tell a missed
event from an unreachable registry (6).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import timedelta
from typing import Any

import httpx
from modelreg_client import InvalidInput, release
from modelreg_client._http import registry_url
from modelreg_client.client import DEFAULT_URL

from app.settings import Settings

#: The awaited event did not come in time: a failed check (1) in the one exit-code table, not 6 (unreachable).
EXIT_TIMEOUT = release.EXIT_ERROR
WEBHOOK_ACTIONS = ("create", "list", "update", "delete", "ping", "deliveries", "redeliver", "rotate-secret")


def add_commands(commands: Any, database_flag: Any) -> None:
    """Add ``webhooks``, ``worker`` and ``events`` to the ``modelreg`` subcommands."""
    worker = commands.add_parser(
        "worker",
        help="deliver webhooks without serving the API",
        description="Run a webhook delivery worker "
        "(as every 'modelreg serve' process does unless MODELREG_WEBHOOK_WORKER=false) until SIGTERM or Ctrl-C.",
    )
    database_flag(worker)
    webhooks = commands.add_parser(
        "webhooks",
        help="create, list, change and test webhooks",
        description="Manage webhooks on the database directly; changes are audited as cli:USER. Ids are numbers.",
    )
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a webhook and print its signing secret (once)")
    create.add_argument("--url", required=True)
    _filters(create, required=True)
    actions.add_parser("list", help="list webhooks (never secrets)").add_argument("--json", action="store_true")
    update = actions.add_parser("update", help="change a webhook (a filter given as '' is removed)")
    update.add_argument("id", type=int)
    update.add_argument("--url")
    _filters(update, required=False)
    switch = update.add_mutually_exclusive_group()
    switch.add_argument("--enable", dest="enabled", action="store_const", const=True)
    switch.add_argument("--disable", dest="enabled", action="store_const", const=False)
    for name, text in (("delete", "delete a webhook and its delivery log"), ("ping", "queue a webhook.ping")):
        actions.add_parser(name, help=text).add_argument("id", type=int)
    deliveries = actions.add_parser("deliveries", help="a webhook's recent deliveries and their attempts")
    deliveries.add_argument("id", type=int)
    deliveries.add_argument("--status", choices=["PENDING", "DELIVERED", "FAILED"])
    deliveries.add_argument("--first", type=int, default=20)
    deliveries.add_argument("--json", action="store_true")
    actions.add_parser("redeliver", help="send a delivery again (same webhook-id)").add_argument("delivery", type=int)
    rotate = actions.add_parser("rotate-secret", help="a new signing secret; the old one signs too for a while")
    rotate.add_argument("id", type=int)
    rotate.add_argument("--grace", default="24h", help="how long the old secret stays valid, e.g. 24h, 7d, 0m")
    for parser in actions.choices.values():
        database_flag(parser)
    _add_events(commands)


def _filters(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--events", required=required, help="comma-separated audit actions, e.g. PROMOTED,DEMOTED")
    parser.add_argument("--models", help="comma-separated model-name patterns, e.g. 'churn-*'")
    parser.add_argument("--environments", help="comma-separated environments, e.g. production")
    parser.add_argument("--description")


def _add_events(commands: Any) -> None:
    events = commands.add_parser("events", help="follow the audit events of a running server")
    actions = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    tail = actions.add_parser(
        "tail",
        help="print audit events as they happen",
        description="Follow GET /api/events of a running server. With --until, exit 0 once a matching event "
        "arrives (e.g. --until PROMOTED --version 7), or 1 after --timeout seconds.",
        epilog="exit codes: 0 done, 1 error, 5 authentication or permission, 6 timed out",
    )
    tail.add_argument("--url", help="registry URL (env MODELREG_URL; default http://127.0.0.1:8000)")
    tail.add_argument("--token", help="API token (env MODELREG_TOKEN)")
    tail.add_argument("--model")
    tail.add_argument("--env", dest="environment")
    tail.add_argument("--action", action="append", help="only this action (repeatable)")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    tail.add_argument("--after", type=int, help="start after this event id instead of now")
    tail.add_argument("--until", metavar="ACTION", help="stop at the first event with this action, e.g. PROMOTED")
    tail.add_argument("--version", type=int, help="with --until: only an event about this version number")
    tail.add_argument("--timeout", type=float, help="with --until: give up after this many seconds (exit 1)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "events":
        return asyncio.run(_tail(args))
    return asyncio.run(_database_command(args, settings))


async def _database_command(args: argparse.Namespace, settings: Settings) -> int:
    from models.db.connection import connected
    from models.db.migrate import migrate
    from models.webhooks import policy

    await migrate(settings.database_url)
    policy.configure(settings.delivery)
    async with connected(settings.database_url):
        if args.command == "worker":
            from models.webhooks.delivery import Worker

            print("webhook worker started", flush=True)
            await Worker(settings.delivery).run()
            return 0
        return await _webhooks(args)


def _items(value: str | None) -> list[str] | None:
    return None if value is None else [item.strip() for item in value.split(",") if item.strip()]


async def _webhooks(args: argparse.Namespace) -> int:
    from models.tokens.operations import operator_actor, parse_duration
    from models.webhooks import operations, reads

    actor, command = operator_actor(), args.webhooks_command
    if command == "create":
        done = await operations.create_webhook(
            url=args.url,
            event_types=_items(args.events) or [],
            model_patterns=_items(args.models),
            environments=_items(args.environments),
            description=args.description,
            scope=None,
            actor=actor,
        )
        print(f"created webhook {done.webhook.id} -> {done.webhook.url}; its signing secret is shown once, store it:")
        print(done.secret)
    elif command == "list":
        _print([_webhook(w) for w in await reads.list_webhooks(scope=None)], as_json=args.json)
    elif command == "update":
        models, environments = _items(args.models), _items(args.environments)
        change = operations.WebhookChange(
            url=args.url,
            event_types=_items(args.events),
            model_patterns=models or None,
            clear_model_patterns=models == [],
            environments=environments or None,
            clear_environments=environments == [],
            description=args.description,
            enabled=args.enabled,
        )
        webhook = (await operations.update_webhook(webhook_id=args.id, change=change, scope=None, actor=actor)).webhook
        print(f"webhook {webhook.id}: {'enabled' if webhook.enabled else 'disabled'}, {webhook.url}")
    elif command == "delete":
        await operations.delete_webhook(webhook_id=args.id, scope=None, actor=actor)
        print(f"deleted webhook {args.id}")
    elif command == "ping":
        delivery = await operations.ping_webhook(webhook_id=args.id, scope=None)
        print(
            f"queued ping: delivery {delivery.id} (webhook-id msg_{delivery.id}); see 'webhooks deliveries {args.id}'"
        )
    elif command == "deliveries":
        await _deliveries(args)
    elif command == "redeliver":
        delivery = await operations.redeliver(delivery_id=args.delivery, scope=None)
        print(f"queued delivery {delivery.id} again (webhook-id msg_{delivery.id})")
    else:
        grace = parse_duration(args.grace, "grace") if args.grace not in ("0", "0m") else timedelta(0)
        done = await operations.rotate_secret(webhook_id=args.id, grace=grace, scope=None, actor=actor)
        print(f"rotated the secret of webhook {args.id}; the new one is shown once, store it:")
        print(done.secret)
    return 0


async def _deliveries(args: argparse.Namespace) -> None:
    from models.entities import DeliveryStatus
    from models.webhooks import reads

    await reads.get_webhook(webhook_id=args.id, scope=None)
    query = reads.DeliveryQuery(status=DeliveryStatus(args.status) if args.status else None)
    page = (await reads.list_deliveries(webhook_ids=[args.id], query=query, first=args.first, after=None))[args.id]
    rows = [delivery for _, delivery in page.edges]
    attempts = await reads.attempts_of([d.id for d in rows])
    records = [
        {
            "id": d.id,
            "webhookId": f"msg_{d.id}",
            "event": d.event_type,
            "status": d.status.value,
            "attempts": d.attempts,
            "nextAttemptAt": _iso(d.next_attempt_at),
            "log": [
                {"at": _iso(a.at), "status": a.status_code, "ms": a.duration_ms, "error": a.error}
                for a in attempts.get(d.id, [])
            ],
        }
        for d in rows
    ]
    if args.json:
        print(json.dumps(records, indent=2))
        return
    for r in records:
        last = r["log"][-1] if r["log"] else {}
        print(
            f"{r['id']:>8}  {r['event']:<22} {r['status']:<9} attempts {r['attempts']}  "
            f"last: {last.get('status') or last.get('error') or '-'}"
        )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _webhook(w: Any) -> dict[str, Any]:
    return {
        "id": w.id,
        "url": w.url,
        "enabled": w.enabled,
        "events": (w.event_types or "").strip(",").split(","),
        "models": w.model_patterns,
        "environments": (w.environments or "").strip(",").split(",") or None,
        "description": w.description,
        "disabledReason": w.disabled_reason,
    }


def _print(records: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(records, indent=2))
        return
    for r in records:
        state = "enabled" if r["enabled"] else f"disabled ({r['disabledReason'] or 'by an admin'})"
        print(f"{r['id']:>6}  {state:<10} {','.join(r['events'])}  {r['url']}")


async def _tail(args: argparse.Namespace) -> int:
    try:  # the client's reading of the URL: a scheme required, with or without /graphql
        url = registry_url(args.url or os.environ.get("MODELREG_URL") or DEFAULT_URL)
    except InvalidInput as error:
        return release.fail(release.EXIT_USAGE, error)
    token = args.token or os.environ.get("MODELREG_TOKEN")
    params: list[tuple[str, str | int | float | bool | None]] = [("action", a) for a in args.action or []]
    params += [(k, v) for k, v in (("model", args.model), ("environment", args.environment)) if v]
    if args.after is not None:
        params.append(("after", args.after))
    elif args.until and not args.action:
        # Waiting for a condition: the newest event of the model and environment counts too, so `promote &&
        # events tail --until PROMOTED` sees the promotion it follows, and a condition already met ends the wait
        # at once (as `kubectl wait` does). With --action the newest event of that action may be stale: from now.
        params.append(("start", "last"))
    headers = {"authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + args.timeout if args.timeout else None
    timeout = httpx.Timeout(10.0, read=None)
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            if deadline is None:
                return await _follow(client, url, params, headers, args)
            return await asyncio.wait_for(_follow(client, url, params, headers, args), deadline - time.monotonic())
    except TimeoutError:
        print(f"modelreg: no matching event within {args.timeout:g} s", file=sys.stderr)
        return EXIT_TIMEOUT
    except httpx.HTTPError as error:
        print(f"modelreg: unavailable: cannot follow {url}/api/events: {error}", file=sys.stderr)
        return release.EXIT_UNAVAILABLE


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    params: list[tuple[str, str | int | float | bool | None]],
    headers: dict[str, str],
    args: argparse.Namespace,
) -> int:
    async with client.stream("GET", f"{url}/api/events", params=params, headers=headers) as response:
        if response.status_code != 200:
            body = json.loads(await response.aread())
            print(f"modelreg: {body.get('error', {}).get('message', response.status_code)}", file=sys.stderr)
            statuses = {400: release.EXIT_USAGE, 401: release.EXIT_AUTH, 403: release.EXIT_AUTH}
            return statuses.get(response.status_code, release.EXIT_ERROR)
        async for line in response.aiter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            print(json.dumps(event) if args.json else _line(event), flush=True)
            if args.until and event["action"] == args.until and _version_matches(event, args.version):
                return 0
    return 1


def _version_matches(event: dict[str, Any], version: int | None) -> bool:
    return version is None or event.get("version") == version


def _line(event: dict[str, Any]) -> str:
    where = f" {event['environment']}" if event.get("environment") else ""
    version = f" v{event['version']}" if event.get("version") is not None else ""
    return f"{event['at']}  {event['action']:<20} {event.get('model') or '-'}{version}{where}  by {event['actor']}"
