"""Attachments: the documents an article links to (rules, forms, lists), by URL or by the name shown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urljoin, urlsplit

from common.article import Attachment
from common.urls import is_plain_http_url

from .blocks import Block, Link

_DOCUMENT_EXTENSIONS = (
    "pdf|doc|docx|docm|dot|dotx|xls|xlsx|xlsm|xlt|csv|ppt|pptx|pps|ppsx|wps|et|dps|ofd|odt|ods|odp|rtf|"
    "txt|zip|rar|7z|gz|tgz|tar|bz2|xz|ceb|caj"
)
_DOCUMENT_PATH = re.compile(rf"\.(?:{_DOCUMENT_EXTENSIONS})$", re.I)
# A link whose text names a file ("CNCA-C01-01:2024 实施规则.pdf") is one even behind a download script.
_DOCUMENT_NAME = re.compile(rf"\.(?:{_DOCUMENT_EXTENSIONS})\s*[)）]?$", re.I)


def is_document_link(link: Link) -> bool:
    """True when a link points at a document file, by its path or by the file name it shows."""
    try:
        path = unquote(urlsplit(link.href).path)
    except ValueError:  # `//[site_url]/rules.pdf`, a template's placeholder: not a URL
        return False
    return bool(_DOCUMENT_PATH.search(path) or _DOCUMENT_NAME.search(link.text))


def document_links(block: Block) -> list[Link]:
    """The document links of one block."""
    return [link for link in block.links if is_document_link(link)]


def attachments_of(blocks: Iterable[Block], base_url: str) -> tuple[Attachment, ...]:
    """One Attachment per distinct document URL among the blocks, in page order."""
    found: dict[str, Attachment] = {}
    for block in blocks:
        for link in document_links(block):
            try:
                url = urljoin(base_url, link.href)
            except ValueError:
                continue
            if is_plain_http_url(url) and url not in found:
                found[url] = Attachment(text=link.text, url=url)
    return tuple(found.values())
