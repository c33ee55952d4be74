"""Every query a read command runs, with SQLite's plan for it, and the store's bytes by what they hold.

The commands run in this process through click, on connections whose statements are traced;
each distinct statement is then explained (`EXPLAIN QUERY PLAN`) on the same store. A plan
step `SCAN <table>` of versions, events or articles without an index is a full scan: FAIL.
A scan of a whole index of those tables is shown as WARN (it reads one entry per row).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner

BIG_TABLES = ("versions", "events", "articles")
_ALIAS = re.compile(
    r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(?!INDEXED\b|ON\b|WHERE\b|JOIN\b|LEFT\b|GROUP\b|ORDER\b)(\w+))?", re.I
)
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
# Not the commands' own queries: transactions, the schema check, and what SQLite's FTS5 module runs
# inside a MATCH on its own tables ('main'.'versions_fts_data' ...).
_SKIP = re.compile(
    r"^\s*(?:--|(?:PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b)|sqlite_master|_sqlite_migrations|'main'\.", re.I
)


@contextmanager
def traced() -> Iterator[list[str]]:
    """Every SQL statement run on connections opened meanwhile (parameters filled in)."""
    statements: list[str] = []
    connect = sqlite3.connect

    def tracing(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    sqlite3.connect = tracing  # type: ignore[assignment]
    try:
        yield statements
    finally:
        sqlite3.connect = connect  # type: ignore[assignment]


def command_statements(args: list[str], config: Path, db: Path) -> tuple[list[str], int]:
    """The statements a `newswatch` command runs, in order; and its exit code."""
    from newswatch.cli import main

    with traced() as statements:
        result = CliRunner().invoke(main, ["--config", str(config), "--db", str(db), *args])
    return [s for s in statements if not _SKIP.search(s)], result.exit_code


def shape(sql: str) -> str:
    """A statement with its literal values replaced by ?, so repeats with other values count once."""
    return " ".join(_LITERAL.sub("?", sql).split())


def plan(conn: sqlite3.Connection, sql: str) -> list[str]:
    """SQLite's plan steps for one statement."""
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]


def verdict(sql: str, steps: list[str]) -> str:
    """FAIL for a full scan of a big table, WARN for a scan of a whole index of one, else ok."""
    aliases = {(m.group(2) or m.group(1)).lower(): m.group(1).lower() for m in _ALIAS.finditer(sql)}
    worst = "ok"
    for step in steps:
        m = re.match(r"SCAN (\w+)(.*)", step)
        if not m or aliases.get(m.group(1).lower(), m.group(1).lower()) not in BIG_TABLES:
            continue
        if "INDEX" not in m.group(2):
            return "FAIL"
        worst = "WARN"
    return worst


def explain(commands: dict[str, list[str]], config: Path, db: Path) -> list[dict[str, Any]]:
    """For each command, each distinct statement shape it ran: how often, its plan and its verdict."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    out = []
    try:
        for name, args in commands.items():
            statements, code = command_statements(args, config, db)
            shapes: dict[str, list[str]] = {}
            for sql in statements:
                shapes.setdefault(shape(sql), []).append(sql)
            for key, runs in shapes.items():
                try:
                    steps = plan(conn, runs[0])
                except sqlite3.Error as exc:
                    steps = [f"cannot explain: {exc}"]
                out.append({"command": name, "exit": code, "sql": key, "runs": len(runs), "plan": steps,
                            "verdict": verdict(runs[0], steps)})  # fmt: skip
    finally:
        conn.close()
    return out


def space(db: Path) -> dict[str, Any]:
    """Bytes of the store by what they hold (dbstat): versions' raw pages, bodies (plain or packed) and the rest of
    their rows, the full-text index, indexes, other tables; and the file size."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        pages = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
        kinds = dict(conn.execute("SELECT name, type FROM sqlite_master").fetchall())
        raw, body = conn.execute(
            "SELECT sum(length(raw)), sum(length(CAST(body AS BLOB))) + coalesce(sum(length(body_z)), 0) FROM versions"
        ).fetchone()
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    split = {"raw pages": raw or 0, "bodies": body or 0, "rest of version rows": 0, "full-text index": 0,
             "indexes": 0, "other tables": 0, "free pages": free}  # fmt: skip
    for name, size in pages.items():
        if name == "versions":
            split["rest of version rows"] += size - split["raw pages"] - split["bodies"]
        elif name.startswith("search_fts"):  # the index over current versions (store.db m004)
            split["full-text index"] += size
        elif name.startswith("sqlite_autoindex") or kinds.get(name) == "index":
            split["indexes"] += size
        else:
            split["other tables"] += size
    return {"file": db.stat().st_size, "split": split}
