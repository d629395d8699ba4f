"""Query plans of the statements an operation really sends: recorded from Tortoise's log, then EXPLAINed.

``tests/db/test_query_plans.py`` uses this on a small registry (PostgreSQL with ``enable_seqscan = off``, so the
plan shows what an index can do rather than what is cheapest on a few rows); the benchmark uses it on the large
registry, where the planners have real statistics.

A full scan is a ``SCAN`` of the table (with or without an index) in SQLite's plan, and a ``Seq Scan`` or an
index scan without an index condition in PostgreSQL's.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from tests.benchmarks.database import sqlite_path

#: The tables that grow with the registry: a statement behind a paged read or a promotion must not scan them.
WATCHED = ("version", "metric", "deployment")
_SQL_VERBS = ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE")
_FROM = re.compile(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?', re.IGNORECASE)
_NOT_ALIASES = {
    "where", "join", "left", "inner", "outer", "cross", "on", "order", "group", "limit", "set", "values",
    "union", "as", "using", "natural", "having", "window", "for", "offset",
}  # fmt: skip
_SQLITE_STEP = re.compile(r"^(SCAN|SEARCH) (\w+)(?: (.*))?$")


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...] = ()


@dataclass
class Plan:
    statement: Statement
    #: SQLite: the detail lines; PostgreSQL: the JSON plan as text.
    text: list[str]
    full_scans: list[str] = field(default_factory=list)


class _Recorder(logging.Handler):
    """Tortoise logs each statement as ``log.debug("%s: %s", query, values)``: keep the query and its values."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[Statement] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            sql: str = args[0]
            logged: Any = args[1]
            values = list(logged or ())
            if record.funcName == "execute_many" and values:
                values = list(values[0])  # execute_many (bulk_create) logs every row's values: plan the first
            if sql.lstrip().upper().startswith(_SQL_VERBS):
                self.statements.append(Statement(sql, tuple(values)))


@contextmanager
def recording() -> Iterator[list[Statement]]:
    """The statements sent through Tortoise while the block runs (BEGIN and COMMIT are not logged)."""
    recorder = _Recorder()
    logger = logging.getLogger("tortoise.db_client")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(recorder)
    try:
        yield recorder.statements
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(previous)


def watched_names(sql: str) -> dict[str, str]:
    """Names a watched table goes by in ``sql`` (itself and its aliases) -> the table."""
    names: dict[str, str] = {}
    for table, alias in _FROM.findall(sql):
        if table.lower() in WATCHED:
            names[table.lower()] = table.lower()
            if alias and alias.lower() not in _NOT_ALIASES:
                names[alias.lower()] = table.lower()
    return names


def sqlite_full_scans(sql: str, details: Sequence[str]) -> list[str]:
    names = watched_names(sql)
    scans = []
    for detail in details:
        step = _SQLITE_STEP.match(detail.strip())
        if step and step.group(1) == "SCAN" and step.group(2).lower() in names:
            scans.append(f"{names[step.group(2).lower()]}: {detail.strip()}")
    return scans


def postgres_full_scans(plan: Any) -> list[str]:
    scans = []

    def walk(node: dict[str, Any], heap: str = "") -> None:
        relation = str(node.get("Relation Name", ""))
        kind = node.get("Node Type", "")
        if relation in WATCHED:
            if kind == "Seq Scan":
                scans.append(f"{relation}: Seq Scan")
            elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
                scans.append(f"{relation}: {kind} using {node.get('Index Name')} without an index condition")
        if kind == "Bitmap Index Scan" and heap in WATCHED and "Index Cond" not in node:
            # The table is named on the Bitmap Heap Scan above; the condition, if any, on this node.
            scans.append(f"{heap}: Bitmap Index Scan using {node.get('Index Name')} without an index condition")
        for child in node.get("Plans", []):
            walk(child, relation if kind == "Bitmap Heap Scan" else heap)

    for root in plan:
        walk(root["Plan"])
    return scans


async def explain(database_url: str, statements: Sequence[Statement], *, force_index: bool = True) -> list[Plan]:
    """EXPLAIN each statement with its own parameters (nothing is executed). ``force_index``: on PostgreSQL,
    plan with seq scans, hash and merge joins and materialisation off (small test databases favour scans)."""
    path = sqlite_path(database_url)
    plans = []
    if path is not None:
        connection = sqlite3.connect(path)
        # The server's SQLite client installs REGEXP (models/db/_sqlite.py); the webhook outbox's trigger on
        # audit_event calls it, so an INSERT of an event cannot even be prepared without it.
        connection.create_function("regexp", 2, lambda pattern, text: re.search(pattern, text or "") is not None)
        try:
            for statement in statements:
                rows = connection.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.params).fetchall()
                details = [str(row[3]) for row in rows]
                plans.append(Plan(statement, details, sqlite_full_scans(statement.sql, details)))
        finally:
            connection.close()
        return plans
    connection = await asyncpg.connect(database_url)
    try:
        if force_index:
            # Plans as if the tables were large: an index is used whenever one can serve the statement. Hash and
            # merge joins and materialised inner sides are discouraged too: on a tiny table they read a whole
            # primary-key index once, where at the large size the planner looks each row up by its key.
            for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_material"):
                await connection.execute(f"SET {setting} = off")
        for statement in statements:
            sql = statement.sql
            if "?" in sql and "$1" not in sql:  # written by hand with SQLite's placeholders
                sql = _numbered(sql)
            raw = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *statement.params)
            plan = json.loads(raw) if isinstance(raw, str) else raw
            plans.append(Plan(statement, [json.dumps(plan)], postgres_full_scans(plan)))
    finally:
        await connection.close()
    return plans


def _numbered(sql: str) -> str:
    counter = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def describe(plans: Sequence[Plan]) -> str:
    """The statements that scan, with their plans, for an assertion message."""
    lines = []
    for plan in plans:
        if plan.full_scans:
            lines.append(f"-- {'; '.join(plan.full_scans)}\n{plan.statement.sql}\n" + "\n".join(plan.text))
    return "\n\n".join(lines)
