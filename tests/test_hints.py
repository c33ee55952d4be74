"""Site evidence: build_profile learns what repeats, hints_key names what applied, extract uses both."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from crawler.extract import (
    PageHints,
    ProfileBuilder,
    SitePage,
    SiteProfile,
    build_profile,
    extract,
    extract_keyed,
    hints_key,
    page_title,
)
from crawler.extract.hints import link_names

PAGES = Path(__file__).parent / "golden" / "pages"
BOX = "Call our hotline 400-700-3878 for certification questions"


def article_page(n: int, box: str = BOX, title: str = "Example Certification Centre") -> str:
    return f"""<html><head><title>{title}</title></head><body>
<div class="top"><a href="/">Homepage</a> / <a href="/fav">Favorites</a></div>
<div class="main"><div class="tit">Headline number {n} about new certification rules</div>
<div class="txt"><p>Paragraph one of article {n} explains the new certification rules for household appliances in detail.</p>
<p>Paragraph two of article {n} says when the rules apply and what manufacturers must do before then.</p>
<p>{box}</p></div></div>
<div class="foot">Example Certification Centre, 8 Example Road, Beijing</div></body></html>"""


def site(count: int, **kwargs: str) -> list[SitePage]:
    return [SitePage(article_page(n, **kwargs), f"https://www.example.cn/news/{n}.html") for n in range(count)]


def test_profile_learns_lines_and_titles_that_repeat() -> None:
    profile = build_profile(site(6), ["News - Example Certification Centre"])
    assert BOX.casefold() in profile.repeated_lines
    assert "example certification centre, 8 example road, beijing" in profile.repeated_lines
    assert not any("headline number" in line or "paragraph one" in line for line in profile.repeated_lines)
    assert profile.site_titles == frozenset({"example certification centre"})
    assert {"news - example certification centre", "news", "example certification centre"} <= profile.site_names


def test_two_pages_teach_nothing_and_one_page_under_two_hosts_is_one_page() -> None:
    assert not build_profile(site(2))
    page = article_page(1)
    same = [SitePage(page, "https://www.example.cn/news/1.html"), SitePage(page, "http://example.cn/news/1.html")]
    assert not build_profile([*same, *site(1)])


def test_profile_is_the_same_in_any_order_and_bounded() -> None:
    pages = site(40)
    shuffled = pages[:]
    random.Random(7).shuffle(shuffled)
    assert build_profile(pages, sample_size=10) == build_profile(shuffled, sample_size=10)
    builder = ProfileBuilder(sample_size=10)
    for page in shuffled:
        builder.add(page.page, page.url)
    assert builder.sampled == 10
    assert builder.profile() == build_profile(pages, sample_size=10)


def test_hints_key_is_stable_order_insensitive_and_empty_without_hints() -> None:
    a = PageHints(("B", "a"), SiteProfile(frozenset({"x", "y"}), frozenset({"t"}), frozenset({"n"})))
    b = PageHints(("A", "b"), SiteProfile(frozenset({"Y", "x"}), frozenset({"t"}), frozenset({"n"})))
    assert hints_key(a) == hints_key(b) and len(hints_key(a)) == 16
    assert hints_key(None) == hints_key(PageHints()) == ""
    assert hints_key(a) != hints_key(PageHints(("a", "b"), SiteProfile(frozenset({"x"}))))


def test_a_profile_learning_other_pages_boxes_keeps_this_pages_key() -> None:
    page = article_page(1, box="A paragraph of this article only, not a box on any other page of the site.")
    before = PageHints(profile=build_profile(site(6)))
    after = PageHints(profile=build_profile(site(6, box="A new box elsewhere on the site, never on this page")))
    assert before.profile != after.profile
    first, key1 = extract_keyed(page, "https://www.example.cn/news/1.html", hints=before)
    second, key2 = extract_keyed(page, "https://www.example.cn/news/1.html", hints=after)
    assert (first, key1) == (second, key2) and key1


def test_a_site_wide_box_leaves_the_body_only_with_the_profile() -> None:
    url = "https://www.example.cn/news/3.html"
    alone = extract(article_page(3), url)
    assert BOX in alone.paragraphs
    hinted, key = extract_keyed(article_page(3), url, hints=PageHints(profile=build_profile(site(6))))
    assert BOX not in hinted.paragraphs and key
    assert hinted.title == alone.title == "Headline number 3 about new certification rules"
    assert len(hinted.paragraphs) == 2


def test_without_hints_extraction_is_unchanged() -> None:
    page = (PAGES / "cspress" / "news-div-title.html").read_bytes()
    url = "https://www.cspress.cn/News/131.html"
    assert extract(page, url) == extract(page, url, hints=None) == extract(page, url, hints=PageHints())


@pytest.mark.parametrize(
    ("link", "line", "names"),
    [
        ("Notice on Fee Adjustment", "notice on fee  adjustment", True),
        (
            "关于发布《光伏组件碳足迹评价技术规范》等3项…",
            "关于发布《光伏组件碳足迹评价技术规范》等3项认证技术规范的通知",
            True,
        ),
        ("Notice on...", "Notice on Fee Adjustment", False),  # too short a stem to name anything
        ("Notice on Fee Adjustment", "Notice on Fee Adjustment for 2024", False),
    ],
)
def test_listing_link_names_a_line(link: str, line: str, names: bool) -> None:
    assert link_names(link, line) is names


def test_listing_link_text_picks_the_headline_among_plain_lines() -> None:
    html = """<html><head><title>Details</title></head><body><div>Menu line one</div>
<div>CQC Opens a Laboratory in Shenzhen</div><div>Other line</div>
<p>The new laboratory tests batteries for electric vehicles and energy storage systems from Guangdong.</p></body></html>"""
    url = "https://www.example.cn/a.html"
    hinted = extract(html, url, hints=PageHints(link_texts=("CQC Opens a Laboratory in Shenzhen",)))
    assert hinted.title == "CQC Opens a Laboratory in Shenzhen"


def test_page_title_reads_a_listing_title() -> None:
    listing = (
        "<html><head><title>News - China Standardization</title></head><body><a href='/News/1.html'>A</a></body></html>"
    )
    assert page_title(listing, "https://www.cspress.cn/News/") == "News - China Standardization"
    assert page_title(b"plain text", "https://www.cspress.cn/x.txt", "text/plain") is None


def test_the_notice_signature_stays_when_the_profile_knows_it() -> None:
    spec = json.loads((PAGES / "cqc-en" / "2024-notice-service-box-a.hints.json").read_text(encoding="utf-8"))
    pages = []
    for name in spec["profile_pages"]:
        expected = json.loads((PAGES / "cqc-en" / f"{name}.json").read_text(encoding="utf-8"))
        pages.append(SitePage((PAGES / "cqc-en" / f"{name}.html").read_bytes(), expected["url"]))
    profile = build_profile(pages)
    # Three notices of four are signed alike: the signature and the salutation repeat...
    assert {"china quality certification centre", "dear customers,"} <= profile.repeated_lines
    page = PAGES / "cqc-en" / "2024-notice-service-box-b.html"
    article = extract(
        page.read_bytes(),
        "https://www.cqc.com.cn/www/english/c/2024-08-01/620599.shtml",
        hints=PageHints(profile=profile),
    )
    # ...and stay in the notice, the site-wide service box does not.
    assert article.paragraphs[0] == "Dear customers,"
    assert article.paragraphs[-2:] == ("China Quality Certification Centre", "August 1, 2024")
    assert not any("Hotline" in p for p in article.paragraphs)


def plain_page(n: int) -> str:
    return "\n".join(
        [
            "China Standardization",
            f"Headline {n} of the plain page",
            f"China Standardization 2023-0{n}-0{n}",
            "",
            f"Paragraph {n} tells what the committee decided about the new standards for household appliances.",
            "",
            "Subscribe to China Standardization magazine: +86-10-68523946",
            "",
            "Home Page",
        ]
    )


def test_plain_text_pages_use_the_profile_too() -> None:
    pages = [SitePage(plain_page(n), f"https://www.cspress.cn/News/{n}.html", "text/plain") for n in range(1, 5)]
    profile = build_profile(pages)
    assert "subscribe to china standardization magazine: +86-10-68523946" in profile.repeated_lines
    url = "https://www.cspress.cn/News/2.html"
    alone = extract(plain_page(2), url, "text/plain")
    hinted = extract(plain_page(2), url, "text/plain", hints=PageHints(profile=profile))
    assert alone.title == hinted.title == "Headline 2 of the plain page"
    assert len(alone.paragraphs) == 2 and len(hinted.paragraphs) == 1


def test_a_stored_profile_is_learned_again_only_when_its_pages_or_titles_change(tmp_path: Path) -> None:
    from datetime import date

    from crawler.site_profile import rebuild_profile
    from store import open_db, record
    from store.profiles import load_profile
    from store.record import Fetch

    db = open_db(tmp_path / "s.db")

    def store(n: int, box: str, at: str) -> None:
        url = f"https://www.example.cn/news/{n}.html"
        page = article_page(n, box=box).encode("utf-8")
        fetch = Fetch(fetched_at=at, raw=page, content_type="text/html", key=f"example.cn/news/{n}.html")
        record(db, "example", extract(page, url, "text/html", date(2026, 1, 1)), fetch)

    for n in range(8):
        store(n, BOX, "2026-01-01T00:00:00.000+00:00")
    first = rebuild_profile(db, "example", ["News - Example Certification Centre"])
    built = load_profile(db, "example")
    assert built is not None and BOX.casefold() in first.repeated_lines
    assert rebuild_profile(db, "example", []) == first  # nothing new: the stored profile, not learned again
    assert load_profile(db, "example") == built
    for n in range(8):  # every sampled page changed its box: learned again
        store(n, "Write to us at help@example.cn about certificates", "2026-01-02T00:00:00.000+00:00")
    second = rebuild_profile(db, "example", [])
    assert BOX.casefold() not in second.repeated_lines
    assert "write to us at help@example.cn about certificates" in second.repeated_lines
    assert rebuild_profile(db, "example", ["Notices - Example Certification Centre"]) != second  # a new title
    db.close()
