"""Reading artifact records by key, one statement each."""

from __future__ import annotations

from collections.abc import Sequence

from models.entities import Artifact


async def artifacts_by_sha256(digests: Sequence[str]) -> dict[str, Artifact]:
    return {a.sha256: a for a in await Artifact.filter(sha256__in=list(digests))}
