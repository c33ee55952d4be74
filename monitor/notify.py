"""Short notifications of each digest through Apprise (ntfy, mail, WeCom, DingTalk, JSON webhooks, ...)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from .digest import Digest
from .render import headline

logger = logging.getLogger(__name__)
RETRY_DELAYS = (1.0, 3.0)  # seconds before the 2nd and 3rd try
_ITEMS_SHOWN = 5


def _apprise():  # type: ignore[no-untyped-def]
    # Apprise imports the standard library's deprecated imghdr on Python < 3.13; that warning
    # is theirs, not ours, and must not turn into an error under `python -W error`.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        with contextlib.suppress(ImportError):
            importlib.import_module("imghdr")
    return importlib.import_module("apprise")


@dataclass(frozen=True)
class Sent:
    """How sending to one target went."""

    target: str  # the URL with secrets masked
    ok: bool
    tries: int
    error: str | None = None


def summary_message(digest: Digest, link: str | None) -> tuple[str, str]:
    """(title, body): the counts, the first few titles per section and where to read the digest."""
    title = f"newswatch: {headline(digest)} — {digest.label}"
    lines = []
    for name, items in (("New", digest.new), ("Edited", digest.edited), ("Gone", digest.gone)):
        for item in items[:_ITEMS_SHOWN]:
            lines.append(f"{name}: [{digest.title_of(item.site)}] {item.title or item.url}")
        if len(items) > _ITEMS_SHOWN:
            lines.append(f"{name}: … and {len(items) - _ITEMS_SHOWN} more")
    lines += [f"Started watching {b.site}: {b.articles} articles" for b in digest.baselines]
    if digest.attention:
        lines.append(f"Needs attention: {len(digest.attention)}")
    if link:
        lines.append(f"Digest: {link}")
    return title, "\n".join(lines) or "Nothing new."


def send(urls: Sequence[str], title: str, body: str, delays: Sequence[float] = RETRY_DELAYS) -> list[Sent]:
    """Send one message to every URL, each tried up to len(delays) + 1 times; one result per URL."""
    apprise = _apprise()
    results = []
    for url in urls:
        target = apprise.Apprise()
        if not target.add(url):
            results.append(Sent(_mask(url), False, 0, "not a URL Apprise understands (check its scheme)"))
            continue
        shown = target[0].url(privacy=True).split("?", 1)[0]
        error = None
        for attempt in range(len(delays) + 1):
            if attempt:
                time.sleep(delays[attempt - 1])
            with apprise.LogCapture(level=logging.WARNING) as log:
                ok = bool(target.notify(title=title, body=body))
            if ok:
                results.append(Sent(shown, True, attempt + 1))
                break
            error = _last_line(log.getvalue()) or "the service did not accept the message"
            logger.warning("notify %s: try %d failed: %s", shown, attempt + 1, error)
        else:
            results.append(Sent(shown, False, len(delays) + 1, error))
    return results


def _mask(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('@')[-1].split('/')[0]}/…" if rest else url


def _last_line(text: str) -> str:
    lines = [line.split(" - ", 2)[-1].strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
