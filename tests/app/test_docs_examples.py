"""The README's and docs' examples, as written: every GraphQL document is valid against the schema (fenced
blocks, the queries inside curl commands, inline `query`/`mutation` spans, examples/*.graphql), every shell
block parses, and the README's curl walk-through runs against a live server."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import joblib
import pytest
from graphql import GraphQLError, parse, validate
from sklearn.dummy import DummyClassifier

from models.tokens.scopes import pattern_regex
from schema.build import schema
from tests.app.test_release_cli import registry
from tests.support.server import REPO, environment

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: A query or mutation written inline in prose, such as `mutation { rollback(...) { ... } }`.
INLINE = re.compile(r"`((?:query|mutation)\b[^`]*\{[^`]*\}|\{ *[a-z]\w*[ ({][^`]*\})`")
#: The GraphQL inside a curl command's JSON body.
CURL_QUERY = re.compile(r"""-d '(\{"query": .*?\})'""", re.DOTALL)


def _blocks(language: str) -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(REPO)}:{text[: match.start()].count(chr(10)) + 1}", match[2])
        for path in DOCUMENTS
        for text in [path.read_text()]
        for match in FENCE.finditer(text)
        if match[1] == language
    ]


def _graphql_examples() -> list[tuple[str, str]]:
    found = _blocks("graphql")
    for where, block in _blocks("sh"):
        for body in CURL_QUERY.findall(block):
            body = body.replace("'\"$sha\"'", "0" * 64)  # a shell variable spliced into the JSON
            found.append((f"{where} (curl)", json.loads(body)["query"]))
    for path in DOCUMENTS:
        for line_number, line in enumerate(path.read_text().splitlines(), start=1):
            found += [(f"{path.relative_to(REPO)}:{line_number} (inline)", span) for span in INLINE.findall(line)]
    found += [(str(path.relative_to(REPO)), path.read_text()) for path in sorted((REPO / "examples").glob("*.graphql"))]
    return found


@pytest.mark.parametrize(("where", "document"), _graphql_examples(), ids=lambda value: str(value)[:60])
def test_every_graphql_example_is_valid(where: str, document: str) -> None:
    try:
        errors = validate(schema._schema, parse(document))
    except GraphQLError as error:
        errors = [error]
    assert errors == [], f"{where}: {errors}\n{document}"


def test_the_examples_found_include_the_ones_that_broke() -> None:
    documents = " ".join(document for _, document in _graphql_examples())
    assert 'rollback(input: {model: "iris-classifier"}) { deployment' in documents
    assert "registerVersion" in documents and "promote(input:" in documents


@pytest.mark.parametrize(("where", "block"), _blocks("sh"), ids=lambda value: str(value)[:40])
def test_every_shell_example_parses(where: str, block: str) -> None:
    checked = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"{where}: {checked.stderr}\n{block}"


def test_the_scoped_token_example_covers_its_own_model() -> None:
    readme = (REPO / "README.md").read_text()
    patterns = re.search(r"--models '([^']+)' --environments staging", readme)
    assert patterns is not None
    scope = re.compile(pattern_regex(tuple(patterns[1].split(","))))
    assert scope.fullmatch("churn") and scope.fullmatch("churn-v2") and not scope.fullmatch("fraud")


def test_the_readme_curl_walkthrough_runs(database_url: str, tmp_path: Path) -> None:
    """The README's curl blocks, in order, against a live server holding the story they tell."""
    with registry(database_url, tmp_path) as reg:
        for _ in range(3):
            reg.client.register("iris-classifier", metrics={"accuracy": 0.9})
        reg.client.promote("iris-classifier", 3)
        joblib.dump(DummyClassifier().fit([[0], [1]], [0, 1]), tmp_path / "model.joblib")
        blocks = [block for _, block in _blocks("sh") if "curl" in block and "127.0.0.1:8000" in block]
        # The walkthrough's blocks talk to make run's address; the events section's stream never ends.
        readme_blocks = [block for where, block in _blocks("sh") if where.startswith("README") and block in blocks]
        assert len(readme_blocks) == 4, readme_blocks
        for block in readme_blocks:
            script = (
                block.replace("http://127.0.0.1:8000", reg.url)
                .replace("TOKEN=mreg_...", f"TOKEN={reg.admin}")
                .replace("@model.joblib", f"@{tmp_path / 'model.joblib'}")
            )
            # The first block reads anonymously under make run (--allow-anonymous-read); here a reader token.
            script = (
                script.replace("curl -s", f'curl -s -H "Authorization: Bearer {reg.reader}"', 1)
                if ("Authorization" not in script)
                else script
            )
            ran = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=REPO,
                env=environment() | {"TOKEN": reg.admin},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert ran.returncode == 0, f"{ran.stderr}\n{script}"
            answer = json.loads(ran.stdout.strip().splitlines()[-1])
            assert "errors" not in answer and answer.get("data"), f"{answer}\n{script}"
        assert blocks
        assert reg.client.deployed("iris-classifier", "production").number == 2  # the promotion ran
        assert [v.number for v in reg.client.versions("churn")] == [1]  # and the registration
