"""Raw pages kept small: zstd with a dictionary trained per site, unpacked to exactly the bytes fetched.

Pages of one site share their template (header, menus, footer, styles), so a dictionary
trained on a site's own pages leaves little but the article to store. A blob says how to read
it by its first bytes:
- a zlib stream: a site's first pages, before it has a dictionary (and every page of a store
  from before dictionaries);
- a zstd frame whose header names its dictionary: `raw_dicts.id + DICT_ID_BASE` (0: none).
Dictionaries are rows of `raw_dicts`, one site each, never changed or deleted, so every blob
stays readable; ids are random, so one a rolled-back transaction made is never another's
(and a dictionary cached by id is always the right one); `seq` orders a site's dictionaries.
`record()` packs each new page with its site's newest dictionary (`pack_new`) and trains the
site's first one when the site has TRAIN_AFTER pages, in that page's transaction (once per
site, a fraction of a second). When a crawl ends, `pack_site` repacks the site's zlib pages
and, when its newest pages pack STALE times worse than the dictionary's own training pages
did (a new template), trains a new one. `newswatch compact` does every site at once. Every
repacked page is checked to unpack to its old bytes before its blob is replaced.
"""

from __future__ import annotations

import random
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
MIN_SAMPLES, MIN_SAMPLE_BYTES = 10, 512  # what a dictionary is never trained with less than
STALE = 2.0  # new pages packing this many times worse than the dictionary's training pages: train again
BATCH = 200  # pages repacked per write transaction (the write lock is held that long)
DICT_ID_BASE = 32_768  # zstd reserves lower dictionary ids for a public registry; ids stay below 2**31
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
    # Digested once and kept by the ZstdDict: handed over undigested, the 110 KB dictionary was
    # loaded again for every page (0.33 ms a page; 0.10 ms digested, the same bytes out).
    return zstd.compress(page, options=_OPTIONS, zstd_dict=site_dict.zdict.as_digested_dict)


def unpack(db: Database, blob: bytes) -> bytes:
    """The page bytes a blob holds, whichever way it was packed."""
    if blob[:4] == _ZSTD_MAGIC:
        try:
            dict_id = zstd.get_frame_info(blob).dictionary_id
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
        cached[row_id] = SiteDict(row_id, zstd.ZstdDict(rows[0]["content"]), rows[0]["ratio"])
    return cached[row_id]


def newest_dictionary(db: Database, site: str) -> SiteDict | None:
    """The site's newest dictionary, which packs its new pages; None before it has one."""
    rows = list(db.query("SELECT id FROM raw_dicts WHERE site = ? ORDER BY seq DESC LIMIT 1", [site]))
    return _dictionary(db, rows[0]["id"]) if rows else None


def train(pages: Iterable[bytes], row_id: int) -> bytes:
    """A zstd dictionary learned from pages of one site, carrying the id its blobs will name.

    zstd's trainer crashes the process on a few tiny samples (facebook/zstd#3599, #4499), so it
    is only given MIN_SAMPLES pages of MIN_SAMPLE_BYTES or more; RawPageError otherwise.
    """
    samples = [p for p in pages if len(p) >= MIN_SAMPLE_BYTES]
    if len(samples) < MIN_SAMPLES:
        raise RawPageError(
            f"cannot train a dictionary: {len(samples)} pages of {MIN_SAMPLE_BYTES} bytes or more, {MIN_SAMPLES} needed"
        )
    try:
        trained = zstd.train_dict(samples, DICT_BYTES).dict_content
    except zstd.ZstdError as exc:  # too few or too small pages to learn from
        raise RawPageError(f"cannot train a dictionary: {exc}") from exc
    if trained[:4] != _DICT_MAGIC:  # pragma: no cover - zstd always writes its magic number
        raise RawPageError("zstd returned a dictionary in an unknown format")
    return trained[:4] + struct.pack("<I", row_id + DICT_ID_BASE) + trained[8:]


def add_dictionary(db: Database, site: str, pages: list[bytes], trained_at: str) -> SiteDict:
    """Train a dictionary for the site from pages and keep it (in the caller's write transaction)."""
    row_id = random.randrange(1, 2**31 - DICT_ID_BASE)
    while db.execute("SELECT 1 FROM raw_dicts WHERE id = ?", [row_id]).fetchone():
        row_id = random.randrange(1, 2**31 - DICT_ID_BASE)
    content = train(pages, row_id)
    site_dict = SiteDict(row_id, zstd.ZstdDict(content), 1.0)
    site_dict = SiteDict(row_id, site_dict.zdict, _ratio(pages, site_dict))
    seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM raw_dicts").fetchone()[0]
    db.execute(
        "INSERT INTO raw_dicts (id, site, seq, trained_at, pages, ratio, content) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [row_id, site, seq, trained_at, len(pages), site_dict.ratio, content],
    )
    return site_dict


# Sites whose first dictionary could not be trained during this process's writes: pack_site tries again.
_UNTRAINABLE: weakref.WeakKeyDictionary[Database, set[str]] = weakref.WeakKeyDictionary()


def pack_new(db: Database, article_id: int, page: bytes, now: str) -> bytes:
    """The blob `record()` keeps for a new page: packed with its site's newest dictionary, or zlib
    until the site has one, which is trained here once the site has TRAIN_AFTER pages."""
    rows = db.execute("SELECT site FROM articles WHERE id = ?", [article_id]).fetchall()
    site = rows[0][0] if rows else ""
    site_dict = newest_dictionary(db, site)
    untrainable = _UNTRAINABLE.setdefault(db, set())
    if (
        site_dict is None
        and site not in untrainable
        and len(_zlib_rows(db, site, TRAIN_AFTER, columns="v.id")) >= TRAIN_AFTER
    ):
        try:
            with write(db):  # a savepoint of record()'s transaction
                site_dict = add_dictionary(db, site, _newest_pages(db, site, TRAIN_PAGES), now)
        except RawPageError:
            untrainable.add(site)
    return pack(page, site_dict) if site_dict is not None else zlib.compress(page, 6)


def _newest_pages(db: Database, site: str, count: int) -> list[bytes]:
    """The pages of the site's newest versions that have one, newest first."""
    rows = db.query(
        """SELECT v.raw FROM version_sites s JOIN versions v ON v.id = s.version_id
           WHERE s.site = ? AND v.raw IS NOT NULL ORDER BY s.version_id DESC LIMIT ?""",
        [site, count],
    )
    return [unpack(db, r["raw"]) for r in rows]


def _stale(db: Database, site: str, site_dict: SiteDict) -> bool:
    """Whether the site's newest TRAIN_AFTER pages, all packed with its newest dictionary, pack
    STALE times worse than the pages it learned from (frame headers give each page's size)."""
    rows = db.query(
        """SELECT v.raw FROM version_sites s JOIN versions v ON v.id = s.version_id
           WHERE s.site = ? AND v.raw IS NOT NULL ORDER BY s.version_id DESC LIMIT ?""",
        [site, TRAIN_AFTER],
    )
    packed = size = count = 0
    for row in rows:
        blob = row["raw"]
        if blob[:4] != _ZSTD_MAGIC or zstd.get_frame_info(blob).dictionary_id != site_dict.id + DICT_ID_BASE:
            return False
        info = zstd.get_frame_info(blob)
        packed, size, count = packed + len(blob), size + (info.decompressed_size or 0), count + 1
    return count == TRAIN_AFTER and size > 0 and packed / size > STALE * site_dict.ratio


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
    error: str | None = None  # why no dictionary could be trained (pages too small to learn from)


def pack_site(db: Database, site: str, now: str, limit: int | None = None) -> Packed:
    """Pack the site's zlib pages with its newest dictionary, training one when due (the first, or
    a new one for a new template).

    At most `limit` pages, oldest first; each is checked to unpack to its exact old bytes
    before its blob is replaced, in transactions of BATCH pages.
    """
    done = Packed(site)
    site_dict = newest_dictionary(db, site)
    if site_dict is None:
        done.waiting = len(_zlib_rows(db, site, TRAIN_AFTER, columns="v.id"))
        if done.waiting < TRAIN_AFTER:
            return done
        done.waiting = 0
    if site_dict is None or _stale(db, site, site_dict):
        try:
            with write(db):
                trained = add_dictionary(db, site, _newest_pages(db, site, TRAIN_PAGES), now)
        except RawPageError as exc:
            done.error = str(exc)
            if site_dict is None:
                return done
        else:
            site_dict, done.trained = trained, trained.id
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
