"""HTML of generated sites: two templates with the chrome real news sites carry, and listing pages.

Every page has a header with a large navigation menu, breadcrumbs, a "Hot Spots" / related
box, a share bar, previous/next links and a footer with link groups and ICP lines, so pages
weigh what real ones do and the extractor has boilerplate to discard.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape

PER_PAGE = 20  # links per listing page
WINDOW = 4  # pagination links either side of the current page

# Section: (listing root, listing file name, page suffix).
SECTIONS = {"cqc": ("/www/english/", "index.shtml", "shtml"), "cspress": ("/News/", "index.html", "html")}

_MENUS = [
    ("About CQC", ["Introduction", "Leadership", "Organization", "Branches", "History", "Contact Us", "Careers"]),
    ("News", ["CQC News", "Industry News", "Notices", "Media Reports", "Photo Gallery", "Videos"]),
    ("Certification", ["CCC", "Voluntary", "Energy Saving", "Low-carbon", "Green Products", "Services", "Systems"]),
    ("Testing", ["Laboratories", "Electrical Safety", "EMC", "Chemicals", "Automotive", "Photovoltaic"]),
    ("Standards", ["National Standards", "Industry Standards", "Group Standards", "Search", "Drafting"]),
    ("International", ["Cooperation", "Mutual Recognition", "IECEE CB", "Overseas Offices", "Events"]),
    ("Training", ["Courses", "Auditors", "Schedule", "Registration", "Materials", "FAQ", "Online Learning"]),
    ("Services", ["Certificate Query", "Online Application", "Fees", "Complaints", "Downloads", "Forms"]),
]
_FOOTER = [
    ("Government", ["SAMR", "CNCA", "SAC", "MIIT", "NDRC", "MEE"]),
    ("Partners", ["IECEE", "IQNet", "ISO", "IEC", "ILAC", "IAF", "APLAC"]),
    ("Site", ["Sitemap", "Introduction of Website", "Exception Clause", "Privacy", "Accessibility", "RSS"]),
]
_SCRIPT = (
    "<script>var _hmt=_hmt||[];(function(){var hm=document.createElement('script');"
    "hm.src='https://hm.example.invalid/hm.js?0a1b2c3d4e5f';var s=document.getElementsByTagName('script')[0];"
    "s.parentNode.insertBefore(hm,s);})();function setTab(n,i){for(var k=1;k<=n;k++){var m=document."
    "getElementById('tab'+k);if(m){m.className=k==i?'on':'';}}}</script>"
)


@dataclass(frozen=True)
class Article:
    """One generated article's identity; its body is generated when its page is written."""

    index: int
    section: str
    path: str
    title: str
    published: str  # YYYY-MM-DD
    chinese: bool


def listing_path(section: str, page: int) -> str:
    """Path of a listing page: the section root for page 0, then index_N."""
    root, _, suffix = SECTIONS[section]
    return root if page == 0 else f"{root}index_{page}.{suffix}"


def listing_file(section: str, page: int) -> str:
    """File that serves a listing page (the root is a directory index)."""
    root, index, _ = SECTIONS[section]
    return root + index if page == 0 else listing_path(section, page)


def _head(title: str, lang: str) -> str:
    links = "".join(f'<link rel="stylesheet" href="/css/{n}.css">' for n in ("reset", "common", "detail", "print"))
    scripts = "".join(f'<script src="/js/{n}.js"></script>' for n in ("jquery.min", "swiper.min", "common"))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<meta name="keywords" content="certification, quality, standards, testing, CCC, 认证, 标准">'
        '<meta name="description" content="News and notices on certification, testing and standards.">'
        f"{links}{scripts}{_SCRIPT}</head>\n"
    )


@cache  # the same for every page of a section: generated stores build a million pages
def _header(section: str) -> str:
    menus = "".join(
        f'<li class="nav-item"><a href="/www/english/col{m}/index.shtml">{escape(name)}</a><ul class="sub">'
        + "".join(
            f'<li><a href="/www/english/col{m}{s}/index.shtml">{escape(sub)}</a></li>' for s, sub in enumerate(subs)
        )
        + "</ul></li>"
        for m, (name, subs) in enumerate(_MENUS)
    )
    root = SECTIONS[section][0]
    return (
        '<div class="topbar"><div class="wrap"><a href="/www/english/">Homepage</a> / '
        '<a href="javascript:void(0)">Favorites</a> / <a href="/www/chinese/">中文版</a>'
        '<form class="search" action="/search/"><input type="text" name="q" placeholder="Search">'
        '<button type="submit">Search</button></form></div></div>\n'
        '<div class="header"><div class="logo"><a href="/"><img src="/img/logo.png" alt="logo"></a></div>'
        f'<ul class="nav">{menus}</ul></div>\n'
        f'<div class="location">Your Position: <a href="/">Home</a> &gt; <a href="{root}">News</a> &gt; Detail</div>\n'
    )


def _sidebar(related: list[Article]) -> str:
    hot = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in related[:5])
    more = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a><span>{a.published}</span></li>' for a in related[5:])
    return (
        '<div class="side"><div class="hotspots"><h4>Hot Spots</h4><ul>'
        f'{hot}<li><a href="/Topic/featured.html">2022 China EMC Week</a></li></ul></div>'
        f'<div class="related"><h4>Related News</h4><ul>{more}</ul></div>'
        '<div class="ad"><a href="/Topic/service.html"><img src="/img/ad1.jpg" alt="service"></a></div></div>\n'
    )


@cache
def _footer() -> str:
    groups = "".join(
        f"<dl><dt>{escape(name)}</dt>"
        + "".join(f'<dd><a href="/link/{escape(x)}.html">{escape(x)}</a></dd>' for x in links)
        + "</dl>"
        for name, links in _FOOTER
    )
    return (
        f'<div class="foot"><div class="links">{groups}</div>'
        "<p>Copyright © China Quality Certification Centre. All rights reserved. 版权所有：中国质量认证中心</p>"
        "<p>Address: No. 9, Madian Road, Haidian District, Beijing · Tel: +86-10-8888 6666</p>"
        '<p><a href="https://beian.miit.gov.cn/">京ICP备05053335号-1</a> · '
        '<a href="http://www.beian.gov.cn/">京公网安备 11010502030144号</a></p></div>\n'
        "</body></html>\n"
    )


def _dateline(article: Article) -> str:
    if article.section == "cspress":
        return f'<div class="info">China Standardization {article.published}</div>'
    if article.chinese:
        return f'<div class="detail_time">发布时间：{article.published}&nbsp;&nbsp;来源：中国质量认证中心</div>'
    return f'<div class="detail_time">Public Time:{article.published}&nbsp;&nbsp;Origin:中国质量认证中心</div>'


def article_page(article: Article, paragraphs: list[str], related: list[Article], images: set[int]) -> str:
    """An article page: chrome, title, dateline, body paragraphs, share bar, prev/next, footer."""
    body = []
    for i, text in enumerate(paragraphs):
        body.append(f'<p style="text-indent:2em">{escape(text)}</p>')
        if i in images:
            body.append(f'<p style="text-align:center"><img src="/img/{article.index}_{i}.jpg" alt=""></p>')
    heading = (
        f"<h1>{escape(article.title)}</h1>"
        if article.section == "cspress"
        else f'<div class="detail_title">{escape(article.title)}</div>'
    )
    prev_next = "".join(
        f'<p>{label}<a href="{a.path}">{escape(a.title)}</a></p>'
        for label, a in zip(("上一篇：", "下一篇："), related[:2], strict=False)
    )
    return (
        _head(f"{article.title}_CQC", "zh-CN" if article.chinese else "en")
        + "<body>\n"
        + _header(article.section)
        + '<div class="main wrap"><div class="content"><div class="detail">'
        + heading
        + _dateline(article)
        + '<div class="share">Share: <a href="javascript:void(0)">WeChat</a> <a href="javascript:void(0)">Weibo</a> '
        '<a href="javascript:window.print()">【打印】</a><a href="javascript:window.close()">【关闭】</a></div>\n'
        + '<div class="detail_con"><div class="TRS_Editor">\n'
        + "\n".join(body)
        + f'\n</div></div><div class="prevnext">{prev_next}</div></div></div>\n'
        + _sidebar(related)
        + "</div>\n"
        + _footer()
    )


def listing_page(section: str, page: int, pages: int, items: list[Article], related: list[Article]) -> str:
    """A listing page: chrome, PER_PAGE article links with dates, and a windowed pagination bar."""
    rows = "\n".join(
        f'<li><a href="{a.path}" title="{escape(a.title)}">{escape(a.title)}</a><span>{a.published}</span></li>'
        for a in items
    )
    numbers = " ".join(
        f"<b>{p + 1}</b>" if p == page else f'<a href="{listing_path(section, p)}">{p + 1}</a>'
        for p in range(max(0, page - WINDOW), min(pages, page + WINDOW + 1))
    )
    prev_link = f'<a href="{listing_path(section, page - 1)}">Prev</a> ' if page > 0 else ""
    next_link = f' <a href="{listing_path(section, page + 1)}">Next</a>' if page + 1 < pages else ""
    nav = (
        f'<a href="{listing_path(section, 0)}">First</a> {prev_link}{numbers}{next_link} '
        f'<a href="{listing_path(section, pages - 1)}">Last</a> <span>Page {page + 1} of {pages}</span>'
    )
    return (
        _head(f"News_{page + 1}_CQC", "en")
        + "<body>\n"
        + _header(section)
        + f'<div class="main wrap"><div class="content"><ul class="list">\n{rows}\n</ul>'
        + f'<div class="page">{nav}</div></div>\n'
        + _sidebar(related)
        + "</div>\n"
        + _footer()
    )
