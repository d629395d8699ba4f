"""GraphiQL's assets: the committed files are the pinned ones, the page loads only them (integrity-checked),
and the server serves them with a Content-Security-Policy that allows nothing from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.graphiql import CONTENT_SECURITY_POLICY, STATIC
from tests.support.helpers import Api
from tests.support.server import REPO
from tools import assets

PAGE = (STATIC / "index.html").read_text()
#: ``(path, integrity)`` of each script and stylesheet the page loads.
LOADED = re.findall(r'(?:src|href)="/graphiql/([^"]+)"(?:\s+integrity="([^"]+)")?', PAGE)


@pytest.fixture
def backend() -> str:
    """SQLite only: static files do not touch the database (overrides the conftest's two backends)."""
    return "sqlite"


def test_the_committed_assets_match_their_pins() -> None:
    assert assets.check() == []
    # The same check as a command (make assets-check): exit 0 and one line.
    done = subprocess.run([sys.executable, "tools/assets.py", "check"], cwd=REPO, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "assets: 19 files match their pins\n"), done.stderr


def test_the_check_names_a_changed_or_missing_file(tmp_path: Path) -> None:
    root = tmp_path / "graphiql"
    shutil.copytree(STATIC, root)
    (root / "react@18.2.0" / "umd" / "react.production.min.js").write_text("tampered")
    (root / "js-cookie@3.0.5" / "LICENSE").unlink()
    problems = assets.check(root)
    assert [problem.split(":")[0] for problem in problems] == [
        "react@18.2.0/umd/react.production.min.js",
        "js-cookie@3.0.5/LICENSE",
    ]


def test_every_pinned_package_has_its_licence_and_the_page_loads_every_pinned_file() -> None:
    pins = json.loads(assets.PINS.read_text())
    pinned = assets.pinned_files(pins)
    licences = [path for path in pinned if path.endswith("/LICENSE")]
    assert len(licences) == len(pins["packages"]) == 5
    loaded = {path for path, _ in LOADED}
    own = {"modelreg-graphiql.js", "modelreg-graphiql.css"}
    assert loaded == (set(pinned) - set(licences)) | own
    for path, integrity in LOADED:
        if path in own:
            continue
        digest = base64.b64encode(hashlib.sha384((STATIC / path).read_bytes()).digest()).decode()
        assert integrity == f"sha384-{digest}", path


def test_the_page_names_no_other_host() -> None:
    for name in ("index.html", "modelreg-graphiql.js", "modelreg-graphiql.css"):
        assert not re.findall(r"https?://", (STATIC / name).read_text()), name


async def test_the_page_and_its_assets_are_served_with_a_policy(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "script-src 'self';" in CONTENT_SECURITY_POLICY
    for path, _ in LOADED:
        served = await api.client.get(f"/graphiql/{path}")
        assert (served.status_code, served.content) == (200, (STATIC / path).read_bytes()), path
        assert served.headers["content-type"].startswith(("text/javascript", "text/css")), path
    licence = await api.client.get("/graphiql/graphiql@3.8.3/LICENSE")
    assert licence.status_code == 200 and "MIT License" in licence.text
    assert (await api.client.get("/graphiql/nothing.js")).status_code == 404


async def test_assets_revalidate_and_stay_inside_their_folder(api: Api) -> None:
    path = "/graphiql/react@18.2.0/umd/react.production.min.js"
    first = await api.client.get(path)
    assert first.headers["etag"] and first.headers["last-modified"]
    again = await api.client.get(path, headers={"if-none-match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    head = await api.client.head(path)
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(first.content)))
    for outside in ("/graphiql/..%2F..%2Fgraphiql.py", "/graphiql/%2e%2e/%2e%2e/settings.py", "/graphiql/"):
        assert (await api.client.get(outside)).status_code == 404, outside
