"""The extraction core: page bytes in, Article out. Pure: no network, database or clock."""

from .article import Article
from .core import extract
from .version import EXTRACTOR_VERSION

__all__ = ["EXTRACTOR_VERSION", "Article", "extract"]
