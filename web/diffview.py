"""Two versions of an article side by side and inline, paragraph by paragraph, changes marked.

Words are compared as words and Chinese character by character (common.diff), so a
one-character change (`6月` → `8月`) is marked by itself. Every string is escaped here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from markupsafe import Markup, escape

from common.diff import ADDED, EQUAL, REMOVED, token_ops

FIELDS = ("title", "published", "origin", "body")


@dataclass(frozen=True)
class Row:
    """One paragraph: 'same', 'changed', 'removed' or 'added', as HTML for each view."""

    kind: str
    old: Markup
    new: Markup
    inline: Markup


@dataclass(frozen=True)
class FieldDiff:
    """A field's paragraphs, and whether it changed at all."""

    name: str
    rows: list[Row]

    @property
    def changed(self) -> bool:
        """True when any paragraph differs."""
        return any(row.kind != "same" for row in self.rows)

    @property
    def changes(self) -> int:
        """How many paragraphs differ."""
        return sum(row.kind != "same" for row in self.rows)


def field_diffs(old: dict[str, object], new: dict[str, object]) -> list[FieldDiff]:
    """Every field of two version rows, compared paragraph by paragraph."""
    return [FieldDiff(name, paragraph_rows(str(old.get(name) or ""), str(new.get(name) or ""))) for name in FIELDS]


def paragraph_rows(old: str, new: str) -> list[Row]:
    """Paragraphs aligned (unchanged, changed, removed, added), each with its changes marked."""
    a, b = old.split("\n\n") if old else [], new.split("\n\n") if new else []
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row("same", escape(p), escape(p), escape(p)) for p in a[i1:i2]]
            continue
        pairs = list(zip(a[i1:i2], b[j1:j2], strict=False))
        rows += [_changed(x, y) for x, y in pairs]
        rows += [Row("removed", _wrap("del", p), Markup(""), _wrap("del", p)) for p in a[i1 + len(pairs) : i2]]
        rows += [Row("added", Markup(""), _wrap("ins", p), _wrap("ins", p)) for p in b[j1 + len(pairs) : j2]]
    return rows


def _changed(old: str, new: str) -> Row:
    ops = token_ops(old, new)
    old_html = Markup("").join(escape(t) if op == EQUAL else _wrap("del", t) for op, t in ops if op != ADDED)
    new_html = Markup("").join(escape(t) if op == EQUAL else _wrap("ins", t) for op, t in ops if op != REMOVED)
    inline = Markup("").join(escape(t) if op == EQUAL else _wrap("del" if op == REMOVED else "ins", t) for op, t in ops)
    return Row("changed", old_html, new_html, inline)


def _wrap(tag: str, text: str) -> Markup:
    return Markup(f"<{tag}>{escape(text)}</{tag}>")
