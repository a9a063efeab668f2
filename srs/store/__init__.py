"""The SQLite store: the only place that speaks SQL (with its migrations and named queries)."""

from __future__ import annotations

from srs.store.database import CARD_COLUMNS, Filter, ReviewRow, Store, connect, open_store

__all__ = ["CARD_COLUMNS", "Filter", "ReviewRow", "Store", "connect", "open_store"]
