"""Search over current versions: Latin tokens in Chinese, standard numbers, short Chinese terms, no accidental syntax."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.extract import Article
from store import open_db, open_readonly, record
from store.db import MIGRATIONS
from store.record import Fetch
from store.search import SearchError, SearchQuery, fts_words, marked, plain_terms, search, snippet

from .conftest import Cli

T1, T2 = "2026-01-01T00:00:00.000+00:00", "2026-01-02T00:00:00.000+00:00"
DOCS = {
    "https://www.cqc.com.cn/www/chinese/c/2024-03-08/1.shtml": (
        "关于开展2024年度CCC认证证书有效性抽查工作的通知",
        "依据GB/T 19001-2016和CNCA-C01-01:2024实施规则，对CCC证书开展抽查，截止时间至6月30日。",
        date(2024, 3, 8),
        "cqc-zh",
    ),
    "https://www.cspress.cn/Web/c_1/d_0528.htm": (
        "ISO/TC 292 plenary meeting held in Beijing",
        "The ISO/TC 292 security and resilience committee met; IEC 62368-1 was discussed too.",
        date(2018, 3, 29),
        "cspress",
    ),
    "https://www.cqc.com.cn/www/english/c/2023-04-11/2.shtml": (
        "CQC Attended the 2023 China SME Development Conference",
        "Certification according to GB/T19001-2016 helps small enterprises. Isolation is not a standard.",
        date(2023, 4, 11),
        "cqc-en",
    ),
}


def _store(path: Path) -> Database:
    db = open_db(path)
    for url, (title, body, published, site) in DOCS.items():
        record(db, site, Article(url=url, title=title, published=published, paragraphs=(body,)), Fetch(T1))
    return db


def _titles(db: Database, text: str, **options: object) -> list[str]:
    return [h.title or "" for h in search(db, SearchQuery(text, **options))]  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = _store(tmp_path / "s.db")
    yield store
    store.close()


def test_latin_tokens_inside_chinese_text(db: Database) -> None:
    assert _titles(db, "CCC") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    assert _titles(db, "ccc") == _titles(db, "CCC")  # any case


def test_standard_numbers_and_codes(db: Database) -> None:
    assert _titles(db, "ISO/TC 292") == ["ISO/TC 292 plenary meeting held in Beijing"]
    assert _titles(db, "IEC 62368-1") == ["ISO/TC 292 plenary meeting held in Beijing"]
    assert _titles(db, "CNCA-C01-01:2024") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    # all terms: both spellings of the standard; a quoted phrase: only the one with the space
    assert len(_titles(db, "GB/T 19001-2016")) == 2
    # One standard however it is spaced: the quoted form finds `GB/T19001-2016` too.
    assert len(_titles(db, '"GB/T 19001-2016"')) == 2
    assert _titles(db, '"GB/T 19001-2017"') == [] and _titles(db, "19001-2016 plenary") == []


def test_chinese_substrings_long_and_short(db: Database) -> None:
    assert _titles(db, "有效性抽查") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    assert _titles(db, "认证") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]  # 2 characters: LIKE
    assert _titles(db, "证") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    assert _titles(db, "抽查 CCC 6月") == [
        "关于开展2024年度CCC认证证书有效性抽查工作的通知"
    ]  # mixed lengths, all required
    assert _titles(db, "抽查 ISO") == []


def test_plain_input_is_never_fts_syntax(db: Database) -> None:
    for text in ['"unbalanced', "a OR", "NEAR(", "*", "ISO/TC 292 -", "(CCC", "C++", "50%_off", "title:x", "^ISO"]:
        search(db, SearchQuery(text))  # no syntax error
    assert _titles(db, "ISO OR CCC") == []  # OR is a word here, and no document has it with both
    assert _titles(db, "(CCC") == _titles(db, "CCC")  # punctuation only separates words, never syntax


def test_explicit_fts_syntax_stays_available(db: Database) -> None:
    assert len(_titles(db, '"CCC" OR "ISO/TC"', fts=True)) == 2
    with pytest.raises(SearchError, match="syntax"):
        search(db, SearchQuery('"unbalanced', fts=True))
    assert fts_words('"ISO/TC" OR NEAR(abc def) title:x') == ["ISO/TC", "abc", "def", "title", "x"]


def test_site_since_limit_and_ranking(db: Database) -> None:
    assert _titles(db, "2016", site="cqc-en") == ["CQC Attended the 2023 China SME Development Conference"]
    assert _titles(db, "2016", since="2024-01-01") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    assert len(_titles(db, "2016", limit=1)) == 1
    # a match in the title ranks above a match in the body only
    assert _titles(db, "ISO")[0] == "ISO/TC 292 plenary meeting held in Beijing"


def test_only_current_versions_are_indexed(db: Database) -> None:
    url = "https://www.cspress.cn/Web/c_1/d_0528.htm"
    edited = Article(url=url, title="TC 292 met", published=date(2018, 3, 29), paragraphs=("Renamed to TC292.",))
    record(db, "cspress", edited, Fetch(T2))
    assert _titles(db, "IEC 62368-1") == []  # only the old version said it
    assert _titles(db, "Renamed") == ["TC 292 met"]
    reverted_title, body, published, _ = DOCS[url]
    record(db, "cspress", Article(url=url, title=reverted_title, published=published, paragraphs=(body,)), Fetch(T2))
    assert _titles(db, "IEC 62368-1") == [reverted_title] and _titles(db, "Renamed") == []
    assert db.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')") is not None


def test_snippet_is_one_line_marks_matches_and_cuts_no_word() -> None:
    body = "First paragraph about nothing.\n\n" + "word " * 60 + "the CCC mark applies.\n\nSecond " + "tail " * 60
    runs = snippet(body, ["ccc"], width=80)
    text = "".join(t for t, _ in runs)
    assert "\n" not in text and [t for t, hit in runs if hit] == ["CCC"]
    inner = text.strip("…")
    assert all(piece in {"word", "the", "CCC", "mark", "applies.", "Second", "tail", ""} for piece in inner.split(" "))
    assert marked(runs, "[", "]").count("[CCC]") == 1


def test_plain_terms() -> None:
    assert plain_terms('GB/T 19001-2016 "ISO/TC 292" 认证') == ["GB/T", "19001-2016", "ISO/TC 292", "认证"]
    assert plain_terms('"open') == ["open"]


def test_index_text_splits_letters_from_digits_exactly_where_the_zero_width_rule_says() -> None:
    # The index's deletes re-compute the text it indexed, so the spacing must never change:
    # the digit-run splitter is checked against the rule it replaced, on random mixed text.
    import random
    import re

    from store.searchtext import index_text

    rule = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
    cjk = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
    rng = random.Random(7)
    alphabet = "aZ09 -/é中文ｱ７"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        spaced = cjk.sub(lambda run: f" {' '.join(run.group(0))} ", text)
        assert index_text(text) == rule.sub(" ", spaced), text
    assert index_text("GB/T19001-2016 C01认证") == "GB/T 19001-2016 C 01 认 证 "


def test_migration_replaces_the_index_over_every_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m004_search_current")
    assert old["versions_fts"].exists()
    old.close()
    db = open_db(path)  # written by an older newswatch: no articles yet, then a crawl adds them
    db.close()
    old = Database(path)
    assert not old["versions_fts"].exists()
    assert not [t for t in old.triggers if t.table == "versions" and "fts" in t.name]  # others index sites
    old.close()


def test_migration_indexes_existing_articles(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m004_search_current")
    old.conn.execute("PRAGMA foreign_keys=OFF")
    for i, (url, (title, body, _published, site)) in enumerate(DOCS.items(), start=1):
        old.execute(
            "INSERT INTO articles (id, key, url, site, first_seen, last_seen, last_checked, current_version_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [i, url, url, site, T1, T1, T1, i],
        )
        old.execute(
            "INSERT INTO versions (id, article_id, fingerprint, title, body, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
            [i, i, f"fp{i}", title, body, T1],
        )
    old.close()
    db = open_db(path)
    assert _titles(db, "CCC") == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    db.close()
    assert len(search(open_readonly(path), SearchQuery("2016"))) == 2  # read-only stores search too


def test_search_command(cli: Cli) -> None:
    cli("crawl", "cqc-en", "cqc-zh", "cspress")
    found = cli("search", "CCC")
    assert "关于开展2024年度CCC认证证书有效性抽查工作的通知" in found.stdout and "[CCC]" in found.stdout
    lines = [json.loads(line) for line in cli("search", "ISO/TC", "292", "--json").stdout.splitlines()]
    assert lines and lines[0]["title"] == "ISO/TC 292 plenary meeting held in Beijing"
    assert "[ISO/TC]" in lines[0]["snippet_marked"] and "\n" not in lines[0]["snippet"]
    assert cli("search", "认证", "--site", "cspress").stdout == ""
    assert "1 result(s)" in cli("search", "抽查").stderr
    assert cli("search", '"unbalanced').returncode == 0  # plain input: no syntax to get wrong
    bad = cli("search", "--fts", '"unbalanced', check=False)
    assert bad.returncode == 1 and "Error: cannot search" in bad.stderr
    unknown = cli("search", "x", "--site", "nope", check=False)
    assert unknown.returncode == 1 and "no site named 'nope'" in unknown.stderr
