"""Golden HTML pages, Fundus style: every page under tests/golden/pages/<site>/ extracts exactly as expected.

Each page `<name>.html` (bytes as served: GBK pages stay GBK) has `<name>.json`, the fields a
careful reader takes from the page, written by hand, and optionally `<name>.hints.json`,
the site evidence the extraction gets: listing link texts and a site profile built from
sibling golden pages (`profile_pages`) and listing `<title>`s. After a reviewed change of
the extractor, `pytest tests/test_extract_golden_pages.py --regen` rewrites the JSON files
from the current output; review `git diff` before committing them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import (
    Article,
    PageHints,
    SitePage,
    build_profile,
    extract,
    extract_keyed,
    hints_for_page,
    hints_key,
)

PAGES = Path(__file__).parent / "golden" / "pages"
CASES = sorted(PAGES.glob("*/*.html"))
FIELDS = ("title", "published", "origin", "language", "paragraphs", "attachments")


def expected_of(page: Path) -> dict[str, Any]:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


def hints_of(page: Path) -> PageHints | None:
    """The page's hints: link texts, and a profile built from the sibling pages it names."""
    spec_path = page.with_suffix(".hints.json")
    if not spec_path.exists():
        return None
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    siblings = [page.with_name(f"{name}.html") for name in spec.get("profile_pages", [])]
    pages = [SitePage(s.read_bytes(), expected_of(s)["url"], expected_of(s).get("content_type")) for s in siblings]
    profile = build_profile(pages, spec.get("listing_titles", [])) if pages else None
    return PageHints(tuple(spec.get("link_texts", [])), profile)


def fields_of(article: Article) -> dict[str, Any]:
    data = article.to_dict()
    data["paragraphs"] = list(article.paragraphs)
    return {key: data[key] for key in FIELDS}


def _extract(page: Path) -> Article:
    expected = expected_of(page)
    return extract(page.read_bytes(), expected["url"], expected.get("content_type"), hints=hints_of(page))


@pytest.mark.parametrize("page", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_golden_page(page: Path, regen: bool) -> None:
    expected = expected_of(page)
    article = _extract(page)
    got = fields_of(article)
    if regen:
        kept = {k: v for k, v in expected.items() if k in {"url", "content_type", "canonical_url"}}
        text = json.dumps({**kept, **got}, ensure_ascii=False, indent=1) + "\n"
        page.with_suffix(".json").write_text(text, encoding="utf-8")
        pytest.skip("expected fields rewritten: review the diff")
    assert got == {key: expected[key] for key in FIELDS}
    assert article.url == expected.get("canonical_url", expected["url"])


def test_there_are_thirty_hand_written_pages_of_every_family() -> None:
    sites = {p.parent.name for p in CASES}
    assert len(CASES) >= 30
    assert sites == {"cqc-en", "cqc-zh", "cspress", "similar"}


HINTED = [p for p in CASES if p.with_suffix(".hints.json").exists()]


@pytest.mark.parametrize("page", HINTED, ids=[f"{p.parent.name}/{p.stem}" for p in HINTED])
def test_applied_hints_extract_the_same(page: Path) -> None:
    """What hints_for_page leaves out cannot change the article; its key is the one extract_keyed gives."""
    expected = expected_of(page)
    hints = hints_of(page)
    article, key = extract_keyed(page.read_bytes(), expected["url"], hints=hints)
    narrowed = hints_for_page(page.read_bytes(), expected["url"], hints=hints)
    assert narrowed is not None and key == hints_key(narrowed)
    assert extract_keyed(page.read_bytes(), expected["url"], hints=narrowed) == (article, key)


@pytest.mark.parametrize("page", HINTED, ids=[f"{p.parent.name}/{p.stem}" for p in HINTED])
def test_without_hints_the_site_wide_box_leaks(page: Path) -> None:
    """The hinted pages are those the profile is needed for: alone, a site-wide box reaches the body."""
    expected = expected_of(page)
    alone = extract(page.read_bytes(), expected["url"])
    assert [p for p in alone.paragraphs if p not in expected["paragraphs"]]
