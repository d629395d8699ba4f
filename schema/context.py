"""The per-request context every resolver receives: who is asking, the request id, and the DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from strawberry.types import Info as StrawberryInfo

from models.tokens import Principal
from schema.loaders import Loaders


@dataclass
class Context:
    principal: Principal | None
    request_id: str
    allow_anonymous_read: bool
    #: Why a presented token was refused ("malformed ...", "not valid ...", "expired ..."); None when none was.
    auth_error: str | None = None
    loaders: Loaders = field(default_factory=Loaders)


Info: TypeAlias = StrawberryInfo[Context, None]
