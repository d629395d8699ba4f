"""Automatic persisted queries (Apollo's protocol): a client sends the sha256 of a document instead of the
document, and sends the document only when the server answers that it does not know the hash.

A request names the hash in ``extensions.persistedQuery`` (``{"version": 1, "sha256Hash": "<64 hex>"}``),
in a POST body or, as JSON, in a GET's ``extensions`` parameter, so a dashboard's polls can be GETs that
proxies cache. Documents are remembered per process (each worker and instance learns them on its own, which
the protocol allows: an unknown hash costs the client one more request), at most ``max_documents`` of them,
least recently used forgotten first.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

#: What a hash looks like: 64 lowercase hexadecimal digits (Apollo's clients send this form).
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Longer documents run, but are not remembered, so the store holds at most ``max_documents`` times this.
MAX_REMEMBERED_CHARS = 64 * 1024


@dataclass(frozen=True)
class PersistedQueryError:
    """Why a persisted-query request cannot run: ``not_found`` (the client should send the document) or a
    malformed or mismatched request."""

    message: str
    not_found: bool = False


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, max_documents: int) -> None:
        self.max_documents = max_documents
        self._documents: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: object, extension: object) -> str | PersistedQueryError:
        """The document to run for a request whose ``extensions.persistedQuery`` is ``extension``.

        With a document, the hash must be the document's (``remember`` it once it has run: a document is kept
        only for a caller who may run it); without one, the hash must be known.
        """
        if not isinstance(extension, dict) or extension.get("version") != 1:
            return PersistedQueryError("extensions.persistedQuery: only version 1 is supported")
        wanted = extension.get("sha256Hash")
        if not isinstance(wanted, str) or not _SHA256.fullmatch(wanted):
            return PersistedQueryError(
                "extensions.persistedQuery.sha256Hash: expected the document's sha256 as 64 lowercase hex digits"
            )
        if isinstance(query, str):
            if sha256_of(query) != wanted:
                return PersistedQueryError(
                    "extensions.persistedQuery.sha256Hash: provided sha does not match query "
                    "(send the sha256 of the document exactly as sent)"
                )
            return query
        known = self._documents.get(wanted)
        if known is None:
            return PersistedQueryError("PersistedQueryNotFound", not_found=True)
        self._documents.move_to_end(wanted)
        return known

    def remember(self, document: str) -> None:
        """Keep a document that ran, to be found by its hash (a document longer than ``MAX_REMEMBERED_CHARS``
        runs, but is not kept)."""
        if len(document) > MAX_REMEMBERED_CHARS:
            return
        sha256 = sha256_of(document)
        self._documents[sha256] = document
        self._documents.move_to_end(sha256)
        while len(self._documents) > self.max_documents:
            self._documents.popitem(last=False)
