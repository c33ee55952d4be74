"""Word-level differences between two versions of a text (CJK compared character by character)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Latin words, single CJK characters (Chinese has no spaces between words), punctuation.
_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+|\s+|[^\w\s]")
_CONTEXT_TOKENS = 12


@dataclass(frozen=True)
class Hunk:
    """One change: what was removed, what was added, and a little text either side."""

    before: str
    removed: str
    added: str
    after: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"before": self.before, "removed": self.removed, "added": self.added, "after": self.after}


def word_diff(old: str, new: str) -> list[Hunk]:
    """The changed runs of words between old and new, with context."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    hunks = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Context stops at a paragraph break: the words around a change, not the next paragraph.
        before = "".join(a[max(0, i1 - _CONTEXT_TOKENS) : i1]).rsplit("\n\n", 1)[-1]
        after = "".join(a[i2 : i2 + _CONTEXT_TOKENS]).split("\n\n", 1)[0]
        hunks.append(Hunk(before.lstrip(), "".join(a[i1:i2]), "".join(b[j1:j2]), after.rstrip()))
    return hunks


def field_diffs(old: dict[str, object], new: dict[str, object], fields: list[str]) -> dict[str, list[Hunk]]:
    """Word diffs of the named fields of two version rows."""
    return {name: word_diff(str(old.get(name) or ""), str(new.get(name) or "")) for name in fields}
