"""The artifact routes' HTTP (app/routes.py): conditional downloads (RFC 9110), the 401 challenge (RFC 6750), and
an upload whose client hangs up midway."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.artifacts import sqlite_registry, start_upload, wait_until
from tests.support.helpers import Api
from tests.support.server import create_token, serving

BLOB = b"a serialized estimator" * 100
SHA256 = hashlib.sha256(BLOB).hexdigest()
IMMUTABLE = "private, max-age=31536000, immutable"


async def _upload(api: Api) -> None:
    uploaded = await api.client.post("/api/artifacts", content=BLOB, headers=api.headers("writer"))
    assert uploaded.status_code == 201, uploaded.text


@pytest.mark.parametrize(
    "if_none_match",
    [f'"{SHA256}"', f'W/"{SHA256}"', f'"x", "{SHA256}"', f'"x",W/"{SHA256}" , "y"', "*", " * "],
)
async def test_a_download_the_client_has_is_304_with_the_200s_validators(api: Api, if_none_match: str) -> None:
    """Weak comparison over a list of entity-tags, or ``*`` (RFC 9110 section 13.1.2); the 304 carries the ETag
    and Cache-Control the 200 would (section 15.4.5)."""
    await _upload(api)
    full = await api.client.get(f"/api/artifacts/{SHA256}", headers=api.headers("reader"))
    assert full.status_code == 200 and full.content == BLOB
    for method in ("GET", "HEAD"):
        headers = {**api.headers("reader"), "if-none-match": if_none_match}
        fresh = await api.client.request(method, f"/api/artifacts/{SHA256}", headers=headers)
        assert fresh.status_code == 304, (method, fresh.status_code)
        assert fresh.content == b""
        assert fresh.headers["etag"] == full.headers["etag"] == f'"{SHA256}"'
        assert fresh.headers["cache-control"] == full.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize("if_none_match", ['"x"', f'"{SHA256[:-1]}"', f'"x", W/"{SHA256}0"', SHA256, ""])
async def test_a_download_the_client_lacks_is_the_whole_blob(api: Api, if_none_match: str) -> None:
    """Another tag, or a sha256 without the quotes an entity-tag has, names a different representation."""
    await _upload(api)
    headers = {**api.headers("reader"), "if-none-match": if_none_match}
    answered = await api.client.get(f"/api/artifacts/{SHA256}", headers=headers)
    assert answered.status_code == 200 and answered.content == BLOB
    assert answered.headers["cache-control"] == IMMUTABLE


async def test_a_star_for_an_unknown_blob_is_404(api: Api) -> None:
    headers = {**api.headers("reader"), "if-none-match": "*"}
    assert (await api.client.get(f"/api/artifacts/{'0' * 64}", headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, 'Bearer realm="modelreg"'),
        ("Bearer mreg_not-a-token", 'Bearer realm="modelreg", error="invalid_token"'),
    ],
)
async def test_a_401_names_the_bearer_scheme(api: Api, authorization: str | None, challenge: str) -> None:
    """RFC 6750 section 3: the challenge, and ``invalid_token`` when a token was sent and refused."""
    headers = {"authorization": authorization} if authorization else {}
    for method, path, body in [
        ("POST", "/api/artifacts", BLOB),
        ("GET", f"/api/artifacts/{SHA256}", None),
        ("HEAD", f"/api/artifacts/{SHA256}", None),
    ]:
        refused = await api.client.request(method, path, content=body, headers=headers)
        assert refused.status_code == 401, (method, refused.status_code)
        assert refused.headers["www-authenticate"] == challenge, method
        if method != "HEAD":
            assert refused.json()["error"]["code"] == "UNAUTHENTICATED"


def test_a_client_that_hangs_up_mid_upload_is_one_log_line(sqlite_template: Path, tmp_path: Path) -> None:
    """Not "Exception in ASGI application" with a traceback: a client going away is not the server's failure.
    Runs on SQLite only: no database row is involved until an upload completes."""
    database_url = sqlite_registry(sqlite_template, tmp_path)
    root = tmp_path / "artifacts"
    token = create_token(database_url, name="uploader", role="writer")
    with serving(database_url, "--artifact-url", f"file://{root}") as server:
        gone = start_upload(server.url, token, declared=4 * 1024 * 1024, sent=1024 * 1024)
        wait_until(lambda: (root / ".incoming").is_dir() and any((root / ".incoming").iterdir()), "the upload's file")
        gone.close()
        wait_until(lambda: "artifact upload by uploader abandoned" in server.output.text(), "the abandoned upload")
        wait_until(lambda: not any((root / ".incoming").iterdir()), "the temporary file to be removed")
        output = server.output.text()
    assert "Exception in ASGI application" not in output, output
    assert "Traceback" not in output and "ClientDisconnect" not in output, output
    [line] = [line for line in output.splitlines() if "abandoned" in line]
    assert "WARNING" in line or "warning" in line, line
    assert not [path for path in root.glob("??/*") if path.is_file()], "a partial upload became a blob"
