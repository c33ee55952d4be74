"""The Article record lives in `common` (the store reads it too); the core re-exports it."""

from common.article import Article

__all__ = ["Article"]
