"""The shape of a token secret, checkable without the database.

A secret is ``mreg_`` + 43 random base62 characters (256 bits) + a 6-character base62 CRC32 of the random
part, as GitHub's tokens carry one. The prefix lets secret scanners find leaked tokens; the checksum lets
them (and ``modelreg tokens check``) tell a real token from a look-alike or a typo offline, and lets the
server refuse a mangled token before it touches the database. The checksum is not a secret and proves
nothing about validity: only the database knows whether a token exists, is revoked or expired.
"""

from __future__ import annotations

import re
import secrets
import zlib
from enum import StrEnum

PREFIX = "mreg_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: 62**43 > 2**256: at least the 32 bytes of entropy that docs/api.md ("Authentication") promises (GitHub's tokens
#: carry about 178 bits).
RANDOM_LENGTH = 43
#: 62**6 > 2**32, so any CRC32 fits.
CHECKSUM_LENGTH = 6
LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH

_CURRENT = re.compile(rf"mreg_([0-9A-Za-z]{{{RANDOM_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})")
#: Tokens made before checksums: ``mreg_`` + ``secrets.token_urlsafe(32)``. Still accepted (docs/security.md).
_LEGACY = re.compile(r"mreg_[A-Za-z0-9_-]{43}")


class Shape(StrEnum):
    """What a string looks like, judged offline."""

    CURRENT = "current"
    LEGACY = "legacy"
    BAD_CHECKSUM = "bad-checksum"
    MALFORMED = "malformed"

    @property
    def plausible(self) -> bool:
        """Worth looking up: a well-formed secret of either format."""
        return self in (Shape.CURRENT, Shape.LEGACY)


def checksum(random_part: str) -> str:
    """The base62 CRC32 of ``random_part``, left-padded with zeros to six characters."""
    value = zlib.crc32(random_part.encode())
    digits = []
    for _ in range(CHECKSUM_LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def generate() -> str:
    """A new secret in the current format."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return PREFIX + random_part + checksum(random_part)


def shape(secret: str) -> Shape:
    match = _CURRENT.fullmatch(secret)
    if match is not None:
        # Not compare_digest: the checksum is derived from the candidate itself and guards nothing secret.
        return Shape.CURRENT if checksum(match[1]) == match[2] else Shape.BAD_CHECKSUM
    if _LEGACY.fullmatch(secret):
        return Shape.LEGACY
    return Shape.MALFORMED


def describe(found: Shape) -> str:
    """One line for ``modelreg tokens check`` and for refusals: what the shape means and what to do."""
    return {
        Shape.CURRENT: "looks like a modelreg token: prefix, length and checksum are right "
        "(only the server can tell whether it exists, is revoked or expired)",
        Shape.LEGACY: "looks like a modelreg token in the legacy format, which has no checksum to verify; "
        "rotate it with 'modelreg tokens create --name NAME --role ROLE --replace'",
        Shape.BAD_CHECKSUM: "not a valid modelreg token: its checksum does not match (mistyped, truncated or altered)",
        Shape.MALFORMED: f"not a modelreg token: expected {PREFIX} followed by "
        f"{RANDOM_LENGTH + CHECKSUM_LENGTH} letters and digits",
    }[found]
