"""The web view in a real browser: headless Chromium follows digest → diff → article → diff at phone
and desktop widths, and the screenshots show Chinese text and the diff marks.

Needs Debian's chromium, chromium-driver and fonts-noto-cjk (.ci/run installs them). Without
them the test is skipped with the reason, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from .desk import Desk

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WIDTHS = {"phone": 390, "desktop": 1280}


def _missing() -> str | None:
    """What the browser test lacks on this machine, if anything."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    if not shutil.which("fc-list"):
        return "fc-list is missing (apt-get install fontconfig)"
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        return "no font with Chinese glyphs (apt-get install fonts-noto-cjk)"
    return None


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium through chromedriver, offline: Selenium never downloads a driver."""
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test cannot run in CI: {missing}")
        pytest.skip(f"no browser test here: {missing}")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="newswatch-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", f"--user-data-dir={profile}"):  # fmt: skip
            options.add_argument(arg)
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        try:
            yield driver
        finally:
            driver.quit()


def _width(driver, pixels: int) -> None:  # type: ignore[no-untyped-def]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": pixels, "height": 1400, "deviceScaleFactor": 1, "mobile": pixels < 600},
    )


def _png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _css_color(value: str) -> tuple[int, int, int]:
    numbers = value[value.index("(") + 1 : value.index(")")].split(",")
    return int(numbers[0]), int(numbers[1]), int(numbers[2])


def _assert_marked(driver, tag: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """The mark exists in the DOM, and its pixels show its background colour (it is visible)."""
    from selenium.webdriver.common.by import By

    marks = [m for m in driver.find_elements(By.CSS_SELECTOR, f"section.inline {tag}") if m.text == text]
    assert marks, f"no <{tag}>{text}</{tag}> on {driver.current_url}"
    background = _css_color(marks[0].value_of_css_property("background-color"))
    image = _png(marks[0].screenshot_as_png)
    colours = image.getcolors(maxcolors=1 << 20) or []
    near = sum(n for n, px in colours if all(abs(p - b) < 12 for p, b in zip(px, background, strict=True)))
    assert near > image.width * image.height * 0.3, (tag, background, near, image.size)


def _assert_page_shot(image: Image.Image, width: int) -> None:
    assert image.width == width
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "the screenshot is nearly blank"


def _assert_chinese_ink(driver) -> None:  # type: ignore[no-untyped-def]
    """The Chinese title is in the DOM and drawn: dark pixels in its box, no empty space."""
    from selenium.webdriver.common.by import By

    heading = driver.find_element(By.CSS_SELECTOR, "h1[lang=zh]")
    assert "有效性抽查" in heading.text
    histogram = _png(heading.screenshot_as_png).convert("L").histogram()
    background = max(range(256), key=histogram.__getitem__)
    ink = sum(n for level, n in enumerate(histogram) if abs(level - background) > 80)
    assert ink > 200, f"the Chinese heading shows {ink} ink pixels"


def test_digest_to_article_to_diff_at_phone_and_desktop_width(desk: Desk, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    shots = Path(os.environ.get("NEWSWATCH_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    driver = browser
    for name, width in WIDTHS.items():
        _width(driver, width)
        driver.get(desk.base + "/digest")
        assert "Edited (2)" in driver.find_element(By.TAG_NAME, "main").text
        driver.save_screenshot(str(shots / f"digest-{name}.png"))
        _assert_page_shot(Image.open(shots / f"digest-{name}.png"), width)
        zh_item = driver.find_element(By.CSS_SELECTOR, "article[lang=zh]")
        assert "至6月" in zh_item.find_element(By.CSS_SELECTOR, "p.was").text
        zh_item.find_element(By.LINK_TEXT, "diff").click()  # digest → diff
        driver.find_element(By.PARTIAL_LINK_TEXT, "all versions").click()  # → the article
        assert "Versions (2)" in driver.find_element(By.TAG_NAME, "main").text
        driver.find_element(By.PARTIAL_LINK_TEXT, "diff with v").click()  # → the diff of its two versions
        assert "/diff?a=" in driver.current_url
        _assert_chinese_ink(driver)
        _assert_marked(driver, "del", "6")  # one Chinese-text character, marked on its own
        _assert_marked(driver, "ins", "8")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the diff page scrolls sideways at {width} px"
        driver.save_screenshot(str(shots / f"diff-{name}.png"))
        _assert_page_shot(Image.open(shots / f"diff-{name}.png"), width)
