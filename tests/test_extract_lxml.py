"""html.py walks lxml's own tree; BeautifulSoup (soup.py) reads what libxml2 refuses. Both must read a page alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import extract
from crawler.extract.core import page_text
from crawler.extract.html import blocks_of, cut_markup, parse
from crawler.extract.meta import Meta, read_meta
from crawler.extract.soup import soup_tree

PAGES = sorted((Path(__file__).parent / "golden" / "pages").glob("*/*.html"))
PROSE = "".join(
    f"<p>Paragraph {i} of the article says something long enough to count as prose for the extractor.</p>"
    for i in range(6)
)


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>A title</title>{head}</head><body>{body}</body></html>"


EDGES = {
    "xml declaration": '<?xml version="1.0" encoding="utf-8"?>\n' + page("<h1>Headline</h1>" + PROSE),
    "ruby": page(
        "<h1>見出しの記事</h1><p>東京<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字<rt><b>じ</b></rt></ruby>の記事です。</p>"
    ),
    "comments": page("<p><a href='/a'>Split <!-- unclosed comment"),
    "processing instruction": page("<p>Before <?php echo 1; ?> after, and <![CDATA[cdata]]> too.</p>"),
    "links": page(
        "<p><a href='/a.pdf'>Rule <b>one</b>.pdf</a> <a href='#x'>top</a> <a href='/c'>a<a href='/d'>b</a></a></p>"
    ),
    "breaks and emphasis": page(
        "<div>one<br>two <b>bold<br>bold</b><font size='+4'>big</font></div><td class='title'>t</td>"
    ),
    "hidden and chrome": page(
        "<div hidden>h</div><div aria-hidden='true'>a</div><nav>n</nav><div class='share'>s</div>"
    ),
    "no body": "<html><head><title>Only a head</title><meta name='description' content='x'></head></html>",
    "frameset": "<html><frameset><frame src='a'><noframes>No frames here.</noframes></frameset></html>",
    "text only": "just some text, no markup at all but a <b>bold</b> word",
    "attributes lxml refuses": page("<div :authors='x' @click='y' class='story'><h1>Headline</h1></div>"),
    "dropped elements": page("<template>t</template><noscript>n</noscript><select><option>o</option></select>x"),
    "teaser articles": page("<article><h2>Teaser</h2></article><article><h1>Main</h1>" + PROSE + "</article>"),
}


def _read(tree: object) -> tuple[list[object], Meta]:
    return blocks_of(tree), read_meta(tree)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_golden_pages_read_alike_by_lxml_and_beautifulsoup(path: Path) -> None:
    text = page_text(path.read_bytes())
    assert text is not None
    assert _read(parse(text)) == _read(soup_tree(cut_markup(text)))


@pytest.mark.parametrize("name", list(EDGES))
def test_odd_markup_reads_alike_by_lxml_and_beautifulsoup(name: str) -> None:
    text = EDGES[name]
    assert _read(parse(text)) == _read(soup_tree(cut_markup(text)))


def test_a_page_deeper_than_libxml2_builds_is_read_whole_by_beautifulsoup() -> None:
    # libxml2 stops at 2,048 levels and drops the rest of the page; BeautifulSoup takes any depth.
    deep = "<div>" * 3000 + "<p>Deep text of the article.</p>" + "</div>" * 3000
    html = page("<h1>Headline of a deep page</h1>" + deep + PROSE)
    article = extract(html, "https://e.com/a")
    assert article.title == "Headline of a deep page"
    assert article.paragraphs[0] == "Deep text of the article."
    assert len(article.paragraphs) == 7


def test_ruby_readings_are_not_text() -> None:
    blocks = blocks_of(parse(EDGES["ruby"]))
    assert [b.text for b in blocks] == ["見出しの記事", "東京漢字の記事です。"]


def test_link_text_is_counted_per_text_node() -> None:
    # Each run of text counts without the spaces at its ends, as BeautifulSoup's strings did.
    blocks = blocks_of(parse(page("<p><a href='/a'>one <span></span> two</a> three</p>")))
    assert blocks[0].text == "one two three"
    assert blocks[0].link_chars == len("one") + len("two")


@pytest.mark.parametrize(
    ("markup", "cut"),
    [
        ("<script>a</scriptx></script >b", " b"),
        ("<script>if (a<b) x()</script\n>c", " c"),
        (
            '<script type="application/ld+json">{"a": 1}</script>',
            '<script type="application/ld+json">{"a": 1}</script>',
        ),
        ("<!-- a -- b --->x<!-->y-->z", " x z"),
        ("<!--->x-->", " "),
        ("x<script>never closed", "x "),  # runs to the end of the page, as a browser reads it
        ("x<!-- never closed <p>text</p>", "x "),
        ("<style>a</style>b<STYLE>c</StYlE >", " b "),
        ("<svg><svg></svg>after</svg>", " after</svg>"),
        ("<!-- <script> -->x</script>", " x</script>"),
        ("<script>'<!--'</script>y-->", " y-->"),
    ],
)
def test_what_is_never_text_is_cut_up_to_its_first_end_tag(markup: str, cut: str) -> None:
    assert cut_markup(markup) == cut


def test_an_xml_declaration_does_not_stop_the_parse() -> None:
    article = extract(EDGES["xml declaration"].encode("utf-8"), "https://e.com/a")
    assert article.title == "Headline" and len(article.paragraphs) == 6
