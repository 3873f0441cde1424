"""Moments in UTC, stored one way in every table: aware datetimes in code; in the database a
`timestamp with time zone` on PostgreSQL (unambiguous to anyone querying it) and UTC
without a zone on SQLite, which has no zones."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; a naive datetime is refused, since its
    zone would be a guess."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: object) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a datetime without a time zone cannot be stored")
        return value.astimezone(timezone.utc)

    def process_result_value(
        self, value: Optional[datetime], dialect: object
    ) -> Optional[datetime]:
        return None if value is None else utc(value)


def utc(moment: Optional[datetime] = None) -> datetime:
    """`moment` in UTC (a naive one is taken to be UTC already), or now."""
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
