"""What the generated store holds per site and per article: site templates, bodies, edits, raw pages.

Twenty sites, each with its own chrome: one of the two templates of `pages.py`, a site name,
an inline style block and a site map of its own, 13–34 KB in all (what makes a page heavy is
mostly its site's template). Bodies of 1–6 KB (log-uniform: most articles short, a few long)
are drawn from a pool of generated paragraphs and changed a little by each edit. A page also
shows five related articles of its time and the site's twenty newest when it was fetched.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from . import text
from .pages import Article as PageArticle
from .pages import article_page

SITES = 20
POOL = 12_000  # paragraphs per language
MIN_BODY, MAX_BODY = 1_000, 6_000
MIN_PAGE, MAX_PAGE = 15_000, 40_000
MIN_TEMPLATE, MAX_TEMPLATE = 13_000, 34_000  # a site's page without its body
# Planted terms the search benchmark looks for.
RARE_WORD = "Zhangjiakou"
STANDARD = "GB/T 19001-2016"
CHINESE_TERM = "光伏组件"
_CSS_WORDS = [
    "nav",
    "item",
    "list",
    "box",
    "wrap",
    "main",
    "side",
    "hot",
    "foot",
    "link",
    "title",
    "more",
    "tab",
    "pic",
    "txt",
    "con",
    "info",
    "date",
    "btn",
    "icon",
]
_CSS_PROPS = ["margin:0 auto", "padding:4px 8px", "color:#333", "font-size:14px", "line-height:24px",
              "background:#f5f5f5", "border-bottom:1px solid #ddd", "float:left", "overflow:hidden",
              "text-align:center", "display:block", "width:1200px", "height:36px", "color:#0050a0"]  # fmt: skip


@dataclass(frozen=True)
class Site:
    """One generated site: its name, host, template, languages and chrome of its own."""

    index: int
    name: str
    host: str
    section: str  # the template of pages.py: "cqc" or "cspress"
    chinese: float  # share of Chinese articles
    label: str  # the organisation's name in the footer
    origin: str | None
    style: str  # an inline <style> block only this site has
    sitemap: str  # a block of links only this site has, filling its template to its size
    weight: float  # share of all articles

    def url(self, article_id: int, published: str) -> str:
        """An article's address, in the shape of the site's template."""
        if self.section == "cqc":
            return f"https://{self.host}/www/english/c/{published}/{100_000 + article_id}.shtml"
        return f"https://{self.host}/News/{article_id}.html"


def make_sites(seed: int) -> list[Site]:
    """The twenty sites of a generated store."""
    sites = []
    for i in range(SITES):
        rng = random.Random(f"site-{seed}-{i}")
        section = "cqc" if i % 2 == 0 else "cspress"
        label = f"{text.title(rng, False)} Centre"
        style = _style(rng)
        template = rng.randint(MIN_TEMPLATE, MAX_TEMPLATE)
        sites.append(
            Site(
                index=i,
                name=f"site-{i:02d}",
                host=f"www.site{i:02d}.example.cn",
                section=section,
                chinese=0.9 if i % 4 in (1, 2) else 0.1,
                label=label,
                origin=f"{text.title(rng, True)}中心" if section == "cqc" else None,
                style=style,
                sitemap=_sitemap(rng, template - 11_500 - len(style)),  # pages.py's chrome is about 11.5 KB
                weight=rng.uniform(0.4, 1.6),
            )
        )
    return sites


def _style(rng: random.Random) -> str:
    rules = []
    size = rng.randint(3_000, 9_000)
    while sum(len(r) for r in rules) < size:
        selector = " ".join(f".{rng.choice(_CSS_WORDS)}{rng.randint(1, 9)}" for _ in range(rng.randint(1, 3)))
        rules.append(f"{selector}{{{';'.join(rng.sample(_CSS_PROPS, rng.randint(2, 5)))}}}")
    return "<style>" + "\n".join(rules) + "</style>"


def _sitemap(rng: random.Random, size: int) -> str:
    links = []
    while sum(len(x) for x in links) < size:
        chinese = rng.random() < 0.5
        links.append(f'<li><a href="/col{len(links)}/index.shtml">{text.title(rng, chinese)[:24]}</a></li>')
    return f'<div class="sitemap"><ul>{"".join(links)}</ul></div>\n'


def paragraph_pool(seed: int) -> dict[bool, list[str]]:
    """Generated paragraphs, POOL per language (True: Chinese)."""
    rng = random.Random(f"pool-{seed}")
    return {chinese: [text.paragraph(rng, chinese) for _ in range(POOL)] for chinese in (False, True)}


@dataclass(frozen=True)
class Version:
    """One version's fields and what changed from the one before."""

    title: str
    paragraphs: tuple[str, ...]
    changed: tuple[str, ...]  # changed fields; empty for the first version


def versions(rng: random.Random, title: str, chinese: bool, pool: list[str], count: int) -> list[Version]:
    """An article's versions: a body of 1–6 KB, then edits of a word, a sentence or the title."""
    target = math.exp(rng.uniform(math.log(MIN_BODY), math.log(MAX_BODY)))
    paragraphs = [rng.choice(pool)]
    size = len(paragraphs[0].encode("utf-8"))
    while True:
        more = rng.choice(pool)
        size += len(more.encode("utf-8")) + 2
        if size > target:
            break
        paragraphs.append(more)
    roll = rng.random()
    if roll < 0.01:
        paragraphs[-1] += f" It was tested in {RARE_WORD}." if not chinese else f"在{RARE_WORD}开展检测。"
    elif roll < 0.03:
        paragraphs[0] += f" The scheme follows {STANDARD}." if not chinese else f"依据{STANDARD}实施。"
    elif roll < 0.06 and chinese:
        paragraphs[0] += f"首批{CHINESE_TERM}证书颁发。"
    out = [Version(title, tuple(paragraphs), ())]
    while len(out) < count:
        out.append(_edit(rng, out[-1], chinese, pool))
    return out


def _edit(rng: random.Random, before: Version, chinese: bool, pool: list[str]) -> Version:
    paragraphs = list(before.paragraphs)
    roll = rng.random()
    if roll < 0.12:
        title = before.title + (rng.choice(text._ZH_WORDS) if chinese else f" {rng.choice(text._EN_WORDS).title()}")
        return Version(title, before.paragraphs, ("title",))
    if roll < 0.35:
        i = rng.randrange(len(paragraphs) + 1)
        paragraphs.insert(i, text.paragraph(rng, chinese) if rng.random() < 0.5 else rng.choice(pool))
    else:
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = _change_word(rng, paragraphs[i], chinese)
    return Version(before.title, tuple(paragraphs), ("body",))


def _change_word(rng: random.Random, paragraph: str, chinese: bool) -> str:
    if chinese:
        at = rng.randrange(len(paragraph))
        return paragraph[:at] + rng.choice(text._ZH_WORDS) + paragraph[at + 2 :]
    words = paragraph.split(" ")
    at = rng.randrange(len(words))
    new = f"{rng.randint(2, 980)}" if rng.random() < 0.3 else rng.choice(text._EN_WORDS)
    words[at] = new if new != words[at] else f"{new} {new}"
    return " ".join(words)


def raw_page(site: Site, page: PageArticle, version: Version, related: list[PageArticle], rng: random.Random) -> bytes:
    """The page as the site serves it: its chrome, the version's text and a sidebar of other articles."""
    shown = PageArticle(page.index, page.section, page.path, version.title, page.published, page.chinese)
    images = {i for i in range(len(version.paragraphs)) if rng.random() < 0.08}
    html = article_page(shown, list(version.paragraphs), related, images)
    html = html.replace("</head>", site.style + "</head>", 1).replace(
        '<div class="foot">', site.sitemap + '<div class="foot">', 1
    )
    html = html.replace("China Quality Certification Centre", site.label)
    if site.origin:
        html = html.replace("中国质量认证中心", site.origin)
    return html.encode("utf-8")
