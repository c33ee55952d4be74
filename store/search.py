"""Full-text search over the current version of every article (FTS5, see m004 and searchtext.py).

Plain input is never FTS syntax: it is split into terms (whitespace-separated, or a
"quoted phrase"), and every term must occur as a phrase of the index's words, in any case:
`CCC` is found inside `年度CCC认证`, `认证` and `有效性抽查` as runs of Chinese characters,
`GB/T 19001-2016` (and `GB/T19001-2016`, the same standard) as the words `gb t 19001 2016`.
A term's last word, when it is Latin letters, may be the start of a word (`certif`).
Punctuation only separates words, so nothing a user types is syntax. `fts=True` takes an
FTS5 expression (`a OR b`, `NEAR`); its words and phrases are spaced out the same way.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from .searchtext import is_partial_word, words

_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_FTS_WORD = re.compile(r'"((?:[^"]|"")*)"|([^\s()"*^:+{},]+)')
_FTS_OPERATORS = {"AND", "OR", "NOT", "NEAR"}
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
        needles, match = fts_words(query.text), fts_expression(query.text)
    else:
        needles = plain_terms(query.text)
        phrases = [p for p in (phrase(t) for t in needles) if p]
        if not phrases:
            return []
        match = " AND ".join(phrases)
    sql, params = _sql(query, match)
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


def phrase(term: str) -> str:
    """An FTS5 phrase for one plain term: its index words in order, the last a prefix if it can be one."""
    found = words(term)
    if not found:
        return ""
    return '"' + " ".join(found) + '"' + ("*" if is_partial_word(found[-1]) else "")


def fts_expression(expression: str) -> str:
    """An FTS5 expression with each word and phrase spaced out as the index is (operators kept)."""

    def respace(match: re.Match[str]) -> str:
        quoted, bare = match.group(1), match.group(2)
        if bare is not None and bare in _FTS_OPERATORS:
            return bare
        found = words(quoted.replace('""', '"') if quoted is not None else bare)
        return '"' + " ".join(found) + '"' if found else match.group(0)

    return _FTS_WORD.sub(respace, expression)


def _sql(query: SearchQuery, match: str) -> tuple[str, list[Any]]:
    source = "search_fts JOIN articles a ON a.id = search_fts.rowid JOIN versions v ON v.id = a.current_version_id"
    where: list[str] = ["search_fts MATCH ?"]
    params: list[Any] = [match]
    order = "bm25(search_fts, 5.0, 1.0)"
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
    """Where the terms stand in the text, as the index matched them: their words in order,
    whatever punctuation or spacing is between them (`GB/T19001-2016` for `GB/T 19001-2016`)."""
    forms = []
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        found = words(needle)
        if found:
            tail = r"[a-zA-Z\u00c0-\u024f]*" if is_partial_word(found[-1]) else ""  # Latin letters only
            forms.append(r"[\W_]*".join(re.escape(w) for w in found) + tail)
    return re.compile("|".join(forms), re.IGNORECASE) if forms else None


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
