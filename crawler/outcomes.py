"""Every request for a page has exactly one outcome: its verb, counted once, with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from common.urls import url_key


class Verb(StrEnum):
    """What one page's request came to (urlwatch style: one verb per observation)."""

    NEW = "new"
    EDITED = "edited"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "304"  # a re-check answered Not Modified: also unchanged
    MISSING = "missing"  # a re-check answered 404/410
    FAILED = "failed"  # no usable answer: the reason says why
    SKIPPED = "skipped"  # not fetched on purpose: robots.txt, the page limit, the crawl stopping
    SENT = "sent"  # read whole and sent to the writer, which stores it and counts new, edited or unchanged


# The verbs that mean the site answered: a crawl whose pages all failed answered nothing.
ANSWERED = frozenset({Verb.NEW, Verb.EDITED, Verb.UNCHANGED, Verb.NOT_MODIFIED, Verb.MISSING})


@dataclass(frozen=True)
class PageOutcome:
    """How one page's request ended."""

    verb: Verb
    url: str
    key: str | None = None  # the article's URL key; None for a listing page
    status: int | None = None  # the HTTP status, when there was an answer
    reason: str | None = None  # why it failed or was skipped
    title: str | None = None
    store_error: bool = False  # the page was read, but the store could not be written
    file_of: str | None = None  # for an attachment's request: the key of its article


class StoreWriteError(Exception):
    """The store could not record a page (disk full, locked past the busy timeout)."""


def file_key(article_key: str, url: str) -> str:
    """The ledger key of one attachment's request (one outcome per article and file)."""
    return f"file {article_key} {url_key(url)}"
