"""Handoffs as advisors and the CLI read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.directory.matching import tier_of
from bot.directory.records import AdvisorRecord, Directory
from bot.handoffs.store import STATUSES, Handoff, HandoffRecord

# --- reading, for the advisor console -------------------------------------------------------


def list_handoffs(
    session: Session,
    statuses: Sequence[str] = ("new", "in_progress"),
    advisor_id: Optional[str] = None,
    limit: int = 200,
) -> list[HandoffRecord]:
    """Newest first. `advisor_id`: only those handed to that advisor by name."""
    query = select(Handoff).where(Handoff.status.in_(list(statuses)))
    if advisor_id is not None:
        query = query.where(Handoff.advisor_id == advisor_id)
    query = query.order_by(Handoff.created_at.desc(), Handoff.id).limit(limit)
    return [row.record() for row in session.execute(query).scalars()]


def handoffs_for_advisor(
    session: Session,
    advisor: AdvisorRecord,
    directory: Directory,
    statuses: Sequence[str] = ("new", "in_progress"),
    limit: int = 200,
) -> list[HandoffRecord]:
    """What an advisor sees: handoffs to them by name, and pool handoffs for a post they
    serve in a language they speak (the pool has no external advisors: bot.directory.matching)."""
    if not advisor.active:
        return []
    query = select(Handoff).where(
        Handoff.status.in_(list(statuses)),
        or_(
            Handoff.advisor_id == advisor.id,
            Handoff.advisor_id.is_(None) & Handoff.pool_language.in_(list(advisor.languages)),
        ),
    )
    rows = session.execute(query.order_by(Handoff.created_at.desc(), Handoff.id)).scalars()
    visible = []
    for row in rows:
        if row.advisor_id is None:
            post = directory.post(row.post_code)
            if advisor.kind == "external" or tier_of(advisor, post) is None:
                continue
        visible.append(row.record())
        if len(visible) >= limit:
            break
    return visible


def set_status(
    session: Session, handoff_id: str, status: str, now: Optional[datetime] = None
) -> HandoffRecord:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    row = session.get(Handoff, handoff_id)
    if row is None:
        raise KeyError(handoff_id)
    row.status = status
    row.updated_at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    session.flush()
    return row.record()
