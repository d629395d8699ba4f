"""What ``make run`` does: check the port, seed the demo registry, keep one local admin token, serve.

Run again, it changes nothing a user relies on: a busy port is reported in one line before anything is
touched, and the admin token is the one stored in ``var/local-admin.token`` (mode 0600) as long as the
registry still accepts it, so a token exported from an earlier run keeps working. A new token is created
only when there is none, or when the stored one no longer works (revoked, or the registry was deleted).

Usage: ``python -m app.local_run [--host H] [--port P]`` (the Makefile passes HOST and PORT); the
database and artifact settings are the ``MODELREG_*`` variables that ``modelreg`` reads.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url

from app.settings import Settings
from models.errors import InvalidInput

#: The token's name in the registry, and the file beside the registry that keeps its secret between runs.
TOKEN_NAME = "local-admin"  # noqa: S105 (a name, not a secret)
TOKEN_FILE_NAME = "local-admin.token"  # noqa: S105 (a file name)


def token_file(database_url: str) -> Path:
    """Beside a SQLite registry (``var/local-admin.token`` by default), so deleting ``var/`` resets both; in
    ``./var/`` for a PostgreSQL one."""
    connection = expand_db_url(database_url)
    path = connection["credentials"].get("file_path", ":memory:")
    if connection["engine"] == "tortoise.backends.sqlite" and path != ":memory:":
        return Path(path).parent / TOKEN_FILE_NAME
    return Path("var") / TOKEN_FILE_NAME


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on ``host:port`` (binding as uvicorn will, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


async def _accepted(database_url: str, secret: str) -> bool:
    from app.auth import credentials
    from models.db.connection import connected

    async with connected(database_url):
        found = await credentials(f"Bearer {secret}")
    return found.principal is not None and found.principal.name == TOKEN_NAME


def _modelreg(*args: str) -> str:
    """Run a ``modelreg`` command with this Python; its output, or exit with its error line."""
    done = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return done.stdout


def local_admin_token(database_url: str, path: Path) -> tuple[str, bool]:
    """The secret of the local admin token and whether it was created now; stored in ``path`` (0600)."""
    if path.exists():
        stored = path.read_text().strip()
        if stored and asyncio.run(_accepted(database_url, stored)):
            return stored, False
    # --replace: a token of that name whose secret is lost (or refused) is revoked and made anew.
    output = _modelreg("tokens", "create", "--name", TOKEN_NAME, "--role", "admin", "--replace")
    secret = output.strip().splitlines()[-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
    path.chmod(0o600)  # a file that existed keeps its mode through os.open
    return secret, True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if port_in_use(args.host, args.port):
        print(
            f"make run: {args.host}:{args.port} is already in use (another modelreg?); nothing was changed. "
            f"Stop it, or choose another port: make run PORT={args.port + 1}",
            file=sys.stderr,
        )
        return 1
    try:
        database_url = Settings.from_env().database_url
    except InvalidInput as error:
        print(f"make run: {error.message}", file=sys.stderr)
        return 1
    print(_modelreg("demo").strip())
    path = token_file(database_url)
    secret, created = local_admin_token(database_url, path)
    kept = "created now" if created else "the same as on earlier runs"
    base = f"http://{args.host}:{args.port}"
    print(
        f"\n  Web UI:       {base}/  (sign in with the admin token to promote)\n"
        f"  GraphiQL:     {base}/graphql\n"
        f"  Admin token:  {secret}\n"
        f"                ({kept}; kept in {path}, delete that file to get a new one)\n"
        f'  In GraphiQL, Headers: {{"Authorization": "Bearer {secret}"}} for mutations\n',
        flush=True,
    )
    serve = [sys.executable, "-m", "app.cli", "serve", "--host", args.host, "--port", str(args.port)]
    os.execv(sys.executable, [*serve, "--allow-anonymous-read"])  # noqa: S606 (this Python, fixed arguments)


if __name__ == "__main__":
    sys.exit(main())
