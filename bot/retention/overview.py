"""What is left of a deleted case: counts for the annual overview (bot/cases/overview.py).

A purged case adds one to a count per coarse fact (bot/cases/facts.py): for the year and
quarter it was received, its kind, region, channel, language, whether it was anonymous, its
outcome, which deadlines it missed, and the whole days to acknowledgement and to feedback.
Counts, not a row per case: what someone who reads the database finds cannot be put back
together into one case (this region with that language in that quarter), only the same
one-way breakdowns the overview shows. No case id, no post (a post with a handful of staff
would point at a person), no date finer than the quarter, no text.

`case_counts` holds what purges before migration 0009 kept: year, kind and outcome only;
the overview still counts it ("not recorded" for the rest)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from sqlalchemy import Column, Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.cases.facts import (
    BREAKDOWNS,
    CLOSED_INVESTIGATED,
    CLOSED_REFERRED,
    NOT_RECORDED,
    CaseFacts,
    Tally,
)
from bot.db import Base


class CaseCount(Base):
    """Before 0009: deleted cases per (year received, kind, outcome)."""

    __tablename__ = "case_counts"

    year = Column(Integer, primary_key=True)
    kind = Column(String(40), primary_key=True)
    outcome = Column(String(30), primary_key=True)  # referred or under_investigation
    cases = Column(Integer, nullable=False)


class OverviewCount(Base):
    """Deleted cases per (year, quarter received, measure, value): e.g. (2026, 2, 'region',
    'africa', 3), or (2026, 2, 'days_to_acknowledgement', '4', 2)."""

    __tablename__ = "overview_counts"

    year = Column(Integer, primary_key=True)
    quarter = Column(Integer, primary_key=True)
    measure = Column(String(30), primary_key=True)
    value = Column(String(40), primary_key=True)
    cases = Column(Integer, nullable=False)


def _add_one(session: Session, table: Any, **key: object) -> None:
    """One more deleted case in its row; safe when two runs add to a new row at once."""
    where = [getattr(table, name) == value for name, value in key.items()]
    for _ in range(2):
        result = session.execute(update(table).where(*where).values(cases=table.cases + 1))
        if result.rowcount:
            return
        try:
            with session.begin_nested():
                session.add(table(**key, cases=1))
            return
        except IntegrityError:
            continue  # another run made the row just now: add to it
    raise RuntimeError("could not count a deleted case")


def count_deleted(session: Session, facts: CaseFacts) -> None:
    """What a purged case leaves: one more in each of its counts (same transaction as the
    delete, so a case is counted exactly when it is gone)."""
    for quarter, measure, value in facts.keys():
        _add_one(session, OverviewCount, year=facts.year, quarter=quarter, measure=measure,
                 value=value)  # fmt: skip


def deleted_tally(session: Session, year: int) -> Tally:
    """The tally keys of `year`'s deleted cases, old purges' counts included."""
    tally: Tally = Counter()
    rows = session.execute(
        select(OverviewCount.quarter, OverviewCount.measure, OverviewCount.value,
               OverviewCount.cases).where(OverviewCount.year == year)
    )  # fmt: skip
    for quarter, measure, value, cases in rows:
        tally[(quarter, measure, value)] += cases
    old = session.execute(
        select(CaseCount.kind, CaseCount.outcome, CaseCount.cases).where(CaseCount.year == year)
    )
    for kind, outcome, cases in old:
        closed = CLOSED_REFERRED if outcome == "referred" else CLOSED_INVESTIGATED
        keys: list[tuple[Optional[int], str, str]] = [(None, "kind", kind),
                                                      (None, "outcome", closed)]  # fmt: skip
        keys += [(None, m, NOT_RECORDED) for m in BREAKDOWNS if m not in ("kind", "outcome")]
        for key in keys:
            tally[key] += cases
    return tally


def deleted_years(session: Session) -> set[int]:
    years = set(session.execute(select(OverviewCount.year).distinct()).scalars())
    return years | set(session.execute(select(CaseCount.year).distinct()).scalars())
