"""The ``modelreg`` command as users run it: a subprocess against a fresh database.

The commands and their settings: README.md, "Two commands"; docs/operations.md, "Configuration" and "Other commands".
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.pipeline import Pipeline

from app.artifact_file import FileStore
from models.db.connection import connected, dialect, fetch
from models.db.connection import connection as db_connection
from models.entities import Artifact, ModelVersion, RegisteredModel, VersionTag
from models.tokens.operations import authenticate
from tests.support.helpers import row_counts
from tests.support.server import environment

REPO = Path(__file__).parents[2]
DEMO_SUMMARY = re.compile(
    r"^demo registry: (\d+) model\(s\) created, (\d+) version\(s\) registered, (\d+) deployment change\(s\)"
    r"(?:; already there, left as they were: (.*))?$",
    re.M,
)
#: The scikit-learn bundled datasets the demo trains on, by the name its versions are tagged with.
DATASETS: dict[str, Callable[[], Any]] = {
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "iris": load_iris,
    "diabetes": load_diabetes,
}


def modelreg(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *arguments],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def _create(url: str, name: str, role: str, *extra: str) -> str:
    output = _ok(modelreg("tokens", "create", "--name", name, "--role", role, "--database-url", url, *extra))
    return output.strip().splitlines()[-1]


def _listing(url: str) -> dict[str, dict[str, str]]:
    """``tokens list`` as {name: {column: cell}}, columns read from the header's positions."""
    lines = _ok(modelreg("tokens", "list", "--database-url", url)).rstrip("\n").splitlines()
    columns = list(re.finditer(r"\S+(?: \S+)*", lines[0]))  # "LAST USED" is one column
    names = [column[0].lower() for column in columns]
    starts = [column.start() for column in columns]
    ends = [*starts[1:], None]
    rows = [
        {name: line[start:end].strip() for name, start, end in zip(names, starts, ends, strict=True)}
        for line in lines[1:]
        if line.strip()
    ]
    return {row["name"]: row for row in rows}


def _authenticates(url: str, secret: str) -> bool:
    async def check() -> bool:
        async with connected(url):
            return await authenticate(secret) is not None

    return asyncio.run(check())


async def _all_stored_text() -> str:
    """Every row of every table, as text: to check that a secret is stored nowhere."""
    conn = db_connection()
    if dialect(conn) == "sqlite":
        tables = [row["name"] for row in await fetch(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        tables = [
            row["table_name"]
            for row in await fetch(
                conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        ]
    dumped: list[str] = []
    for table in tables:
        dumped.extend(repr(row) for row in await conn.execute_query_dict(f'SELECT * FROM "{table}"'))
    return "\n".join(dumped)


def test_tokens_create_prints_a_strong_secret_alone_on_the_last_line(database_url: str) -> None:
    result = modelreg("tokens", "create", "--name", "ci", "--role", "deployer", "--database-url", database_url)
    secret = _ok(result).strip().splitlines()[-1]

    assert secret == secret.strip() and " " not in secret, f"the last line is not the secret alone: {secret!r}"
    assert secret.startswith("mreg_")
    # 32 random bytes are at least 43 characters in base64 (url-safe, unpadded) or any denser encoding.
    assert len(secret) - len("mreg_") >= 43, secret
    assert result.stdout.count(secret) == 1, "the secret is printed more than once"
    assert _authenticates(database_url, secret)
    other = _create(database_url, "ci-2", "reader")
    assert other != secret and other[5:16] != secret[5:16]

    async def stored() -> str:
        async with connected(database_url):
            return await _all_stored_text()

    text = asyncio.run(stored())
    assert secret not in text and secret[len("mreg_") :] not in text, "the secret is stored in clear"


def test_tokens_list_shows_names_and_roles_never_secrets(database_url: str) -> None:
    secrets = {name: _create(database_url, name, role) for name, role in [("alice", "admin"), ("build-bot", "writer")]}

    output = _ok(modelreg("tokens", "list", "--database-url", database_url))
    listing = _listing(database_url)

    assert "mreg_" not in output
    for secret in secrets.values():
        assert secret[len("mreg_") :] not in output
        assert hashlib.sha256(secret.encode()).hexdigest() not in output
    assert set(listing) == {"alice", "build-bot"}
    assert listing["alice"]["role"] == "admin"
    assert listing["build-bot"]["role"] == "writer"


def test_tokens_revoke_takes_effect_at_once(database_url: str) -> None:
    secret = _create(database_url, "leaked", "admin")
    kept = _create(database_url, "kept", "reader")
    assert _authenticates(database_url, secret)

    result = modelreg("tokens", "revoke", "leaked", "--database-url", database_url)
    _ok(result)

    listing = _listing(database_url)
    assert listing["leaked"]["revoked"] not in ("", "-"), listing
    assert listing["kept"]["revoked"] in ("", "-"), listing
    assert not _authenticates(database_url, secret)
    assert _authenticates(database_url, kept)

    unknown = modelreg("tokens", "revoke", "nobody", "--database-url", database_url)
    assert unknown.returncode != 0
    assert "nobody" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_tokens_create_refuses_an_existing_name_unless_replacing(database_url: str) -> None:
    first = _create(database_url, "deploy-bot", "deployer")

    duplicate = modelreg("tokens", "create", "--name", "deploy-bot", "--role", "admin", "--database-url", database_url)

    assert duplicate.returncode != 0
    assert "deploy-bot" in duplicate.stderr and "already exists" in duplicate.stderr, duplicate.stderr
    assert "Traceback" not in duplicate.stderr
    assert "mreg_" not in duplicate.stdout + duplicate.stderr, "a refused create printed a secret"
    assert _authenticates(database_url, first), "a refused create changed the existing token"
    assert _listing(database_url)["deploy-bot"]["role"] == "deployer"

    replaced = _create(database_url, "deploy-bot", "admin", "--replace")

    assert replaced.startswith("mreg_") and replaced != first
    assert _authenticates(database_url, replaced)
    assert not _authenticates(database_url, first), "the replaced secret still works"
    assert _listing(database_url)["deploy-bot"]["role"] == "admin"


def test_migrate_check_passes_on_an_up_to_date_database(database_url: str) -> None:
    result = modelreg("migrate", "--check", "--database-url", database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pending:" not in result.stdout


PUBLISHED_SCHEMA = REPO / "docs" / "schema.graphql"


def test_the_published_schema_is_the_served_one() -> None:
    """docs/schema.graphql is the SDL users read and diff; it must be what the server serves."""
    sdl = _ok(modelreg("schema"))
    assert sdl == PUBLISHED_SCHEMA.read_text(), (
        "modelreg schema differs from docs/schema.graphql: review the change, then run 'make schema' and commit it"
    )


def _contract_checker() -> Path | None:
    """The public contract's checker: beside the repository (../shared/contract, as CI lays it out) or named by
    MODELREG_CONTRACT_DIR. None in a plain clone, where the published schema test above still runs."""
    candidates = [REPO.parent / "shared" / "contract" / "check.py"]
    if os.environ.get("MODELREG_CONTRACT_DIR"):
        candidates.insert(0, Path(os.environ["MODELREG_CONTRACT_DIR"]) / "check.py")
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def test_schema_honours_the_contract() -> None:
    checker = _contract_checker()
    if checker is None:
        # CI always has the contract beside the checkout: there its absence is a failure, never a skip.
        assert os.environ.get("CI") != "true", "CI runs without ../shared/contract; set MODELREG_CONTRACT_DIR"
        pytest.skip("no ../shared/contract beside this clone (set MODELREG_CONTRACT_DIR to check against it)")
    sdl = _ok(modelreg("schema"))
    assert "type Query" in sdl

    result = subprocess.run(
        [sys.executable, str(checker), "-"], input=sdl, capture_output=True, text=True, timeout=60, cwd=REPO
    )

    assert "0 breaking change(s)" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def _demo(url: str, artifacts: Path) -> tuple[int, int, int, str]:
    output = _ok(modelreg("demo", "--database-url", url, "--artifact-root", str(artifacts), timeout=300))
    match = DEMO_SUMMARY.search(output)
    assert match, f"no demo summary in the output:\n{output}"
    return int(match[1]), int(match[2]), int(match[3]), match[4] or ""


def _counts(url: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        async with connected(url):
            return {**await row_counts(), "artifacts": await Artifact.all().count()}

    return asyncio.run(count())


def _files(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): path.stat().st_size for path in root.rglob("*") if path.is_file()}


def test_demo_is_safe_to_run_twice(database_url: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    created, registered, changed, _ = _demo(database_url, artifacts)
    assert created > 0 and registered >= created and changed > 0
    counts, files = _counts(database_url), _files(artifacts)
    assert counts["models"] == created and counts["versions"] == registered

    again = _demo(database_url, artifacts)

    assert again[:3] == (0, 0, 0), again
    assert _counts(database_url) == counts
    assert _files(artifacts) == files


def test_demo_artifacts_are_the_real_estimators(database_url: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    _demo(database_url, artifacts)
    store = FileStore(artifacts, max_bytes=1 << 40)

    async def versions() -> list[tuple[str, int, str, int, str | None, dict[str, str], int]]:
        async with connected(database_url):
            rows = []
            for version in await ModelVersion.filter(artifact_id__isnull=False).order_by("id"):
                model = await RegisteredModel.get(id=version.model_id)
                artifact = await Artifact.get(sha256=version.artifact_id)
                tags = dict(await VersionTag.filter(version_id=version.id).values_list("key", "value"))
                rows.append(
                    (
                        model.name,
                        version.number,
                        artifact.sha256,
                        artifact.size_bytes,
                        version.model_type,
                        {str(k): str(v) for k, v in tags.items()},
                        len(version.feature_names),
                    )
                )
            return rows

    found = asyncio.run(versions())
    assert found, "the demo registered no version with an artifact"
    for name, number, sha256, size, model_type, tags, feature_count in found:
        where = f"{name} v{number}"
        blob = store.path(sha256).read_bytes()
        # Verify the bytes before unpickling them: joblib.load runs code from the file.
        assert hashlib.sha256(blob).hexdigest() == sha256, f"{where}: the stored blob does not match its sha256"
        assert len(blob) == size, f"{where}: {len(blob)} bytes stored, {size} recorded"

        estimator = joblib.load(io.BytesIO(blob))

        final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
        assert model_type is not None and model_type.rsplit(".", 1)[-1] == type(final).__name__, (where, model_type)
        assert tags.get("dataset") in DATASETS, f"{where}: dataset tag {tags.get('dataset')!r}"
        data = DATASETS[tags["dataset"]]()
        assert feature_count == data.data.shape[1], where
        rows = data.data[:5]
        predicted = np.asarray(estimator.predict(rows))
        assert predicted.shape == (5,), where
        if hasattr(final, "classes_"):
            assert set(predicted.tolist()) <= set(data.target.tolist()), where
            # The first rows of a bundled dataset are training data; a real fitted classifier gets most right.
            assert (predicted == data.target[:5]).sum() >= 3, f"{where}: predicted {predicted}, true {data.target[:5]}"
        else:
            assert np.isfinite(predicted).all(), where
