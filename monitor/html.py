"""The digest as one self-contained HTML page that reads well on a phone. Every scraped string is escaped."""

from __future__ import annotations

from html import escape

from common.diff import ADDED, REMOVED, Hunk

from .attachments import AttachmentChange
from .digest import Digest, Item
from .render import SAFE_SCHEMES, headline, printable, started_watching

STYLE = """
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5f6368;--link:#0b57d0;--line:#ddd;
--del-bg:#ffd7d5;--del-fg:#8a1010;--ins-bg:#c9f2d2;--ins-fg:#0a5a21;--watch-bg:#fff0b3;--watch-fg:#5c4400;
--alert:#a50e0e}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#121212;--muted:#a8adb3;--link:#8ab4f8;
--line:#3c4043;--del-bg:#5c1a1a;--del-fg:#ffd7d5;--ins-bg:#113d1f;--ins-fg:#c9f2d2;--watch-bg:#4d3d00;
--watch-fg:#ffe08a;--alert:#ff8a80}}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","Noto Sans SC","PingFang SC",
"Microsoft YaHei",sans-serif;margin:0 auto;padding:1rem;max-width:46rem;color:var(--fg);background:var(--bg);
overflow-wrap:anywhere}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;
margin-top:1.6rem}h3{font-size:.95rem;color:var(--muted);letter-spacing:.02em}
article{margin:.8rem 0 1.1rem}article>a{font-weight:600}a{color:var(--link);text-decoration:none}
a:hover{text-decoration:underline}.meta{color:var(--muted);font-size:.85rem}.summary{margin:.25rem 0}
.watch{background:var(--watch-bg);color:var(--watch-fg);border-radius:4px;padding:0 .3rem;font-size:.8rem}
.attention li{color:var(--alert)}
del{background:var(--del-bg);color:var(--del-fg);text-decoration:line-through;border-radius:3px;padding:0 .12em}
ins{background:var(--ins-bg);color:var(--ins-fg);text-decoration:underline;border-radius:3px;padding:0 .12em;
font-weight:600}
.change{margin:.35rem 0 .35rem .6rem;font-size:.95rem}.document{margin:.3rem 0 .3rem .6rem;font-size:.95rem}.change p{margin:.1rem 0}.field{color:var(--muted);
font-size:.8rem}.sign{display:inline-block;width:1.1em;color:var(--muted);font-weight:700}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"


def lang_attr(language: str | None) -> str:
    """A lang attribute for an item's text (`zh`, `en`), or nothing when unknown."""
    if not language or not language.replace("-", "").isalnum():
        return ""
    return f' lang="{escape(language)}"'


def safe_link(url: str | None, text: str) -> str:
    """A link for http(s) targets only (never javascript: or data:); text must be escaped already."""
    if url and url.startswith(SAFE_SCHEMES):
        return f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{text}</a>'
    return text


def change_html(name: str, hunk: Hunk) -> str:
    """A change as the sentence before (removed words struck) and after (added words marked)."""

    def side(keep: str, tag: str) -> str:
        out = []
        for op, text in hunk.segments:
            if op in (REMOVED, ADDED) and op != keep:
                continue
            text = escape(text.replace("\n\n", " ¶ "))
            out.append(f"<{tag}>{text}</{tag}>" if op == keep else text)
        return ("…" if hunk.cut_before else "") + "".join(out) + ("…" if hunk.cut_after else "")

    return (
        f'<div class="change"><div class="field">{escape(name)}</div>'
        f'<p class="was"><span class="sign" title="before">−</span>{side(REMOVED, "del")}</p>'
        f'<p class="now"><span class="sign" title="after">+</span>{side(ADDED, "ins")}</p></div>'
    )


def _document(change: AttachmentChange) -> str:
    """One document added, removed or replaced, linked to its file (http(s) only)."""
    line = escape(change.describe())
    if change.kind != "removed":
        line += " · " + safe_link(change.url, escape(change.text))
    return f'<p class="document">{line}</p>'


def _article(digest: Digest, item: Item) -> str:
    meta = " · ".join(escape(x) for x in (item.site, item.published, item.origin) if x)
    page = digest.page_url(item)
    if page:
        meta += " · " + safe_link(page, "diff" if item.changed_fields else "history")
    watch = f' <span class="watch">★ {escape(", ".join(item.watch))}</span>' if item.watch else ""
    if item.changed_fields:
        body = f'<div class="meta">changed: {escape(", ".join(item.changed_fields))}</div>'
        body += "".join(change_html(name, h) for name, hunks in item.diff.items() for h in hunks)
        body += "".join(f'<div class="meta">body: {escape(note)}</div>' for note in item.unreadable)
        body += "".join(_document(change) for change in item.attachments)
    else:
        body = f'<p class="summary">{escape(item.summary)}</p>' if item.summary else ""
    title = safe_link(item.url, escape(item.title or "(untitled)"))
    return f'<article{lang_attr(item.language)}>{title}{watch}<div class="meta">{meta}</div>{body}</article>'


def digest_body(digest: Digest) -> str:
    """The digest's content as HTML (no page around it): the web view embeds it too."""
    parts = [f"<div class='meta'>{escape(digest.label)} — {escape(headline(digest))}</div>"]
    if digest.attention:
        notes = "".join(f"<li>{escape(n)}</li>" for n in digest.attention)
        parts.append(f'<h2>Needs attention</h2><ul class="attention">{notes}</ul>')
    if digest.baselines:
        lines = "".join(f"<li>{escape(line)}</li>" for line in started_watching(digest))
        parts.append(f"<h2>Started watching</h2><ul>{lines}</ul>")
    for title, items in (("New", digest.new), ("Edited", digest.edited), ("Gone", digest.gone), ("Back", digest.back)):
        if not items and title in ("Gone", "Back"):
            continue
        parts.append(f"<h2>{title} ({len(items)})</h2>")
        for site, group in digest.groups(items):
            parts.append(f"<h3>{escape(digest.title_of(site))}</h3>")
            parts += [_article(digest, i) for i in group]
    return "".join(parts)


def render_html(digest: Digest) -> str:
    """A complete HTML document with inline styles: no external file, script or font."""
    return printable(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>newswatch digest — {escape(digest.label)}</title><style>{STYLE}</style></head>"
        f"<body><h1>newswatch digest</h1>{digest_body(digest)}</body></html>\n"
    )
