"""The store: every article, every distinct version, crawl runs and events, in SQLite."""

from .db import StoreError, open_db, open_readonly
from .record import Outcome, Recorded, fingerprint, record

__all__ = ["Outcome", "Recorded", "StoreError", "fingerprint", "open_db", "open_readonly", "record"]
