"""What is left of a deleted case: a count for the annual overview.

One row per (year the report was received, kind, outcome) with the number of deleted cases.
No case id, no post (a post with a handful of staff would point at a person), no dates
finer than the year, no text."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Base


class CaseCount(Base):
    __tablename__ = "case_counts"

    year = Column(Integer, primary_key=True)
    kind = Column(String(40), primary_key=True)
    outcome = Column(String(30), primary_key=True)  # referred or under_investigation
    cases = Column(Integer, nullable=False)


def add_to_count(session: Session, year: int, kind: str, outcome: str) -> None:
    """One more deleted case in its row; safe when two runs add to a new row at once."""
    key = (CaseCount.year == year, CaseCount.kind == kind, CaseCount.outcome == outcome)
    for _ in range(2):
        result = session.execute(update(CaseCount).where(*key).values(cases=CaseCount.cases + 1))
        if result.rowcount:
            return
        try:
            with session.begin_nested():
                session.add(CaseCount(year=year, kind=kind, outcome=outcome, cases=1))
            return
        except IntegrityError:
            continue  # another run made the row just now: add to it
    raise RuntimeError("could not count a deleted case")


def counts(session: Session) -> list[tuple[int, str, str, int]]:
    """(year, kind, outcome, cases), by year, kind and outcome."""
    rows = session.execute(
        select(CaseCount.year, CaseCount.kind, CaseCount.outcome, CaseCount.cases).order_by(
            CaseCount.year, CaseCount.kind, CaseCount.outcome
        )
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]
