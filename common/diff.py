"""Differences between two versions of a text: words for Latin script, characters for Chinese.

The token diff is diff-match-patch's (Myers' O(ND) with a time bound), run over tokens
mapped to single characters, so a long article costs about its length, not its square.
`hunks` gives each change inside its whole sentence as it was and as it is (the digest);
`token_ops` gives every token (the web view's side-by-side and inline diffs).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

# A Latin word or number, standard codes kept whole (GB/T, 19001-2016, CNCA-C01-01:2024,
# 3.5); one CJK character; a paragraph break; other whitespace; one punctuation mark.
_WORD = r"[^\W\u3400-\u9fff\uf900-\ufaff]+"
_TOKEN = re.compile(rf"{_WORD}(?:[./:-]{_WORD})*|[\u3400-\u9fff\uf900-\ufaff]|\n\s*\n\s*|\s+|[^\w\s]")
_END = frozenset(".!?;。！？；")
_SOFT = frozenset(",，、:：")  # where a long sentence may be cut without splitting a term
_CONTEXT_CHARS = 160  # at most this much unchanged text either side, cut at a word or a comma
_MAX_CHANGE_CHARS = 600  # a longer removed or added run is shortened in the digest (not in the web view)
_TIMEOUT_SECONDS = 0.5  # per field: a rewritten article gets a coarser diff, never a slow one
ALGORITHM = "dmp-sentence-1"  # bump when hunks change shape: cached diffs of another algorithm are not reused

EQUAL, REMOVED, ADDED = "=", "-", "+"


@dataclass(frozen=True)
class Hunk:
    """One change in its sentence: runs of (op, text) with op "=", "-" or "+"."""

    segments: tuple[tuple[str, str], ...]
    cut_before: bool = False  # the sentence goes on before the first run
    cut_after: bool = False

    @property
    def old(self) -> str:
        """The passage as it was."""
        return "".join(text for op, text in self.segments if op != ADDED)

    @property
    def new(self) -> str:
        """The passage as it is."""
        return "".join(text for op, text in self.segments if op != REMOVED)

    @property
    def removed(self) -> str:
        """Every removed run, joined."""
        return " ".join(text for op, text in self.segments if op == REMOVED)

    @property
    def added(self) -> str:
        """Every added run, joined."""
        return " ".join(text for op, text in self.segments if op == ADDED)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the passage before and after, and the runs that make the change."""
        return {
            "old": self.old,
            "new": self.new,
            "removed": self.removed,
            "added": self.added,
            "segments": [list(s) for s in self.segments],
            "cut_before": self.cut_before,
            "cut_after": self.cut_after,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Hunk:
        """The inverse of to_dict."""
        segments = tuple((str(op), str(text)) for op, text in data["segments"])  # type: ignore[attr-defined]
        return cls(segments, bool(data["cut_before"]), bool(data["cut_after"]))


def tokens(text: str) -> list[str]:
    """Words, CJK characters, whitespace and punctuation: joined, they are the text."""
    return _TOKEN.findall(text or "")


def token_ops(old: str, new: str) -> list[tuple[str, str]]:
    """Every token of old and new as (op, token): '=' in both, '-' only in old, '+' only in new."""
    a, b = tokens(old), tokens(new)
    codes: dict[str, str] = {}

    def encode(seq: list[str]) -> str:
        # One private character per distinct token, skipping the surrogate range.
        out = []
        for token in seq:
            if token not in codes:
                n = len(codes) + 1
                codes[token] = chr(n if n < 0xD800 else n + 0x800)
            out.append(codes[token])
        return "".join(out)

    ea, eb = encode(a), encode(b)
    decode = {code: token for token, code in codes.items()}
    engine = diff_match_patch()
    engine.Diff_Timeout = _TIMEOUT_SECONDS
    ops: list[tuple[str, str]] = []
    for op, chars in engine.diff_main(ea, eb, False):
        sign = EQUAL if op == 0 else REMOVED if op < 0 else ADDED
        ops += [(sign, decode[c]) for c in chars]
    return _join_spaced_changes(ops)


def _join_spaced_changes(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`old words` → `new terms` reads as one change, not two split by an unchanged space."""
    out = list(ops)
    for i in range(1, len(out) - 1):
        op, text = out[i]
        if op == EQUAL and text.isspace() and "\n" not in text and out[i - 1][0] != EQUAL and out[i + 1][0] != EQUAL:
            out[i] = ("~", text)  # in both sides, inside a change
    merged: list[tuple[str, str]] = []
    for op, text in out:
        for sign in (REMOVED, ADDED) if op == "~" else (op,):
            merged.append((sign, text))
    return sorted_runs(merged)


def sorted_runs(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Within each change, removed tokens before added ones, adjacent runs of one op joined."""
    out: list[tuple[str, str]] = []
    pending: dict[str, list[str]] = {REMOVED: [], ADDED: []}

    def flush() -> None:
        for sign in (REMOVED, ADDED):
            if pending[sign]:
                out.append((sign, "".join(pending[sign])))
                pending[sign] = []

    for op, text in ops:
        if op == EQUAL:
            flush()
            if out and out[-1][0] == EQUAL:
                out[-1] = (EQUAL, out[-1][1] + text)
            else:
                out.append((EQUAL, text))
        else:
            pending[op].append(text)
    flush()
    return out


def hunks(old: str, new: str) -> list[Hunk]:
    """Each change with its whole sentence around it (long sentences cut at a word or a comma)."""
    # Unchanged text as single tokens, so context can stop at any word or sentence edge.
    runs = [(op, t) for op, text in token_ops(old, new) for t in ([text] if op != EQUAL else tokens(text))]
    changes = [i for i, (op, _) in enumerate(runs) if op != EQUAL]
    if not changes:
        return []
    result: list[Hunk] = []
    group = [changes[0]]
    for index in changes[1:]:
        between = "".join(text for _, text in runs[group[-1] + 1 : index])
        if _sentence_break(between) or len(between) > _CONTEXT_CHARS:
            result.append(_hunk(runs, group[0], group[-1]))
            group = [index]
        else:
            group.append(index)
    result.append(_hunk(runs, group[0], group[-1]))
    return result


def _sentence_break(text: str) -> bool:
    return "\n" in text or any(
        c in _END and (i + 1 == len(text) or not text[i + 1].isalnum()) for i, c in enumerate(text)
    )


def _hunk(runs: list[tuple[str, str]], first: int, last: int) -> Hunk:
    left, cut_before = _context([t for _, t in runs[:first]][::-1], reverse=True)
    right, cut_after = _context([t for _, t in runs[last + 1 :]], reverse=False)
    middle = [(op, _shorten(text) if op != EQUAL else text) for op, text in runs[first : last + 1]]
    segments = [(EQUAL, left)] if left else []
    segments += middle
    if right:
        segments.append((EQUAL, right))
    return Hunk(tuple(segments), cut_before, cut_after)


def _context(toks: list[str], reverse: bool) -> tuple[str, bool]:
    """Unchanged tokens next to a change, up to the sentence's edge; True when cut short.

    A long sentence is cut only where no term is split: at a space or a comma; Chinese text
    without one for three times the budget is the only case cut at a bare character.
    """
    taken: list[str] = []
    size = 0
    last_soft = 0  # how many tokens were taken at the last place a cut splits no term
    for token in toks:
        if "\n" in token or (reverse and token in _END):
            return _join(taken, reverse), False
        taken.append(token)
        size += len(token)
        if not reverse and token in _END:
            return _join(taken, reverse), False
        if token.isspace() or token in _SOFT:
            last_soft = len(taken)
        if size > _CONTEXT_CHARS and (last_soft or size > 3 * _CONTEXT_CHARS):
            return _join(taken[: last_soft or len(taken)], reverse), True
    return _join(taken, reverse), False


def _join(taken: list[str], reverse: bool) -> str:
    text = "".join(taken[::-1] if reverse else taken)
    return text.lstrip(" ,，、:：\t") if reverse else text.rstrip()


def _shorten(text: str) -> str:
    if len(text) <= _MAX_CHANGE_CHARS:
        return text
    half = _MAX_CHANGE_CHARS // 2
    return f"{text[:half]} … {text[-half:]}"


def field_diffs(old: dict[str, object], new: dict[str, object], fields: list[str]) -> dict[str, list[Hunk]]:
    """Diffs of the named fields of two version rows."""
    return {name: hunks(str(old.get(name) or ""), str(new.get(name) or "")) for name in fields}


DIFF_FIELDS = ("title", "published", "origin", "body")


def versions_diff(old: dict[str, object], new: dict[str, object]) -> str:
    """The diff of every field of two version rows as the store keeps it (JSON, this ALGORITHM)."""
    diffs = field_diffs(old, new, list(DIFF_FIELDS))
    return json.dumps({k: [h.to_dict() for h in v] for k, v in diffs.items()}, ensure_ascii=False)
