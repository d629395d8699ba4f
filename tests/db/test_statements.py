"""Statements are counted per request where the database clients log them (``models/db/statements.py``): the same
number as the statement log's records, on both backends, and without the log turned on."""

from __future__ import annotations

import logging

import pytest

from models.db.statements import start_counting
from models.deployments.operations import promote
from models.entities import ModelVersion, RegisteredModel
from models.registry.reads import VersionQuery, list_versions
from tests.schema.test_sql_counts import _seed
from tests.support.helpers import StatementCounter


async def _work() -> None:
    """Reads through the ORM and by raw statement, and a write transaction."""
    ids = [model.id for model in await RegisteredModel.all()]
    await list_versions(model_ids=ids, query=VersionQuery(), first=2, after=None)
    await ModelVersion.filter(model_id=ids[0]).count()
    await promote(model="model-000", version=1, actor="test", environment="staging")


async def test_the_count_is_the_statement_logs(app: object, statements: StatementCounter) -> None:
    await _seed(0, 2)
    statements.reset()
    counted = start_counting()
    await _work()
    assert counted[0] == statements.count >= 5


async def test_statements_are_counted_with_the_log_off(app: object, caplog: pytest.LogCaptureFixture) -> None:
    """No DEBUG record is made for a statement unless someone listens (what the metrics' counting cost)."""
    await _seed(0, 2)
    logger = logging.getLogger("tortoise.db_client")
    caplog.set_level(logging.INFO, logger="tortoise.db_client")
    assert not logger.isEnabledFor(logging.DEBUG)
    made: list[logging.LogRecord] = []
    factory = logging.getLogRecordFactory()

    def recording(*args: object, **kwargs: object) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if record.name == "tortoise.db_client":
            made.append(record)
        return record

    logging.setLogRecordFactory(recording)
    try:
        counted = start_counting()
        await _work()
    finally:
        logging.setLogRecordFactory(factory)
    assert counted[0] >= 5 and made == []
