"""The sample sites' HTML: three different templates, as the real sites' markup is unknown."""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any

PAGE_SIZE = 4
# Which server each site lives on, and its listing root.
SITE_HOST = {"cqc-en": "cqc", "cqc-zh": "cqc", "cspress": "cspress"}
LISTING_ROOT = {"cqc-en": "/www/english/", "cqc-zh": "/www/chinese/", "cspress": "/News/"}
LISTING_TITLE = {
    "cqc-en": "News - China Quality Certification Centre",
    "cqc-zh": "中心要闻-中国质量认证中心",
    "cspress": "News - China Standardization",
}


def listing_path(site: str, page: int) -> str:
    """Path of a listing page: the root for page 0, then index_N."""
    root = LISTING_ROOT[site]
    if page == 0:
        return root
    return f"{root}index_{page}.{'html' if site == 'cspress' else 'shtml'}"


def _linked(article: dict[str, Any], text: str) -> str:
    """A paragraph's markup, the name of an attached document linked to its file."""
    html = escape(text)
    for attachment in article.get("attachments", []):
        name = escape(attachment["text"])
        html = html.replace(name, f'<a href="{escape(attachment["path"])}" target="_blank">{name}</a>')
    return html


def _paragraphs_html(article: dict[str, Any], indent: str = "") -> list[str]:
    """Paragraph markup with images and their bare-number captions, and <br>-joined pairs."""
    paras = [_linked(article, p) for p in article["paragraphs"]]
    for first, second in article.get("br_pairs", []):
        paras[first] = f"{paras[first]}<br>\n{paras[second]}"
        paras[second] = ""
    out = []
    for i, text in enumerate(paras):
        if text:
            out.append(f'<p style="text-indent:2em">{indent}{text}</p>')
        if i + 1 in article["images"]:
            n = article["images"].index(i + 1) + 1
            out.append(f'<p style="text-align:center"><img src="/img/{n}.jpg" alt=""></p>')
            out.append(f'<p style="text-align:center">{n}</p>')
    return out


def cqc_en_article(article: dict[str, Any], chrome: dict[str, str]) -> str:
    """CQC English: div layout, no <h1>, 'Public Time:… Origin:…' line, the site's name as every <title>."""
    dateline = ""
    if article["dateline"]:
        dateline = (
            f'<div class="detail_time">{escape(article["dateline"]).replace(" Origin:", "&nbsp;&nbsp;Origin:")}</div>'
        )
    body = "\n".join(_paragraphs_html(article))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>China Quality Certification Centre</title>
<meta name="keywords" content="CQC, certification"><link rel="stylesheet" href="/css/en.css"></head>
<body>
<div class="top"><div class="wrap"><a href="/www/english/">Homepage</a> / <a href="javascript:void(0)">Favorites</a> / <a href="/www/chinese/">中文版</a></div></div>
<div class="banner"><img src="/img/banner_en.jpg" alt=""></div>
<div class="main wrap"><div class="detail">
<div class="detail_title">{escape(article["title"])}</div>
{dateline}
<div class="detail_con"><div class="TRS_Editor">
{body}
</div></div></div></div>
<div class="foot"><a href="/www/english/intro.shtml">Introduction of Website</a> / <a href="/www/english/exception.shtml">Exception Clause</a>
<p>{escape(chrome["footer_en"])}</p></div>
</body></html>"""


def cqc_zh_article(article: dict[str, Any], chrome: dict[str, str]) -> str:
    """CQC Chinese: table layout, GBK, <br>-separated paragraphs, print/close and prev/next links,
    the site's name as every <title>."""
    meta = ""
    if article["charset"] == "declared":
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    video = '<div class="player"><span>当前音量 100%</span></div>' if article["video"] else ""
    lines = []
    for i, text in enumerate(article["paragraphs"]):
        lines.append(f"&nbsp;&nbsp;&nbsp;&nbsp;{_linked(article, text)}<br>")
        if i + 1 in article["images"]:
            lines.append('<center><img src="/img/zh1.jpg"></center><center>1</center>')
    dateline = escape(article["dateline"] or "").replace(" 来源", "&nbsp;&nbsp;&nbsp;来源")
    return f"""<html><head>{meta}<title>中国质量认证中心</title></head>
<body>
<table width="1000" align="center"><tr><td class="logo"><img src="/img/logo.gif"></td>
<td><a href="/www/chinese/">首页</a> | <a href="/www/col1/index.shtml">机构概况</a> | <a href="/www/col601/index.shtml">机构动态</a> | <a href="/www/col3/index.shtml">认证服务</a> | <a href="/www/english/">English</a></td></tr></table>
<table width="1000" align="center"><tr><td class="dqwz">首页&gt; 机构动态&gt;中心要闻</td></tr></table>
<table width="1000" align="center"><tr><td>
{video}
<table width="100%">
<tr><td class="bt" align="center"><strong>{escape(article["title"])}</strong></td></tr>
<tr><td class="sj" align="center">{dateline}</td></tr>
<tr><td class="ll" align="center">浏览<span id="hits"></span></td></tr>
<tr><td class="nr">
{"".join(lines)}
</td></tr>
<tr><td align="right">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</td></tr>
<tr><td>上一篇：<a href="/www/chinese/c/2022-01-05/600001.shtml">中心开展2022年新年慰问活动</a></td></tr>
<tr><td>下一篇：<a href="/www/chinese/c/2022-01-06/600002.shtml">中心召开安全生产工作会议</a></td></tr>
</table></td></tr></table>
<table width="1000" align="center" class="bottom"><tr><td>{escape(chrome["footer_zh"])}<br>京公网安备 11010502030144号</td></tr></table>
</body></html>"""


def cspress_article(article: dict[str, Any], chrome: dict[str, str]) -> str:
    """cspress.cn: HTML5 with <h1>, a 'Hot Spots' box, a byline without labels, one <title> for every page."""
    if article.get("layout") == "2018":
        return _cspress_2018(article)
    section = "Magazine" if article["path"].startswith("/Magazine/") else "News"
    body = "\n".join(_paragraphs_html(article))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>China Standardization</title>
<link rel="canonical" href="{escape(article["path"])}"></head>
<body>
<div class="header"><div class="logo">China Standardization</div>
<div class="beian"><a href="http://www.beian.gov.cn/">京公网安备 11011402011482号</a></div>
<ul class="menu"><li><a href="/">Home</a></li><li><a href="/News/">News</a></li><li><a href="/Magazine/">Magazine</a></li><li><a href="/About/">About Us</a></li></ul></div>
<div class="hotspots"><h4>Hot Spots</h4><a href="/Topic/featured.html">{escape(chrome["hot_spot"])}</a></div>
<div class="location">Your Position:<a href="/">Home</a> &gt; <a href="/{section}/">{section}</a> &gt;</div>
<article class="news-detail">
<h1>{escape(article["title"])}</h1>
<div class="info">{escape(article["dateline"])}</div>
<div class="text">
{body}
</div>
</article>
<div class="foot"><a href="/">Home Page</a></div>
</body></html>"""


def _cspress_2018(article: dict[str, Any]) -> str:
    paras = "".join(f"<div>{escape(p)}</div>" for p in article["paragraphs"])
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>China Standardization</title></head>
<body><table width="980"><tr><td>China Standardization</td><td><a href="/">Home</a> | <a href="/News/">News</a></td></tr></table>
<table width="980"><tr><td class="tit"><h2>{escape(article["title"])}</h2></td></tr>
<tr><td class="date">{escape(article["dateline"])}</td></tr>
<tr><td class="content">{paras}</td></tr></table>
<table width="980"><tr><td>Copyright © China Standardization Press. All rights reserved.</td></tr></table>
</body></html>"""


RENDERERS = {"cqc-en": cqc_en_article, "cqc-zh": cqc_zh_article, "cspress": cspress_article}


def listing(site: str, items: list[dict[str, Any]], page: int, pages: int) -> str:
    """A listing page with links to articles and numbered pagination."""
    rows = "\n".join(
        f'<li><a href="{escape(a["path"])}" title="{escape(a["title"])}">{escape(a["title"])}</a><span>{a["published"]}</span></li>'
        for a in items
    )
    nav = " ".join(
        f'<a href="{listing_path(site, p)}">{p + 1}</a>' if p != page else f"<b>{p + 1}</b>" for p in range(pages)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(LISTING_TITLE[site])}</title></head>
<body><div class="top"><a href="{LISTING_ROOT[site]}">Homepage</a></div>
<ul class="list">{rows}</ul><div class="page">{nav}</div></body></html>"""


def document(path: str, size: int, revision: int) -> bytes:
    """An attached document's bytes: a PDF-looking file of `size` bytes, different for each revision."""
    head = f"%PDF-1.4\n% newswatch sample document {path} revision {revision}\n".encode()
    filler = hashlib.sha256(head).hexdigest().encode() * (size // 64 + 1)
    return (head + filler)[:size]
