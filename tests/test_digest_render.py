"""Digest rendering in every format, with hostile scraped content, and its delivery."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from crawler.config import Config, EmailConfig, MonitorConfig
from crawler.extract import Article
from monitor.delivery import EmailDelivery, FileDelivery
from monitor.digest import build_digest
from monitor.feed import build_feed
from monitor.html import render_html
from monitor.render import render
from store import open_db, record
from store.record import Fetch

EVIL_TITLE = '<script>alert("x")</script> <b>Bold</b> & [link](javascript:alert(1))'
EVIL_URL = "javascript:alert(document.cookie)"
GOOD_URL = "https://www.cqc.com.cn/www/english/c/2020-11-23/595351.shtml"


def _article(url: str, title: str, body: str) -> Article:
    return Article(url=url, title=title, published=date(2020, 11, 23), origin="<i>CQC</i>", paragraphs=(body,))


@pytest.fixture
def digest(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = open_db(tmp_path / "d.db")
    t1, t2 = "2026-01-01T00:00:00.000+00:00", "2026-01-02T00:00:00.000+00:00"
    record(db, "cqc-en", _article(GOOD_URL, "Carbon rules", "The old <b>text</b> about carbon."), Fetch(t1))
    record(db, "cqc-en", _article(GOOD_URL, "Carbon rules", "The new <b>text</b> about carbon."), Fetch(t2))
    record(db, "cqc-en", _article(EVIL_URL, EVIL_TITLE, "Body with <img src=x onerror=alert(1)> inside."), Fetch(t2))
    result = build_digest(db, t2, "2026-01-03T00:00:00.000+00:00", "test <day>")
    result.attention = ["cqc-en: <script>bad()</script> failed"]
    yield result, db
    db.close()


def test_html_escapes_everything_and_links_only_http(digest) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    page = render_html(result)
    assert "<script>" not in page and "<img" not in page and "<b>Bold" not in page and "<i>CQC" not in page
    assert "&lt;script&gt;alert" in page
    assert (
        'href="javascript:' not in page and "javascript:alert(document" not in page.split("<body>")[1].split("href")[0]
    )
    assert f'href="{GOOD_URL}"' in page
    assert '<meta name="viewport"' in page and "<style>" in page and "<link " not in page  # self-contained
    assert "<del>old</del>" in page and "<ins>new</ins>" in page


def test_markdown_escapes_and_links_only_http(digest) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    md = render(result, "markdown")
    assert "<script>" not in md and "\\<script\\>" in md
    assert "](javascript:" not in md and "(<javascript:" not in md
    assert f"(<{GOOD_URL}>)" in md
    assert "~~old~~**new**" in md


def test_a_page_supplied_url_cannot_break_out_of_a_link(tmp_path: Path) -> None:
    db = open_db(tmp_path / "u.db")
    sneaky = "https://www.cqc.com.cn/a\"><script>x()</script> (y) 'z'>"
    at = "2026-01-01T00:00:00.000+00:00"
    record(db, "cqc-en", _article(sneaky, "T", "Body."), Fetch(at))
    result = build_digest(db, at, "2026-01-02T00:00:00.000+00:00", "day")
    md = render(result, "markdown")
    link = md.split("](<", 1)[1].split(">)", 1)[0]
    assert not set(link) & set("<>\"' ()\n"), link
    html = render_html(result)
    assert "<script>" not in html and '"><' not in html.split("<body>")[1]
    db.close()


def test_json_keeps_the_text_as_data(digest) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    data = json.loads(render(result, "json"))
    assert data["new"][0]["title"] == EVIL_TITLE  # JSON is data: exact, and valid JSON
    assert data["needs_attention"] == ["cqc-en: <script>bad()</script> failed"]


def test_text_digest_lists_sections(digest) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    text = render(result, "text")
    assert "NEEDS ATTENTION" in text and "NEW (1)" in text and "EDITED (1)" in text
    # the whole changed sentence, not a fixed number of words around the change
    assert "body: The [-old-]{+new+} <b>text</b> about carbon.\n" in text


def test_feed_is_valid_atom_with_one_entry_per_version(digest) -> None:  # type: ignore[no-untyped-def]
    _, db = digest
    atom = build_feed(db, Config(Path("sites.toml"), (), MonitorConfig(feed_url="urn:newswatch:test")))
    root = ET.fromstring(atom)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 3  # new, new, edited: every version its own entry
    ids = {e.find("a:id", ns).text for e in entries}  # type: ignore[union-attr]
    assert len(ids) == 3
    assert b"<script>" not in atom
    links = [link.get("href") for e in entries for link in e.findall("a:link", ns)]
    assert EVIL_URL not in links and GOOD_URL in links


def test_watchlist_marks_matches(digest) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    result.apply_watchlist(["Carbon", "CCC"])
    assert result.new[0].watch == [] and result.edited[0].watch == ["Carbon"]
    assert "★ [Carbon] Carbon rules" in render(result, "text")
    assert "★ Carbon" in render(result, "html")


def test_file_delivery_writes_markdown_and_html(digest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    written = FileDelivery(tmp_path / "out").deliver(result, "2026-01-02")
    names = sorted(p.name for p in written)
    assert names == ["digest-2026-01-02.html", "digest-2026-01-02.md", "latest.html", "latest.md"]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


def test_email_reaches_a_local_smtp_server(digest) -> None:  # type: ignore[no-untyped-def]
    result, _ = digest
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = EmailConfig(
            host="127.0.0.1", port=port, tls="none", sender="nw@example.org", to=("analyst@example.org",)
        )
        EmailDelivery(settings).deliver(result)
    finally:
        controller.stop()
    (message,) = inbox.messages
    assert b"Subject: newswatch: 1 new, 1 edited" in message
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    html_part = parsed.get_body(("html",))
    text_part = parsed.get_body(("plain",))
    assert html_part is not None and text_part is not None
    assert "<script>" not in html_part.get_content() and "&lt;script&gt;" in html_part.get_content()
    assert "CQC" in text_part.get_content()


def test_email_logs_in_with_the_environment_credentials(digest, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """[monitor.email] without username/password: NEWSWATCH_SMTP_USERNAME/PASSWORD are used when sending."""
    result, _ = digest
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False)
    monkeypatch.setenv("NEWSWATCH_SMTP_USERNAME", "newswatch")
    monkeypatch.setenv("NEWSWATCH_SMTP_PASSWORD", "s3cret")
    controller.start()
    try:
        settings = EmailConfig(host="127.0.0.1", port=port, tls="none", sender="nw@example.org", to=("a@example.org",))
        EmailDelivery(settings).deliver(result)
    finally:
        controller.stop()
    assert logins == [(b"newswatch", b"s3cret")] and len(inbox.messages) == 1


def test_control_characters_from_a_page_reach_no_digest_format(tmp_path: Path) -> None:
    """`&#1;` in a title, an ESC in a body: XML refuses the one (the feed failed, and with it every
    later delivery), a terminal obeys the other. No format passes them on; JSON escapes them."""
    db = open_db(tmp_path / "d.db")
    at = "2026-01-02T00:00:00.000+00:00"
    record(
        db, "cqc-en", _article(GOOD_URL, "Carbon\x01 rules", "The \x1b[31mnew\x1b[0m text\x0b about carbon."), Fetch(at)
    )
    result = build_digest(db, at, "2026-01-03T00:00:00.000+00:00", "test day")
    controls = [chr(c) for c in [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]
    for fmt in ("text", "markdown", "html"):
        out = render(result, fmt)
        assert "Carbon rules" in out and not any(c in out for c in controls), fmt
    assert json.loads(render(result, "json"))["new"][0]["title"] == "Carbon\x01 rules"  # data kept, escaped
    atom = build_feed(db, Config(Path("sites.toml"), (), MonitorConfig(feed_url="urn:newswatch:test")))
    title = ET.fromstring(atom).find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
    assert title is not None and title.text == "New: Carbon rules"
