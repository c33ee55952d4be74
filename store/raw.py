"""Raw pages kept small: zstd with a dictionary trained per site, unpacked to exactly the bytes fetched.

Pages of one site share their template (header, menus, footer, styles), so a dictionary
trained on a site's own pages leaves little but the article to store. A blob says how to read
it by its first bytes:
- a zlib stream (`record()` writes these; stores before dictionaries hold only these);
- a zstd frame whose header names its dictionary: `raw_dicts.id + DICT_ID_BASE` (0: none).
Dictionaries are rows of `raw_dicts`, one site each, never changed or deleted, so every blob
stays readable. A site's first dictionary is trained once it has TRAIN_AFTER pages; the pages
stored as zlib are then packed with the site's newest dictionary (`pack_site`, called when a
crawl ends; `newswatch compact` does every site). When a site's new pages pack STALE times
worse than its dictionary's own training pages did (a new template), a new dictionary is
trained from them. Every page is checked to unpack to its old bytes before its blob is replaced.
"""

from __future__ import annotations

import struct
import weakref
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

try:  # Python 3.14 has it in the standard library
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the Python version
    from backports import zstd

from .db import write

LEVEL = 3  # zstd's default: level 9 saves 10% more at three times the time; decompression costs the same
DICT_BYTES = 112_640  # zstd's default dictionary size
TRAIN_AFTER = 100  # pages of a site stored before its first dictionary is trained
TRAIN_PAGES = 200  # a dictionary learns from at most this many of the site's newest pages (0.1–0.3 s)
STALE = 2.0  # new pages packing this many times worse than the dictionary's training pages: train again
BATCH = 200  # pages repacked per write transaction (the write lock is held that long)
DICT_ID_BASE = 32_768  # zstd reserves lower dictionary ids for a public registry
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_DICT_MAGIC = b"\x37\xa4\x30\xec"
_OPTIONS = {zstd.CompressionParameter.compression_level: LEVEL, zstd.CompressionParameter.checksum_flag: 1}
# Versions whose raw page is still a zlib stream; the partial index `versions_zlib` lists exactly these.
ZLIB_ROWS = "substr(raw, 1, 1) = x'78'"


class RawPageError(Exception):
    """A stored blob cannot be unpacked (unknown format, missing dictionary, damaged data)."""


@dataclass(frozen=True)
class SiteDict:
    """A site's dictionary: its row id, the zstd dictionary, and how well it packed its training pages."""

    id: int
    zdict: zstd.ZstdDict
    ratio: float  # packed bytes / page bytes of the pages it learned from


def pack(page: bytes, site_dict: SiteDict | None) -> bytes:
    """The blob to keep for a page: zstd with the site's dictionary (or none), with a checksum."""
    if site_dict is None:
        return zstd.compress(page, options=_OPTIONS)
    return zstd.compress(page, options=_OPTIONS, zstd_dict=site_dict.zdict)


def unpack(db: Database, blob: bytes) -> bytes:
    """The page bytes a blob holds, whichever way it was packed."""
    if blob[:4] == _ZSTD_MAGIC:
        dict_id = zstd.get_frame_info(blob).dictionary_id
        try:
            if dict_id == 0:
                return zstd.decompress(blob)
            return zstd.decompress(blob, zstd_dict=_dictionary(db, dict_id - DICT_ID_BASE).zdict)
        except zstd.ZstdError as exc:
            raise RawPageError(f"cannot unpack a raw page: {exc}") from exc
    try:
        return zlib.decompress(blob)
    except zlib.error as exc:
        raise RawPageError(f"cannot unpack a raw page: {exc}") from exc


# Dictionaries read from each open store; a row never changes, so a cached one stays right.
_CACHE: weakref.WeakKeyDictionary[Database, dict[int, SiteDict]] = weakref.WeakKeyDictionary()


def _dictionary(db: Database, row_id: int) -> SiteDict:
    cached = _CACHE.setdefault(db, {})
    if row_id not in cached:
        rows = list(db.query("SELECT content, ratio FROM raw_dicts WHERE id = ?", [row_id]))
        if not rows:
            raise RawPageError(f"a raw page needs dictionary {row_id}, which the store does not have")
        found = SiteDict(row_id, zstd.ZstdDict(rows[0]["content"]), rows[0]["ratio"])
        if db.conn.in_transaction:
            return found  # a dictionary written by this transaction may yet be rolled back
        cached[row_id] = found
    return cached[row_id]


def newest_dictionary(db: Database, site: str) -> SiteDict | None:
    """The site's newest dictionary, which packs its new pages; None before it has one."""
    rows = list(db.query("SELECT max(id) AS id FROM raw_dicts WHERE site = ?", [site]))
    return _dictionary(db, rows[0]["id"]) if rows and rows[0]["id"] is not None else None


def train(pages: Iterable[bytes], row_id: int) -> bytes:
    """A zstd dictionary learned from pages of one site, carrying the id its blobs will name."""
    trained = zstd.train_dict(list(pages), DICT_BYTES).dict_content
    if trained[:4] != _DICT_MAGIC:  # pragma: no cover - zstd always writes its magic number
        raise RawPageError("zstd returned a dictionary in an unknown format")
    return trained[:4] + struct.pack("<I", row_id + DICT_ID_BASE) + trained[8:]


def add_dictionary(db: Database, site: str, pages: list[bytes], trained_at: str) -> SiteDict:
    """Train a dictionary for the site from pages and keep it (in the caller's write transaction)."""
    row_id = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM raw_dicts").fetchone()[0])
    content = train(pages, row_id)
    site_dict = SiteDict(row_id, zstd.ZstdDict(content), 1.0)
    site_dict = SiteDict(row_id, site_dict.zdict, _ratio(pages, site_dict))
    db.execute(
        "INSERT INTO raw_dicts (id, site, trained_at, pages, ratio, content) VALUES (?, ?, ?, ?, ?, ?)",
        [row_id, site, trained_at, len(pages), site_dict.ratio, content],
    )
    return site_dict


def _ratio(pages: list[bytes], site_dict: SiteDict) -> float:
    """Packed bytes per page byte of these pages with this dictionary."""
    return sum(len(pack(p, site_dict)) for p in pages) / max(1, sum(len(p) for p in pages))


@dataclass
class Packed:
    """What pack_site did: pages repacked, bytes before and after, a dictionary trained."""

    site: str
    pages: int = 0
    before: int = 0
    after: int = 0
    trained: int | None = None  # the id of a dictionary trained now
    waiting: int = 0  # zlib pages of a site with too few for a dictionary (counted up to TRAIN_AFTER)


def pack_site(db: Database, site: str, now: str, limit: int | None = None) -> Packed:
    """Pack the site's zlib pages with its newest dictionary, training its first one when due.

    At most `limit` pages, oldest first; each is checked to unpack to its exact old bytes
    before its blob is replaced, in transactions of BATCH pages.
    """
    done = Packed(site)
    site_dict = newest_dictionary(db, site)
    newest = [zlib.decompress(r["raw"]) for r in _zlib_rows(db, site, TRAIN_AFTER, newest=True)]
    if site_dict is None and len(newest) < TRAIN_AFTER:
        done.waiting = len(newest)
        return done
    if site_dict is None or (len(newest) == TRAIN_AFTER and _ratio(newest, site_dict) > STALE * site_dict.ratio):
        with write(db):
            pages = [zlib.decompress(r["raw"]) for r in _zlib_rows(db, site, TRAIN_PAGES, newest=True)]
            site_dict = add_dictionary(db, site, pages, now)
        done.trained = site_dict.id
    after = 0
    while limit is None or done.pages < limit:
        count = BATCH if limit is None else min(BATCH, limit - done.pages)
        with write(db):
            rows = _zlib_rows(db, site, count, after=after)
            for row in rows:
                blob = _repack(row["raw"], site_dict)
                db.execute("UPDATE versions SET raw = ? WHERE id = ?", [blob, row["id"]])
                done.pages, done.before, done.after = (
                    done.pages + 1,
                    done.before + len(row["raw"]),
                    done.after + len(blob),
                )
        if len(rows) < count:
            break
        after = rows[-1]["id"]
    return done


def _repack(old: bytes, site_dict: SiteDict) -> bytes:
    page = zlib.decompress(old)
    blob = pack(page, site_dict)
    if zstd.decompress(blob, zstd_dict=site_dict.zdict) != page:  # pragma: no cover - zstd's own guarantee
        raise RawPageError("a repacked page did not unpack to its old bytes; left as it was")
    return blob


def _zlib_rows(
    db: Database, site: str, limit: int, after: int = 0, newest: bool = False, columns: str = "v.id, v.raw"
) -> list[dict[str, Any]]:
    """The site's versions whose page is zlib, in id order from `after` (or newest first).

    Walks the partial index `versions_zlib` (the pages no crawl has packed yet: few, except in a
    store from before dictionaries) and looks up each one's site; CROSS JOIN keeps that order
    (without statistics SQLite would rather walk every version of the site).
    """
    order = "DESC" if newest else "ASC"
    return list(
        db.query(
            f"""SELECT {columns} FROM versions v INDEXED BY versions_zlib CROSS JOIN version_sites s ON s.version_id = v.id
                WHERE {ZLIB_ROWS.replace("raw", "v.raw")} AND v.id > ? AND s.site = ?
                ORDER BY v.id {order} LIMIT ?""",
            [after, site, limit],
        )
    )


def sites_to_pack(db: Database) -> list[str]:
    """Sites that still have zlib pages."""
    return [
        r["site"]
        for r in db.query(
            f"""SELECT DISTINCT s.site FROM versions v INDEXED BY versions_zlib CROSS JOIN version_sites s ON s.version_id = v.id
                WHERE {ZLIB_ROWS.replace("raw", "v.raw")} ORDER BY s.site"""
        )
    ]


def compact_store(db: Database, now: str, say: Callable[[Packed], None]) -> list[Packed]:
    """Pack every site's zlib pages (training dictionaries where due); one report per site."""
    done = []
    for site in sites_to_pack(db):
        packed = pack_site(db, site, now)
        say(packed)
        done.append(packed)
    return done
