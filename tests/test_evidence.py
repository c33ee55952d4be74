"""Site evidence in real crawls: listing link texts and the site profile give exact headlines on
sites whose every page has the same <title>; attachments are fetched, digested and compared."""

from __future__ import annotations

import json
from pathlib import Path

from newswatch.samples import SampleSites
from store import open_readonly
from store.record import now_iso

from .conftest import Cli
from .faults import FaultSite, Page, paragraphs

NOTICE = "/www/chinese/c/2024-03-08/612233.shtml"
BOX = "Subscribe to the Faulty News weekly letter for every certification notice and rule change of the month."


def _rows(db_path: Path, sql: str, *params: object) -> list[dict]:
    db = open_readonly(db_path)
    try:
        return [dict(r) for r in db.query(sql, list(params))]
    finally:
        db.close()


def test_site_wide_titles_never_become_headlines(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl")
    stored = {r["url"]: r for r in _rows(db_path, "SELECT a.url, a.link_texts, v.title, v.hints FROM articles a"
                                          " JOIN versions v ON v.id = a.current_version_id")}  # fmt: skip
    for path, truth in sites.articles.items():
        if not truth["pending"]:
            row = stored[sites.url(path)]
            assert row["title"] == truth["title"]
            assert json.loads(row["link_texts"]) == [truth["title"]]  # the listing's link text
    profiles = {r["site"]: json.loads(r["profile"]) for r in _rows(db_path, "SELECT * FROM site_profiles")}
    assert set(profiles) == {"cqc-en", "cqc-zh", "cspress"}
    assert "china standardization" in profiles["cspress"]["site_titles"]
    assert "中国质量认证中心" in profiles["cqc-zh"]["site_titles"]


def test_a_replaced_attachment_is_an_edit_of_its_notice(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    first = cli("crawl")
    assert "1 attachment checked" in first.stdout  # cqc-zh's notice; cqc-en's has one too
    files = _rows(db_path, "SELECT t.url, f.size, f.sha256, f.data FROM attachments t"
                            " JOIN attachment_files f ON f.id = t.current_file_id ORDER BY t.url")  # fmt: skip
    assert [(r["url"].split("/upload/")[1], r["size"]) for r in files] == [
        ("2024/CNCA-C01-01-2024.pdf", 212000),
        ("2020/CQC-C0701-2020.pdf", 148000),
    ]
    assert all(len(r["sha256"]) == 64 and r["data"] is None for r in files)  # digests, not bytes, by default
    sites.replace_document()
    mark = now_iso()
    second = cli("crawl")
    assert "cqc-zh       ok            4 pages: 0 new, 1 edited, 4 unchanged (4 by 304)" in second.stdout
    (event,) = _rows(db_path, "SELECT * FROM events WHERE kind = 'edited'")
    assert json.loads(event["changed_fields"]) == ["attachments"]
    (change,) = json.loads(event["details"])
    assert change["text"] == "CNCA-C01-01:2024 强制性产品认证实施规则.pdf"
    assert (change["before"]["size"], change["after"]["size"]) == (212000, 236000)
    assert event["article_id"] == _rows(db_path, "SELECT id FROM articles WHERE url = ?", sites.url(NOTICE))[0]["id"]
    digest = json.loads(cli("digest", "--since", mark, "--format", "json").stdout)
    (item,) = digest["edited"]
    assert item["changed_fields"] == ["attachments"] and item["title"] == sites.articles[NOTICE]["title"]
    assert [(a["kind"], a["name"], a["size_before"], a["size_after"]) for a in item["attachments"]] == [
        ("changed", "CNCA-C01-01-2024.pdf", 212000, 236000)
    ]
    line = "attachment changed: CNCA-C01-01-2024.pdf (212 KB → 236 KB)"
    for fmt in ("text", "markdown", "html"):
        shown = cli("digest", "--since", mark, "--format", fmt).stdout
        assert line in (shown.replace("\\", "") if fmt == "markdown" else shown), fmt  # Markdown escapes ( )
    assert line in cli("diff", sites.url(NOTICE)).stdout  # the article's last change, by its documents too
    third = cli("crawl", "--recheck-all")
    assert "0 new, 0 edited" in third.stdout.splitlines()[-1]  # the same file again is no edit
    assert len(_rows(db_path, "SELECT * FROM attachment_files")) == 3  # every distinct file kept


def test_attachment_bytes_are_kept_when_asked(sites: SampleSites, registry: Path, db_path: Path) -> None:
    registry.write_text("[crawl]\nkeep_attachments = true\n\n" + registry.read_text("utf-8"), encoding="utf-8")
    Cli(registry, db_path)("crawl", "cqc-zh")
    (row,) = _rows(db_path, "SELECT data, size FROM attachment_files")
    assert row["data"].startswith(b"%PDF-1.4") and len(row["data"]) == row["size"] == 212000


def test_a_profile_that_learns_a_site_wide_box_edits_nothing(tmp_path: Path) -> None:
    with FaultSite(articles=2, validators=False, box=BOX) as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        cli = Cli(registry, tmp_path / "store.db")
        cli("crawl")  # two pages: too few to tell a site-wide line from article text
        assert all(BOX in r["body"] for r in _rows(cli.db_path, "SELECT body FROM versions"))
        for n in range(4):
            site.pages[f"/news/{3000 + n}.html"] = Page(f"Notice {3000 + n} on rules", "2026-02-01", paragraphs(50 + n))
        cli("crawl")  # the profile learned at the end of this crawl knows the box
        profile = json.loads(_rows(cli.db_path, "SELECT profile FROM site_profiles")[0]["profile"])
        assert BOX.casefold() in profile["repeated_lines"]
        before = _rows(cli.db_path, "SELECT kind FROM events")
        result = cli("crawl")  # every page is read again (no validators) under the new profile
        kinds = [r["kind"] for r in _rows(cli.db_path, "SELECT kind FROM events")][len(before) :]
        assert "edited" not in kinds and "0 new, 0 edited, 6 unchanged" in result.stdout
        assert set(kinds) == {"reextracted"}  # the stored texts lost the box, as a baseline change
        current = _rows(cli.db_path, "SELECT v.body FROM articles a JOIN versions v ON v.id = a.current_version_id")
        assert all(BOX not in r["body"] for r in current)
