"""Artifact records: which content-addressed blobs exist, how large, and who uploaded them first."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from models.clock import now
from models.db.retry import retried
from models.entities import Artifact


@retried
async def record_artifact(*, sha256: str, size_bytes: int, actor: str) -> tuple[Artifact, bool]:
    """Record a blob whose bytes are already stored. Returns the record and whether it is new."""
    existing = await Artifact.get_or_none(sha256=sha256)
    if existing is not None:
        return existing, False
    try:
        return await Artifact.create(sha256=sha256, size_bytes=size_bytes, created_at=now(), created_by=actor), True
    except IntegrityError:  # a concurrent upload of the same bytes recorded it first
        return await Artifact.get(sha256=sha256), False
