"""Changes of an article's attached documents, as a digest tells them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class AttachmentChange:
    """A document added to or removed from an article, or replaced by another file."""

    kind: str  # "changed", "added" or "removed"
    text: str
    url: str
    size_before: int | None = None
    size_after: int | None = None

    @property
    def name(self) -> str:
        """The document's file name (from its URL), else its link text."""
        name = unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])
        return name or self.text

    def describe(self) -> str:
        """'attachment changed: CNCA-C01-01-2024.pdf (212 KB → 236 KB)', 'attachment added: …'."""
        line = f"attachment {self.kind}: {self.name}"
        if self.kind == "changed" and self.size_before is not None and self.size_after is not None:
            line += f" ({_kb(self.size_before)} → {_kb(self.size_after)})"
        return line

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "name": self.name,
            "text": self.text,
            "url": self.url,
            "size_before": self.size_before,
            "size_after": self.size_after,
        }


def attachment_changes(
    before: dict[str, Any], after: dict[str, Any], edits: list[dict[str, Any]]
) -> list[AttachmentChange]:
    """What happened to the documents between two versions and in the window's edit events."""
    old = {a["url"]: a["text"] for a in json.loads(before.get("attachments") or "[]")}
    new = {a["url"]: a["text"] for a in json.loads(after.get("attachments") or "[]")}
    changes = [AttachmentChange("added", text, url) for url, text in new.items() if url not in old]
    changes += [AttachmentChange("removed", text, url) for url, text in old.items() if url not in new]
    first: dict[str, dict[str, Any]] = {}  # per document: the file before the window's first change
    last: dict[str, dict[str, Any]] = {}  # ... and after its last one
    for edit in edits:
        for file in json.loads(edit.get("details") or "[]"):
            first.setdefault(file["url"], {**file["before"], "text": file["text"]})
            last[file["url"]] = {**file["after"], "text": file["text"]}
    for url, was in first.items():
        now = last[url]
        if was["sha256"] != now["sha256"]:  # a file put back as it was is no change
            changes.append(AttachmentChange("changed", now["text"], url, was["size"], now["size"]))
    return changes


def _kb(size: int) -> str:
    return f"{size / 1000:.0f} KB" if size >= 1000 else f"{size} B"
