"""A request's GraphQL document is parsed once, and each document text validated once.

The HTTP layer needs the operation before execution (the rate limit charges a mutation more than a query,
the access log names it), so it parses the document with ``parse_request`` and hands the outcome to the
context. ``ParsedOnce`` takes the place of Strawberry's ``MaxTokensLimiter``, ``ParserCache``,
``AddValidationRules`` and ``ValidationCache``: it gives Strawberry that document, or raises that parse error, so
Strawberry does not parse again. Where nothing was parsed ahead (a ``schema.execute`` call, a request whose text
differs from what the HTTP layer read) it parses itself, through the same cache. It validates with the schema's
own rules and ours, and remembers the errors per document text: ``ValidationCache`` keyed them by the parsed
document, whose hash walks the whole syntax tree on every request (21 µs for a promotion's, 52 µs for the
dashboard's), where a text's hash is computed once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

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


@functools.lru_cache(maxsize=256)
def _cached_validation(
    schema: GraphQLSchema, query: str, max_tokens: int | None, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    # The document of a text this short is the parse cache's (``parse_document``): the one being executed.
    return validate_document(schema, _cached_parse(query, max_tokens), rules)


def validated(
    schema: GraphQLSchema,
    query: str | None,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    *,
    max_tokens: int | None,
) -> list[GraphQLError]:
    """The errors of validating ``document`` (parsed from ``query``) with ``rules``, remembered per text when
    ``document`` is the parse cache's for it (it is whenever ``ParsedOnce`` parsed it, or the HTTP layer did). The
    list is shared between requests: read it, never change it."""
    if query is not None and len(query) <= _CACHED_DOCUMENT_CHARS:
        try:
            remembered = _cached_parse(query, max_tokens) is document
        except GraphQLError:  # parsed elsewhere, under another token limit
            remembered = False
        if remembered:
            return _cached_validation(schema, query, max_tokens, rules)
    return validate_document(schema, document, rules)


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
    """Execute the document the HTTP layer parsed (``context.document``) instead of parsing it again, and validate
    it once per text.

    Its own parse refuses a document of more than ``max_tokens`` tokens, as the HTTP layer's does. A parse error is
    raised from here, where ``ParserCache`` raises it, so the client gets the same error either way. ``rules`` are
    added to Strawberry's own (the depth, alias and introspection rules of ``schema/build.py``): created once, so
    that the same text is validated once. Neither they nor the token limit are written into the execution context
    (``validation_rules``, ``parse_options``) as Strawberry's extensions wrote them: no other extension reads them.
    """

    def __init__(self, *, max_tokens: int, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self._max_tokens = max_tokens
        self._rules = rules

    def on_parse(self) -> Iterator[None]:
        execution_context = self.execution_context
        parsed = getattr(execution_context.context, "document", None)
        if isinstance(parsed, Parsed) and parsed.query == execution_context.query:
            if isinstance(parsed.outcome, GraphQLError):
                raise parsed.outcome
            execution_context.graphql_document = parsed.outcome
        elif execution_context.query:
            execution_context.graphql_document = parse_document(execution_context.query, max_tokens=self._max_tokens)
        yield

    def on_validate(self) -> Iterator[None]:
        execution_context = self.execution_context
        document = execution_context.graphql_document
        if document is not None:  # else Strawberry refuses the request before validating
            rules = (*execution_context.validation_rules, *self._rules)
            execution_context.pre_execution_errors = validated(
                execution_context.schema._schema, execution_context.query, document, rules, max_tokens=self._max_tokens
            )
        yield
