"""The per-request context every resolver receives: who is asking, the request id, and the DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from strawberry.types import Info as StrawberryInfo

from models.tokens.scopes import Principal
from schema.cost import Allowance, Cost
from schema.cost_limit import DEFAULT_MAX_NODES
from schema.document import Parsed
from schema.loaders import Loaders


@dataclass
class Context:
    principal: Principal | None
    request_id: str
    allow_anonymous_read: bool
    #: Why a presented token was refused ("malformed ...", "not valid ...", "expired ..."); None when none was.
    auth_error: str | None = None
    #: The request's document as the HTTP layer parsed it, executed without parsing it again (schema/document.py).
    document: Parsed | None = None
    #: A WebSocket's ``connection_init`` payload (Strawberry sets it); may carry ``authorization``.
    connection_params: dict[str, object] | None = None
    #: The bearer secret a WebSocket authenticated with (its handshake's header or ``connection_init``'s), looked up
    #: again for each of its operations (app/websocket.py) and while a subscription runs (schema/subscriptions.py).
    #: Kept out of the context's repr.
    presented: str | None = field(default=None, repr=False)
    #: The principal whose live-stream slot this WebSocket holds (app/event_stream.py), to give back at close.
    stream_holder: str | None = None
    #: What the operation may cost (schema/cost.py): priced by the HTTP layer, else by ``CostLimit``.
    cost: Cost | None = None
    #: Operations that may return more nodes are refused (``MODELREG_MAX_NODES``).
    max_nodes: int = DEFAULT_MAX_NODES
    #: The caller's rate-limit bucket after this request; None when rate limits are off (or outside HTTP).
    allowance: Allowance | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # Registry-wide numbers (statistics) are computed over the models a scoped token may see.
        self.loaders = Loaders(within=self.principal.model_patterns if self.principal is not None else None)


Info: TypeAlias = StrawberryInfo[Context, None]
