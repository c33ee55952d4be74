"""Site chrome recognised by its text: the lines no article ever means to say."""

from __future__ import annotations

import re
from functools import lru_cache

_CHROME_LINE = re.compile(
    "|".join(
        [
            r"^(?:home\s*page|homepage|home|首页|返回首页|网站首页|back to top|top|返回顶部)$",
            r"^(?:your\s+position|current\s+position|location|you are here|当前位置|您的位置|所在位置)\s*[:：]",
            r"^(?:首页|home)\s*[>»›/]",
            r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]\s*ICP\s*[备证]",
            r"ICP\s*[备证]\s*\d",
            r"公网安备",
            r"【\s*(?:打印|关闭|关闭窗口|打印本页|收藏|返回顶部)\s*】",
            r"^\W*(?:打印本页|关闭窗口|打印|关闭)\W*$",
            r"字体\s*[:：]?\s*【?\s*大\s*】?\s*【?\s*中\s*】?\s*【?\s*小",
            r"^(?:上一篇|下一篇|上一条|下一条|previous|next)(?:\s*(?:article|post|news))?\s*[:：]",
            r"浏览次数|点击次数|阅读次数|访问次数|^浏览\s*[:：]?\s*\d*\s*次?$|^(?:views?|hits)\s*[:：]\s*\d+$",
            r"当前音量",
            r"^\W*(?:copyright|版权所有|all rights reserved)|(?:©|\(c\)|copyright)\s*(?:19|20)\d{2}|版权所有",
            r"all rights reserved",
            r"^\d{1,3}$",  # bare-number image captions
            r"^(?:share|share this|share on|分享到|分享)\s*[:：]?$",
            r"^(?:print|close|print this page|close window|email this)$",
            r"^(?:this (?:site|website) uses cookies|we use cookies)",
            r"^(?:hot spots|hot news|related news|related articles|recommended|热点|热点新闻|相关新闻|相关阅读|推荐阅读)\s*[:：]?$",
            # photo credits and captions, reading times
            r"^(?:fotos?|photos?|bild(?:er)?|image|credits?|legende|caption|quelle)\s*[:：]",
            r"^(?:lesedauer|lesezeit|reading time)\b|^\d+\s*(?:min(?:ute)?s?\.?\s*read|minuten?\s*lesezeit)$",
            r"^(?:introduction of website|exception clause|site map|sitemap|contact us|about us|联系我们|网站地图|关于我们)(?:\s*[/|]\s*\S.*)?$",
        ]
    ),
    re.I,
)
# A line of short items separated by " / " or " | ": a row of header or footer links.
_LINK_ROW_SEP = re.compile(r"\s+[/|｜]\s+")
_SENTENCE_END = re.compile(r"[.!?。！？;；]$")
BOX_HEADINGS = re.compile(
    r"^(?:hot spots|hot news|related news|related articles|recommended|latest news|热点|热点新闻|相关新闻|相关阅读|推荐阅读|最新动态)\s*[:：]?$",
    re.I,
)


def is_chrome_line(text: str) -> bool:
    """True when a line of page text is site chrome rather than article text.

    Lines are remembered: a page's candidate headlines are asked about several times, a site's
    menus and footers on every page, and the pattern tries each of its branches at every
    character. Longer texts are never chrome by pattern and are not kept.
    """
    return _is_chrome_line(text) if len(text) <= _CACHED_LINE else _chrome_line(text)


_CACHED_LINE = 300


@lru_cache(maxsize=4096)
def _is_chrome_line(text: str) -> bool:
    return _chrome_line(text)


def _chrome_line(text: str) -> bool:
    text = text.strip()
    if not text:
        return True
    if len(text) < 200 and _CHROME_LINE.search(text):
        return True
    return is_link_row(text)


def is_link_row(text: str) -> bool:
    """'Homepage / Favorites / 中文版' and the like: several short labels in a row."""
    if len(text) > 100 or _SENTENCE_END.search(text):
        return False
    items = _LINK_ROW_SEP.split(text)
    if len(items) < 2:
        return False
    return all(0 < len(item.split()) <= 4 and len(item) <= 30 for item in items)


def is_breadcrumb(text: str) -> bool:
    """True for 'Your Position:Home > News >' or '首页> 机构动态>中心要闻' (lines remembered, as above)."""
    return _is_breadcrumb(text) if len(text) <= _CACHED_LINE else _breadcrumb(text)


@lru_cache(maxsize=4096)
def _is_breadcrumb(text: str) -> bool:
    return _breadcrumb(text)


def _breadcrumb(text: str) -> bool:
    text = text.strip()
    if re.match(r"^(?:your\s+position|当前位置|您的位置|所在位置|location)\s*[:：]", text, re.I):
        return True
    parts = re.split(r"\s*[>»›]\s*", text)
    return len(parts) >= 2 and len(text) < 120 and all(len(p) <= 25 for p in parts)
