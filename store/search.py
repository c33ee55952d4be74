"""Full-text search over the current version of every article (FTS5 trigram index, see m004).

Plain input is never FTS syntax: it is split into terms (whitespace-separated, or a
"quoted phrase"), every term must occur, each as a substring, case-insensitively. So
`CCC` is found inside `年度CCC认证`, `GB/T 19001-2016` finds both `GB/T 19001-2016` and
`GB/T19001-2016`, and `"GB/T 19001-2016"` only the form with the space. The trigram index
needs three characters per term; a shorter term (`认证`, `EU`) is matched with LIKE over
the same current versions. `fts=True` passes the text to FTS5 as it is (`a OR b`, `NEAR`).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_FTS_WORD = re.compile(r'"((?:[^"]|"")*)"|([^\s()"*^:+{},]+)')
_FTS_OPERATORS = {"AND", "OR", "NOT", "NEAR"}
_TRIGRAM = 3
_SNIPPET_CHARS = 150


class SearchError(Exception):
    """The query cannot be run (an FTS5 syntax error in explicit syntax); the message says why."""


@dataclass(frozen=True)
class SearchQuery:
    """What to look for and where."""

    text: str
    fts: bool = False  # text is an FTS5 query (explicit syntax), not plain input
    site: str | None = None
    since: str | None = None  # ISO date: published (else first seen) on or after
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    """One article found, best first; the snippet is one line as (text, matched) runs."""

    article_id: int
    url: str
    site: str
    title: str | None
    published: str | None
    first_seen: str
    snippet: tuple[tuple[str, bool], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the snippet as plain text and with [matches] marked."""
        return {
            "article_id": self.article_id,
            "url": self.url,
            "site": self.site,
            "title": self.title,
            "published": self.published,
            "first_seen": self.first_seen,
            "snippet": "".join(text for text, _ in self.snippet),
            "snippet_marked": marked(self.snippet, "[", "]"),
        }


def plain_terms(text: str) -> list[str]:
    """The terms of plain input: "quoted phrases" and whitespace-separated words."""
    return [t for quoted, word in _TERM.findall(text) if (t := (quoted or word).strip())]


def fts_words(expression: str) -> list[str]:
    """The words and phrases of an FTS5 expression (for highlighting), operators left out."""
    words = []
    for quoted, bare in _FTS_WORD.findall(expression):
        word = quoted.replace('""', '"') if quoted else bare
        if word and word not in _FTS_OPERATORS:
            words.append(word)
    return words


def search(db: Database, query: SearchQuery) -> list[Hit]:
    """Articles whose current title or body matches, best first (bm25, title weighs 5×)."""
    if query.fts:
        needles, match, short = fts_words(query.text), query.text, []
    else:
        needles = plain_terms(query.text)
        long_terms = [t for t in needles if len(t) >= _TRIGRAM]
        short = [t for t in needles if len(t) < _TRIGRAM]
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        if not needles:
            return []
    sql, params = _sql(query, match, short)
    try:
        rows = list(db.query(sql, params))
    except sqlite3.OperationalError as exc:
        raise SearchError(f"{exc} (in FTS5 syntax, put phrases in double quotes)") from exc
    return [
        Hit(
            article_id=row["id"],
            url=row["url"],
            site=row["site"],
            title=row["title"],
            published=row["published"],
            first_seen=row["first_seen"],
            snippet=snippet(row["body"] or row["title"] or "", needles),
        )
        for row in rows
    ]


def _sql(query: SearchQuery, match: str, short: list[str]) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if match:
        source = "search_fts JOIN articles a ON a.id = search_fts.rowid JOIN versions v ON v.id = a.current_version_id"
        where.append("search_fts MATCH ?")
        params.append(match)
        order = "bm25(search_fts, 5.0, 1.0)"
    else:
        source = "articles a JOIN versions v ON v.id = a.current_version_id"
        order = "coalesce(v.published, substr(a.first_seen, 1, 10)) DESC"
    for term in short:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(v.title LIKE ? ESCAPE '\\' OR v.body LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    if query.site:
        where.append("a.site = ?")
        params.append(query.site)
    if query.since:
        where.append("coalesce(v.published, substr(a.first_seen, 1, 10)) >= ?")
        params.append(query.since[:10])
    sql = (
        f"SELECT a.id, a.url, a.site, a.first_seen, v.title, v.published, v.body FROM {source}"
        f" WHERE {' AND '.join(where) or '1'} ORDER BY {order}, a.id DESC LIMIT ?"
    )
    return sql, [*params, query.limit]


def snippet(text: str, needles: list[str], width: int = _SNIPPET_CHARS) -> tuple[tuple[str, bool], ...]:
    """One line of text around the first match, never cutting a Latin word, matches marked."""
    flat = " ".join(text.split())
    pattern = _needle_pattern(needles)
    first = pattern.search(flat) if pattern else None
    start = max(0, first.start() - width // 3) if first else 0
    end = min(len(flat), start + width)
    start, end = _word_edge(flat, start, -1), _word_edge(flat, end, 1)
    window = flat[start:end]
    runs: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    pos = 0
    for m in pattern.finditer(window) if pattern else ():
        if m.start() > pos:
            runs.append((window[pos : m.start()], False))
        runs.append((m.group(0), True))
        pos = m.end()
    if pos < len(window):
        runs.append((window[pos:], False))
    if end < len(flat):
        runs.append(("…", False))
    return tuple(runs)


def _needle_pattern(needles: list[str]) -> re.Pattern[str] | None:
    words = sorted({n for n in needles if n}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None


def _word_edge(text: str, index: int, direction: int) -> int:
    """Move index outwards (at most 20 characters) until it no longer splits a Latin word or number."""
    for _ in range(20):
        if index <= 0 or index >= len(text):
            return max(0, min(index, len(text)))
        left, right = text[index - 1], text[index]
        if not (_latin(left) and _latin(right)):
            return index
        index += direction
    return index


def _latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-/.:_")


def marked(runs: tuple[tuple[str, bool], ...], left: str, right: str) -> str:
    """The runs as one string with each match wrapped in left/right markers."""
    return "".join(f"{left}{text}{right}" if hit else text for text, hit in runs)
