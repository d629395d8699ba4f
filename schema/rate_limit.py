"""``rateLimit``: what an operation costs and what the caller has left, so a dashboard author can price a document
without running it (``dryRun: true``). The costs and the limit are explained in docs/api.md, "Rate limits"."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from schema.context import Info
from schema.permissions import CanRead


@strawberry.type(name="RateLimit", description="The cost of this operation and the caller's rate-limit bucket.")
class RateLimitStatus:
    cost: int = strawberry.field(
        description=(
            "Points this operation costs: list fetches / 100, at least 1; a mutation 5. A dry run is charged "
            "nothing and answers what the document would cost."
        )
    )
    node_count: int = strawberry.field(
        description="The most objects and list items the operation can return (refused above maxNodeCount)."
    )
    max_node_count: int
    limit: int | None = strawberry.field(description="Points the bucket holds when full; null without rate limits.")
    remaining: int | None = strawberry.field(description="Points left after this operation; null without rate limits.")
    reset_at: datetime | None = strawberry.field(description="When the bucket is full again; null without rate limits.")


@strawberry.type
class RateLimitQueries:
    @strawberry.field(
        permission_classes=[CanRead],
        description=(
            "What this operation costs and what the caller has left. dryRun: true prices the whole document "
            "without running it (only rateLimit is answered) and charges nothing."
        ),
    )
    def rate_limit(self, info: Info, dry_run: bool | None = False) -> RateLimitStatus:
        context = info.context
        cost, allowance = context.cost, context.allowance
        return RateLimitStatus(
            cost=cost.points if cost is not None else 1,
            node_count=cost.nodes if cost is not None else 0,
            max_node_count=context.max_nodes,
            limit=allowance.limit if allowance else None,
            remaining=allowance.remaining if allowance else None,
            reset_at=datetime.fromtimestamp(allowance.reset_at, UTC) if allowance else None,
        )
