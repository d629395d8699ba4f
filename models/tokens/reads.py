"""Reading tokens: what ``modelreg tokens list`` shows (rows never hold a secret, only its hash)."""

from __future__ import annotations

from models.entities import ApiToken


async def list_tokens() -> list[ApiToken]:
    return await ApiToken.all().order_by("name")
