"""Turn page bytes into text: BOM, HTTP header, <meta> declaration, then detection."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

# GB2312 and GBK pages routinely hold characters only GB18030 (their superset) names,
# so any member of the family is decoded as GB18030.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "iso-8859-1": "cp1252",  # browsers treat latin-1 labels as windows-1252
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "unicode": "utf-8",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# Past this many bytes a page is decoded without statistical detection, which is slow.
_DETECT_LIMIT = 200_000


def normalize_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None if Python knows no such codec."""
    if not name:
        return None
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # hex, base64, rot13, zlib … are codecs too, but not of text: a page declaring one is mislabelled.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def declared_encoding(page: bytes, content_type: str | None = None) -> str | None:
    """The charset the HTTP header or the page's own <meta> declares, if any."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and (enc := normalize_encoding(match.group(1))):
            return enc
    meta = _META_CHARSET.search(page[:4096])
    if meta:
        return normalize_encoding(meta.group(1).decode("ascii", "ignore"))
    return None


def decode(page: bytes, content_type: str | None = None) -> str:
    """Decode a page the way a careful browser would, never raising."""
    for bom, enc in _BOMS:
        if page.startswith(bom):
            return page[len(bom) :].decode(enc, errors="replace")
    declared = declared_encoding(page, content_type)
    if declared:
        try:
            text = page.decode(declared)
        except UnicodeError:  # UnicodeDecodeError, and punycode's plain UnicodeError
            if declared == "utf-8" and _damaged_utf8(page):
                # Marked as damage (U+FFFD), not re-read in a wrong charset: the crawl
                # refuses a page with undecodable article text instead of storing mojibake.
                return page.decode("utf-8", errors="replace")
            # else mislabelled: fall through to detection
        else:
            # Multi-byte UTF-8 sequences almost never occur by chance in other encodings:
            # a page that is valid UTF-8 and not ASCII was mislabelled (often "iso-8859-1").
            if declared == "utf-8" or not _is_utf8(page) or page.isascii():
                return text
            return page.decode("utf-8")
    if _is_utf8(page):
        return page.decode("utf-8")
    if declared is None and _damaged_utf8(page):
        return page.decode("utf-8", errors="replace")
    return _detect(page, fallback=declared)


_MULTIBYTE_UTF8 = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# Stray bytes in one small stretch of an otherwise ASCII page: damage, not another charset.
_ISLAND_BYTES = 1024


def _damaged_utf8(page: bytes) -> bool:
    """True for UTF-8 with a few invalid bytes (a corrupted transfer), not a page in another charset.

    Text in GBK or Latin-1 labelled UTF-8 is almost never valid multi-byte UTF-8 and is
    spread over the page; damage is a small island in a page that is otherwise valid UTF-8.
    """
    invalid = len(page.decode("utf-8", errors="replace")) - len(page.decode("utf-8", errors="ignore"))
    if len(_MULTIBYTE_UTF8.findall(page)) >= max(8, 2 * invalid):
        return True
    spots = [m.start() for m in _NON_ASCII.finditer(page)]
    if not spots or spots[-1] - spots[0] > _ISLAND_BYTES:
        return False
    try:
        page.decode("gb18030")  # a short Chinese page in GBK is one island too, but a readable one
    except UnicodeDecodeError:
        return True
    return False


def _is_utf8(page: bytes) -> bool:
    try:
        page.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(page: bytes, fallback: str | None) -> str:
    """Guess the charset of undeclared or mislabelled bytes."""
    sample = page[:_DETECT_LIMIT]
    best = charset_normalizer.from_bytes(sample).best()
    encoding = normalize_encoding(best.encoding) if best else None
    # Undeclared Chinese pages are the common case on the sites we watch: when
    # detection gives up, GB18030 (which also decodes GB2312 and GBK) is the best bet.
    if encoding is None:
        try:
            return page.decode("gb18030")
        except UnicodeDecodeError:
            pass
    return page.decode(encoding or fallback or "utf-8", errors="replace")  # never raises
