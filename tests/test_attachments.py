"""Attachments: the documents an article links to, kept with their lines in the body."""

from __future__ import annotations

import pytest

from crawler.extract import extract
from crawler.extract.attachments import is_document_link
from crawler.extract.blocks import Link

BODY = (
    "<p>The certification body published new implementation rules for household appliances today, "
    "covering safety, energy efficiency and the labelling of products sold online.</p>"
    "<p>Manufacturers will have twelve months to adapt their products and documentation, and existing "
    "certificates stay valid until they are renewed.</p>"
)


def page(article: str, footer: str = "") -> str:
    return (
        "<html><head><title>New rules - Example</title></head><body>"
        f"<div class='main'><h1>New rules</h1>{BODY}{article}</div>"
        f"<div class='footer'>{footer}</div></body></html>"
    )


@pytest.mark.parametrize(
    ("href", "text", "document"),
    [
        ("/files/rules.pdf", "Rules", True),
        ("/files/RULES.DOCX", "Rules", True),
        ("/files/form.xlsx?v=2", "Form", True),
        ("/files/%E8%A7%84%E5%88%99.wps", "规则", True),
        ("/download.jsp?id=12", "CNCA-C01-01:2024 实施规则.pdf", True),
        ("/files/list.ofd", "名单", True),
        ("/files/all.7z", "All", True),
        ("/news/2024/0308.html", "Another story", False),
        ("/download.jsp?id=12", "Download", False),
    ],
)
def test_document_links_by_path_or_by_the_name_shown(href: str, text: str, document: bool) -> None:
    assert is_document_link(Link(text, href)) is document


def test_attachment_lines_stay_in_the_body_and_give_absolute_urls() -> None:
    html = page(
        '<p>附件：<a href="/up/2024/CNCA-C01-01-2024.pdf">CNCA-C01-01:2024 实施规则.pdf</a></p>'
        '<p>Attachment: <a href="form.docx">Application form.docx</a></p>'
        '<p>Again: <a href="/up/2024/CNCA-C01-01-2024.pdf">the rules</a></p>'
    )
    article = extract(html, "https://www.example.cn/news/2024/a.html")
    assert "附件：CNCA-C01-01:2024 实施规则.pdf" in article.paragraphs
    assert "Attachment: Application form.docx" in article.paragraphs
    assert [(a.text, a.url) for a in article.attachments] == [
        ("CNCA-C01-01:2024 实施规则.pdf", "https://www.example.cn/up/2024/CNCA-C01-01-2024.pdf"),
        ("Application form.docx", "https://www.example.cn/news/2024/form.docx"),
    ]
    assert article.to_dict()["attachments"][1] == {
        "text": "Application form.docx",
        "url": "https://www.example.cn/news/2024/form.docx",
    }


def test_downloads_in_the_footer_and_script_links_are_not_the_articles() -> None:
    html = page(
        "<p>See <a href=\"javascript:open('x.pdf')\">the rules.pdf</a> online.</p>",
        footer='<a href="/brochure.pdf">Company brochure.pdf</a> <a href="/prices.xlsx">Prices.xlsx</a>',
    )
    assert extract(html, "https://www.example.cn/news/a.html").attachments == ()


def test_a_link_with_a_broken_port_is_no_attachment_and_no_canonical() -> None:
    """`:8O80` (a letter O) makes urllib raise ValueError; the article must still be read and stored."""
    from store.record import fingerprint

    html = page(
        '<p>附件：<a href="http://www.example.cn:8O80/up/rules.pdf">rules.pdf</a></p>'
        '<p>Attachment: <a href="/up/form.docx">form.docx</a></p>'
    ).replace("<head>", '<head><link rel="canonical" href="https://www.example.cn:99999/news/a.html">')
    article = extract(html, "https://www.example.cn/news/2024/a.html")
    assert [a.url for a in article.attachments] == ["https://www.example.cn/up/form.docx"]
    assert article.url == "https://www.example.cn/news/2024/a.html"
    assert "附件：rules.pdf" in article.paragraphs  # the line stays in the body
    assert len(fingerprint(article)) == 64
