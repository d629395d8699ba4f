"""A request's GraphQL document is parsed once.

The HTTP layer needs the operation before execution (the rate limit charges a mutation more than a query,
the access log names it), so it parses the document with ``parse_request`` and hands the outcome to the
context. ``ParsedOnce`` takes the place of Strawberry's ``ParserCache``: it gives Strawberry that document,
or raises that parse error, so Strawberry does not parse again. Where nothing was parsed ahead (a
``schema.execute`` call, a request whose text differs from what the HTTP layer read) it parses itself,
through the same cache.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

#: Documents up to this size are remembered (clients repeat the same few); larger ones are parsed each time,
#: so the cache holds at most 256 times this much text.
_CACHED_DOCUMENT_CHARS = 16 * 1024


@functools.lru_cache(maxsize=256)
def _cached_parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


def parse_document(query: str, *, max_tokens: int | None) -> DocumentNode:
    """``query`` parsed; a document of more than ``max_tokens`` tokens is refused before it is read further."""
    if len(query) <= _CACHED_DOCUMENT_CHARS:
        return _cached_parse(query, max_tokens)
    return parse(query, max_tokens=max_tokens)


@dataclass(frozen=True)
class Parsed:
    """A document text and what parsing it gave: the document, or the syntax (or token limit) error."""

    query: str
    outcome: DocumentNode | GraphQLError


def parse_request(query: str, *, max_tokens: int | None) -> Parsed:
    try:
        return Parsed(query, parse_document(query, max_tokens=max_tokens))
    except GraphQLError as error:
        return Parsed(query, error)


class ParsedOnce(SchemaExtension):
    """Execute the document the HTTP layer parsed (``context.document``) instead of parsing it again.

    Its own parse applies the token limit ``MaxTokensLimiter`` puts in the parse options. A parse error is
    raised from here, where ``ParserCache`` raises it, so the client gets the same error either way.
    """

    def on_parse(self) -> Iterator[None]:
        execution_context = self.execution_context
        parsed = getattr(execution_context.context, "document", None)
        if isinstance(parsed, Parsed) and parsed.query == execution_context.query:
            if isinstance(parsed.outcome, GraphQLError):
                raise parsed.outcome
            execution_context.graphql_document = parsed.outcome
        elif execution_context.query:
            query, options = execution_context.query, execution_context.parse_options
            execution_context.graphql_document = parse_document(query, max_tokens=options.get("max_tokens"))
        yield
