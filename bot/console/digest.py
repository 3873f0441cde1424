"""The coordinators' weekly digest: once each week, from Monday 07:00 UTC, every active
coordinator account gets the number of cases whose legal deadline has passed or falls in
the next seven days, and a link to the case desk. Numbers only, never content. The week
is marked (`console_digests`) in the transaction that decides to send, so several console
processes send it once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import Column, String, select
from sqlalchemy.orm import Session, load_only

from bot.cases.model import CLOSED, Case
from bot.console.accounts import ConsoleAccount
from bot.db import Base
from bot.timestamps import UtcDateTime

SEND_FROM_HOUR = 7  # Monday, UTC
SUBJECT = "Veilig Melden: legal deadlines this week / wettelijke termijnen deze week"


class DigestSent(Base):
    __tablename__ = "console_digests"

    week = Column(String(8), primary_key=True)  # '2026-W49'
    sent_at = Column(UtcDateTime, nullable=False)


def week_of(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def deadline_counts(session: Session, now: datetime) -> dict[str, int]:
    """Open cases by the state of their running deadline (only keys and times are read)."""
    columns = (Case.status, Case.acknowledged_at, Case.acknowledgement_due, Case.feedback_due,
               Case.feedback_given_at)  # fmt: skip
    query = select(Case).options(load_only(*columns)).where(Case.status != CLOSED)
    counts = {"overdue": 0, "acknowledgement": 0, "feedback": 0}
    for case in session.execute(query).scalars():
        deadline = case.next_deadline(now)
        if deadline is None:
            continue
        if deadline.overdue:
            counts["overdue"] += 1
        elif deadline.due <= now + timedelta(days=7):
            counts[deadline.kind] += 1
    return counts


def digest_body(counts: dict[str, int], link: str) -> str:
    return (
        f"Overdue: {counts['overdue']}. Due in the next 7 days: {counts['acknowledgement']} "
        f"acknowledgement(s), {counts['feedback']} feedback.\n"
        f"Te laat: {counts['overdue']}. In de komende 7 dagen: {counts['acknowledgement']} "
        f"ontvangstbevestiging(en), {counts['feedback']} terugkoppeling(en).\n\n"
        f"{link}\n\nThis mail holds no content of any case. / Deze mail bevat niets uit de zaken.\n"
    )


def due_digest(
    session: Session, console_url: str, now: datetime
) -> Optional[tuple[tuple[str, ...], str]]:
    """(recipients, body) when this week's digest is due and not sent yet; marks the week."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=SEND_FROM_HOUR, minute=0,
                                                          second=0, microsecond=0)  # fmt: skip
    if now < monday:
        return None
    week = week_of(now)
    if session.get(DigestSent, week) is not None:
        return None
    query = select(ConsoleAccount.email).where(
        ConsoleAccount.role == "coordinator", ConsoleAccount.disabled.is_(False)
    )
    recipients = tuple(sorted(session.execute(query).scalars()))
    if not recipients:
        return None
    session.add(DigestSent(week=week, sent_at=now))
    session.flush()  # a second process fails here, and its transaction sends nothing
    return recipients, digest_body(deadline_counts(session, now), f"{console_url}/cases")
