"""The extraction core: page bytes in, Article out. Pure: no network, database or clock."""

from .article import Article
from .core import extract

__all__ = ["Article", "extract"]
