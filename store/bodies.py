"""Old versions' bodies kept as differences from a newer one.

An edit changes a word or a sentence; the other versions of an article are nearly the same
text. The current version's body stays plain (search, the digest and every reader use it
as it is). A version that stops being current is packed with zstd against the version that
replaced it, as a raw dictionary — a few dozen bytes for a small edit. Reading a packed body
unpacks its base first; bases always point to a version that became current later, so the
chain ends at a plain body and never loops. A version that becomes current again (a revert)
is unpacked first. Every packing is checked to unpack to the exact text before it is kept.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

from sqlite_utils import Database

from .db import write
from .raw import zstd

_LEVEL = 10
_MIN_BASE = 8  # bytes: zstd refuses a shorter raw dictionary
_MAX_CHAIN = 100_000  # a longer chain means a broken store: fail rather than loop


class BodyError(Exception):
    """A packed body cannot be read back (its base is missing, or the chain is broken)."""


def body_of(db: Database, row: dict[str, Any]) -> str:
    """A version row's body text (row holds id, body, body_z, body_base), unpacked if needed."""
    if row.get("body_z") is None:
        return str(row.get("body") or "")
    return _unpack(db, row["id"], row["body_z"], row["body_base"])


def body(db: Database, version_id: int) -> str:
    """The body text of one version."""
    row = db.execute("SELECT body, body_z, body_base FROM versions WHERE id = ?", [version_id]).fetchone()
    if row is None:
        raise BodyError(f"no version {version_id}")
    return body_of(db, {"id": version_id, "body": row[0], "body_z": row[1], "body_base": row[2]})


# Bodies unpacked lately, per open store, by version id. `history` and `export --all-versions`
# read an article's versions one after another, each packed against the next: without them,
# every version unpacked the whole chain above it again (1,000 versions: 8.6 s of `history`).
# A committed version's text never changes (only how it is kept), and no version is ever
# deleted. One written by a transaction still open may be rolled back, and SQLite then gives
# its id to the next version, with another text: inside a transaction nothing is kept here.
_UNPACKED: weakref.WeakKeyDictionary[Database, OrderedDict[int, str]] = weakref.WeakKeyDictionary()
_UNPACKED_KEPT = 64


def _unpack(db: Database, version_id: int, blob: bytes, base_id: int) -> str:
    # Walk the chain of bases to a body at hand (plain, or unpacked lately), then unpack back
    # up it: a loop, not recursion, so an article edited a thousand times still reads.
    unpacked = _UNPACKED.setdefault(db, OrderedDict())
    keep = not db.conn.in_transaction
    chain = [(version_id, blob)]
    while True:
        if len(chain) > _MAX_CHAIN:
            raise BodyError(f"version {version_id}: its body's chain of bases is longer than {_MAX_CHAIN}")
        if base_id in unpacked:
            text = unpacked[base_id]
            break
        base = db.execute("SELECT body, body_z, body_base FROM versions WHERE id = ?", [base_id]).fetchone()
        if base is None:
            raise BodyError(f"version {version_id}: its body's base version {base_id} is missing")
        if base[1] is None:
            text = str(base[0] or "")
            break
        chain.append((base_id, base[1]))
        base_id = base[2]
    try:
        for link_id, packed in reversed(chain):
            text = zstd.decompress(packed, zstd_dict=_dictionary(text)).decode("utf-8")
            if keep:
                unpacked[link_id] = text
                unpacked.move_to_end(link_id)
                if len(unpacked) > _UNPACKED_KEPT:
                    unpacked.popitem(last=False)
    except (zstd.ZstdError, ValueError) as exc:  # ValueError: not UTF-8, or a base too short for a dictionary
        raise BodyError(f"version {version_id}: its body cannot be unpacked: {exc}") from exc
    return text


def pack(db: Database, version_id: int, base_id: int) -> int:
    """Keep a version's body as its difference from base's (which must be plain); bytes saved.

    Nothing changes when the packed form would not be smaller, or the base is not plain.
    """
    if version_id == base_id:
        return 0
    row = db.execute("SELECT body, body_z FROM versions WHERE id = ?", [version_id]).fetchone()
    base = db.execute("SELECT body, body_z FROM versions WHERE id = ?", [base_id]).fetchone()
    if row is None or base is None or row[1] is not None or base[1] is not None:
        return 0
    if db.execute("SELECT 1 FROM articles WHERE current_version_id = ?", [version_id]).fetchone():
        return 0  # it became current meanwhile (a revert): a current body stays plain
    text, base_text = row[0] or "", base[0] or ""
    if len(base_text.encode("utf-8")) < _MIN_BASE:
        return 0  # zstd takes no dictionary this small (a body such as "见附件"): kept plain
    data = text.encode("utf-8")
    blob = zstd.compress(data, level=_LEVEL, zstd_dict=_dictionary(base_text))
    if len(blob) >= len(data) or zstd.decompress(blob, zstd_dict=_dictionary(base_text)) != data:
        return 0
    db.execute("UPDATE versions SET body = '', body_z = ?, body_base = ? WHERE id = ?", [blob, base_id, version_id])
    return len(data) - len(blob)


def unpack(db: Database, version_id: int) -> None:
    """Keep a version's body plain again (it is about to become current)."""
    row = db.execute("SELECT body_z FROM versions WHERE id = ?", [version_id]).fetchone()
    if row is None or row[0] is None:
        return
    text = body(db, version_id)
    # Versions packed against this one keep it as their base: its text does not change.
    db.execute("UPDATE versions SET body = ?, body_z = NULL, body_base = NULL WHERE id = ?", [text, version_id])


def _dictionary(text: str) -> Any:
    return zstd.ZstdDict(text.encode("utf-8"), is_raw=True)


def pack_site_bodies(db: Database, site: str, limit: int = 10_000) -> int:
    """Pack the bodies of the site's old versions still kept plain (a store from before this,
    or old versions a revert left plain), against their article's current version; how many."""
    rows = list(
        db.query(
            """SELECT v.id, a.current_version_id FROM articles a
               JOIN versions v ON v.article_id = a.id AND v.body_z IS NULL AND v.id != a.current_version_id
               WHERE a.site = ? AND a.current_version_id IS NOT NULL LIMIT ?""",
            [site, limit],
        )
    )
    packed = 0
    for start in range(0, len(rows), 500):  # short transactions: crawls of other sites keep writing
        with write(db):
            packed += sum(1 for row in rows[start : start + 500] if pack(db, row["id"], row["current_version_id"]))
    return packed
