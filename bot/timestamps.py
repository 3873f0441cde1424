"""Moments in UTC, for every table: aware datetimes in code, UTC without a zone in the
database (SQLite has no zones; PostgreSQL gets the same values)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: object) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a datetime without a time zone cannot be stored")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(
        self, value: Optional[datetime], dialect: object
    ) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utc(moment: Optional[datetime] = None) -> datetime:
    """`moment` in UTC (a naive one is taken to be UTC already), or now."""
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
