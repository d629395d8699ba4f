"""The outbox is the database's: a trigger on ``audit_event`` writes each event's deliveries in the statement that
inserts the event (models/migrations/models/10_20261206161000_webhook_outbox_trigger.py), for any writer, and the
application sends no statement for them."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest

from models.audit.chain import Content, chain_head, event_hash
from models.db.connection import connected, connection
from models.entities import AuditEvent, DeliveryStatus, RegisteredModel, WebhookDelivery
from models.registry.operations import Registration, register_version
from models.webhooks.operations import create_webhook


def _promoted(model: RegisteredModel, position: int, previous_hash: str, at: datetime) -> dict[str, Any]:
    """A PROMOTED event to production that extends ``model``'s chain, hashed as models.audit.record hashes it
    (PostgreSQL's insert trigger recomputes the hash and refuses any other)."""
    content = Content(
        action="PROMOTED",
        actor="another-writer",
        at=at,
        model_id=model.id,
        model_name=model.name,
        version_id=None,
        environment="production",
        previous_version_id=None,
        reason="written without the application",
        request_id=None,
        details={},
    )
    chained = {"chain_seq": position + 1, "previous_hash": previous_hash}
    digest = event_hash(content, position=position + 1, previous_hash=previous_hash)
    return {**dataclasses.asdict(content), "details": orjson.dumps({}).decode(), **chained, "hash": digest}


def _insert(event: dict[str, Any], marks: list[str]) -> str:
    return f"INSERT INTO audit_event ({', '.join(event)}) VALUES ({', '.join(marks)})"


async def _insert_with_postgres_driver(url: str, event: dict[str, Any], *, commit: bool) -> None:
    db = await asyncpg.connect(url)
    try:
        marks = [f"${n}" + ("::jsonb" if name == "details" else "") for n, name in enumerate(event, 1)]
        transaction = db.transaction()
        await transaction.start()
        await db.execute(_insert(event, marks), *event.values())
        if commit:
            await transaction.commit()
        else:
            await transaction.rollback()
    finally:
        await db.close()


def _insert_with_sqlite_module(path: str, event: dict[str, Any], *, commit: bool, regexp: bool = True) -> None:
    db = sqlite3.connect(path)
    try:
        if regexp:
            db.create_function("regexp", 2, _regexp)
        row = [value.isoformat(" ") if isinstance(value, datetime) else value for value in event.values()]
        db.execute(_insert(event, ["?"] * len(event)), row)
        if commit:
            db.commit()
        else:
            db.rollback()
    finally:
        db.close()


def _regexp(pattern: str | None, text: str | None) -> bool:
    """``text REGEXP pattern`` as the server's SQLite connections define it (Tortoise's, models/db/_sqlite.py)."""
    return bool(pattern and text) and re.search(str(pattern), str(text)) is not None


async def test_an_event_any_writer_inserts_gets_its_deliveries_and_a_rolled_back_one_none(database_url: str) -> None:
    async with connected(database_url):
        await register_version(model="churn", registration=Registration(), actor="trainer")
        await register_version(model="fraud", registration=Registration(), actor="trainer")
        wanted = await create_webhook(
            url="https://hooks.example.com/churn-production",
            event_types=["PROMOTED"],
            model_patterns=["churn*"],
            environments=["production"],
            scope=None,
            actor="admin",
        )
        for types, patterns, environments in (
            (["DEMOTED"], None, None),  # another action
            (["PROMOTED"], ["fraud"], None),  # another model
            (["PROMOTED"], None, ["staging"]),  # another environment
        ):
            await create_webhook(
                url="https://hooks.example.com/other",
                event_types=types,
                model_patterns=patterns,
                environments=environments,
                scope=None,
                actor="admin",
            )
        model = await RegisteredModel.get(name="churn")
        position, previous_hash = await chain_head(connection(), model.id)
        owed_before = await WebhookDelivery.all().count()
    assert owed_before == 0  # no webhook wants a registration
    at = datetime.now(UTC)
    event = _promoted(model, position, previous_hash, at)
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite://")
        with pytest.raises(sqlite3.OperationalError, match="no such function: REGEXP"):
            _insert_with_sqlite_module(path, event, commit=True, regexp=False)  # the documented requirement
        _insert_with_sqlite_module(path, event, commit=False)
        _insert_with_sqlite_module(path, event, commit=True)  # the same chain position: the first one is gone
    else:
        await _insert_with_postgres_driver(database_url, event, commit=False)
        await _insert_with_postgres_driver(database_url, event, commit=True)

    async with connected(database_url):
        [written] = await AuditEvent.filter(actor="another-writer")
        deliveries = await WebhookDelivery.all().values(
            "webhook_id", "audit_event_id", "event_type", "status", "attempts", "next_attempt_at", "created_at"
        )
    assert deliveries == [
        {
            "webhook_id": wanted.webhook.id,
            "audit_event_id": written.id,
            "event_type": "PROMOTED",
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
    ]
