"""Release commands: read the registry and move versions, over HTTP with the Python client.

They are ``modelreg-release COMMAND`` in the client distribution (``modelreg-client``, for training jobs and
release pipelines) and ``modelreg COMMAND`` in the server's.

Exit codes (one table for every ``modelreg`` command, README "Exit codes"): 0 done (or nothing to do),
1 a check failed or an unexpected error, 2 usage (bad arguments, or input the registry refuses), 3 conflict
(including a failed --if-better gate), 4 not found (including no registry at the database URL), 5
authentication or permission, 6 the registry or its database cannot be reached (retrying later may work).
Errors go to stderr as one line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, NoReturn

from modelreg_client import (
    Client,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RegistryError,
    Unauthenticated,
    Unavailable,
    __version__,
    directions,
)
from modelreg_client.tables import Table, show

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND, EXIT_AUTH, EXIT_UNAVAILABLE = 0, 1, 2, 3, 4, 5, 6
EXIT_CODES_HELP = (
    "exit codes: 0 done (or nothing to do), 1 a check failed or an unexpected error, 2 usage, 3 conflict "
    "(including a failed --if-better gate), 4 not found, 5 authentication or permission, 6 registry or "
    "database unreachable"
)
COMMANDS = (
    "models",
    "versions",
    "compare",
    "history",
    "audit",
    "promote",
    "demote",
    "rollback",
    "archive",
    "environments",
    "directions",
)
_MAX_METRIC_COLUMNS = 6


class UsageParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, like every other error, with exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"modelreg: usage: {self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``modelreg-release``: the release commands alone, without the server (the client distribution's command)."""
    parser = UsageParser(
        prog="modelreg-release",
        description="Release commands of modelreg over HTTP: models, versions, compare, history, audit, promote, "
        "demote, rollback, archive, environments, directions. The server's 'modelreg' command has the same ones.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"modelreg-client {__version__}")
    add_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:
        # The reader went away (``| head``): not an error. stdout to /dev/null, so the final flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def add_commands(commands: Any) -> argparse.ArgumentParser:
    """Add the release commands to ``modelreg``'s sub-command parser; return ``audit``'s, for ``audit verify``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="registry URL (env MODELREG_URL; default http://127.0.0.1:8000)")
    common.add_argument("--token", help="API token (env MODELREG_TOKEN)")
    common.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, parents=[common], epilog=EXIT_CODES_HELP)  # type: ignore[no-any-return]

    command("models", "list models with their production version")
    versions = command("versions", "list a model's versions, newest first or by a metric")
    versions.add_argument("model")
    versions.add_argument("--order-by", metavar="METRIC", help="order by this metric (versions lacking it last)")
    versions.add_argument("--ascending", action="store_true", help="lowest first")
    compare = command("compare", "compare versions' metrics against production")
    compare.add_argument("model")
    compare.add_argument("--metric", help="sort rows by this metric, best (highest) first")
    compare.add_argument("--numbers", type=_numbers, help="versions to compare, e.g. 3,4,5 (default: newest)")
    compare.add_argument("--limit", type=int, help="how many of the newest versions (default 10)")
    history = command("history", "deployments of a model, newest first")
    history.add_argument("model")
    history.add_argument("--env", help="only this environment")
    audit = command("audit", "audit events, newest first")
    audit.add_argument("--model")
    audit.add_argument("--actor")
    audit.add_argument("--action", help="e.g. PROMOTED, ROLLED_BACK")
    audit.add_argument("--limit", type=int, default=50, help="at most this many events (default 50)")

    promote = command("promote", "make a version the active one in an environment")
    promote.add_argument("model")
    promote.add_argument("version", type=int)
    _release_flags(promote)
    promote.add_argument(
        "--expect", type=int, metavar="N", help="compare-and-set: only if version N is active now (0: nothing)"
    )
    promote.add_argument(
        "--if-better",
        metavar="METRIC",
        help="champion/challenger gate: promote only if VERSION beats the active one on METRIC",
    )
    promote.add_argument("--min-delta", type=float, default=0.0, help="with --if-better: by at least this much")
    direction = promote.add_mutually_exclusive_group()
    direction.add_argument(
        "--lower-is-better",
        action="store_const",
        const=True,
        dest="lower_is_better",
        help="with --if-better: lower wins (default: by the metric's name, lower for losses and errors such as "
        "log_loss, rmse, latency_ms; higher otherwise)",
    )
    direction.add_argument(
        "--higher-is-better", action="store_const", const=False, dest="lower_is_better", help="with --if-better"
    )
    demote = command("demote", "retire the active version of an environment")
    demote.add_argument("model")
    _release_flags(demote)
    demote.add_argument("--expect", type=int, metavar="N", help="compare-and-set: only if version N is active now")
    rollback = command("rollback", "re-deploy the version that was active before the current one")
    rollback.add_argument("model")
    _release_flags(rollback)
    archive = command("archive", "archive a version (it can no longer be promoted)")
    archive.add_argument("model")
    archive.add_argument("version", type=int)
    archive.add_argument("--reason")
    directions_command = command(
        "directions", "show or declare which way a model's metrics are better (compare and --if-better read it)"
    )
    directions_command.add_argument("model")
    directions_command.add_argument(
        "assignments",
        nargs="*",
        type=_direction,
        metavar="METRIC=lower|higher|auto",
        help="declare directions (writer token); auto goes back to the name's convention. Without any: show them",
    )
    _environment_commands(commands, common)
    return audit


def _environment_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    environments = commands.add_parser(
        "environments",
        help="list, declare and remove environments; protect them with rules (admin)",
        description="Promotions go only to declared environments: staging and production exist in every registry, "
        "an admin declares more with 'environments create NAME'. A protected environment's rules are checked in the "
        "same transaction as every promote and rollback into it (demote checks the role only); a promotion that "
        "breaks one fails and changes nothing.",
        epilog=EXIT_CODES_HELP,
    )
    actions = environments.add_subparsers(dest="environments_command", required=True, metavar="ACTION")

    def action(name: str, help: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, help=help, parents=[common], epilog=EXIT_CODES_HELP)  # type: ignore[no-any-return]

    action("list", "declared environments, with their active deployments and rules")
    create = action("create", "declare an environment so versions can be promoted there (admin token)")
    create.add_argument("environment", metavar="NAME", help="1 to 64 characters of a-z 0-9 -, starting with a letter")
    create.add_argument("--description", help="what it is for: kept in the audit trail")
    remove = action("remove", "remove a declared environment that has never been used (admin token)")
    remove.add_argument("environment", metavar="NAME")
    remove.add_argument("--reason", help="why: kept in the audit trail")
    protect = action("protect", "set the rules of an environment, replacing any it had (admin token)")
    protect.add_argument("environment")
    protect.add_argument(
        "--require-role", choices=["deployer", "admin"], help="promote, rollback and demote there need this role"
    )
    protect.add_argument(
        "--require-metric",
        action="append",
        metavar="RULE",
        help="a metric bound the version must meet, e.g. 'roc_auc>=0.8' (>=, >, <=, <; quote it, > is a shell "
        "redirection); repeatable",
    )
    protect.add_argument(
        "--require-tag", action="append", metavar="KEY=VALUE", help="a tag the version must carry; repeatable"
    )
    protect.add_argument(
        "--require-prior",
        action="append",
        metavar="ENV",
        help="an environment the version must have been deployed in before (active or retired); repeatable",
    )
    protect.add_argument("--reason", help="why: kept in the audit trail")
    protect.add_argument("--idempotency-key", metavar="KEY", help="retrying with the same key changes nothing")
    unprotect = action("unprotect", "remove every rule of an environment (admin token)")
    unprotect.add_argument("environment")
    unprotect.add_argument("--reason", help="why: kept in the audit trail")
    unprotect.add_argument("--idempotency-key", metavar="KEY", help="retrying with the same key changes nothing")


def _release_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default="production", help="environment (default production)")
    parser.add_argument("--reason", help="why: kept in the audit trail")
    parser.add_argument("--idempotency-key", metavar="KEY", help="retrying with the same key changes nothing")


def _direction(text: str) -> tuple[str, str]:
    metric, sign, way = text.rpartition("=")
    if not sign or not metric or way not in ("lower", "higher", "auto"):
        raise argparse.ArgumentTypeError(f"{text!r}: write METRIC=lower, METRIC=higher or METRIC=auto")
    return metric, way


def _numbers(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("give version numbers separated by commas, e.g. 3,4,5") from None


def exit_code(error: RegistryError) -> int:
    """The exit code of a failed command (the one table, ``EXIT_CODES_HELP``); scripts using the client use it too."""
    for kind, code in (
        ((Unauthenticated, Forbidden), EXIT_AUTH),
        ((Conflict,), EXIT_CONFLICT),
        ((NotFound,), EXIT_NOT_FOUND),
        ((InvalidInput,), EXIT_USAGE),
        ((Unavailable,), EXIT_UNAVAILABLE),
    ):
        if isinstance(error, kind):
            return code
    return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    try:
        with Client(args.url, args.token) as client:
            return _COMMANDS[args.command](client, args)
    except RegistryError as error:
        return fail(exit_code(error), error)


def fail(code: int, error: RegistryError) -> int:
    """Say ``error`` in one line on stderr and return ``code``, as every command reports a failure."""
    print(f"modelreg: {error.code.lower().replace('_', ' ')}: {error.message}", file=sys.stderr)
    return code


def _models(client: Client, args: argparse.Namespace) -> int:
    models = list(client.models())
    if args.json:
        return _json(models)
    table = _table("MODEL", "VERSIONS", "PRODUCTION", "UPDATED", "DESCRIPTION")
    for m in models:
        table.add_row(m.name, str(m.version_count), _v(m.production_version), _when(m.updated_at), m.description or "")
    return _show(table)


def _versions(client: Client, args: argparse.Namespace) -> int:
    versions = list(client.versions(args.model, order_by=args.order_by, descending=not args.ascending))
    if args.json:
        return _json(versions)
    names = _metric_columns([v.metrics for v in versions], args.order_by)
    table = _table("VERSION", "STATUS", "ACTIVE IN", *names, "MODEL TYPE", "CREATED", "BY")
    for v in versions:
        metrics = [_number(v.metrics.get(name)) for name in names]
        model_type = (v.model_type or "").rsplit(".", 1)[-1]
        table.add_row(
            _v(v.number),
            v.status,
            ",".join(v.active_environments),
            *metrics,
            model_type,
            _when(v.created_at),
            v.created_by,
        )
    return _show(table)


def _compare(client: Client, args: argparse.Namespace) -> int:
    comparison = client.compare(args.model, numbers=args.numbers, metric=args.metric, limit=args.limit)
    if args.json:
        return _json(comparison)
    names = comparison.metric_names
    table = _table("VERSION", *names)
    for row in comparison.rows:
        cells = [
            _number(value)
            + (
                ""
                if delta is None or row.version == comparison.production_version
                else f" ({delta:+.4f} {directions.verdict(name, delta, comparison.metric_directions)})"
            )
            for name, value, delta in zip(names, row.values, row.deltas_from_production, strict=True)
        ]
        marker = " *" if row.version == comparison.production_version else ""
        table.add_row(_v(row.version) + marker, *cells)
    lower = [name for name in names if directions.lower_is_better(name, comparison.metric_directions)]
    table.caption = "* in production; (+/-) difference from production, better or worse by the metric's direction: " + (
        f"lower is better for {', '.join(lower)}, higher for the others" if lower else "higher is better for each"
    )
    return _show(table)


def _history(client: Client, args: argparse.Namespace) -> int:
    deployments = list(client.history(args.model, environment=args.env))
    if args.json:
        return _json(deployments)
    table = _table("DEPLOYED", "ENVIRONMENT", "VERSION", "ACTIVE", "BY", "REASON", "RETIRED")
    for d in deployments:
        table.add_row(
            _when(d.deployed_at),
            d.environment,
            _v(d.version),
            "yes" if d.active else "",
            d.deployed_by,
            d.reason or "",
            _when(d.retired_at),
        )
    return _show(table)


def _audit(client: Client, args: argparse.Namespace) -> int:
    events = list(islice(client.audit(model=args.model, actor=args.actor, action=args.action), args.limit))
    if args.json:
        return _json(events)
    table = _table("AT", "ACTION", "ACTOR", "MODEL", "VERSION", "FROM", "ENVIRONMENT", "REASON")
    for e in events:
        table.add_row(
            _when(e.at),
            e.action,
            e.actor,
            e.model,
            _v(e.version),
            _v(e.previous_version),
            e.environment or "",
            e.reason or "",
        )
    return _show(table)


def _promote(client: Client, args: argparse.Namespace) -> int:
    expected = args.expect
    gate = None
    if args.if_better:
        if expected is not None:
            print("modelreg: usage: --if-better sets the expected version itself; drop --expect", file=sys.stderr)
            return EXIT_USAGE
        gate = client.challenge(
            args.model,
            args.version,
            metric=args.if_better,
            environment=args.env,
            min_delta=args.min_delta,
            lower_is_better=args.lower_is_better,
        )
        if not gate.passed:
            if args.json:
                _json({"gate": gate, "promotion": None})
            print(f"modelreg: gate failed: {gate.reason}; not promoted", file=sys.stderr)
            return EXIT_CONFLICT
        # Compare-and-set on the champion we compared against: a change since then fails with CONFLICT.
        expected = gate.champion
    result = client.promote(
        args.model,
        args.version,
        environment=args.env,
        reason=args.reason or (gate.reason if gate else None),
        expected_current_version=expected,
        idempotency_key=args.idempotency_key,
    )
    if args.json:
        return _json({"gate": gate, "promotion": result} if gate else result)
    if not result.changed:
        print(f"version {args.version} of {args.model} is already active in {args.env}; nothing changed")
    else:
        was = f" (was version {result.previous.version})" if result.previous else ""
        print(f"promoted {args.model} version {args.version} to {args.env}{was}")
    return EXIT_OK


def _demote(client: Client, args: argparse.Namespace) -> int:
    result = client.demote(
        args.model,
        environment=args.env,
        reason=args.reason,
        expected_current_version=args.expect,
        idempotency_key=args.idempotency_key,
    )
    if args.json:
        return _json(result)
    print(f"demoted {args.model} version {result.retired.version} from {args.env}; nothing is active there now")
    return EXIT_OK


def _rollback(client: Client, args: argparse.Namespace) -> int:
    result = client.rollback(args.model, environment=args.env, reason=args.reason, idempotency_key=args.idempotency_key)
    if args.json:
        return _json(result)
    was = f" (was version {result.previous.version})" if result.previous else ""
    print(f"rolled {args.model} in {args.env} back to version {result.deployment.version}{was}")
    return EXIT_OK


def _archive(client: Client, args: argparse.Namespace) -> int:
    version = client.archive(args.model, args.version, reason=args.reason)
    if args.json:
        return _json(version)
    print(f"archived {args.model} version {version.number}")
    return EXIT_OK


def _environments(client: Client, args: argparse.Namespace) -> int:
    if args.environments_command == "create":
        declared = client.create_environment(args.environment, description=args.description)
        if args.json:
            return _json(declared)
        print(f"declared environment {declared.environment.name}")
        return EXIT_OK
    if args.environments_command == "remove":
        removed = client.remove_environment(args.environment, reason=args.reason)
        if args.json:
            return _json(removed)
        print(f"removed environment {removed.name}")
        return EXIT_OK
    if args.environments_command == "protect":
        change = client.protect_environment(
            args.environment,
            required_role=args.require_role,
            metric_rules=args.require_metric or (),
            tag_rules=args.require_tag or (),
            prior_environments=args.require_prior or (),
            reason=args.reason,
            idempotency_key=args.idempotency_key,
        )
        if args.json:
            return _json(change)
        was = f" (replacing: {', '.join(change.previous.rules)})" if change.previous else ""
        print(f"protected {args.environment}: {', '.join(change.protection.rules)}{was}")
        return EXIT_OK
    if args.environments_command == "unprotect":
        removal = client.unprotect_environment(
            args.environment, reason=args.reason, idempotency_key=args.idempotency_key
        )
        if args.json:
            return _json(removal)
        print(f"unprotected {args.environment} (its rules were: {', '.join(removal.previous.rules)})")
        return EXIT_OK
    environments = client.environments()
    if args.json:
        return _json(environments)
    table = _table("ENVIRONMENT", "ACTIVE", "RULES", "CHANGED", "BY", "REASON")
    for env in environments:
        rules = env.protection
        table.add_row(
            env.name,
            str(env.active_deployment_count),
            ", ".join(rules.rules) if rules else "unprotected",
            _when(rules.updated_at) if rules else "",
            rules.updated_by if rules else "",
            (rules.reason or "") if rules else "",
        )
    return _show(table)


def _directions(client: Client, args: argparse.Namespace) -> int:
    declared = client.metric_directions(args.model)
    if args.assignments:
        for metric, way in args.assignments:
            if way == "auto":
                declared.pop(metric, None)
            else:
                declared[metric] = way
        declared = client.set_metric_directions(args.model, declared)
    if args.json:
        return _json(declared)
    if not declared:
        print(f"{args.model} declares no metric directions: each metric goes by its name (lower for losses and errors)")
        return EXIT_OK
    table = _table("METRIC", "BETTER")
    for metric, way in sorted(declared.items()):
        table.add_row(metric, way)
    return _show(table)


_COMMANDS = {
    "models": _models,
    "versions": _versions,
    "compare": _compare,
    "history": _history,
    "audit": _audit,
    "promote": _promote,
    "demote": _demote,
    "rollback": _rollback,
    "archive": _archive,
    "environments": _environments,
    "directions": _directions,
}


def _json(value: Any) -> int:
    print(json.dumps(_plain(value), indent=2, sort_keys=True))
    return EXIT_OK


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _table(*columns: str) -> Table:
    return Table(*columns)


def _show(table: Table) -> int:
    show(table)
    return EXIT_OK


def _metric_columns(all_metrics: Iterable[dict[str, float]], first: str | None) -> list[str]:
    names = sorted({name for metrics in all_metrics for name in metrics})
    if first in names:
        names.remove(first)
        names.insert(0, first)
    return names[:_MAX_METRIC_COLUMNS]


def _v(number: int | None) -> str:
    return f"v{number}" if number else "-"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""
