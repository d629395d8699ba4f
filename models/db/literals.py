"""Values written into PostgreSQL statements sent without parameters, over the simple protocol.

A transaction's ``BEGIN`` and ``COMMIT`` go in simple-protocol messages, which take no parameters, so a statement
that travels with them (a promotion's locks with ``BEGIN``, its write with ``COMMIT``: ``models/db/_postgres.py``)
carries its values as literals. Every value becomes an escape string (``E'...'``) or a bare number, ``TRUE``,
``FALSE`` or ``NULL``: an escape string's backslashes mean the same whatever ``standard_conforming_strings`` says,
and nothing else a caller gives is ever pasted into SQL. The values are validated before they get here
(``models.validation``); this is the second guard, not the first.
"""

from __future__ import annotations

from datetime import datetime


def literal(value: str) -> str:
    """``value`` as a PostgreSQL string literal. A NUL, which PostgreSQL cannot store in text, and a lone surrogate,
    which is no UTF-8, are refused here, before the statement that would carry them is sent."""
    if "\x00" in value:
        raise ValueError("a NUL character cannot be sent to PostgreSQL")
    value.encode()  # UnicodeEncodeError (a ValueError) for a lone surrogate
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def value_literal(value: object) -> str:
    """A bound value as the driver would get it (after the field's ``to_db_value``) as a literal: an argument of
    ``EXECUTE``, which PostgreSQL converts to the prepared statement's parameter type as it converts a bound
    value. Anything but None, a bool, an int, a string (JSON is given as its text) or an aware date-time is
    refused."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):  # before int: a bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return int.__repr__(value)  # the digits, whatever an int subclass (an enum) prints
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError("a naive date-time has no meaning as timestamptz; give it a time zone")
        return literal(value.isoformat())
    raise TypeError(f"no literal for a value of type {type(value).__name__}")
