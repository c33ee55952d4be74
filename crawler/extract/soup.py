"""BeautifulSoup, the parser of last resort: pages libxml2's tree builder refuses, read into an lxml tree all the same.

libxml2 builds no tree deeper than 2,048 elements and drops the rest of such a page.
BeautifulSoup is fed by the same libxml2 tokenizer, event by event, and takes any depth;
its tree is replayed into lxml's TreeBuilder (without recursion), so the one walker reads it.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from bs4 import BeautifulSoup, CData, NavigableString, Tag, XMLParsedAsHTMLWarning
from bs4.element import PreformattedString
from lxml import etree

# lxml refuses these in a tree it is handed (libxml2's own parse keeps them): on a page read
# here they are lost, which no reader sees.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PLACEHOLDER = "x-invalid-name"  # a tag lxml refuses ("o:p" …): no rule reads its name


def soup_tree(text: str) -> etree._Element:
    """Parse text with BeautifulSoup on lxml and copy its tree into an lxml tree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # XHTML is HTML to us
        soup = BeautifulSoup(text, "lxml", multi_valued_attributes=None)
    top = next((node for node in soup.children if isinstance(node, Tag)), None)
    if top is None:
        return etree.Element("html")
    # TreeBuilder, not SubElement: lxml checks a new child against all its parent's
    # ancestors, which makes a deep page quadratic.
    builder = etree.TreeBuilder()
    stack: list[object] = [top]
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            name = node.name if _valid_name(node.name) else _PLACEHOLDER
            attrs = {k: _NOT_XML.sub("", str(v)) for k, v in node.attrs.items() if _valid_name(k)}
            builder.start(name, attrs)
            stack.append((name,))
            stack.extend(reversed(node.contents))
        elif isinstance(node, tuple):
            builder.end(node[0])
        elif isinstance(node, PreformattedString) and not isinstance(node, CData):
            builder.comment("")  # a comment still separates the strings around it, as in libxml2's tree
        elif isinstance(node, NavigableString):
            builder.data(_NOT_XML.sub("", str(node)))
    root: etree._Element = builder.close()
    return root


@lru_cache(maxsize=1024)
def _valid_name(name: str) -> bool:
    """True for a tag or attribute name lxml accepts (":authors", "@click", "o:p" are not)."""
    try:
        etree.Element("x", {name: ""})
        etree.Element(name)
    except ValueError:
        return False
    return True
