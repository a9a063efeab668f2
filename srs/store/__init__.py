"""The SQLite store: the only place that speaks SQL (with its migrations and named queries)."""

from __future__ import annotations

from srs.store.connection import connect
from srs.store.database import Store, open_store
from srs.store.rows import CARD_COLUMNS, Filter, ReviewRow

__all__ = ["CARD_COLUMNS", "Filter", "ReviewRow", "Store", "connect", "open_store"]
