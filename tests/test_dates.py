"""Date lines in English and Chinese, URL dates, metadata dates."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.extract.dates import date_from_url, parse_date_line, parse_meta_date


@pytest.mark.parametrize(
    ("line", "published", "origin"),
    [
        ("Public Time:2020-11-23 Origin:中国质量认证中心", date(2020, 11, 23), "中国质量认证中心"),
        ("China Standardization 2022-04-05", date(2022, 4, 5), "China Standardization"),
        ("Time:2018/3/29 13:30:52 From:", date(2018, 3, 29), None),
        ("Date : 2021-06-04 Source : CMES SHIPPING", date(2021, 6, 4), "CMES SHIPPING"),
        ("发布时间 2009-04-21 00:00", date(2009, 4, 21), None),
        ("发布时间 2022-11-02 15:20 来源：杭州分中心", date(2022, 11, 2), "杭州分中心"),
        ("发稿时间:2016-04-22来源:集团董事办 【 字体:大 中 小】", date(2016, 4, 22), "集团董事办"),
        ("2020年11月23日", date(2020, 11, 23), None),
        ("29 March 2018", date(2018, 3, 29), None),
        ("10/11/2021 10:43:36 AM", date(2021, 10, 11), None),
    ],
)
def test_date_lines(line: str, published: date, origin: str | None) -> None:
    found = parse_date_line(line)
    assert found is not None
    assert (found.published, found.origin) == (published, origin)


@pytest.mark.parametrize(
    "line",
    [
        "The meeting was held on 29 March 2018 in Beijing and more than 100 people attended it.",
        "Homepage / Favorites / 中文版",
        "发布时间",
        "2022 China EMC Week",
    ],
)
def test_prose_and_chrome_are_not_date_lines(line: str) -> None:
    assert parse_date_line(line) is None


def test_url_dates() -> None:
    assert date_from_url("https://www.cqc.com.cn/www/english/c/2020-11-23/595351.shtml") == date(2020, 11, 23)
    assert date_from_url("https://example.com/2024/05/03/story.html") == date(2024, 5, 3)
    assert date_from_url("https://www.cspress.cn/News/107.html") is None
    assert date_from_url("https://example.com/2024-13-45/x") is None


def test_meta_dates_keep_the_publishers_day() -> None:
    assert parse_meta_date("2024-05-01T23:30:00-04:00") == date(2024, 5, 1)
    assert parse_meta_date("Mon, 06 May 2024 10:00:00 GMT") == date(2024, 5, 6)
    assert parse_meta_date("not a date") is None
