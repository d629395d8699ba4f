"""The response cache: answers to read-only operations, never served after a write (docs/performance.md).

An answer is stored under its ``CacheKey``, which names everything the answer depends on:

- the document, normalized (printed from its syntax tree, so spacing and comments do not matter), the
  operation's name and the variables (canonical JSON);
- what the caller may see: anonymous, or the token's role, model patterns and environments (and, when the
  document asks for ``viewer``, the token itself, since ``viewer`` describes it);
- the registry's generation when the query started (``models/db/generation.py``), which every committed
  write advances on every instance. An answer stored under an older generation is never returned.

Only successful answers of queries are stored (no mutations, no subscriptions, nothing with ``errors``). The
store is bounded in bytes and forgets the least recently used answers first. The same key, with the
generation, gives the ``ETag`` of the answer, so a client's ``If-None-Match`` is answered with 304 before
anything executes.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from graphql import DocumentNode, FieldNode, GraphQLError, print_ast, visit
from graphql.language import Visitor

from models.tokens.scopes import Principal
from schema.document import Parsed

#: What an entry costs beyond its body and key: the dict slot, the tuple and the two strings' headers.
_ENTRY_OVERHEAD = 200


@dataclass(frozen=True)
class CacheKey:
    """A query's identity for caching: ``digest`` names the request and the caller; ``generation`` the
    registry's state when it started."""

    digest: str
    generation: str

    def etag(self, media_type: str) -> str:
        """A strong validator of the answer: the same key and media type give the same bytes."""
        tag = hashlib.sha256(f"{self.digest}\x00{self.generation}\x00{media_type}".encode()).hexdigest()[:32]
        return f'"{tag}"'


class _ViewerFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.volatile = False

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.name.value == "viewer":
            self.found = True
        elif node.name.value in UNCACHED_FIELDS:
            self.volatile = True


#: Fields whose answer is not the registry's at a generation: ``rateLimit`` tells the caller's bucket now. A
#: document that asks for one is never stored.
UNCACHED_FIELDS = frozenset({"rateLimit"})


@functools.lru_cache(maxsize=512)
def _document_identity(document: DocumentNode) -> tuple[str, bool] | None:
    """The normalized document's sha256, and whether it asks for ``viewer`` (documents are cached by their
    parse, so the same text gives the same node and this runs once per document)."""
    finder = _ViewerFinder()
    visit(document, finder)
    if finder.volatile:
        return None
    return hashlib.sha256(print_ast(document).encode()).hexdigest(), finder.found


def request_digest(
    *,
    server: str,
    parsed: Parsed,
    operation_name: str | None,
    variables: object,
    principal: Principal | None,
) -> str | None:
    """The digest of a request and its caller, or None when the document did not parse (nothing to cache)."""
    if isinstance(parsed.outcome, GraphQLError):
        return None
    identity = _document_identity(parsed.outcome)
    if identity is None:
        return None
    document, mentions_viewer = identity
    if principal is None:
        caller: list[object] = ["anonymous"]
    else:
        caller = [principal.role.value, principal.model_patterns, principal.environments]
        if mentions_viewer:
            caller += [principal.name, principal.expires_at.isoformat() if principal.expires_at else None]
    try:
        canonical = orjson.dumps([server, document, operation_name, variables, caller], option=orjson.OPT_SORT_KEYS)
    except TypeError:  # variables that are not plain JSON cannot have come from a request: do not cache
        return None
    return hashlib.sha256(canonical).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    evictions: int = 0


class ResponseCache:
    """Encoded answers by request digest, each with the generation it was computed at; at most ``max_bytes``
    of them, least recently used forgotten first. One per process (the generation is shared, the answers
    are not)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.stats = CacheStats()
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: CacheKey) -> bool:
        """Whether a current answer is stored for ``key`` (not counted as a hit or a miss)."""
        entry = self._entries.get(key.digest)
        return entry is not None and entry[0] == key.generation

    def get(self, key: CacheKey) -> bytes | None:
        entry = self._entries.get(key.digest)
        if entry is None or entry[0] != key.generation:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key.digest)
        self.stats.hits += 1
        return entry[1]

    def put(self, key: CacheKey, body: bytes) -> None:
        size = _size(key.digest, body)
        if size > self.max_bytes:
            return
        self._forget(key.digest)
        self._entries[key.digest] = (key.generation, body)
        self.bytes += size
        self.stats.stores += 1
        while self.bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._forget(oldest)
            self.stats.evictions += 1

    def _forget(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            self.bytes -= _size(digest, entry[1])


def _size(digest: str, body: bytes) -> int:
    return len(body) + len(digest) + _ENTRY_OVERHEAD
