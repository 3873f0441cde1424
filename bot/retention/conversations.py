"""Deleting conversations past retention from Rasa's tracker store.

The tracker store is the one endpoints.yml configures (`tracker_store`, an SQL store: this
project's bot.tracker_store). Its `events` table keeps, per event, the sender id and the
UTC day (bot/tracker_store.py); a conversation is deleted whole when its latest event is
older than the limit, and not at all while it has any newer event. The day being all the
table knows, a conversation goes up to one day after its limit, never before."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import URL, Engine

from bot.db import make_engine
from bot.settings import PROJECT_ROOT, process_environment, settings

ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
DAY = timedelta(days=1)

EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("timestamp"))


class NoTrackerStore(Exception):
    """endpoints.yml configures no SQL tracker store to purge."""


def _expand(value: object, environment: dict[str, str]) -> object:
    """'${NAME}' in a string replaced as Rasa does it; an unset variable is an error."""
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environment:
            raise NoTrackerStore(f"the tracker store's settings use ${{{name}}}, which is not set")
        return environment[name]

    return re.sub(r"\$\{([^}]+)\}", replace, value)


def tracker_store_url(endpoints: Path = ENDPOINTS) -> str:
    """The SQLAlchemy URL of the SQL tracker store in `endpoints` (as Rasa builds it, with a
    relative SQLite path taken from the folder of the endpoints file, where Rasa runs). Only
    the tracker_store section is read: the rest may name secrets this process lacks."""
    try:
        content = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise NoTrackerStore(f"{endpoints} cannot be read: {type(error).__name__}") from None
    section = content.get("tracker_store") if isinstance(content, dict) else None
    if not isinstance(section, dict):
        raise NoTrackerStore(f"{endpoints} configures no tracker_store")
    environment = process_environment({})
    options: dict[str, Any] = {key: _expand(value, environment) for key, value in section.items()}
    kind = str(options.get("type") or "")
    if kind.lower() != "sql" and not kind.endswith("SQLTrackerStore"):
        raise NoTrackerStore(f"the tracker store in {endpoints} is not an SQL store: {kind}")
    configured = settings().tracker_store_url
    if configured and kind.endswith("EncryptedSQLTrackerStore"):
        return configured  # the project's store takes VM_TRACKER_STORE_URL over the file
    host = options.get("url") or options.get("host")
    if isinstance(host, str) and "://" in host:
        return host
    dialect = str(options.get("dialect") or "sqlite")
    database = str(options.get("db") or "rasa.db")
    if dialect == "sqlite":
        path = Path(database)
        return f"sqlite:///{path if path.is_absolute() else endpoints.parent / path}"
    port = options.get("port")
    url = URL.create(
        drivername=dialect,
        username=options.get("username"),
        password=options.get("password"),
        host=str(host) if host else None,
        port=int(port) if port else None,
        database=database,
        query=options.get("query") or {},
    )
    return url.render_as_string(hide_password=False)


def _expired_senders(cutoff: float) -> sa.sql.Select:
    return (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(sa.func.max(EVENTS.c.timestamp) < cutoff)
    )


def purge_conversations(
    url: str, now: datetime, days: int, dry_run: bool, engine: Optional[Engine] = None
) -> tuple[int, int]:
    """(conversations, events) deleted, or with `dry_run` that would be. A store with no
    events table yet holds nothing to delete."""
    # A day stored as its start: the latest event may have come at its very end.
    cutoff = (now - timedelta(days=days) - DAY).timestamp()
    own = engine is None
    engine = engine or make_engine(url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0, 0
        expired = _expired_senders(cutoff)
        with engine.begin() as connection:
            senders = connection.execute(
                sa.select(sa.func.count()).select_from(expired.subquery())
            ).scalar_one()
            if dry_run:
                events = connection.execute(
                    sa.select(sa.func.count())
                    .select_from(EVENTS)
                    .where(EVENTS.c.sender_id.in_(expired))
                ).scalar_one()
                return int(senders), int(events)
            # One statement: a conversation with a newer event is not part of it.
            deleted = connection.execute(
                sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(expired))
            ).rowcount
            return int(senders), int(deleted or 0)
    finally:
        if own:
            engine.dispose()
