"""What the annual overview reads from the database: the year's live cases (keys and times
only, nothing decrypted) and what purged ones left (bot/retention/overview.py), as one
tally; and the years there is anything to show for."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import extract, select
from sqlalchemy.orm import Session, load_only

from bot.cases.facts import Tally, facts_of, region_of
from bot.cases.model import Case
from bot.directory.tables import Post
from bot.retention.overview import deleted_tally, deleted_years

FACT_COLUMNS = (
    Case.id,
    Case.kind,
    Case.post_code,
    Case.contact,
    Case.language,
    Case.channel,
    Case.status,
    Case.received_at,
    Case.acknowledged_at,
    Case.referred_at,
    Case.closed_at,
    Case.acknowledgement_due,
    Case.feedback_due,
    Case.feedback_given_at,
)


def post_regions(session: Session) -> dict[str, str]:
    """Post code -> region, from the directory."""
    return {code: region for code, region in session.execute(select(Post.code, Post.region))}


def tally_for(session: Session, year: int, now: datetime) -> Tally:
    """Every tally key of the cases received in `year`: live ones and deleted ones."""
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    cases = session.execute(
        select(Case)
        .options(load_only(*FACT_COLUMNS))
        .where(Case.received_at >= start, Case.received_at < end)
    ).scalars()
    regions = post_regions(session)
    tally: Tally = Counter()
    for case in cases:
        tally.update(facts_of(case, region_of(case.post_code, regions), now).keys())
    tally.update(deleted_tally(session, year))
    return tally


def years_with_cases(session: Session) -> list[int]:
    """Years with a case received, live or deleted, newest first."""
    live = session.execute(select(extract("year", Case.received_at)).distinct()).scalars()
    return sorted({int(year) for year in live} | deleted_years(session), reverse=True)
