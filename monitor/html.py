"""The digest as one self-contained HTML page that reads well on a phone. Every scraped string is escaped."""

from __future__ import annotations

from html import escape

from .diff import Hunk
from .digest import Digest, Item
from .render import SAFE_SCHEMES, by_site, headline

_STYLE = """
body{font:16px/1.5 -apple-system,"Segoe UI",Roboto,"Noto Sans SC","PingFang SC",sans-serif;margin:0;
padding:1rem;max-width:46rem;margin:auto;color:#1b1b1b;background:#fff}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:1.6rem}h3{font-size:.95rem;color:#555;text-transform:uppercase;letter-spacing:.04em}
article{margin:.8rem 0 1.1rem}article a{font-weight:600;color:#0b57d0;text-decoration:none}
.meta{color:#666;font-size:.85rem}.summary{margin:.25rem 0}.watch{background:#fff3c4;border-radius:4px;
padding:0 .3rem;font-size:.8rem}.attention li{color:#a50e0e}del{background:#fde2e1;color:#a50e0e}
ins{background:#dff5e3;color:#0b6b26;text-decoration:none}.hunk{font-size:.9rem;margin:.2rem 0 .2rem 1rem}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e6e6e6}.meta{color:#aaa}
article a{color:#8ab4f8}h2{border-color:#333}}
"""


def _link(item: Item) -> str:
    title = escape(item.title or "(untitled)")
    if item.url.startswith(SAFE_SCHEMES):  # never a javascript: or data: link
        return f'<a href="{escape(item.url, quote=True)}" rel="noopener noreferrer">{title}</a>'
    return title


def _article(item: Item, body: str = "") -> str:
    meta = " · ".join(escape(x) for x in (item.site, item.published, item.origin) if x)
    watch = f' <span class="watch">★ {escape(", ".join(item.watch))}</span>' if item.watch else ""
    return f'<article>{_link(item)}{watch}<div class="meta">{meta}</div>{body}</article>'


def _hunk(name: str, hunk: Hunk) -> str:
    removed = f"<del>{escape(hunk.removed)}</del>" if hunk.removed.strip() else ""
    added = f"<ins>{escape(hunk.added)}</ins>" if hunk.added.strip() else ""
    return f'<div class="hunk"><b>{escape(name)}:</b> …{escape(hunk.before)}{removed}{added}{escape(hunk.after)}…</div>'


def render_html(digest: Digest) -> str:
    """A complete HTML document with inline styles: no external file, script or font."""
    parts = [f"<h1>newswatch digest</h1><div class='meta'>{escape(digest.label)} — {escape(headline(digest))}</div>"]
    if digest.attention:
        notes = "".join(f"<li>{escape(n)}</li>" for n in digest.attention)
        parts.append(f'<h2>Needs attention</h2><ul class="attention">{notes}</ul>')
    parts.append(f"<h2>New ({len(digest.new)})</h2>")
    for site, items in by_site(digest.new):
        parts.append(f"<h3>{escape(site)}</h3>")
        parts += [_article(i, f'<p class="summary">{escape(i.summary)}</p>') for i in items]
    parts.append(f"<h2>Edited ({len(digest.edited)})</h2>")
    for item in digest.edited:
        hunks = "".join(_hunk(name, h) for name, hs in item.diff.items() for h in hs)
        changed = f'<div class="meta">changed: {escape(", ".join(item.changed_fields))}</div>'
        parts.append(_article(item, changed + hunks))
    for title, items in (("Gone", digest.gone), ("Back", digest.back)):
        if items:
            parts.append(f"<h2>{title} ({len(items)})</h2>")
            parts += [_article(i) for i in items]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>newswatch digest — {escape(digest.label)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
