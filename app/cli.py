"""The ``modelreg`` command: serve, migrate, backup, demo, tokens, audit verify, schema."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

import asyncpg
import uvicorn
from modelreg_client import release
from modelreg_client.tables import Table, show
from tortoise.exceptions import DBConnectionError
from uvicorn.supervisors import Multiprocess

from app import __version__, events_cli, monitoring_commands
from app.settings import Settings, data_home
from models.db.failures import translate
from models.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated, Unavailable

if TYPE_CHECKING:
    from models.entities import ApiToken

ROLES = ["reader", "writer", "deployer", "admin"]


def _database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="sqlite://PATH or postgres://USER@HOST:PORT/DB (env MODELREG_DATABASE_URL; default "
        "sqlite://./var/modelreg.sqlite3, or $MODELREG_HOME/modelreg.sqlite3 when MODELREG_HOME is set)",
    )


def _artifact_flags(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--artifact-url",
        help="artifact store: file://PATH or s3://BUCKET/PREFIX (env MODELREG_ARTIFACT_URL; S3 endpoint, region "
        "and credentials from the AWS_* variables; default file://$MODELREG_HOME/artifacts)",
    )
    where.add_argument(
        "--artifact-root",
        help="folder for artifact blobs, the same as --artifact-url file://PATH (env MODELREG_ARTIFACT_ROOT)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = release.UsageParser(
        prog="modelreg",
        description="modelreg: a model registry with a GraphQL API. Server commands (serve, migrate, backup, "
        "demo, tokens, audit verify) work on the database (all but backup apply pending migrations first); release "
        "commands (models, versions, compare, history, audit, promote, demote, rollback, archive, environments, "
        "directions) talk HTTP to a running server.",
        epilog=release.EXIT_CODES_HELP + " (every command)",
    )
    parser.add_argument("--version", action="version", version=f"modelreg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serve(commands)
    _add_database_commands(commands)
    _add_tokens(commands)
    commands.add_parser("schema", help="print the GraphQL schema as SDL")
    _add_audit_verify(release.add_commands(commands))
    monitoring_commands.add_commands(commands)
    events_cli.add_commands(commands, _database_flag)  # webhooks, worker, events tail (docs/events.md)
    return parser


#: The subcommands of ``modelreg``, to which each family of commands adds its own.
_Commands: TypeAlias = "argparse._SubParsersAction[release.UsageParser]"


def _add_serve(commands: _Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the API (GraphQL at /graphql)",
        description="Serve the API. Prints 'listening on http://H:P' once it accepts requests.",
    )
    serve.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    _database_flag(serve)
    _artifact_flags(serve)
    serve.add_argument(
        "--allow-anonymous-read",
        action="store_true",
        default=None,
        help="let requests without a token run queries (env MODELREG_ALLOW_ANONYMOUS_READ)",
    )
    serve.add_argument("--no-graphiql", action="store_true", help="do not serve the GraphiQL explorer on GET /graphql")
    serve.add_argument(
        "--no-introspection",
        action="store_true",
        help="refuse __schema and __type queries (env MODELREG_INTROSPECTION=false); see docs/security.md for "
        "the limits set by MODELREG_TIMEOUT_SECONDS, MODELREG_MAX_NODES, MODELREG_BODY_TIMEOUT_SECONDS, "
        "MODELREG_RATE_LIMIT, MODELREG_RATE_BURST, MODELREG_CORS_ORIGINS",
    )
    serve.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations before serving")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes sharing the port (env MODELREG_WORKERS; default 1); see docs/operations.md",
    )


def _add_database_commands(commands: _Commands) -> None:
    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    _database_flag(migrate)
    migrate.add_argument("--check", action="store_true", help="only list pending migrations; exit 1 if there are any")

    backup = commands.add_parser(
        "backup",
        help="copy a SQLite registry and its artifacts while it serves",
        description="Write a consistent copy of a SQLite registry (SQLite's online backup API) and of its "
        "artifact blobs into the new folder PATH, while servers keep running. For PostgreSQL use pg_dump "
        "(docs/operations.md, 'Backups and restore').",
    )
    backup.add_argument("path", metavar="PATH", help="folder to create; it must not exist or be empty")
    _database_flag(backup)
    backup.add_argument("--artifact-root", help="folder of artifact blobs (env MODELREG_ARTIFACT_ROOT)")

    demo = commands.add_parser("demo", help="seed the demo registry with real scikit-learn models (idempotent)")
    _database_flag(demo)
    _artifact_flags(demo)


def _add_tokens(commands: _Commands) -> None:
    tokens = commands.add_parser(
        "tokens",
        help="create, list, revoke and check API tokens",
        description="Create, list, revoke and check API tokens, on the database directly. Creating, replacing and "
        "revoking a token writes TOKEN_CREATED / TOKEN_REVOKED audit events whose actor is cli:USER, USER being "
        "the operating-system user running the command.",
    )
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token and print it (once) on the last line")
    create.add_argument("--name", required=True, help="who the token is for; it becomes the audit actor")
    create.add_argument("--role", required=True, choices=ROLES, help="reader < writer < deployer < admin")
    create.add_argument(
        "--models", help="limit the token to models matching these comma-separated patterns, e.g. 'churn-*,fraud-?'"
    )
    create.add_argument(
        "--environments", help="limit promote/demote/rollback to these comma-separated environments, e.g. staging,dev"
    )
    create.add_argument("--expires-in", help="lifetime, e.g. 30d, 12h, 90m, 2w (default: never expires)")
    create.add_argument(
        "--replace", action="store_true", help="give an existing name a new secret, role, scopes and expiry"
    )
    _database_flag(create)
    listing = token_commands.add_parser("list", help="list tokens (names, roles, scopes, times; never secrets)")
    listing.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    _database_flag(listing)
    revoke = token_commands.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    _database_flag(revoke)
    check = token_commands.add_parser(
        "check",
        help="check a token's format and checksum offline (no database); exit 0 if it looks valid, 1 if not",
        description="Check a token's prefix, length and checksum without the database, e.g. to confirm a leak. "
        "Reads the token from standard input when TOKEN is '-' or left out (keeps it out of shell history).",
    )
    check.add_argument("token", nargs="?", default="-", metavar="TOKEN")


def _add_audit_verify(audit: argparse.ArgumentParser) -> None:
    """``modelreg audit verify``: a server command (it reads the database) under the release command ``audit``."""
    actions = audit.add_subparsers(dest="audit_action", metavar="[verify]", title="sub-action (optional)")
    verify = actions.add_parser(
        "verify",
        help="check the audit log's hash chains in the database",
        description="Walk every audit chain (each model's events, and the registry's) in the database and report "
        "the first event that was altered, removed or reordered in each. Like tokens, it works on the database "
        "and applies pending migrations first. See docs/security.md, 'Audit log'.",
        epilog="exit codes: 0 every chain intact, 1 tampered (or an unexpected error), 4 no such model",
    )
    # Own dests: argparse lets a sub-parser's defaults overwrite ``audit``'s own --model and --json.
    verify.add_argument("--model", dest="verify_model", metavar="NAME", help="only this model's chain")
    verify.add_argument("--json", dest="verify_json", action="store_true", help="print JSON for scripts")
    _database_flag(verify)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``modelreg``; every failure is one line on stderr and an exit code of ``release.EXIT_CODES_HELP``."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``modelreg versions X --json | head``): not an error of ours. Point stdout at
        # /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return release.EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "schema":
            from schema.build import schema

            print(str(schema))
            return 0
        if args.command == "serve":
            return _serve(args)
        if args.command == "tokens" and args.tokens_command == "check":
            return _check_token(args.token)
        if args.command == "audit" and args.audit_action == "verify":
            return asyncio.run(_audit_verify(args))
        if args.command == "backup":
            from app.backup import backup

            asyncio.run(_require_registry(args, _settings(args)))
            print(backup(_settings(args), args.path))
            return 0
        if args.command in ("webhooks", "worker", "events"):
            return events_cli.run(args, _settings(args))
        if args.command in release.COMMANDS:
            return release.run(args)
        if args.command in monitoring_commands.COMMANDS:
            return monitoring_commands.run(args)
        return asyncio.run(_run(args))
    except DomainError as error:
        return _fail(error)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise  # our reader went away, not the database: main() ends quietly
    except (OSError, DBConnectionError, asyncpg.PostgresError) as error:
        # A database that is missing, refuses connections or does not answer: one line, never a traceback.
        domain = translate(error)
        detail = domain.message if domain is not None else str(error)
        print(f"modelreg: cannot use the database ({error.__class__.__name__}): {detail}", file=sys.stderr)
        return release.EXIT_UNAVAILABLE
    except Exception as error:
        if os.environ.get("MODELREG_TRACEBACK"):
            raise
        print(
            f"modelreg: unexpected error ({type(error).__name__}: {error}); set MODELREG_TRACEBACK=1 to see where",
            file=sys.stderr,
        )
        return release.EXIT_ERROR


#: The exit code of each domain error (the same table as the release commands', release.EXIT_CODES_HELP).
_EXIT_CODES: dict[type[DomainError], int] = {
    InvalidInput: release.EXIT_USAGE,
    Conflict: release.EXIT_CONFLICT,
    NotFound: release.EXIT_NOT_FOUND,
    Unauthenticated: release.EXIT_AUTH,
    Forbidden: release.EXIT_AUTH,
    Unavailable: release.EXIT_UNAVAILABLE,
}


def _fail(error: DomainError) -> int:
    print(f"modelreg: {error.message}", file=sys.stderr)
    return next((code for kind, code in _EXIT_CODES.items() if isinstance(error, kind)), release.EXIT_ERROR)


async def _require_registry(args: argparse.Namespace, settings: Settings) -> None:
    """Refuse, naming the database looked for, to start a new empty registry by accident (only migrate, demo
    and serve create one): a command run with another folder's settings must not act on an empty database."""
    from models.db.migrate import missing_registry

    why = await missing_registry(settings.database_url)
    if why is None:
        return
    if getattr(args, "database_url", None):
        source = "from --database-url"
    elif os.environ.get("MODELREG_DATABASE_URL"):
        source = "from MODELREG_DATABASE_URL"
    else:
        source = f"the default in the data home {data_home()} (MODELREG_HOME)"
    raise NotFound(
        f"{why}, {source}; point MODELREG_DATABASE_URL (or --database-url) at the registry, or create one with "
        "'modelreg migrate'"
    )


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        database_url=getattr(args, "database_url", None),
        artifact_root=getattr(args, "artifact_root", None),
        artifact_url=getattr(args, "artifact_url", None),
        allow_anonymous_read=getattr(args, "allow_anonymous_read", None),
        graphiql=False if getattr(args, "no_graphiql", False) else None,
        introspection=False if getattr(args, "no_introspection", False) else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
    )


async def _run(args: argparse.Namespace) -> int:
    from models.db.connection import connected
    from models.db.migrate import migrate, pending

    settings = _settings(args)
    if args.command == "migrate":
        if args.check:
            waiting = await pending(settings.database_url)
            for name in waiting:
                print(f"pending: {name}")
            print(f"{len(waiting)} pending migration(s)")
            return 1 if waiting else 0
        for name in await migrate(settings.database_url):
            print(f"applied: {name}")
        print("database is up to date")
        return 0
    if args.command != "demo":
        await _require_registry(args, settings)
    await migrate(settings.database_url)
    async with connected(settings.database_url):
        if args.command == "demo":
            from app.artifact_store import open_store
            from app.demo import seed_demo

            store = open_store(settings.artifact_location, max_bytes=settings.max_artifact_bytes)
            print(await seed_demo(store=store))
            return 0
        return await _tokens(args)


async def _tokens(args: argparse.Namespace) -> int:
    from models.entities import Role
    from models.tokens.operations import create_token, operator_actor, parse_duration, revoke_token
    from models.tokens.reads import list_tokens

    # Token changes are audited as the operator (docs/security.md, "Audit events of token changes"): no token acts.
    actor = operator_actor()
    if args.tokens_command == "create":
        token, secret = await create_token(
            name=args.name,
            role=Role(args.role),
            model_patterns=_list_flag(args.models),
            environments=_list_flag(args.environments),
            expires_in=parse_duration(args.expires_in) if args.expires_in is not None else None,
            replace=args.replace,
            actor=actor,
        )
        print(f"created {token.role.value} token {token.name!r} ({_scope_summary(token)}); it is shown once, store it:")
        print(secret)
    elif args.tokens_command == "list":
        _print_tokens(await list_tokens(), as_json=args.json)
    else:
        token = await revoke_token(name=args.name, actor=actor)
        print(f"revoked token {token.name!r}")
    return 0


def _list_flag(value: str | None) -> list[str] | None:
    """``'a, b,c'`` as ``['a', 'b', 'c']``; an empty item stays, so validation can name it."""
    if value is None:
        return None
    return [item.strip() for item in value.split(",")] if value.strip() else []


def _scope_summary(token: ApiToken) -> str:
    models = ", ".join(token.model_patterns) if token.model_patterns is not None else "all"
    environments = ", ".join(token.environments) if token.environments is not None else "all"
    expires = _when(token.expires_at) if token.expires_at is not None else "never"
    return f"models: {models}; environments: {environments}; expires: {expires}"


def _print_tokens(found: list[ApiToken], *, as_json: bool) -> None:
    from models.clock import now

    stamp = now()
    if as_json:
        print(json.dumps([_token_record(token, stamp) for token in found], indent=2))
        return
    table = Table("NAME", "ROLE", "MODELS", "ENVIRONMENTS", "CREATED", "LAST USED", "EXPIRES", "REVOKED")
    for token in found:
        table.add_row(
            token.name,
            token.role.value,
            ", ".join(token.model_patterns) if token.model_patterns is not None else "*",
            ", ".join(token.environments) if token.environments is not None else "*",
            _when(token.created_at),
            _when(token.last_used_at),
            _when(token.expires_at) + (" (expired)" if _expired(token, stamp) else ""),
            _when(token.revoked_at),
        )
    show(table)


def _token_record(token: ApiToken, stamp: datetime) -> dict[str, object]:
    return {
        "name": token.name,
        "role": token.role.value,
        # snake_case, as every --json output of modelreg (the release commands print the client's records).
        "model_patterns": token.model_patterns,
        "environments": token.environments,
        "created_at": _iso(token.created_at),
        "last_used_at": _iso(token.last_used_at),
        "expires_at": _iso(token.expires_at),
        "revoked_at": _iso(token.revoked_at),
        "active": token.revoked_at is None and not _expired(token, stamp),
    }


def _expired(token: ApiToken, stamp: datetime) -> bool:
    return token.expires_at is not None and token.expires_at <= stamp


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _when(value: datetime | None) -> str:
    """A table's time, in UTC to the minute: a space lets a narrow column wrap it between date and time."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _check_token(given: str) -> int:
    """``tokens check``: the format and checksum, offline. Never echoes the token."""
    from models.tokens.secrets import describe, shape

    secret = (sys.stdin.readline() if given == "-" else given).strip()
    found = shape(secret)
    print(f"{'ok' if found.plausible else 'invalid'}: {describe(found)}")
    return 0 if found.plausible else 1


async def _audit_verify(args: argparse.Namespace) -> int:
    from models.audit.chain import verify
    from models.db.connection import connected
    from models.db.migrate import migrate
    from models.errors import NotFound

    settings = _settings(args)
    await _require_registry(args, settings)
    await migrate(settings.database_url)
    async with connected(settings.database_url):
        try:
            reports = await verify(model=args.verify_model or args.model)
        except NotFound as error:
            print(f"modelreg: {error.message}", file=sys.stderr)
            return 4
    tampered = sum(not report.intact for report in reports)
    if args.verify_json or args.json:
        chains = [{**dataclasses.asdict(report), "intact": report.intact} for report in reports]
        print(json.dumps({"intact": not tampered, "chains": chains}, indent=2, sort_keys=True))
    else:
        for report in reports:
            name = f"model {report.model}" if report.model is not None else "registry"
            if report.finding is None:
                print(f"intact    {name}: {report.events} events, head {report.head_position} {report.head_hash}")
            else:
                print(f"TAMPERED  {name}: {report.events} events; {report.finding.kind}: {report.finding.message}")
        events = sum(report.events for report in reports)
        print(f"{len(reports)} chains, {events} events: {len(reports) - tampered} intact, {tampered} tampered")
    return 1 if tampered else 0


class _AnnouncingServer(uvicorn.Server):
    """Prints ``listening on ...`` once the socket accepts connections, for scripts and tests to wait on."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"listening on http://{self.config.host}:{self.config.port}", flush=True)


#: How long ``serve --workers N`` waits for every worker to start before it says it is listening.
WORKER_STARTUP_SECONDS = 60.0


class _AnnouncingSupervisor(Multiprocess):
    """uvicorn's worker supervisor, printing ``listening on ...`` once every worker has started."""

    announced = False

    def init_processes(self) -> None:
        super().init_processes()
        # Spawned workers import everything afresh: on a busy machine that outlasts the health check's 5 s.
        timeout = max(self.config.timeout_worker_healthcheck, WORKER_STARTUP_SECONDS)
        if all(process.wait_until_ready(timeout, self.should_exit) for process in self.processes):
            print(f"listening on http://{self.config.host}:{self.config.port}", flush=True)
            self.announced = True


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.metrics and settings.tuning.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus-client's multiprocess mode: each worker writes its samples to files in this folder, read
        # when any worker answers /metrics. Set before the workers (or this process) import prometheus-client.
        folder = tempfile.mkdtemp(prefix="modelreg-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            return _run_server(settings, migrate_first=not args.no_migrate)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return _run_server(settings, migrate_first=not args.no_migrate)


def _run_server(settings: Settings, *, migrate_first: bool) -> int:
    from app.logs import configure
    from app.server import create_app, tune_garbage_collector, worker_app
    from models.db.migrate import migrate

    configure()
    if migrate_first:
        asyncio.run(migrate(settings.database_url))  # once, before any worker starts
    workers = settings.tuning.workers
    app = functools.partial(worker_app, settings) if workers > 1 else create_app(settings)
    if workers == 1:
        tune_garbage_collector(settings.tuning.gc_threshold)  # each spawned worker does it in worker_app
    config = uvicorn.Config(
        # Workers are spawned processes: each builds its own app from the pickled settings.
        app,
        factory=workers > 1,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
        # app/logs.py configured logging (request ids, no tokens); modelreg.access replaces uvicorn's access log.
        log_config=None,
        access_log=False,
        # SIGTERM: stop accepting, let in-flight requests finish (up to this long), then exit.
        timeout_graceful_shutdown=settings.tuning.shutdown_timeout_seconds,
    )
    if workers > 1:
        supervisor = _AnnouncingSupervisor(config, sockets=[config.bind_socket()])
        supervisor.run()
        return 0 if supervisor.announced else 1
    server = _AnnouncingServer(config)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
