"""What a release ships: one version everywhere it shows, locks that agree, and a wheel that serves on its own.

The wheel test builds the sdist and the wheel as ``make dist`` does, installs the wheel into a clean
virtualenv outside the repository with the runtime lock, and runs ``modelreg`` from there. It needs uv
beside this Python (``make test`` installs it) and fails, never skips, without it. The builds run on a copy of
the work tree's files, so that setuptools' ``*.egg-info`` is written there and not into the tree that other
test workers run ``modelreg`` from at the same time (``make unit`` runs files in parallel).
Run these alone with ``pytest -m packaging``.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from modelreg_client import __version__ as client_version

from app import __version__
from tests.app.test_release_cli import registry
from tests.support.helpers import Api
from tests.support.server import REPO, environment, free_port

pytestmark = pytest.mark.packaging

MIGRATIONS = sorted(path.name for path in (REPO / "models" / "migrations" / "models").glob("*.py"))
READY_TIMEOUT = 60.0
GRAPHIQL_FILES = sorted(
    path.relative_to(REPO).as_posix() for path in (REPO / "app" / "static" / "graphiql").rglob("*") if path.is_file()
)
#: The web UI's templates, documents, script, stylesheet, pinned libraries and their licences and pins.
UI_FILES = sorted(
    path.relative_to(REPO).as_posix()
    for folder in ("templates", "queries", "static")
    for path in (REPO / "app" / "ui" / folder).rglob("*")
    if path.is_file()
)


async def test_healthz_names_the_version(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "version": __version__})


async def test_graphiql_title_names_the_version(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert re.findall(r"<title>(.*?)</title>", page.text) == [f"modelreg {__version__} GraphiQL"]


def _pins(lock: str) -> dict[str, str]:
    """Each requirement line of a lock (``name==version ; markers``), by name and markers."""
    text = (REPO / "requirements" / lock).read_text()
    return {line.split("==")[0] + line.partition(";")[2]: line for line in re.findall(r"^\S+==[^\\\n]+", text, re.M)}


def test_test_lock_pins_the_runtime_lock_exactly() -> None:
    runtime, test = _pins("runtime.txt"), _pins("test.txt")
    assert runtime, "requirements/runtime.txt pins nothing"
    assert {name: test.get(name) for name in runtime} == runtime


def _uv() -> Path:
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        pytest.fail(f"{uv} is missing: run the tests with 'make test', which installs uv from requirements/uv.txt")
    return uv


def _outside() -> dict[str, str]:
    """An environment in which nothing points back into the repository or its virtualenv."""
    return {key: value for key, value in environment().items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(*command: str | Path, cwd: Path) -> str:
    """Run a command outside the repository; fail the test with its output if it fails."""
    finished = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=_outside(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if finished.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {finished.returncode}:\n{finished.stdout}{finished.stderr}")
    return finished.stdout


@dataclass
class Built:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The work tree's files as a fresh clone would have them (tracked and new ones, nothing .gitignore ignores),
    copied: setuptools writes ``*.egg-info`` beside the pyproject.toml it builds, and a stale one left in the
    repository by the editable install would add its file list to the sdist."""
    copy = tmp_path_factory.mktemp("source")
    listed = _run("git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=copy)
    for name in listed.split("\0"):
        if name and (REPO / name).is_file():  # ls-files --cached still lists a tracked file deleted in the tree
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    return copy


@pytest.fixture(scope="module")
def built(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sdist and the wheel, built from the work tree's files with the locked build backend, as ``make dist``
    does."""
    out = tmp_path_factory.mktemp("dist")
    build = ("build", "--quiet", "--build-constraints", REPO / "requirements/build.txt", "--require-hashes")
    _run(_uv(), *build, "--out-dir", out, source, cwd=out)
    wheel, sdist = out / f"modelreg-{__version__}-py3-none-any.whl", out / f"modelreg-{__version__}.tar.gz"
    assert sorted(out.iterdir()) == sorted([wheel, sdist, out / ".gitignore"]), sorted(out.iterdir())
    return Built(wheel, sdist)


def _graphiql_files(names: list[str]) -> list[str]:
    """GraphiQL's page, scripts, styles, pins and licences among a distribution's files."""
    return sorted(name for name in names if name.startswith("app/static/graphiql/"))


def _ui_files(names: list[str]) -> list[str]:
    return sorted(name for name in names if name.startswith("app/ui/") and not name.endswith(".py"))


def _migrations(names: list[str]) -> list[str]:
    return sorted(name.rsplit("/", 1)[1] for name in names if name.startswith("models/migrations/models/"))


def test_wheel_and_sdist_carry_the_migrations_and_the_metadata(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"modelreg-{__version__}.dist-info/METADATA").decode()
    assert _migrations(names) == MIGRATIONS
    assert _graphiql_files(names) == GRAPHIQL_FILES
    assert _ui_files(names) == UI_FILES and "app/ui/static/vendor/htmx.org@2.0.11/LICENSE" in UI_FILES
    assert not [name for name in names if name.startswith(("tests/", "tools/", "examples/"))]
    assert f"\nVersion: {__version__}\n" in metadata
    assert "\nLicense-Expression: Apache-2.0\n" in metadata
    with tarfile.open(built.sdist) as sdist:
        names = [member.name.removeprefix(f"modelreg-{__version__}/") for member in sdist if member.isfile()]
    assert _migrations(names) == MIGRATIONS
    assert _graphiql_files(names) == GRAPHIQL_FILES
    assert _ui_files(names) == UI_FILES
    assert {"CHANGELOG.md", "requirements/runtime.txt", "requirements/build.txt"} <= set(names)
    assert not [name for name in names if name.startswith("tests/")]


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> httpx.Response | None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            answer = httpx.get(f"{url}/readyz", timeout=2)
        except httpx.TransportError:  # not listening yet
            answer = None
        if answer is not None and answer.status_code == 200:
            return answer
        time.sleep(0.2)
    return None


def _graphiql_assets(base: str) -> dict[str, int]:
    """The status of each script and stylesheet the GraphiQL page loads from the server, by path."""
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=5).text
    paths = re.findall(r'(?:src|href)="(/graphiql/[^"]+)"', page)
    return {path: httpx.get(f"{base}{path}", timeout=5).status_code for path in paths}


def _ui_assets(base: str) -> dict[str, int]:
    """The status of the sign-in page and of each script and stylesheet it loads, by path."""
    page = httpx.get(f"{base}/login", timeout=5)
    paths = re.findall(r'(?:src|href)="(/ui/static/[^"]+)"', page.text)
    return {"/login": page.status_code, **{path: httpx.get(f"{base}{path}", timeout=5).status_code for path in paths}}


def test_wheel_serves_from_a_clean_virtualenv(built: Built, server_venv: Installed, tmp_path: Path) -> None:
    venv = server_venv.venv
    python, modelreg = venv / "bin" / "python", venv / "bin" / "modelreg"
    assert _run(modelreg, "--version", cwd=tmp_path).strip() == f"modelreg {__version__}"
    where = _run(python, "-c", "import app, models; print(app.__file__); print(models.__file__)", cwd=tmp_path)
    assert all(Path(line).is_relative_to(venv) for line in where.split()), where

    database, port = tmp_path / "registry.sqlite3", free_port()
    database_url = f"sqlite://{database}"
    serve = [modelreg, "serve", "--database-url", database_url, "--artifact-url", f"file://{tmp_path / 'artifacts'}"]
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*map(str, serve), "--port", str(port)], cwd=tmp_path, env=_outside(), stdout=output, stderr=output
        )
        try:
            ready = _wait_ready(f"http://127.0.0.1:{port}", process)
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() if ready else None
            graphiql = _graphiql_assets(f"http://127.0.0.1:{port}") if ready else None
            ui = _ui_assets(f"http://127.0.0.1:{port}") if ready else None
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
    assert ready is not None, f"/readyz never answered 200 (exit code {code}):\n{log.read_text()}"
    assert (ready.status_code, ready.json()["status"], health) == (200, "ok", {"status": "ok", "version": __version__})
    assert code in (0, -signal.SIGTERM), log.read_text()  # uvicorn re-raises SIGTERM after shutting down
    # GraphiQL from the wheel alone: its seven pinned files and modelreg's script and stylesheet.
    assert graphiql is not None and len(graphiql) == 9 and set(graphiql.values()) == {200}, graphiql
    # The web UI from the wheel alone: its sign-in page (templates), htmx, uPlot and its own script and styles.
    assert ui is not None and len(ui) == 6 and set(ui.values()) == {200}, ui

    with closing(sqlite3.connect(database)) as connection:
        applied = sorted(version for (version,) in connection.execute("SELECT version FROM aerich"))
    assert applied == MIGRATIONS
    _run(modelreg, "migrate", "--check", "--database-url", database_url, cwd=tmp_path)  # exit 0: nothing pending
    print(
        f"\npackaging: {built.wheel.name} ({built.wheel.stat().st_size:,} bytes), {built.sdist.name} "
        f"({built.sdist.stat().st_size:,} bytes); 'modelreg --version': modelreg {__version__}; /readyz "
        f"{ready.status_code} {ready.json()}; /healthz {health}; migrations applied: {', '.join(applied)}"
    )


# --- the client distribution (client/): what a training job installs ------------------------------------------


def test_the_client_and_the_server_share_one_version() -> None:
    assert client_version == __version__
    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'"modelreg-client[sklearn]=={__version__}"' in pyproject, "the server must require its own client"


@pytest.fixture(scope="module")
def client_built(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("client-dist")
    build = ("build", "--quiet", "--build-constraints", REPO / "requirements/build.txt", "--require-hashes")
    _run(_uv(), *build, "--out-dir", out, source / "client", cwd=out)
    stem = f"modelreg_client-{client_version}"
    wheel, sdist = out / f"{stem}-py3-none-any.whl", out / f"{stem}.tar.gz"
    assert sorted(out.iterdir()) == sorted([wheel, sdist, out / ".gitignore"]), sorted(out.iterdir())
    return Built(wheel, sdist)


def test_the_client_wheel_holds_one_package_and_no_server(client_built: Built) -> None:
    with zipfile.ZipFile(client_built.wheel) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"modelreg_client-{client_version}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"modelreg_client-{client_version}.dist-info/entry_points.txt").decode()
    top = {name.split("/")[0] for name in names if not name.startswith(f"modelreg_client-{client_version}.dist-info")}
    assert top == {"modelreg_client"}, top
    assert "modelreg_client/py.typed" in names
    assert "modelreg-release = modelreg_client.release:main" in entry_points
    requires = re.findall(r"^Requires-Dist: (\S+)", metadata, re.M)
    assert not [name for name in requires if re.match(r"(strawberry|starlette|uvicorn|tortoise|asyncpg|aerich)", name)]


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


@dataclass
class Installed:
    venv: Path
    #: How long making it took (uv venv, the lock, the wheels), for the report.
    seconds: float


def _install(lock: str, venv: Path, *wheels: Path) -> float:
    """A clean virtualenv with ``lock`` and then ``wheels`` (no dependencies), whose requirements ``uv pip check``
    finds met; the seconds it took."""
    uv, python = _uv(), venv / "bin" / "python"
    started = time.monotonic()
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv, cwd=venv.parent)
    install = ("--quiet", "--python", python)
    locked = REPO / "requirements" / lock
    _run(uv, "pip", "sync", *install, "--require-hashes", "--compile-bytecode", locked, cwd=venv.parent)
    _run(uv, "pip", "install", *install, "--no-deps", "--compile-bytecode", *wheels, cwd=venv.parent)
    elapsed = time.monotonic() - started
    _run(uv, "pip", "check", "--quiet", "--python", python, cwd=venv.parent)
    return elapsed


# A virtualenv is installed once per module: the tests that use one only run its commands (the server writes its
# database and artifacts under the test's tmp_path), and each install is tens of seconds on a busy machine.
@pytest.fixture(scope="module")
def server_venv(built: Built, client_built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The runtime lock, then the server's wheel and the client's, which it requires (not in runtime.txt: built
    here, not downloaded), in a clean virtualenv outside the repository."""
    venv = tmp_path_factory.mktemp("server") / "venv"
    return Installed(venv, _install("runtime.txt", venv, built.wheel, client_built.wheel))


@pytest.fixture(scope="module")
def client_venv(client_built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The client lock and the client's wheel alone, as a training job installs them."""
    venv = tmp_path_factory.mktemp("client") / "venv"
    return Installed(venv, _install("client.txt", venv, client_built.wheel))


ROUND_TRIP = """
import sys
from modelreg_client import Client, Conflict
from sklearn.linear_model import LogisticRegression
from sklearn.datasets import load_iris

features, labels = load_iris(return_X_y=True)
with Client() as registry:
    estimator = LogisticRegression(max_iter=500).fit(features, labels)
    version = registry.register_estimator(estimator, "iris-wheel", metrics={"accuracy": 0.97})
    registry.promote("iris-wheel", version.number, environment="staging")
    loaded = registry.load_estimator("iris-wheel", environment="staging")
    assert (loaded.predict(features) == estimator.predict(features)).all()
    print(version.number, loaded.__class__.__name__)
for name in ("app", "schema", "models"):
    try:
        __import__(name)
    except ImportError:
        continue
    sys.exit(f"a top-level module named {name} is importable")
"""


def test_the_client_wheel_round_trips_from_a_clean_virtualenv(
    client_venv: Installed, client_built: Built, database_url: str, tmp_path: Path
) -> None:
    venv, seconds = client_venv.venv, client_venv.seconds
    python, release = venv / "bin" / "python", venv / "bin" / "modelreg-release"
    assert _run(release, "--version", cwd=tmp_path).strip() == f"modelreg-client {client_version}"
    with registry(database_url, tmp_path / "server") as reg:
        script = tmp_path / "round_trip.py"
        script.write_text(ROUND_TRIP)
        env = {"MODELREG_URL": f"{reg.url}/graphql", "MODELREG_TOKEN": reg.admin}
        done = subprocess.run(
            [python, script], cwd=tmp_path, env=_outside() | env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.split() == ["1", "LogisticRegression"]
        listed = subprocess.run(
            [release, "models", "--json"], cwd=tmp_path, env=_outside() | env, capture_output=True, text=True
        )
        assert listed.returncode == 0, listed.stderr
        assert [(m["name"], m["production_version"]) for m in json.loads(listed.stdout)] == [("iris-wheel", None)]
        gate = subprocess.run(
            [release, "promote", "iris-wheel", "1", "--if-better", "accuracy"],
            cwd=tmp_path, env=_outside() | env, capture_output=True, text=True,
        )  # fmt: skip
        assert gate.returncode == 0, gate.stderr
    print(
        f"\npackaging: client-only virtualenv {_size(venv) / 1e6:.0f} MB, installed in {seconds:.1f} s "
        f"(client.txt: {_pins_count('client.txt')} packages; {client_built.wheel.name} "
        f"{client_built.wheel.stat().st_size:,} bytes)"
    )


def test_the_server_virtualenv_for_comparison(server_venv: Installed) -> None:
    """The runtime-only server virtualenv, measured the same way as the client's (the numbers go in the report)."""
    venv, seconds = server_venv.venv, server_venv.seconds
    print(
        f"\npackaging: server virtualenv {_size(venv) / 1e6:.0f} MB, installed in {seconds:.1f} s "
        f"(runtime.txt: {_pins_count('runtime.txt')} packages)"
    )


def _pins_count(lock: str) -> int:
    return len(_pins(lock))
