"""Malformed and look-alike input (docs/api.md, "Errors"): every entry of the corpus is ``BAD_USER_INPUT`` on both
backends, changes nothing, logs at most one short line and never echoes the offending value: global ids that
overflow 64 bits or are not canonical ASCII digits, cursors of the wrong type or size, control characters in
any string, and names with format or bidirectional characters or surrounding spaces."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from schema.codes import ErrorCode
from tests.support.helpers import REGISTER, Api, register, row_counts


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor(name: str, values: list[Any]) -> str:
    return b64(json.dumps([name, values]))


NODE = "query($id: ID!) { node(id: $id) { id } }"
MODELS_AFTER = "query($after: String) { models(after: $after) { totalCount } }"
VERSIONS_AFTER = 'query($after: String) { model(name: "m") { versions(after: $after) { totalCount } } }'
EVENTS_AFTER = "query($after: String) { auditEvents(after: $after) { totalCount } }"
PROMOTE = "mutation($input: PromoteInput!) { promote(input: $input) { changed } }"


def registration(**fields: Any) -> tuple[str, dict[str, Any]]:
    return REGISTER, {"input": {"model": "m", **fields}}


#: name -> (document, variables). Each must answer BAD_USER_INPUT and change nothing.
CORPUS: dict[str, tuple[str, dict[str, Any]]] = {
    **{
        f"global id Model:{number}": (NODE, {"id": b64(f"Model:{number}")})
        for number in (
            "9223372036854775808",
            "-1",
            "12345678901234567890",
            "\u0661",
            "\uff11",
            " 1",
            "+1",
            "0151",
            "1_51",
            "",
        )
    },
    "global id of 100,000 characters": (NODE, {"id": "A" * 100_000}),
    "cursor: a string where the model id goes": (
        MODELS_AFTER,
        {"after": cursor("model:NAME:ASC", ["m", "1"])},
    ),
    "cursor: a string where the version number goes": (VERSIONS_AFTER, {"after": cursor("version:NUMBER:DESC", ["1"])}),
    "cursor: a list where the event id goes": (EVENTS_AFTER, {"after": cursor("audit:ID:DESC", [[1]])}),
    "cursor: an id past 64 bits": (EVENTS_AFTER, {"after": cursor("audit:ID:DESC", [2**64])}),
    "cursor: a boolean where the id goes": (EVENTS_AFTER, {"after": cursor("audit:ID:DESC", [True])}),
    "cursor of 100,000 characters": (EVENTS_AFTER, {"after": "A" * 100_000}),
    "NUL in the name filter": ('{ models(filter: {nameContains: "a\\u0000"}) { totalCount } }', {}),
    "NUL in the name filter, as a variable": (
        "query($f: ModelFilter) { models(filter: $f) { totalCount } }",
        {"f": {"nameContains": "a\x00"}},
    ),
    "NUL in the actor filter": (
        "query($a: String) { auditEvents(filter: {actor: $a}) { totalCount } }",
        {"a": "x\x00"},
    ),
    "escape in the tag filter": (
        'query($v: String!) { models(filter: {tag: {key: "k", value: $v}}) { totalCount } }',
        {"v": "\x1b[31m"},
    ),
    "NUL in a hyperparameter key": registration(hyperparameters={"max\x00depth": 3}),
    "NUL in a hyperparameter value": registration(hyperparameters={"solver": "lbfgs\x00"}),
    "NUL in a tag value": registration(tags=[{"key": "owner", "value": "a\x00"}]),
    "NUL in a metric name": registration(metrics=[{"name": "auc\x00", "value": 0.9}]),
    "line break in a metric name": registration(metrics=[{"name": "auc\n", "value": 0.9}]),
    "NUL in a description": registration(description="fine\x00"),
    "zero-width space after a metric name": registration(metrics=[{"name": "roc_auc\u200b", "value": 0.9}]),
    "right-to-left override in a metric name": registration(metrics=[{"name": "\u202eroc_auc", "value": 0.9}]),
    "leading space in a metric name": registration(metrics=[{"name": " roc_auc", "value": 0.9}]),
    "no-break space in a metric name": registration(metrics=[{"name": "roc\u00a0auc", "value": 0.9}]),
    "trailing space in a tag key": registration(tags=[{"key": "owner ", "value": "x"}]),
    "zero-width joiner in a tag key": registration(tags=[{"key": "own\u200der", "value": "x"}]),
    "soft hyphen in a feature name": registration(featureNames=["age", "in\u00adcome"]),
    "trailing space in a feature name": registration(featureNames=["age "]),
    "byte order mark in an idempotency key": registration(idempotencyKey="\ufeffkey-1"),
    "trailing space in an idempotency key": (
        PROMOTE,
        {"input": {"model": "m", "version": 1, "idempotencyKey": "key-1 "}},
    ),
}


async def test_the_corpus_is_bad_user_input_and_changes_nothing(
    api: Api, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    await register(api, "m")
    before = await row_counts()
    answers: dict[str, str] = {}
    with caplog.at_level(logging.DEBUG, logger="modelreg"):
        for name, (document, variables) in CORPUS.items():
            caplog.clear()
            body = await api.post(document, variables)
            errors = body.get("errors") or [{}]
            answers[name] = str(errors[0].get("extensions", {}).get("code"))
            records = [record for record in caplog.records if record.name.startswith("modelreg")]
            assert len(records) <= 1, (name, [record.getMessage() for record in records])
            assert all(len(record.getMessage()) < 300 for record in records), name
            assert "\x00" not in str(body) and "A" * 1000 not in str(body), name
    assert answers == dict.fromkeys(CORPUS, ErrorCode.BAD_USER_INPUT.value)
    assert await row_counts() == before
    assert len(CORPUS) == 37


async def test_a_valid_name_still_registers(api: Api) -> None:
    data = await api.data(*registration(metrics=[{"name": "roc_auc (val)", "value": 0.9}], featureNames=["é", "β"]))
    assert data["registerVersion"]["version"]["metrics"] == [{"name": "roc_auc (val)", "value": 0.9}]
    newline = await api.data(*registration(description="two\nlines\twith a tab"))
    assert newline["registerVersion"]["version"]["number"] == 2
