"""The web view over real HTTP against a real store: every page, escaping, CSP, read-only, the feed."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import urllib.parse
import xml.etree.ElementTree as ET
from contextlib import closing

from .desk import EN_EDITED, ZH_EDITED, Desk

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def _article_id(desk: Desk, path: str) -> int:
    with sqlite3.connect(f"file:{desk.cli.db_path}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT id FROM articles WHERE url = ?", [desk.sites.url(path)]).fetchone()
    return int(row[0])


def test_every_page_answers_with_a_strict_policy_and_no_script(desk: Desk) -> None:
    zh = _article_id(desk, ZH_EDITED)
    for path in ("/", "/digest", "/digests", "/digests/1", f"/article/{zh}", f"/article/{zh}/diff", "/search?q=CCC"):
        status, headers, page = desk.get(path)
        assert status == 200, path
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp, csp  # no script may run at all
        assert headers["x-content-type-options"] == "nosniff"
        assert "<script" not in page.lower() and " style=" not in page and "<style" not in page, path
        assert 'lang="en"' in page and '<meta name="viewport"' in page


def test_sites_page_shows_each_site_with_counts_and_changes(desk: Desk) -> None:
    _, _, page = desk.get("/")
    for name in ("cqc-en", "cqc-zh", "cspress"):
        assert f'<div class="meta">{name}</div>' in page
    live = len(desk.sites.live("cqc-en"))  # the published article included; one of them edited
    assert f'<td class="num">{live}</td><td class="num">{live + 1}</td>' in page
    assert "CQC Issued the First Low-carbon Product Certificates" in page  # the new article under changes
    assert '<span class="kind kind-edited">edited</span>' in page


def test_digest_page_links_to_the_diffs_and_marks_the_changed_character(desk: Desk) -> None:
    zh, en = _article_id(desk, ZH_EDITED), _article_id(desk, EN_EDITED)
    _, _, page = desk.get("/digest")
    baseline = len(desk.sites.live("cqc-en")) - 1  # all but the article published after the first crawl
    assert f"cqc-en: started watching, {baseline} articles" in page  # the first crawl, counted
    assert "New (1)" in page and "Edited (2)" in page
    assert re.search(rf'href="{re.escape(desk.base)}/article/{zh}/diff\?a=\d+&amp;b=\d+"', page)
    assert f"{desk.base}/article/{en}/diff" in page
    assert "至<del>6</del>月" in page and "至<ins>8</ins>月" in page  # the sentence before and after
    assert '<article lang="zh">' in page and "★ CCC" in page  # language per item; the watchlist mark
    _, _, archive = desk.get("/digests")
    assert "1 new, 2 edited" in archive


def test_article_page_lists_every_version_and_event(desk: Desk) -> None:
    zh = _article_id(desk, ZH_EDITED)
    _, _, page = desk.get(f"/article/{zh}")
    assert page.count("<td>v") == 2 and "current" in page
    assert "kind-new" in page and "kind-edited" in page and "(body)" in page
    assert '<h1 lang="zh">关于开展2024年度CCC认证证书有效性抽查工作的通知</h1>' in page
    assert re.search(r'<select name="a">', page) and "Show differences" in page  # works without JavaScript


def test_diff_page_side_by_side_and_inline(desk: Desk) -> None:
    zh = _article_id(desk, ZH_EDITED)
    _, _, page = desk.get(f"/article/{zh}/diff")
    inline = page.split("<h2>Inline</h2>")[1].split("<h2>Side by side</h2>")[0]
    side = page.split("<h2>Side by side</h2>")[1]
    assert "至<del>6</del><ins>8</ins>月" in inline
    assert re.search(r"<td>[^<]*至<del>6</del>月[^<]*</td><td>[^<]*至<ins>8</ins>月", side)
    assert "changed: body" in page and 'lang="zh"' in side
    status, _, missing = desk.get(f"/article/{zh}/diff?a=999999&b=1")
    assert status == 404 and "no such version" in missing


def test_search_page_uses_the_same_search(desk: Desk) -> None:
    _, _, page = desk.get("/search?" + urllib.parse.urlencode({"q": "CCC 认证"}))
    assert "关于开展2024年度CCC认证证书有效性抽查工作的通知" in page and "<mark>CCC</mark>" in page
    _, _, cspress = desk.get("/search?" + urllib.parse.urlencode({"q": "ISO/TC 292", "site": "cspress"}))
    assert "ISO/TC 292 plenary meeting held in Beijing" in cspress
    _, _, bad = desk.get("/search?" + urllib.parse.urlencode({"q": '"unbalanced', "fts": "1"}))
    assert "Cannot search" in bad


def test_every_string_is_escaped(desk: Desk) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _, _, page = desk.get("/search?" + urllib.parse.urlencode({"q": hostile}))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    status, _, missing = desk.get("/article/987654")
    assert status == 404 and "no such article" in missing
    assert desk.get("/article/99999999999999999999")[0] == 404  # past SQLite's integers: no such row
    en = _article_id(desk, EN_EDITED)
    for query in ("a=99999999999999999999", "a=%C2%B2"):  # too large, and "²" (a digit to str.isdigit)
        assert desk.get(f"/article/{en}/diff?{query}")[0] == 200


def test_the_web_view_never_writes_the_store(desk: Desk) -> None:
    def state() -> tuple[dict[str, str], int]:
        # The store and its WAL, where a write would land first (the -shm index changes with
        # every reader's marks, so it proves nothing either way).
        db = desk.cli.db_path
        wal = db.with_name(db.name + "-wal")
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "" for p in (db, wal)}
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return files, conn.execute("SELECT count(*) FROM diffs").fetchone()[0]

    before = state()
    en = _article_id(desk, EN_EDITED)
    for path in ("/", "/digest", f"/article/{en}", f"/article/{en}/diff", "/feed.atom", "/search?q=CQC"):
        assert desk.get(path)[0] == 200
    assert state() == before


def test_feed_is_valid_atom_with_links_to_the_web_view(desk: Desk) -> None:
    status, headers, text = desk.get("/feed.atom")
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.find("a:author/a:name", ATOM) is not None
    self_link = [link.get("href") for link in root.findall("a:link", ATOM) if link.get("rel") == "self"]
    assert self_link == [f"{desk.base}/feed.atom"]
    entries = root.findall("a:entry", ATOM)
    titles = [e.findtext("a:title", "", ATOM) for e in entries]
    # baseline articles are not entries; the new article and both edits are
    assert len(entries) == 3 and sum(t.startswith("Edited: ") for t in titles) == 2
    ids = [e.findtext("a:id", "", ATOM) for e in entries]
    assert len(set(ids)) == 3
    for entry in entries:
        assert entry.find("a:category", ATOM) is not None and entry.find("a:updated", ATOM) is not None
        (link,) = entry.findall("a:link", ATOM)  # one alternate link: the web view's page
        assert link.get("rel", "alternate") == "alternate" and link.get("href", "").startswith(f"{desk.base}/article/")
        assert f'href="{desk.sites.base_url("cqc-en")}' in entry.findtext("a:content", "", ATOM)  # the original
    edited = next(e for e in entries if "抽查" in e.findtext("a:title", "", ATOM))
    assert "<ins>8</ins>" in edited.findtext("a:content", "", ATOM)
    on_disk = (desk.folder / "digests" / "feed.atom").read_text("utf-8")
    assert on_disk.count("<entry>") == 3  # digest --deliver wrote the same feed
