"""Generate a news site of N articles as static files, once per size and seed, cached under bench/results.

Half the articles live in a CQC-shaped section (`/www/english/c/YYYY-MM-DD/NNNNNN.shtml`),
half in a cspress-shaped one (`/News/NNN.html`); about a quarter have Chinese bodies. Each
section has listing pages of PER_PAGE links, newest first, with windowed pagination. Pages
weigh 15–40 KB. Everything follows from the seed, and every file gets the same fixed mtime,
so ETag and Last-Modified are stable across runs and servers.
"""

from __future__ import annotations

import calendar
import json
import os
import random
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from . import text
from .pages import PER_PAGE, SECTIONS, Article, article_page, listing_file, listing_page

GENERATOR_VERSION = 1  # bump when the pages change, so cached sites are regenerated
RESULTS = Path(__file__).resolve().parent / "results"
NEWEST = date(2026, 11, 25)
MTIME = calendar.timegm((2026, 11, 25, 0, 0, 0))
MIN_BYTES, MAX_BYTES = 15_000, 40_000
ARTICLE_PATTERN = r"/www/english/c/\d{4}-\d{2}-\d{2}/\d+\.shtml$|/News/\d+\.html$"
FOLLOW_PATTERN = r"/www/english/index(_\d+)?\.shtml$|/News/(index(_\d+)?\.html)?$"
ROBOTS = "User-agent: *\nDisallow: /search/\n"


@dataclass(frozen=True)
class GeneratedSite:
    """A generated site on disk and what it holds."""

    root: Path
    articles: int
    listings: int
    article_bytes: int
    smallest: int
    largest: int

    @property
    def pages(self) -> int:
        """Pages a full crawl fetches: articles, listing pages and robots.txt."""
        return self.articles + self.listings + 1


def plan(n: int, seed: int) -> list[Article]:
    """The articles of a site of n, newest first: section, URL, title, date, language."""
    rng = random.Random(f"plan-{seed}")
    cqc_ids = rng.sample(range(100_000, 1_000_000), n)  # ids are not monotonic with dates on CQC
    articles = []
    for i in range(n):
        section = "cqc" if i % 2 == 0 else "cspress"
        published = (NEWEST - timedelta(days=i * 2 // 7)).isoformat()
        chinese = rng.random() < 0.25
        if section == "cqc":
            path = f"/www/english/c/{published}/{cqc_ids[i]}.shtml"
        else:
            path = f"/News/{100 + (n - i) // 2}.html"
        articles.append(Article(i, section, path, text.title(rng, chinese), published, chinese))
    return articles


def _related(articles: list[Article], rng: random.Random) -> list[Article]:
    return rng.sample(articles, min(10, len(articles)))


def _article_html(article: Article, articles: list[Article], seed: int) -> str:
    """The article's page, its body filled with paragraphs up to a size drawn in [MIN_BYTES, MAX_BYTES]."""
    rng = random.Random(f"article-{seed}-{article.index}")
    related = _related(articles, rng)
    target = rng.randint(MIN_BYTES + 2_500, MAX_BYTES)  # stops below target by less than a paragraph
    images = {i for i in range(40) if rng.random() < 0.08}
    paragraphs: list[str] = []
    size = len(article_page(article, paragraphs, related, images).encode("utf-8"))
    while True:
        extra = text.paragraph(rng, article.chinese)
        grown = size + len(extra.encode("utf-8")) + 40
        if len(paragraphs) >= 3 and grown > target:
            break
        paragraphs.append(extra)
        size = grown
    return article_page(article, paragraphs, related, images)


def _write(root: Path, path: str, html: str) -> int:
    data = html.encode("utf-8")
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    os.utime(target, (MTIME, MTIME))
    return len(data)


def generate(root: Path, n: int, seed: int) -> GeneratedSite:
    """Write a site of n articles under root (which must not exist yet)."""
    articles = plan(n, seed)
    sizes = [_write(root, a.path, _article_html(a, articles, seed)) for a in articles]
    listings = 0
    for section in SECTIONS:
        items = [a for a in articles if a.section == section]
        pages = max(1, -(-len(items) // PER_PAGE))
        for page in range(pages):
            rng = random.Random(f"listing-{seed}-{section}-{page}")
            chunk = items[page * PER_PAGE : (page + 1) * PER_PAGE]
            _write(
                root, listing_file(section, page), listing_page(section, page, pages, chunk, _related(articles, rng))
            )
            listings += 1
    _write(root, "/robots.txt", ROBOTS)
    return GeneratedSite(root, n, listings, sum(sizes), min(sizes), max(sizes))


def cached_site(n: int, seed: int = 9, results: Path = RESULTS) -> tuple[GeneratedSite, bool]:
    """The site of n articles for seed, generated on first use; True when it was generated now."""
    root = results / "sites" / f"n{n}-seed{seed}-v{GENERATOR_VERSION}"
    manifest = root / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return GeneratedSite(root, **data), False
    if root.exists():
        shutil.rmtree(root)  # an interrupted generation
    site = generate(root, n, seed)
    fields = {k: v for k, v in vars(site).items() if k != "root"}
    manifest.write_text(json.dumps(fields), encoding="utf-8")  # written last: marks the site complete
    return site, True


def registry_toml(base_url: str, site: GeneratedSite, name: str = "bench") -> str:
    """A newswatch registry for the site served at base_url: no delay, no page limit in reach."""
    starts = ", ".join(f'"{base_url}{root}"' for root, _, _ in SECTIONS.values())
    return (
        "# Written by `make bench`. Articles younger than 3 days are re-checked at every crawl,\n"
        "# so a second crawl right after the first re-checks every known article.\n"
        "[monitor]\nrecheck = [[3, 0]]\n\n"
        f'[[sites]]\nname = "{name}"\nstart_urls = [{starts}]\nallowed_domains = ["127.0.0.1"]\n'
        f"article_pattern = '{ARTICLE_PATTERN}'\nfollow_pattern = '{FOLLOW_PATTERN}'\n"
        f"download_delay = 0.0\nmax_pages = {2 * site.pages + 100}\ntimeout_minutes = 60\n"
    )
