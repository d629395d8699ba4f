"""The ``modelreg`` command: serve, migrate, backup, demo, tokens, schema."""

from __future__ import annotations

import argparse
import asyncio
import functools
import socket
import sys
from collections.abc import Sequence
from typing import NoReturn

import uvicorn
from uvicorn.supervisors import Multiprocess

from app import __version__, release
from app.settings import Settings
from models.errors import DomainError

ROLES = ["reader", "writer", "deployer", "admin"]


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, like every other ``modelreg`` error, with exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"modelreg: usage: {self.prog}: {message} (see {self.prog} --help)\n")


def _database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="sqlite://PATH or postgres://USER@HOST:PORT/DB (env MODELREG_DATABASE_URL; "
        "default sqlite://./var/modelreg.sqlite3)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="modelreg",
        description="modelreg: a model registry with a GraphQL API. Server commands (serve, migrate, demo, "
        "tokens) work on the database and apply pending migrations first; release commands (models, versions, "
        "compare, history, audit, promote, demote, rollback, archive) talk HTTP to a running server.",
        epilog=release.EXIT_CODES_HELP + " (release commands)",
    )
    parser.add_argument("--version", action="version", version=f"modelreg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the API (GraphQL at /graphql)",
        description="Serve the API. Prints 'listening on http://H:P' once it accepts requests.",
    )
    serve.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    _database_flag(serve)
    serve.add_argument(
        "--artifact-root", help="folder for artifact blobs (env MODELREG_ARTIFACT_ROOT; default ./var/artifacts)"
    )
    serve.add_argument(
        "--allow-anonymous-read",
        action="store_true",
        default=None,
        help="let requests without a token run queries (env MODELREG_ALLOW_ANONYMOUS_READ)",
    )
    serve.add_argument("--no-graphiql", action="store_true", help="do not serve the GraphiQL explorer on GET /graphql")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations before serving")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes sharing the port (env MODELREG_WORKERS; default 1); see docs/operations.md",
    )

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
    demo.add_argument("--artifact-root", help="folder for artifact blobs (default ./var/artifacts)")

    tokens = commands.add_parser("tokens", help="create, list and revoke API tokens")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token and print it (once) on the last line")
    create.add_argument("--name", required=True, help="who the token is for; it becomes the audit actor")
    create.add_argument("--role", required=True, choices=ROLES, help="reader < writer < deployer < admin")
    create.add_argument("--replace", action="store_true", help="give an existing name a new secret and role")
    _database_flag(create)
    listing = token_commands.add_parser("list", help="list tokens (names, roles, times; never secrets)")
    _database_flag(listing)
    revoke = token_commands.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    _database_flag(revoke)

    commands.add_parser("schema", help="print the GraphQL schema as SDL")
    release.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "schema":
            from schema.build import schema

            print(str(schema))
            return 0
        if args.command == "serve":
            return _serve(args)
        if args.command == "backup":
            from app.backup import backup

            print(backup(_settings(args), args.path))
            return 0
        if args.command in release.COMMANDS:
            return release.run(args)
        return asyncio.run(_run(args))
    except DomainError as error:
        print(f"modelreg: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        database_url=getattr(args, "database_url", None),
        artifact_root=getattr(args, "artifact_root", None),
        allow_anonymous_read=getattr(args, "allow_anonymous_read", None),
        graphiql=False if getattr(args, "no_graphiql", False) else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
    )


async def _run(args: argparse.Namespace) -> int:
    from models.db import connected
    from models.migrate import migrate, pending

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
    await migrate(settings.database_url)
    async with connected(settings.database_url):
        if args.command == "demo":
            from app.artifact_store import ArtifactStore
            from app.demo import seed_demo

            store = ArtifactStore(settings.artifact_root, max_bytes=settings.max_artifact_bytes)
            print(await seed_demo(store=store))
            return 0
        return await _tokens(args)


async def _tokens(args: argparse.Namespace) -> int:
    from models.entities import Role
    from models.tokens import create_token, list_tokens, revoke_token

    if args.tokens_command == "create":
        token, secret = await create_token(name=args.name, role=Role(args.role), replace=args.replace)
        print(f"created {token.role.value} token {token.name!r}; it is shown once, store it now:")
        print(secret)
    elif args.tokens_command == "list":
        print(f"{'NAME':<32} {'ROLE':<9} {'CREATED':<26} {'LAST USED':<26} REVOKED")
        for token in await list_tokens():
            print(
                f"{token.name:<32} {token.role.value:<9} {_when(token.created_at):<26} "
                f"{_when(token.last_used_at):<26} {_when(token.revoked_at)}"
            )
    else:
        token = await revoke_token(name=args.name)
        print(f"revoked token {token.name!r}")
    return 0


def _when(value: object) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"  # type: ignore[attr-defined]


class _AnnouncingServer(uvicorn.Server):
    """Prints ``listening on ...`` once the socket accepts connections, for scripts and tests to wait on."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"listening on http://{self.config.host}:{self.config.port}", flush=True)


class _AnnouncingSupervisor(Multiprocess):
    """uvicorn's worker supervisor, printing ``listening on ...`` once every worker has started."""

    announced = False

    def init_processes(self) -> None:
        super().init_processes()
        timeout = self.config.timeout_worker_healthcheck
        if all(process.wait_until_ready(timeout, self.should_exit) for process in self.processes):
            print(f"listening on http://{self.config.host}:{self.config.port}", flush=True)
            self.announced = True


def _serve(args: argparse.Namespace) -> int:
    from app.logs import configure
    from app.server import create_app, worker_app
    from models.migrate import migrate

    settings = _settings(args)
    configure()
    if not args.no_migrate:
        asyncio.run(migrate(settings.database_url))  # once, before any worker starts
    workers = settings.tuning.workers
    config = uvicorn.Config(
        # Workers are spawned processes: each builds its own app from the pickled settings.
        functools.partial(worker_app, settings) if workers > 1 else create_app(settings),
        factory=workers > 1,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
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
