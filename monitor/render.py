"""Render a digest or a diff as plain text, Markdown or JSON. Pure functions of their input."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from w3lib.url import safe_url_string

from common.diff import ADDED, REMOVED, Hunk

from .attachments import AttachmentChange
from .digest import Digest, Item

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
# Control characters a page can carry (`&#1;`, an ESC that would drive the reader's terminal)
# and the two non-characters: no digest format may pass them on (XML refuses them outright).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SAFE_SCHEMES = ("http://", "https://")


def printable(text: str) -> str:
    """text without control characters (tabs and line breaks kept)."""
    return _CONTROL.sub("", text)


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
    """'3 new, 1 edited' plus gone/back counts and first crawls when there are any."""
    parts = [f"{len(digest.new)} new", f"{len(digest.edited)} edited"]
    parts += [f"{len(items)} {name}" for name, items in (("gone", digest.gone), ("back", digest.back)) if items]
    if digest.baselines:
        parts.append(f"started watching {len(digest.baselines)} site{'s' if len(digest.baselines) > 1 else ''}")
    return ", ".join(parts)


def started_watching(digest: Digest) -> list[str]:
    """'cqc-en: started watching, 127 articles', one line per site whose baseline is in the window."""
    return [
        f"{b.site}: started watching, {b.articles} article{'s' if b.articles != 1 else ''}" for b in digest.baselines
    ]


def hunk_text(hunk: Hunk, removed: str = "[-{}-]", added: str = "{{+{}+}}", escape=lambda s: s) -> str:  # type: ignore[no-untyped-def]
    """One change inline: …same [-removed-]{+added+} same… (paragraph breaks shown as ¶)."""
    parts = []
    for op, text in hunk.segments:
        text = escape(re.sub(r"\s*\n\s*", " ¶ ", text))
        parts.append(removed.format(text) if op == REMOVED else added.format(text) if op == ADDED else text)
    return ("…" if hunk.cut_before else "") + "".join(parts) + ("…" if hunk.cut_after else "")


def text_hunk(hunk: Hunk) -> str:
    """One change in text form: …before [-removed-]{+added+} after…"""
    return hunk_text(hunk)


def render_text(digest: Digest) -> str:
    """A terminal-friendly digest; edits shown as [-removed-]{+added+}."""
    lines = [f"newswatch digest — {digest.label}", headline(digest), ""]
    if digest.attention:
        lines += ["NEEDS ATTENTION", *[f"  ! {note}" for note in digest.attention], ""]
    if digest.baselines:
        lines += ["STARTED WATCHING", *[f"  {line}" for line in started_watching(digest)], ""]
    for title, items in (("NEW", digest.new), ("EDITED", digest.edited), ("GONE", digest.gone), ("BACK", digest.back)):
        if not items and title in ("GONE", "BACK"):
            continue
        lines.append(f"{title} ({len(items)})")
        for site, group in digest.groups(items):
            lines.append(f"  [{site}] {digest.title_of(site)}" if digest.title_of(site) != site else f"  [{site}]")
            for item in group:
                lines += _text_item(digest, item)
        if not items:
            lines.append("  (none)")
        lines.append("")
    return printable("\n".join(lines).rstrip("\n") + "\n")


def _text_item(digest: Digest, item: Item) -> list[str]:
    meta = " · ".join(x for x in (item.site, item.published, item.origin) if x)
    mark = f"★ [{', '.join(item.watch)}] " if item.watch else ""
    out = [f"- {mark}{item.title or '(untitled)'}", f"    {meta}", f"    {item.url}"]
    if page := digest.page_url(item):
        out.append(f"    {page}")
    if item.summary and not item.changed_fields:
        out.append(f"    {item.summary}")
    if item.changed_fields:
        out.append(f"    changed: {', '.join(item.changed_fields)}")
        out += [f"    {name}: {text_hunk(h)}" for name, hunks in item.diff.items() for h in hunks]
        out += [f"    body: {note}" for note in item.unreadable]
        out += [f"    {change.describe()}" + _text_link(change) for change in item.attachments]
    return out


def _text_link(change: AttachmentChange) -> str:
    return f" {change.url}" if change.kind != "removed" else ""


def md_escape(text: str | None) -> str:
    """Escape Markdown syntax and HTML in scraped text."""
    return _MD_SPECIAL.sub(r"\\\1", (text or "").replace("\n", " "))


def md_url(url: str) -> str:
    """A link target no page can break out of: quotes, brackets and spaces percent-encoded."""
    safe = safe_url_string(url.replace("\n", "").replace("\r", ""))
    return safe.replace("'", "%27").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def md_hunk(hunk: Hunk) -> str:
    """One change in Markdown: removed words struck through, added words bold."""
    return hunk_text(hunk, "~~{}~~", "**{}**", md_escape)


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown, every scraped string escaped and only http(s) links linked."""
    lines = [f"# newswatch digest — {md_escape(digest.label)}", "", headline(digest), ""]
    if digest.attention:
        lines += ["## Needs attention", "", *[f"- {md_escape(note)}" for note in digest.attention], ""]
    if digest.baselines:
        lines += ["## Started watching", "", *[f"- {md_escape(line)}" for line in started_watching(digest)], ""]
    for title, items in (("New", digest.new), ("Edited", digest.edited), ("Gone", digest.gone), ("Back", digest.back)):
        if not items and title in ("Gone", "Back"):
            continue
        lines += [f"## {title} ({len(items)})", ""]
        for site, group in digest.groups(items):
            lines += [f"### {md_escape(digest.title_of(site))}", ""]
            for item in group:
                lines += [*_md_item(digest, item), ""]
    return printable("\n".join(lines))


def _md_item(digest: Digest, item: Item) -> list[str]:
    meta = " · ".join(md_escape(x) for x in (item.site, item.published, item.origin) if x)
    url = item.url if item.url.startswith(SAFE_SCHEMES) else ""
    mark = f"★ \\[{md_escape(', '.join(item.watch))}\\] " if item.watch else ""
    title = md_escape(item.title or "(untitled)")
    head = f"- {mark}[{title}](<{md_url(url)}>)" if url else f"- {mark}{title}"
    out = [head, f"  {meta}"]
    if page := digest.page_url(item):
        out[1] += f" · [history](<{md_url(page)}>)"
    if item.changed_fields:
        out.append(f"  Changed: {', '.join(item.changed_fields)}")
        out += [f"  - {name}: {md_hunk(h)}" for name, hunks in item.diff.items() for h in hunks]
        out += [f"  - body: {note}" for note in item.unreadable]
        out += [f"  - {_md_change(change)}" for change in item.attachments]
    elif item.summary:
        out.append(f"  {md_escape(item.summary)}")
    return out


def _md_change(change: AttachmentChange) -> str:
    line = md_escape(change.describe())
    if change.kind != "removed" and change.url.startswith(SAFE_SCHEMES):
        line += f" ([{md_escape(change.text)}](<{md_url(change.url)}>))"
    return line


def render_change(
    url: str,
    fields: Sequence[str],
    diffs: dict[str, list[Hunk]],
    when: str,
    documents: Sequence[AttachmentChange] = (),
    unreadable: Sequence[str] = (),
) -> str:
    """The last change of one article, for `newswatch diff` (unreadable: why the body has no diff)."""
    lines = [f"{url}", f"changed {when}: {', '.join(fields) or 'nothing'}"]
    for name, hunks in diffs.items():
        for hunk in hunks:
            lines.append(f"  {name}: {text_hunk(hunk)}")
    lines += [f"  body: {note}" for note in unreadable]
    lines += [f"  {change.describe()}{_text_link(change)}" for change in documents]
    return printable("\n".join(lines) + "\n")
