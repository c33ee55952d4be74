"""The Article record: what the extraction core returns for one page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Attachment:
    """A document the article links to (a rules PDF, a form): its link text and absolute URL."""

    text: str
    url: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"text": self.text, "url": self.url}


@dataclass(frozen=True)
class Article:
    """The fields of one news article, as read from one page."""

    url: str
    title: str | None = None
    published: date | None = None
    origin: str | None = None
    paragraphs: tuple[str, ...] = field(default_factory=tuple)
    language: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    @property
    def body(self) -> str:
        """The body paragraphs joined by a blank line."""
        return "\n\n".join(self.paragraphs)

    @property
    def is_empty(self) -> bool:
        """True when the page held no article text at all."""
        return not self.paragraphs

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields (dates as ISO strings)."""
        return {
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "origin": self.origin,
            "language": self.language,
            "body": self.body,
            "attachments": [attachment.to_dict() for attachment in self.attachments],
        }
