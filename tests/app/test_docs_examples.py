"""The README's and docs' examples, as written: every GraphQL document is valid against the schema (fenced
blocks, the queries inside curl commands, inline `query`/`mutation` spans, examples/*.graphql) and every shell
block parses. tests/app/test_docs_walkthrough.py runs them against a live server."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from graphql import GraphQLError, parse, validate

from models.tokens.scopes import pattern_regex
from schema.build import schema
from tests.support.server import REPO

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
