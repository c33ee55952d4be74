"""The headline: the page's own heading, confirmed by its metadata or, failing that, by its position."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .blocks import Block
from .headline import GENERIC_TITLES, WEAK_THRESHOLD, Evidence, above_date, best_line, linked_line, segment_line, usable
from .hints import fold
from .meta import Meta

# "Headline - Site Name", "Headline | Site", "Headline_CQC", "标题-中国质量认证中心" …
TITLE_SEPARATORS = re.compile(
    r"\s+(?:[-|–—:•·»]|--|::)\s+|\s*[|_｜ㅣ]\s*"
    r"|(?<=[\u4e00-\u9fff\uac00-\ud7af\uff09）])\s*[-–—]+\s*(?=[\u4e00-\u9fff\uac00-\ud7af])"
)
_MAX_TITLE = 300
_MIN_SEGMENT = 4
_TITLE_SCAN = 200
# How far after a navigation <h1> the article's own heading may stand, in blocks.
_SHOWN_AFTER = 4


@dataclass(frozen=True)
class Refs:
    """The metadata's headlines, cleared of site names: social/SEO ones, JSON-LD ones, the <title>."""

    meta: tuple[str, ...]
    ld: tuple[str, ...]
    title: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        """The social/structured headlines, then the <title>'s."""
        return (*self.meta, *self.title)


def title_segments(refs: Iterable[str]) -> list[str]:
    """The parts of titles between separators, longest first ('Headline_CQC': 'Headline', 'CQC')."""
    parts: list[str] = []
    for ref in refs:
        for part in TITLE_SEPARATORS.split(ref):
            part = part.strip()
            if part and part not in parts:
                parts.append(part)
    return sorted(parts, key=len, reverse=True)


def is_site_name(text: str, names: frozenset[str], url: str) -> bool:
    """The site's name (known, or its host: 'Golem.de') or a page-type word ('Details', '正文')."""
    folded = fold(text)
    if not folded or folded in names or folded in GENERIC_TITLES:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return "." in folded and " " not in folded and (host == folded or host.endswith("." + folded))


def template_names(title: str | None) -> set[str]:
    """'新闻详情-中国质量认证中心': beside a page-type word, the other part of a two-part <title> is a name."""
    if not title:
        return set()
    parts = [p.strip() for p in TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) == 2 and any(fold(p) in GENERIC_TITLES for p in parts):
        return {fold(p) for p in parts}
    return set()


def headline_refs(texts: Iterable[str | None], names: frozenset[str], url: str) -> tuple[str, ...]:
    """Metadata headlines that can name the article, without the site's name around them.

    'Headline - Golem.de' gives 'Headline'; 'China Standardization' (a known name), 'Details'
    or '新闻详情-某集团' give nothing.
    """
    refs: list[str] = []
    for text in texts:
        if not text or len(text) > _MAX_TITLE or is_site_name(text, names, url):
            continue
        parts = list(TITLE_SEPARATORS.finditer(text))
        if parts and is_site_name(text[parts[-1].end() :], names, url):
            text = text[: parts[-1].start()].strip()
        elif parts and is_site_name(text[: parts[0].start()], names, url):
            text = text[parts[0].end() :].strip()
        if not is_site_name(text, names, url) and text not in refs:
            refs.append(text)
    return tuple(refs)


def read_refs(meta: Meta, names: frozenset[str], url: str) -> Refs:
    """The page's metadata headlines, cleared of the site's names."""
    return Refs(
        meta=headline_refs(meta.headlines, names, url),
        ld=headline_refs(meta.ld_headlines, names, url),
        title=headline_refs([meta.title_tag], names, url),
    )


def ref_segments(refs: Refs, names: frozenset[str], url: str) -> tuple[str, ...]:
    """The parts of the headlines long enough to be one, longest first, the site's names left out."""
    whole = set(refs.all)
    return tuple(
        s
        for s in title_segments(refs.all)
        if len(s) >= _MIN_SEGMENT and s not in whole and not is_site_name(s, names, url)
    )


def choose_title(blocks: Sequence[Block], meta: Meta, refs: Refs, evidence: Evidence) -> tuple[str | None, int | None]:
    """The title text and the index of the block that shows it (None when not shown)."""
    linked = linked_line(blocks, evidence)
    if linked is not None:
        return blocks[linked].text, linked
    # An <h1> that is a metadata headline word for word is the headline, even inside a
    # chrome-named element.
    # (A navigation <h1> agreeing with og:title says nothing of the heading shown instead.)
    headings = [
        _shown_heading(blocks, i, evidence)
        for i, b in enumerate(blocks)
        if b.tag == "h1" and usable(b, evidence, allow_chrome=True)
    ]
    named = {h for h in meta.headlines if fold(h) not in evidence.not_headlines and fold(h) not in GENERIC_TITLES}
    for i, block in headings:
        if block.text in named:
            return block.text, i
    # The article's structured headline is what its editors titled it; SEO and social
    # titles (og:, twitter:) and <h1>s with a kicker glued on differ more often.
    for headline in refs.ld:
        if not headline.endswith(("...", "…")):
            return headline, _index_of(blocks, headline)
    folded_refs = [fold(r) for r in refs.all]
    for i, block in headings:
        low = fold(block.text)
        if any(low in ref or ref in low for ref in folded_refs):
            return block.text, i
    return _visible_title(blocks, refs, evidence, headings)


def _shown_heading(blocks: Sequence[Block], i: int, evidence: Evidence) -> tuple[int, Block]:
    """The heading a reader sees for the <h1> at i.

    An <h1> inside a breadcrumb or other chrome is the page's name in its navigation; when
    a heading outside the chrome opens the article right after it and says other words,
    that heading is the one shown as the headline.
    """
    if not blocks[i].chrome:
        return i, blocks[i]
    for j in range(i + 1, min(len(blocks), i + 1 + _SHOWN_AFTER)):
        block = blocks[j]
        if not block.chrome and block.tag in {"h1", "h2"} and usable(block, evidence):
            return (j, block) if _words(block.text) != _words(blocks[i].text) else (i, blocks[i])
    return i, blocks[i]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def _visible_title(
    blocks: Sequence[Block], refs: Refs, evidence: Evidence, headings: list[tuple[int, Block]]
) -> tuple[str | None, int | None]:
    """No heading the metadata confirms: a line repeating the <title>, else the line the evidence points at."""
    shown = segment_line(blocks, evidence)
    best = best_line(blocks, evidence)
    # A part of the <title> far from any date line (a logo, a section name) yields to a
    # line that stands over the page's date line.
    if shown is not None and (best is None or above_date(shown, evidence) or not above_date(best, evidence)):
        return blocks[shown].text, shown
    if refs.meta:  # a social or structured headline the page does not show as such
        return refs.meta[0], _index_of(blocks, refs.meta[0])
    if best is not None:
        return blocks[best].text, best
    if headings:
        return headings[0][1].text, headings[0][0]
    # Weaker evidence: an emphasised line opening the article, a heading over it.
    weak = best_line(blocks, evidence, minimum=WEAK_THRESHOLD)
    if weak is not None:
        return blocks[weak].text, weak
    for level in ("h2", "h3"):
        for i, block in enumerate(blocks[:_TITLE_SCAN]):
            if block.tag == level and usable(block, evidence):
                return block.text, i
    if refs.title:
        return refs.title[0], None
    return None, None


def _index_of(blocks: Sequence[Block], text: str) -> int | None:
    """The block showing the title: the same text, else an <h1> containing it or contained in it."""
    low = fold(text)
    for i, block in enumerate(blocks[:_TITLE_SCAN]):
        if fold(block.text) == low:
            return i
    for i, block in enumerate(blocks):
        heading = fold(block.text)
        if block.tag == "h1" and heading and (heading in low or low in heading):
            return i
    return None
