"""Golden tests: the seed texts and every sample-site page parse exactly right.

The expected fields of the seeds (tests/golden/seeds/*.json: the five real renderings and
plain-text notices written after them) were written by hand; the sample pages are checked
against the data the sample sites render. HTML golden pages: test_extract_golden_pages.py.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from crawler.extract import extract
from newswatch.samples import SampleSites
from newswatch.samples.render import SITE_HOST

GOLDEN = Path(__file__).parent / "golden"
SEEDS = sorted((GOLDEN / "seeds").glob("*.txt"))
CHROME_WORDS = [
    "Homepage",
    "Favorites",
    "Introduction of Website",
    "Exception Clause",
    "Hot Spots",
    "EMC Week",
    "Your Position",
    "京公网安备",
    "ICP备",
    "Home Page",
    "打印",
    "关闭",
    "上一篇",
    "下一篇",
    "浏览",
    "当前音量",
    "首页",
    "版权所有",
    "Copyright",
]


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_seed_text_parses_exactly(seed: Path) -> None:
    expected = json.loads(seed.with_suffix(".json").read_text(encoding="utf-8"))
    article = extract(seed.read_bytes(), expected["url"], "text/plain; charset=utf-8")
    assert article.title == expected["title"]
    assert article.published == date.fromisoformat(expected["published"])
    assert article.origin == expected["origin"]
    assert list(article.paragraphs) == expected["paragraphs"]
    assert article.language == expected["language"]
    assert article.body == "\n\n".join(expected["paragraphs"])
    assert [a.to_dict() for a in article.attachments] == expected.get("attachments", [])


def _sample_pages() -> list[tuple[str, dict]]:
    sites = SampleSites()
    return [(path, a) for path, a in sites.articles.items() if not a["pending"]]


@pytest.mark.parametrize(("path", "truth"), _sample_pages(), ids=[p for p, _ in _sample_pages()])
def test_sample_page_parses_exactly(path: str, truth: dict) -> None:
    sites = SampleSites()
    status, headers, body = sites.respond(SITE_HOST[truth["site"]], path, {})
    assert status == 200
    url = "http://127.0.0.1:8000" + path
    article = extract(body, url, headers["Content-Type"])
    assert article.title == truth["title"]
    assert article.published == date.fromisoformat(truth["published"])
    assert article.origin == truth["origin"]
    assert list(article.paragraphs) == truth["paragraphs"]
    assert article.language == ("zh" if truth["site"] == "cqc-zh" else "en")
    assert article.url == url
    files = [{"text": f["text"], "url": "http://127.0.0.1:8000" + f["path"]} for f in truth.get("attachments", [])]
    assert [a.to_dict() for a in article.attachments] == files
    for word in CHROME_WORDS:
        if not any(word in p for p in truth["paragraphs"]):
            assert word not in article.body, f"chrome {word!r} leaked into the body"


def test_gbk_page_without_any_declaration_is_read() -> None:
    sites = SampleSites()
    path = "/www/chinese/c/2024-03-08/612233.shtml"
    _, headers, body = sites.respond("cqc", path, {})
    assert b"charset" not in body.lower() and "charset" not in headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert extract(body, "http://x" + path).title == "关于开展2024年度CCC认证证书有效性抽查工作的通知"


def test_chrome_only_change_does_not_change_the_article() -> None:
    sites = SampleSites()
    before = extract(sites.respond("cspress", "/News/107.html", {})[2], "http://x/News/107.html")
    sites.set_chrome("hot_spot", "Something else entirely")
    raw = sites.respond("cspress", "/News/107.html", {})[2]
    assert b"Something else entirely" in raw
    assert extract(raw, "http://x/News/107.html") == before
