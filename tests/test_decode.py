"""Charsets: header, BOM, <meta>, GB family with and without declaration, mislabelled pages."""

from __future__ import annotations

import codecs

from crawler.extract import extract
from crawler.extract.decode import decode

TEXT = "中国质量认证中心召开年度工作会议，部署全年认证工作任务。"


def _page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>标题</title></head><body><h1>标题</h1><p>{TEXT}</p></body></html>"


def test_gbk_declared_by_meta() -> None:
    page = _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
    assert TEXT in decode(page)


def test_gbk_undeclared() -> None:
    assert TEXT in decode(_page().encode("gb18030"))


def test_header_charset_wins_over_nothing() -> None:
    assert TEXT in decode(_page().encode("gbk"), "text/html; charset=GBK")


def test_utf8_bom() -> None:
    assert TEXT in decode(codecs.BOM_UTF8 + _page().encode("utf-8"))


def test_utf16_bom() -> None:
    assert TEXT in decode(codecs.BOM_UTF16_LE + _page().encode("utf-16-le"))


def test_mislabelled_utf8_declared_as_gbk() -> None:
    page = _page('<meta charset="gbk">').encode("utf-8")
    # UTF-8 bytes of Chinese text are not valid GBK as a whole; detection must recover.
    assert TEXT in decode(page)


def test_latin1_label_on_utf8_bytes() -> None:
    page = _page('<meta charset="iso-8859-1">').replace(TEXT, "Größe café naïve").encode("utf-8")
    assert "Größe café naïve" in decode(page)


def test_unknown_charset_name_does_not_crash() -> None:
    page = _page('<meta charset="x-no-such-charset">').encode("utf-8")
    assert TEXT in decode(page)


def test_extract_reads_gbk_title() -> None:
    assert extract(_page().encode("gbk"), "http://x/a.html").title == "标题"


def test_header_says_utf8_but_bytes_are_gbk() -> None:
    page = _page().encode("gbk")
    assert TEXT in decode(page, "text/html; charset=utf-8")
