"""The annual overview without a database: what one case counts as (quarter, region,
outcome, days, missed deadlines), medians, and the tables a coordinator sees, with every
count under 5 shown as "<5" and nothing that lets one be worked out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Optional

from bot.cases.facts import facts_of, quarter_of, region_of, tally_of
from bot.cases.model import add_months
from bot.cases.overview import HIDDEN_MARK, NO_MEDIAN, SMALL_MARK, build, median

T0 = datetime(2026, 2, 10, 9, 30, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


@dataclass
class FakeCase:
    """What facts_of reads of a case: received at T0, acknowledged after 3 days."""

    kind: str = "fraud"
    contact: str = "anonymous"
    language: str = "nl"
    channel: str = "twilio"
    status: str = "acknowledged"
    received_at: datetime = T0
    acknowledged_at: Optional[datetime] = T0 + timedelta(days=3)
    referred_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    acknowledgement_due: datetime = T0 + timedelta(days=7)
    feedback_due: datetime = add_months(T0 + timedelta(days=3), 3)
    feedback_given_at: Optional[datetime] = None


def test_quarters_follow_the_utc_calendar():
    assert quarter_of(datetime(2026, 3, 31, 23, 59, tzinfo=timezone.utc)) == 1
    assert quarter_of(datetime(2026, 4, 1, 0, 0, tzinfo=timezone.utc)) == 2
    # 1 October, 01:00 in Amsterdam is still 30 September in UTC.
    amsterdam = timezone(timedelta(hours=2))
    assert quarter_of(datetime(2026, 10, 1, 1, 0, tzinfo=amsterdam)) == 3
    assert quarter_of(datetime(2026, 12, 31, tzinfo=timezone.utc)) == 4


def test_a_post_counts_by_its_region_never_by_itself():
    regions = {"RAB": "mena", "HQ": "hq"}
    assert region_of("RAB", regions) == "mena"
    assert region_of("hq", regions) == "hq"  # HQ is a region of its own
    assert region_of(None, regions) == "unknown"
    assert region_of("GONE", regions) == "unknown"  # a post the directory no longer has
    facts = facts_of(FakeCase(), region_of("RAB", regions), NOW)
    assert "RAB" not in {value for _, _, value in facts.keys()}


def test_an_open_case_misses_its_deadline_once_it_has_passed():
    waiting = FakeCase(status="received", acknowledged_at=None)
    assert not facts_of(waiting, "hq", T0 + timedelta(days=6)).missed_acknowledgement
    assert facts_of(waiting, "hq", T0 + timedelta(days=8)).missed_acknowledgement
    late = FakeCase(acknowledged_at=T0 + timedelta(days=9))
    facts = facts_of(late, "hq", NOW)
    assert facts.missed_acknowledgement and facts.days_to_acknowledgement == 9


def test_a_closed_case_counts_the_same_whenever_it_is_read():
    closed = FakeCase(
        status="closed",
        referred_at=T0 + timedelta(days=20),
        feedback_given_at=T0 + timedelta(days=40),
        closed_at=T0 + timedelta(days=50),
    )
    first = facts_of(closed, "europe", T0 + timedelta(days=60))
    assert first == facts_of(closed, "europe", T0 + timedelta(days=3000))
    assert first.outcome == "closed_referred" and first.days_to_feedback == 40
    assert not first.missed_feedback
    never = replace(closed, feedback_given_at=None, closed_at=T0 + timedelta(days=200))
    assert facts_of(never, "europe", NOW).missed_feedback  # open past its due date
    investigated = replace(closed, referred_at=None)
    assert facts_of(investigated, "europe", NOW).outcome == "closed_investigated"


def test_values_nobody_expects_are_counted_as_other():
    odd = FakeCase(channel="carrier-pigeon", language="tlh", kind="something")
    facts = facts_of(odd, "atlantis", NOW)
    assert (facts.channel, facts.language, facts.kind, facts.region) == (
        "other", "other", "other", "unknown"
    )  # fmt: skip


def test_the_median_is_shown_over_five_cases_or_more():
    assert median({3: 4}) is None
    assert median({1: 1, 2: 1, 9: 3}) == 9
    assert median({1: 2, 3: 2, 10: 2}) == 3
    assert median({2: 3, 4: 3}) == 3


def year_of_cases() -> Counter:
    """40 Dutch fraud reports, acknowledged in 3 days (Q1: 12, Q2: 10, Q3: 10, Q4: 8), and
    3 Arabic bullying reports from Rabat in Q2, one of them not acknowledged in time."""
    cases = []
    for quarter, number in zip((1, 2, 3, 4), (12, 10, 10, 8), strict=True):
        received = datetime(2026, 3 * quarter - 2, 5, tzinfo=timezone.utc)
        for _ in range(number):
            cases.append(
                facts_of(
                    FakeCase(
                        received_at=received,
                        acknowledged_at=received + timedelta(3),
                        acknowledgement_due=received + timedelta(7),
                        feedback_due=add_months(received + timedelta(3), 3),
                    ),
                    "hq",
                    NOW,
                )  # fmt: skip
            )
    may = datetime(2026, 5, 5, tzinfo=timezone.utc)
    for late in (False, False, True):
        acknowledged = may + timedelta(days=10 if late else 2)
        case = FakeCase(kind="bullying", language="ar", contact="email", received_at=may,
                        acknowledged_at=acknowledged, acknowledgement_due=may + timedelta(7),
                        feedback_due=add_months(acknowledged, 3))  # fmt: skip
        cases.append(facts_of(case, region_of("RAB", {"RAB": "mena"}), NOW))
    return tally_of(cases)


def test_the_tables_show_small_counts_as_less_than_five_and_hide_what_would_give_them_away():
    overview = build(2026, year_of_cases())
    kinds = {t.name: t for t in overview.breakdowns}["kind"]
    bullying = next(row for row in kinds.rows if row.value == "bullying")
    fraud = next(row for row in kinds.rows if row.value == "fraud")
    assert bullying.cells[1] == SMALL_MARK and bullying.cells[-1] == SMALL_MARK
    assert fraud.cells[-1] == "40" and fraud.numbers[-1] == 40
    assert overview.quarters.cells == ("12", "13", "10", "8", "43")
    # Fraud's 10 of Q2's 13 would give bullying's 3 away; and fraud's 12 of Q1's 12 would
    # say that every case of Q1 was fraud (all other kinds 0): fraud's quarters are hidden.
    assert fraud.cells[:4] == (HIDDEN_MARK,) * 4 and fraud.numbers[:4] == (None,) * 4
    # A kind nobody reported is still a row, "<5" like any other count under 5.
    harassment = next(row for row in kinds.rows if row.value == "sexual_harassment")
    assert set(harassment.cells) == {SMALL_MARK} and set(harassment.numbers) == {None}
    assert overview.quarters.cells[0] == "12"
    for table in overview.breakdowns:
        assert table.total == overview.quarters, "every breakdown has the same totals"
        assert table.columns == ("q1", "q2", "q3", "q4", "year")
    missed = overview.missed.rows[0]
    assert missed.value == "acknowledgement" and missed.cells[1] == SMALL_MARK


def test_hidden_counts_never_reach_the_tables():
    overview = build(2026, year_of_cases())
    for table in overview.tables():
        for row in (*table.rows, *((table.total,) if table.total else ())):
            for cell, number in zip(row.cells, row.numbers, strict=True):
                assert number is None or cell == str(number)
                assert number is None or number >= 5


def test_medians_over_fewer_than_five_cases_are_not_shown():
    overview = build(2026, year_of_cases())
    acknowledgement = overview.medians.rows[0]
    assert acknowledgement.value == "acknowledgement"
    assert acknowledgement.cells == ("3", "3", "3", "3", "3")  # Q2: 10 at 3 days, 3 others
    feedback = overview.medians.rows[1]
    assert set(feedback.cells) == {NO_MEDIAN}  # no feedback given yet


def test_an_old_purge_that_kept_year_kind_and_outcome_is_counted_where_it_fits():
    tally = year_of_cases()
    for key in ((None, "kind", "fraud"), (None, "outcome", "closed_referred")):
        tally[key] += 6
    for measure in ("region", "channel", "language", "anonymous"):
        tally[(None, measure, "not_recorded")] += 6
    overview = build(2026, tally)
    assert overview.not_recorded
    kinds = overview.breakdowns[0]
    assert kinds.columns == ("q1", "q2", "q3", "q4", "quarter_not_recorded", "year")
    assert overview.quarters.cells == ("12", "13", "10", "8", "6", "49")
    regions = {t.name: t for t in overview.breakdowns}["region"]
    assert regions.rows[-1].value == "not_recorded" and regions.rows[-1].cells[-1] == "6"
    assert overview.missed.columns == ("q1", "q2", "q3", "q4", "year")  # not kept then
