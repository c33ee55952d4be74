"""Old versions' bodies kept as differences from a newer version: every text reads back exactly."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

from common.article import Article
from common.diff import ALGORITHM
from monitor.digest import stored_diffs
from store import open_db, record
from store.bodies import body, pack_site_bodies
from store.diffs import cached_diff
from store.queries import version, versions_of
from store.record import Fetch
from store.search import SearchQuery, search

from .conftest import REPO, Cli
from .desk import free_port, wait_until_up

URL = "https://www.cqc.com.cn/www/english/c/2024-01-05/1013.shtml"
WORDS = [
    "certification",
    "rules",
    "notice",
    "market",
    "product",
    "safety",
    "factory",
    "inspection",
    "audit",
    "label",
    "energy",
]


def _text(rng: random.Random) -> str:
    return "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(60)) + "." for _ in range(4))


def _edit(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    words[rng.randrange(len(words))] = rng.choice(["changed", "修订", "2025", "withdrawn"])
    return " ".join(words)


def _record(db, text: str, at: int) -> None:  # type: ignore[no-untyped-def]
    article = Article(url=URL, title="Notice", published=date(2024, 1, 5), paragraphs=tuple(text.split("\n\n")))
    record(db, "cqc-en", article, Fetch(f"2026-01-01T00:00:{at:02d}.000+00:00"))


def _check(db, history: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each version reads back as its own text (versions in the order their texts first
    appeared; a revert points back at an earlier one), and the current one is the latest."""
    article = db.execute("SELECT id, current_version_id FROM articles").fetchone()
    rows = sorted(versions_of(db, article[0]), key=lambda r: r["id"])
    bodies = [version(db, row["id"])["body"] for row in rows]
    assert bodies == list(dict.fromkeys(history))
    assert [row["body_chars"] for row in rows] == [len(b) for b in bodies]
    assert version(db, article[1])["body"] == history[-1]
    current = db.execute("SELECT body, body_z FROM versions WHERE id = ?", [article[1]]).fetchone()
    assert current[1] is None and current[0] == history[-1]  # the current body stays plain


def test_edits_and_reverts_read_back_every_body_exactly(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    rng = random.Random(5)
    text = _text(rng)
    history = []
    for step in range(40):
        # Now and then a revert to an earlier text: its (packed) version becomes current again.
        text = rng.choice(history) if history and rng.random() < 0.3 else _edit(rng, text)
        history.append(text)
        _record(db, text, step)
        _check(db, history)
    rows = db.execute("SELECT count(*), sum(length(body_z)) FROM versions WHERE body_z IS NOT NULL").fetchone()
    plain = len(text.encode("utf-8"))
    assert rows[0] >= 10 and rows[1] / rows[0] < plain / 10  # an edit of a word costs a few dozen bytes
    found = search(db, SearchQuery(" ".join(text.split(" ")[:3])))
    assert [h.article_id for h in found] == [1]  # the search index reads the current, plain body


def test_a_store_with_plain_old_bodies_is_packed_exactly(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    rng = random.Random(6)
    text = _text(rng)
    written = []
    for step in range(6):
        text = _edit(rng, text)
        written.append(text)
        _record(db, text, step)
    # As an older newswatch left them: every body plain.
    for (vid,) in db.execute("SELECT id FROM versions WHERE body_z IS NOT NULL").fetchall():
        plain = body(db, vid)
        db.execute("UPDATE versions SET body = ?, body_z = NULL, body_base = NULL WHERE id = ?", [plain, vid])
    assert pack_site_bodies(db, "cqc-en") == 5
    assert pack_site_bodies(db, "cqc-en") == 0  # idempotent
    assert [version(db, v)["body"] for (v,) in db.execute("SELECT id FROM versions ORDER BY id")] == written


def test_an_edit_down_to_a_few_characters_is_stored_and_reads_back(tmp_path: Path) -> None:
    """zstd takes no dictionary under 8 bytes: a current body such as "附件" keeps the old one plain."""
    db = open_db(tmp_path / "s.db")
    texts = [_text(random.Random(1)), "附件", "See PDF", _text(random.Random(2))]
    for step, text in enumerate(texts):
        _record(db, text, step)
        _check(db, texts[: step + 1])


def test_an_article_edited_over_a_thousand_times_reads_back(tmp_path: Path) -> None:
    """Each edit adds a link to the oldest body's chain of bases; it is read in a loop, not recursion."""
    db = open_db(tmp_path / "s.db")
    rng = random.Random(3)
    text = "A notice on the rules, revision 0. " + " ".join(rng.choice(WORDS) for _ in range(30))
    for step in range(1_100):
        text = text.replace(f"revision {step}.", f"revision {step + 1}.")
        _record(db, text, step % 60)
    oldest = db.execute("SELECT id FROM versions ORDER BY id LIMIT 1").fetchone()[0]
    assert body(db, oldest).startswith("A notice on the rules, revision 1. ")
    assert db.execute("SELECT count(*) FROM versions WHERE body_z IS NOT NULL").fetchone()[0] == 1_099


def test_bodies_unpacked_in_any_order_read_back_exactly(tmp_path: Path) -> None:
    """Bodies unpacked lately are kept to unpack the next one on the chain (history reads an
    article's versions one after another); more versions than are kept, in every order."""
    db = open_db(tmp_path / "s.db")
    rng = random.Random(8)
    text, written = _text(rng), []
    for step in range(150):
        text = _edit(rng, text)
        if not written or text != written[-1]:  # (an edit that changed nothing makes no version)
            written.append(text)
        _record(db, text, step % 60)
    ids = [v for (v,) in db.execute("SELECT id FROM versions ORDER BY id")]
    assert len(ids) > 64 * 2  # more than store.bodies keeps unpacked
    shuffled = ids[:]
    rng.shuffle(shuffled)
    for order in (ids[::-1], ids, shuffled, ids[::-1]):
        reader = open_db(tmp_path / "s.db")  # a fresh connection: nothing unpacked yet
        assert {v: body(reader, v) for v in order} == dict(zip(ids, written, strict=True))
        reader.close()


def test_a_damaged_packed_body_leaves_every_reader_working(tmp_path: Path) -> None:
    """A packed body whose bytes were damaged on disk makes its version (and the ones packed
    below it) unreadable: each reader says so for those versions and shows the others, instead
    of an article's history, an export, a digest or a web page failing whole."""
    db = open_db(tmp_path / "s.db")
    rng = random.Random(9)
    text, written = _text(rng), []
    for step in range(6):
        text = _edit(rng, text) + f" Step {step}."
        written.append(text)
        _record(db, text, step)
    ids = [v for (v,) in db.execute("SELECT id FROM versions ORDER BY id")]
    blob = db.execute("SELECT body_z FROM versions WHERE id = ?", [ids[2]]).fetchone()[0]
    damaged = bytes(b ^ 0x5A if i > 8 else b for i, b in enumerate(blob))
    db.execute("UPDATE versions SET body_z = ? WHERE id = ?", [damaged, ids[2]])
    db.conn.commit()
    db.close()
    cli = Cli(None, tmp_path / "s.db")
    lines = [line for line in cli("history", URL).stdout.splitlines() if line.startswith("  v")]
    assert ["body unreadable" in line for line in lines] == [True, True, True, False, False, False]
    rows = [json.loads(line) for line in cli("export", "--all-versions").stdout.splitlines()]
    assert [("body_error" in r, r["body"]) for r in rows] == [(True, "")] * 3 + [(False, t) for t in written[3:]]
    # The day's edits, merged from the first one's earlier version, which cannot be read.
    digest = json.loads(cli("digest", "--since", "2026-01-01T00:00:00.500+00:00", "--format", "json").stdout)
    assert [item["url"] for item in digest["edited"]] == [URL]
    # Its body has no diff (an unreadable text reads as "": everything would show as added),
    # and the digest says why.
    assert "body" not in digest["edited"][0]["diff"]
    (why,) = digest["edited"][0]["unreadable"]
    assert why.startswith(f"the text of v{ids[0]} cannot be read from the store (version {ids[0]}: its body cannot")
    text = cli("digest", "--since", "2026-01-01T00:00:00.500+00:00").stdout
    assert f"body: the text of v{ids[0]} cannot be read from the store" in text
    assert "Step 5" in cli("diff", URL).stdout  # the last edit's two texts are readable
    port = free_port()
    env = {**os.environ, "NEWSWATCH_DB": str(tmp_path / "s.db")}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "newswatch", "serve", "--port", str(port)], cwd=REPO, env=env, stdout=out, stderr=out
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server, log)
        with urllib.request.urlopen(f"{base}/article/1", timeout=30) as page:
            assert page.read().decode().count(">unreadable<") == 3
        with urllib.request.urlopen(f"{base}/article/1/diff?a={ids[1]}&b={ids[3]}", timeout=30) as page:
            assert f"The text of v{ids[1]} cannot be read from the store" in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
    # No diff is kept from an unreadable text, in a store a digest could write to.
    db = open_db(tmp_path / "s.db")
    before, after = version(db, ids[1], strict=False), version(db, ids[3], strict=False)
    assert "body" not in stored_diffs(db, before, after, ["body"])
    assert cached_diff(db, ids[1], ids[3], ALGORITHM) is None
    # The last edit from a text damaged since: `diff` says so instead of showing it all added.
    blob = db.execute("SELECT body_z FROM versions WHERE id = ?", [ids[4]]).fetchone()[0]
    db.execute("UPDATE versions SET body_z = ? WHERE id = ?", [bytes(b ^ 0x5A for b in blob), ids[4]])
    db.conn.commit()
    db.close()
    shown = cli("diff", URL).stdout
    assert f"body: the text of v{ids[4]} cannot be read from the store" in shown
    assert "Step 5" not in shown


def test_a_body_read_in_a_transaction_rolled_back_is_not_read_again(tmp_path: Path) -> None:
    """A version written and read inside a transaction that is then rolled back (a full disk
    at the commit, a writer's batch that failed) frees its id, which SQLite gives to the next
    version with another text: the same connection reads the new text, not the old one."""
    from store.db import write

    db = open_db(tmp_path / "s.db")
    rng = random.Random(11)
    first = _text(rng)
    texts = [first, _edit(rng, first)]
    for step, text in enumerate(texts):
        _record(db, text, step)
    gone = [_edit(rng, texts[-1]) + " Rolled back.", _edit(rng, texts[-1]) + " Also rolled back."]
    try:
        with write(db):
            for step, text in enumerate(gone, start=2):
                _record(db, text, step)
            assert [body(db, v) for (v,) in db.execute("SELECT id FROM versions ORDER BY id")] == [*texts, *gone]
            raise RuntimeError("the commit failed")
    except RuntimeError:
        pass
    texts.append(_edit(rng, texts[-1]) + " Stored.")
    _record(db, texts[-1], 5)  # takes the id of the first version rolled back
    ids = [v for (v,) in db.execute("SELECT id FROM versions ORDER BY id")]
    assert {v: body(db, v) for v in ids} == dict(zip(ids, texts, strict=True))
