"""Monitoring commands of ``modelreg``, over HTTP with the Python client (docs/monitoring.md, "From the command line").

``modelreg drift MODEL [--env E] [--json]``: the latest window's verdict, feature by feature.
``modelreg retrain list|request|ack|complete|cancel``: the model's retraining requests.
Exit codes as the release commands': 0 done, 1 unexpected error, 2 usage or refused input, 3 conflict, 4 not
found, 5 authentication or permission; plus 6 from ``drift`` when the latest window is DRIFT (for scripts).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from modelreg_client import Client, RegistryError, release
from modelreg_client.tables import Table, show

#: ``drift`` finding DRIFT is "a check failed" in the one exit-code table (``modelreg_client.release``), as
#: ``audit verify`` finding tampering is: 6 stays "the registry cannot be reached", so a script tells them apart.
EXIT_DRIFT = release.EXIT_ERROR
COMMANDS = ("drift", "retrain")


def add_commands(commands: Any) -> None:
    """Add ``drift`` and ``retrain`` to ``modelreg``'s sub-command parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="registry URL (env MODELREG_URL; default http://127.0.0.1:8000)")
    common.add_argument("--token", help="API token (env MODELREG_TOKEN)")
    common.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")
    drift = commands.add_parser(
        "drift",
        help="the latest monitoring window of a deployment: each feature's statistics and status",
        parents=[common],
        epilog="exit codes: as the release commands, and 6 when the latest window is DRIFT",
    )
    drift.add_argument("model")
    drift.add_argument("--env", default="production", help="environment (default production)")
    retrain = commands.add_parser("retrain", help="retraining requests: list, request, ack, complete, cancel")
    actions = retrain.add_subparsers(dest="retrain_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="open requests (or --all), newest first", parents=[common])
    listing.add_argument("model", nargs="?", help="only this model's")
    listing.add_argument("--all", action="store_true", help="closed requests too")
    request = actions.add_parser("request", help="open a request (deployer)", parents=[common])
    request.add_argument("model")
    request.add_argument("--reason")
    request.add_argument("--env", help="the environment where the problem was seen")
    for name, help in (("ack", "acknowledge the open request"), ("cancel", "cancel the open request")):
        action = actions.add_parser(name, help=help, parents=[common])
        action.add_argument("model")
        action.add_argument("--reason")
    complete = actions.add_parser(
        "complete", help="close the open request with the version that answers it", parents=[common]
    )
    complete.add_argument("model")
    complete.add_argument("version", type=int)
    complete.add_argument("--reason")


def run(args: argparse.Namespace) -> int:
    try:
        with Client(args.url, args.token) as client:
            if args.command == "drift":
                return _drift(client, args)
            return _RETRAIN[args.retrain_action](client, args)
    except RegistryError as error:
        return release.fail(release.exit_code(error), error)


def _number(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _drift(client: Client, args: argparse.Namespace) -> int:
    found = client.drift(args.model, args.env)
    window = found["latestWindow"]
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True))
        return EXIT_DRIFT if window and window["status"] == "DRIFT" else release.EXIT_OK
    version = found["version"]["number"]
    if window is None:
        print(f"{args.model} v{version} in {args.env}: no monitoring window recorded yet")
        return release.EXIT_OK
    print(
        f"{args.model} v{version} in {args.env}: {window['status']} "
        f"({window['driftingFeatures']} of {len(window['features'])} features drifting), window {window['key']} "
        f"({_when(window['start'])} to {_when(window['end'])}), {window['rowCount']} rows; "
        f"performance {window['performanceStatus']}"
    )
    table = Table("FEATURE", "KIND", "STATUS", "PSI", "JS", "WASSERSTEIN", "CHI2 P", "MISSING")
    for feature in [*window["features"], window["prediction"]]:
        table.add_row(
            feature["feature"],
            feature["kind"].lower(),
            feature["status"],
            _number(feature["psi"]),
            _number(feature["jensenShannon"]),
            _number(feature["wasserstein"]),
            _number(feature["pValue"]),
            f"{feature['missingShare']:.1%}",
        )
    show(table)
    for item in window["performance"]:
        print(
            f"{item['metric']}: {_number(item['realized'])} against {_number(item['registered'])} registered "
            f"(delta {_number(item['delta'])}){' DEGRADED' if item['degraded'] else ''}, "
            f"{window['labelCoverage']:.0%} of rows labeled"
        )
    request = found["openRetrainingRequest"]
    if request is not None:
        print(f"retraining request {request['state']} ({request['trigger']}): {request['reason'] or ''}")
    return EXIT_DRIFT if window["status"] == "DRIFT" else release.EXIT_OK


def _show(requests: list[dict[str, Any]], as_json: bool) -> int:
    if as_json:
        print(json.dumps(requests, indent=2, sort_keys=True))
        return release.EXIT_OK
    table = Table("MODEL", "STATE", "TRIGGER", "ENV", "REQUESTED", "BY", "ANSWERED BY", "REASON")
    for r in requests:
        answered = r["answeredBy"]
        table.add_row(
            r["model"]["name"],
            r["state"],
            r["trigger"],
            r["environment"] or "-",
            _when(r["requestedAt"]),
            r["requestedBy"],
            f"v{answered['number']}" if answered else "-",
            r["reason"] or "",
        )
    show(table)
    return release.EXIT_OK


def _when(stamp: str) -> str:
    """An ISO time as the tables show times: to the second, UTC as sent."""
    return stamp[:19].replace("T", " ")


def _list(client: Client, args: argparse.Namespace) -> int:
    states = ["OPEN", "ACKNOWLEDGED", "COMPLETED", "CANCELLED"] if args.all else None
    return _show(client.retraining_requests(model=args.model, states=states), args.json)


_RETRAIN: dict[str, Callable[[Client, argparse.Namespace], int]] = {
    "list": _list,
    "request": lambda c, a: _show([c.request_retraining(a.model, reason=a.reason, environment=a.env)], a.json),
    "ack": lambda c, a: _show([c.acknowledge_retraining(a.model, reason=a.reason)], a.json),
    "complete": lambda c, a: _show([c.complete_retraining(a.model, a.version, reason=a.reason)], a.json),
    "cancel": lambda c, a: _show([c.cancel_retraining(a.model, reason=a.reason)], a.json),
}
