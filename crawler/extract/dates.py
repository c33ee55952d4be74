"""Dates: from date lines in English and Chinese, from metadata strings and from URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from dateutil import parser as dateutil_parser

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"

# Each pattern names year, month and day; the order of the list is the order tried.
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(
        rf"(?<![\w])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?P<mon>{_MONTH_RE})\.?,?\s+(?P<y>(?:19|20)\d{{2}})(?!\d)",
        re.I,
    ),
    re.compile(
        rf"(?<![\w])(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})(?!\d)",
        re.I,
    ),
    # 10/11/2021 10:43:36 AM, 12. 29. 2020, 29.03.2018: day/month order decided below
    re.compile(r"(?<![\d.])(?P<a>\d{1,2})\s*(?P<sep>[/.])\s*(?P<b>\d{1,2})\s*[/.]\s*(?P<y>(?:19|20)\d{2})(?!\d)"),
]

_YEAR = re.compile(r"(?:19|20)\d{2}")

_LABEL = (
    r"(?:public\s*time|publish(?:ed|ing)?(?:\s*(?:time|date|on))?|release(?:d)?(?:\s*(?:time|date|on))?"
    r"|posted(?:\s*on)?|date|time|发布时间|发布日期|发稿时间|发表时间|发表日期|日期|时间|更新时间)"
)
_LABELED_LINE = re.compile(rf"^\W*{_LABEL}\s*[:：]?\s*(?=\S)", re.I)
_ORIGIN = re.compile(
    r"(?:origin|source|from|来源|稿源|出处|信息来源)\s*[:：]\s*(?P<origin>.*?)\s*"
    r"(?=$|【|\[|\||\s{2,}|(?:author|editor|作者|编辑|责任编辑|浏览|点击|阅读|views?|hits)\s*[:：]?)",
    re.I,
)
# "China Standardization 2022-04-05": a source name, a space, an ISO date, no label.
_BYLINE = re.compile(rf"^(?P<origin>[^\d:：|/]{{2,60}}?)\s+(?P<date>(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}{_TIME})$")
_BARE_DATE = re.compile(r"^[\W\d\sA-Za-z年月日:：.,/-]*$")
# Date lines are short; a long line that holds a date is prose.
_MAX_DATE_LINE = 160


@dataclass(frozen=True)
class DateLine:
    """A page's own publication line: its date and, when given, the origin."""

    published: date
    origin: str | None
    bare: bool = False  # only a date, no label or source: under a headline, or a notice's signed date


def find_date(text: str) -> date | None:
    """The first plausible calendar date written anywhere in text."""
    if _YEAR.search(text) is None:
        return None  # every pattern holds a year: most lines of a page are ruled out at once
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            found = _to_date(match)
            if found:
                return found
    return None


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    year = int(groups["y"])
    if groups.get("mon"):
        month, day = _MONTHS[groups["mon"].lower().rstrip(".")], int(groups["d"])
    elif groups.get("a"):
        a, b = int(groups["a"]), int(groups["b"])
        if groups["sep"] == "/" or b > 12:
            month, day = (a, b) if a <= 12 else (b, a)  # US order unless impossible
        else:
            month, day = (b, a)  # 29.03.2018: European order
    else:
        month, day = int(groups["m"]), int(groups["d"])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date_line(line: str) -> DateLine | None:
    """Read a publication line such as 'Public Time:2020-11-23 Origin:…' or '发布时间 2009-04-21'."""
    line = " ".join(line.split())
    if not line or len(line) > _MAX_DATE_LINE:
        return None
    labeled = _LABELED_LINE.match(line) is not None
    byline = None if labeled else _BYLINE.match(line)
    if byline:
        found = find_date(byline.group("date"))
        return DateLine(found, byline.group("origin").strip()) if found else None
    found = find_date(line)
    if found is None:
        return None
    origin = _origin(line)
    if labeled or origin is not None or _ORIGIN_LABEL.search(line):
        return DateLine(found, origin)
    if _is_bare_date(line):
        return DateLine(found, None, bare=True)
    return None


_ORIGIN_LABEL = re.compile(r"(?:origin|source|from|来源)\s*[:：]", re.I)


def _origin(line: str) -> str | None:
    match = _ORIGIN.search(line)
    if not match:
        return None
    origin = match.group("origin").strip(" :：-|")
    return origin or None


def _is_bare_date(line: str) -> bool:
    """True for a line that is only a date and time, such as '10/11/2021 10:43:36 AM'."""
    if not _BARE_DATE.match(line):
        return False
    words = re.findall(r"[A-Za-z]+", line)
    return all(w.lower().rstrip(".") in _MONTHS or w.lower() in {"am", "pm", "st", "nd", "rd", "th"} for w in words)


_URL_DATE = [
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-/_]?(?P<m>\d{2})[-/_]?(?P<d>\d{2})(?=[/_.-]|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"[/_-](?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
]


def date_from_url(url: str) -> date | None:
    """The date a URL's path carries, such as /c/2020-11-23/595351.shtml."""
    for pattern in _URL_DATE:
        match = pattern.search(url)
        if match:
            found = _to_date(match)
            if found:
                return found
    return None


def parse_meta_date(value: str) -> date | None:
    """The calendar date of a metadata timestamp, as the publisher wrote it (no zone shift)."""
    value = value.strip()
    if not value or len(value) > 80:
        return None
    try:
        parsed: datetime = dateutil_parser.parse(value, fuzzy=False, ignoretz=True)
    except (ValueError, OverflowError, TypeError):
        return find_date(value)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.date()
