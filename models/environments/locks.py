"""The advisory lock that makes a protection change atomic with the promotions it governs (PostgreSQL).

A promotion, rollback or demotion holds the environment's lock shared from before it reads the rules until it
commits; protect and unprotect take it exclusively (``models/environments/operations.py``). On SQLite every
write transaction holds the database's write lock, so there is nothing to take.
"""

from __future__ import annotations

#: Arbitrary constant naming protection locks among PostgreSQL advisory locks. The two-key form used here
#: does not share a key space with the one-key migration lock (models/db/migrate.py).
LOCK_CLASS = 0x6D726567  # "mreg"


def protection_lock_sql(*, exclusive: bool, environment: str = "?") -> str:
    """The SQL expression taking the lock of the environment named by ``environment`` (a ``?`` parameter, or a
    literal: ``models.db.literals.literal``), until commit.

    Its statement's snapshot is taken before the lock is granted: read the rules in a later statement."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    return f"{function}({LOCK_CLASS}, hashtext({environment}))"
