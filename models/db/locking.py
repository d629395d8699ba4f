"""Row locks taken at the start of a state-changing transaction.

Every operation on a model locks that model's row first, so operations on one model serialise while
operations on different models run side by side (PostgreSQL). On SQLite the whole database is already
write-locked by ``BEGIN IMMEDIATE`` and ``FOR UPDATE`` is dropped, which is equally correct.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.entities import ModelVersion, RegisteredModel
from models.errors import NotFound


async def lock_model(conn: BaseDBAsyncClient, name: str) -> RegisteredModel | None:
    return await RegisteredModel.filter(name=name).select_for_update().using_db(conn).first()


async def lock_existing_model(conn: BaseDBAsyncClient, name: str) -> RegisteredModel:
    model = await lock_model(conn, name)
    if model is None:
        raise NotFound(f"no model named {name!r}")
    return model


async def get_version(conn: BaseDBAsyncClient, model: RegisteredModel, number: int) -> ModelVersion:
    version = await ModelVersion.get_or_none(model_id=model.id, number=number, using_db=conn)
    if version is None:
        raise NotFound(f"model {model.name!r} has no version {number}")
    return version
