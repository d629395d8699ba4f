"""Where every command finds its database, and how every command fails: one line on stderr, a documented exit
code (README.md, "Exit codes"), never a traceback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from models.db.connection import connected
from models.entities import Role
from models.tokens.operations import create_token
from tests.app.test_release_cli import Run, ok, refused, registry
from tests.support.server import REPO, environment, free_port


def command(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None, **settings: str) -> Run:
    """``modelreg ARGS`` run from ``cwd`` with only the given MODELREG_* settings (``env`` and ``settings``)."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=environment() | {"PYTHONPATH": str(REPO)} | (env or {}) | settings,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(tuple(args), result.returncode, result.stdout, result.stderr)


def test_every_folder_finds_the_same_registry_in_the_data_home(tmp_path: Path) -> None:
    home, here, there = tmp_path / "home", tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    assert "database is up to date" in ok(command("migrate", cwd=here, MODELREG_HOME=str(home))).out
    ok(command("tokens", "create", "--name", "ci", "--role", "reader", cwd=there, MODELREG_HOME=str(home)))
    listed = ok(command("tokens", "list", "--json", cwd=REPO, MODELREG_HOME=str(home))).json()
    assert [token["name"] for token in listed] == ["ci"]
    assert (home / "modelreg.sqlite3").is_file()
    assert list(here.iterdir()) == list(there.iterdir()) == []  # nothing beside the commands


def test_a_command_refuses_to_start_an_empty_registry(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for args in (["tokens", "create", "--name", "ci", "--role", "admin"], ["tokens", "list"], ["audit", "verify"]):
        run = command(*args, cwd=tmp_path, MODELREG_HOME=str(home))
        refused(run, 4, f"no registry at {home / 'modelreg.sqlite3'}", "MODELREG_HOME", "'modelreg migrate'")
    assert not home.exists()  # looked for, not created
    missing = tmp_path / "elsewhere.sqlite3"
    refused(command("tokens", "list", "--database-url", f"sqlite://{missing}"), 4, str(missing), "--database-url")
    refused(command("tokens", "list", MODELREG_DATABASE_URL=f"sqlite://{missing}"), 4, "from MODELREG_DATABASE_URL")
    assert not missing.exists()
    # A PostgreSQL database without modelreg's tables (template1 is only read).
    empty = "postgres://postgres@127.0.0.1:5432/template1"
    refused(command("tokens", "list", "--database-url", empty), 4, "no registry in postgres://", "template1")


def test_an_unreachable_or_missing_postgres_database_is_one_line(tmp_path: Path) -> None:
    closed = f"postgres://postgres@127.0.0.1:{free_port()}/registry"
    refused(command("migrate", "--database-url", closed), 6, "cannot use the database", "unavailable")
    refused(command("tokens", "list", "--database-url", closed), 6, "cannot use the database")
    missing = "postgres://postgres@127.0.0.1:5432/no_such_registry_db"
    refused(command("migrate", "--database-url", missing), 6, 'database "no_such_registry_db" does not exist')


def test_token_commands_share_the_exit_codes_of_the_release_commands(database_url: str) -> None:
    create = ["tokens", "create", "--database-url", database_url, "--name", "ci", "--role"]
    ok(command(*create, "reader"))
    refused(command(*create, "reader"), 3, "already exists")  # conflict
    refused(command(*create, "reader", "--expires-in", "soon"), 2)  # bad input
    refused(command("tokens", "revoke", "nobody", "--database-url", database_url), 4, "nobody")  # not found
    refused(command(*create, "deployer", "--replace", "--environments", "prodution"), 2, "did you mean 'production'")


def test_a_url_without_a_scheme_is_one_line() -> None:
    refused(command("models", "--url", "127.0.0.1:8000"), 2, "http://127.0.0.1:8000")
    refused(command("models", MODELREG_URL="localhost"), 2, "must start with http:// or https://")


def test_an_unreachable_registry_or_a_wrong_address_is_one_line(database_url: str, tmp_path: Path) -> None:
    refused(command("models", "--url", f"http://127.0.0.1:{free_port()}"), 6, "cannot reach the registry")
    with registry(database_url, tmp_path) as reg:
        refused(command("models", "--url", f"{reg.url}/elsewhere"), 6, "no GraphQL endpoint", "/elsewhere/graphql")


def test_the_graphql_address_works_as_the_registry_url(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        reg.client.register("churn", metrics={"roc_auc": 0.8})
        for url in (reg.url, f"{reg.url}/", f"{reg.url}/graphql", f"{reg.url}/graphql/"):
            listed = ok(command("models", "--json", MODELREG_URL=url, MODELREG_TOKEN=reg.admin)).json()
            assert [model["name"] for model in listed] == ["churn"], url


async def _many_tokens(database_url: str, count: int) -> None:
    async with connected(database_url):
        for index in range(count):
            await create_token(name=f"token-{index:04d}", role=Role.READER)


def test_output_cut_short_by_a_closed_pipe_is_quiet(database_url: str) -> None:
    asyncio.run(_many_tokens(database_url, 300))  # a JSON listing past the pipe's 64 KiB buffer
    for args in (["tokens", "list", "--json"], ["tokens", "list"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args, "--database-url", database_url],
            cwd=REPO,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(100)  # like `| head -c 100`: read a little, then close
        process.stdout.close()
        error = process.stderr.read().decode()
        process.stderr.close()
        assert process.wait(timeout=60) == 0, error
        assert error == ""
