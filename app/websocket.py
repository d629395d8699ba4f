"""GraphQL over a WebSocket (graphql-transport-ws, ``/graphql``): each operation admitted as a request of its own.

A connection authenticates once, at ``connection_init`` (``RegistryGraphQL.on_ws_connect``), and may then stay
open for hours while its token is revoked or expires. Strawberry runs every ``subscribe`` message (a query, a
mutation or a subscription) with the connection's one context, so the connection's principal would act long after
its token stopped working, its operations would bypass the rate limit, and each would read through the loaders
(and their per-request caches) of every operation before it. Here each operation is admitted as an HTTP request
is:

- its token is looked up again: a revoked, expired or deleted one closes the connection with 4403, the code that
  refuses a connection at ``connection_init``;
- it is charged to its caller's rate-limit bucket at its price (``schema/cost.py``), as ``app/middleware/rate_limit.py``
  charges a request; when the bucket is empty the operation gets a ``RATE_LIMITED`` error and does not run;
- it runs with a context of its own (its own loaders), as a request does.

A subscription that runs for long checks its token again while it runs (``schema/subscriptions.py``).
"""

from __future__ import annotations

import dataclasses
from contextlib import suppress
from typing import TYPE_CHECKING, cast

from graphql import GraphQLError
from strawberry import Schema
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.utils.aio import aclosing

from app.middleware.rate_limit import allowance_of, bucket, points_of, retry_after
from models.tokens.operations import Refusal, identify
from schema.build import MAX_TOKENS
from schema.codes import ErrorCode
from schema.context import Context
from schema.cost import Allowance, Cost, operation_cost
from schema.document import parse_request

if TYPE_CHECKING:
    from app.graphql_view import RegistryGraphQL

#: The close code of a connection whose token no longer authenticates (the one ``connection_init`` refuses with).
REFUSED = 4403


class OperationsAsRequests(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with each operation admitted and given a context of its own (see the module)."""

    view: RegistryGraphQL

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # Strawberry's own ``run_operation`` (0.341), admitting the operation first and running it with its own
        # context in place of the connection's; inside the same ``try``, so that a failure while admitting it
        # (a database outage at the token lookup) also completes the operation and frees its id.
        context: Context | None = None
        try:
            context = await self._admitted(operation)
            if context is None:
                return
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message(CompleteMessage(id=operation.id, type="complete"))
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            if context is not None:
                context.loaders.clear()  # what the operation read is freed with it, as a request's is

    async def _admitted(self, operation: Operation[Context, None]) -> Context | None:
        """The operation's context, or None once it has been refused (the connection closed, or an error sent)."""
        connection = self.context
        principal = None
        if connection.presented is not None:  # else an anonymous connection (anonymous reads allowed)
            found = await identify(connection.presented)
            if isinstance(found, Refusal):
                self.operations.pop(operation.id, None)
                with suppress(Exception):  # two operations refused at once: the second finds the socket closed
                    await self.websocket.close(code=REFUSED, reason=f"the bearer token is {found.reason}"[:123])
                return None
            principal = found
        price = self._price(operation)
        charged = self._charge(principal.name if principal is not None else None, price)
        if isinstance(charged, GraphQLError):
            await operation.send_initial_errors([charged])
            return None
        return dataclasses.replace(
            connection,
            principal=principal,
            request_id=f"{connection.request_id}/{operation.id}"[:100],
            document=None,
            cost=price,
            allowance=charged,
        )

    def _charge(self, token: str | None, price: Cost | None) -> Allowance | GraphQLError | None:
        """Take the operation's points from its caller's bucket: what is left (for the ``rateLimit`` field), or the
        error to answer with when it is empty; None when rate limits are off."""
        limiter = self.view.limiter
        if limiter is None:
            return None
        points = points_of(price, self.view.max_nodes)
        key, who = bucket(token, cast(ASGIWebSocketAdapter, self.websocket).ws.client)
        wait = limiter.take(key, points) if points else 0.0
        if wait > 0:
            seconds = retry_after(wait)
            message = f"rate limit exceeded for {who}: this operation costs {points:g} points; retry in {seconds} s"
            return GraphQLError(message, extensions={"code": ErrorCode.RATE_LIMITED, "retryAfter": int(seconds)})
        return allowance_of(limiter, key)

    def _price(self, operation: Operation[Context, None]) -> Cost | None:
        """The operation's price (``schema/cost.py``), None when its document cannot be priced (it will fail)."""
        if not isinstance(operation.query, str):
            return None
        parsed = parse_request(operation.query, max_tokens=MAX_TOKENS)
        if isinstance(parsed.outcome, GraphQLError):
            return None
        variables = operation.variables if isinstance(operation.variables, dict) else {}
        return operation_cost(
            cast(Schema, self.schema)._schema,
            parsed.outcome,
            variables=variables,
            operation_name=operation.operation_name,
        )
