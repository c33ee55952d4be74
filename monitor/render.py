"""Render a digest or a diff as plain text, Markdown or JSON. Pure functions of their input."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import groupby

from w3lib.url import safe_url_string

from .diff import Hunk
from .digest import Digest, Item

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
SAFE_SCHEMES = ("http://", "https://")


def render(digest: Digest, fmt: str) -> str:
    """The digest in 'text', 'markdown', 'json' or 'html'."""
    if fmt == "json":
        return json.dumps(digest.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return render_markdown(digest)
    if fmt == "html":
        from .html import render_html

        return render_html(digest)
    return render_text(digest)


def headline(digest: Digest) -> str:
    """'3 new, 1 edited' plus gone/back counts when there are any."""
    parts = [f"{len(digest.new)} new", f"{len(digest.edited)} edited"]
    parts += [f"{len(items)} {name}" for name, items in (("gone", digest.gone), ("back", digest.back)) if items]
    return ", ".join(parts)


def by_site(items: Sequence[Item]) -> list[tuple[str, list[Item]]]:
    """Items grouped by site, watchlist matches first within each group."""
    ordered = sorted(items, key=lambda i: (i.site, not i.watch))
    return [(site, list(group)) for site, group in groupby(ordered, key=lambda i: i.site)]


def render_text(digest: Digest) -> str:
    """A terminal-friendly digest; edits shown as [-removed-]{+added+}."""
    lines = [f"newswatch digest — {digest.label}", headline(digest), ""]
    if digest.attention:
        lines += ["NEEDS ATTENTION", *[f"  ! {note}" for note in digest.attention], ""]
    lines.append(f"NEW ({len(digest.new)})")
    for site, items in by_site(digest.new):
        lines.append(f"  [{site}]")
        for item in items:
            lines += _text_item(item)
    if not digest.new:
        lines.append("  (none)")
    lines += ["", f"EDITED ({len(digest.edited)})"]
    for item in digest.edited:
        lines += _text_item(item)
        lines.append(f"    changed: {', '.join(item.changed_fields)}")
        for name, hunks in item.diff.items():
            lines += [f"    {name}: {text_hunk(h)}" for h in hunks]
    if not digest.edited:
        lines.append("  (none)")
    for title, items in (("GONE", digest.gone), ("BACK", digest.back)):
        if items:
            lines += ["", f"{title} ({len(items)})"]
            for item in items:
                lines += _text_item(item)
    return "\n".join(lines) + "\n"


def _text_item(item: Item) -> list[str]:
    meta = " · ".join(x for x in (item.site, item.published, item.origin) if x)
    mark = f"★ [{', '.join(item.watch)}] " if item.watch else ""
    out = [f"- {mark}{item.title or '(untitled)'}", f"    {meta}", f"    {item.url}"]
    if item.summary and not item.changed_fields:
        out.append(f"    {item.summary}")
    return out


def text_hunk(hunk: Hunk) -> str:
    """One change in text form: …before [-removed-]{+added+} after…"""
    removed = f"[-{hunk.removed}-]" if hunk.removed else ""
    added = f"{{+{hunk.added}+}}" if hunk.added else ""
    return f"…{hunk.before}{removed}{added}{hunk.after}…"


def md_escape(text: str | None) -> str:
    """Escape Markdown syntax and HTML in scraped text."""
    return _MD_SPECIAL.sub(r"\\\1", (text or "").replace("\n", " "))


def md_url(url: str) -> str:
    """A link target no page can break out of: quotes, brackets and spaces percent-encoded."""
    safe = safe_url_string(url.replace("\n", "").replace("\r", ""))
    return safe.replace("'", "%27").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def md_hunk(hunk: Hunk) -> str:
    """One change in Markdown: removed words struck through, added words bold."""
    removed = f"~~{md_escape(hunk.removed)}~~" if hunk.removed.strip() else ""
    added = f"**{md_escape(hunk.added)}**" if hunk.added.strip() else ""
    return f"…{md_escape(hunk.before)}{removed}{added}{md_escape(hunk.after)}…"


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown, every scraped string escaped and only http(s) links linked."""
    lines = [f"# newswatch digest — {md_escape(digest.label)}", "", headline(digest), ""]
    if digest.attention:
        lines += ["## Needs attention", "", *[f"- {md_escape(note)}" for note in digest.attention], ""]
    lines += [f"## New ({len(digest.new)})", ""]
    for site, items in by_site(digest.new):
        lines += [f"### {md_escape(site)}", ""]
        for item in items:
            lines += [*_md_item(item), f"  {md_escape(item.summary)}", ""]
    lines += [f"## Edited ({len(digest.edited)})", ""]
    for item in digest.edited:
        lines += _md_item(item)
        lines.append(f"  Changed: {', '.join(item.changed_fields)}")
        for name, hunks in item.diff.items():
            lines += [f"  - {name}: {md_hunk(h)}" for h in hunks]
        lines.append("")
    for title, items in (("Gone", digest.gone), ("Back", digest.back)):
        if items:
            lines += [f"## {title} ({len(items)})", ""]
            for item in items:
                lines += [*_md_item(item), ""]
    return "\n".join(lines)


def _md_item(item: Item) -> list[str]:
    meta = " · ".join(md_escape(x) for x in (item.site, item.published, item.origin) if x)
    url = item.url if item.url.startswith(SAFE_SCHEMES) else ""
    mark = f"★ \\[{md_escape(', '.join(item.watch))}\\] " if item.watch else ""
    title = md_escape(item.title or "(untitled)")
    head = f"- {mark}[{title}](<{md_url(url)}>)" if url else f"- {mark}{title}"
    return [head, f"  {meta}"]


def render_change(url: str, fields: Sequence[str], diffs: dict[str, list[Hunk]], when: str) -> str:
    """The last change of one article, for `newswatch diff`."""
    lines = [f"{url}", f"changed {when}: {', '.join(fields) or 'nothing'}"]
    for name, hunks in diffs.items():
        for hunk in hunks:
            lines.append(f"  {name}: {text_hunk(hunk)}")
    return "\n".join(lines) + "\n"
