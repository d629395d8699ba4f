"""Signing per the Standard Webhooks specification (docs/events.md, "Verifying a delivery").

A secret is ``whsec_`` + base64 of 32 random bytes; the HMAC key is those bytes. Each request carries
``webhook-id`` (stable across retries of one delivery), ``webhook-timestamp`` (Unix seconds of this attempt)
and ``webhook-signature``: ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``, space-separated when
the previous secret of a rotation is still valid (the specification allows several signatures). A few lines
of ``hmac`` suffice and add no runtime dependency; the tests check every request with the ``standardwebhooks``
package, never with this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
KEY_BYTES = 32


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of one request, signed with ``secret``."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def headers(secrets_: list[str], *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, one signature per valid secret (current first)."""
    signatures = " ".join(signature(s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_)
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures}
