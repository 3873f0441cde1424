"""The coarse facts of one case that the annual overview counts, and the tally they add to.

A case counts in the year and quarter it was received (UTC), by kind, region (from its
post; never the post itself), channel, language, whether the reporter stayed anonymous and
its status (for a closed case: closed after referral or after an investigation); with the
whole days from receipt to acknowledgement and to feedback, and which legal deadlines it
missed. A live case and the counts its purge leaves (bot/retention/overview.py) add the same
keys to a `Tally`, so the overview reads the same before and after retention.

Pure functions: nothing here reads a database or a clock."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Protocol

from bot.cases.model import (
    ACKNOWLEDGED,
    CLOSED,
    IN_ASSESSMENT,
    KINDS,
    RECEIVED,
    REFERRED,
    UNDER_INVESTIGATION,
)
from bot.directory.records import REGIONS
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.timestamps import utc

QUARTERS: tuple[int, ...] = (1, 2, 3, 4)
UNKNOWN_REGION = "unknown"
OTHER = "other"
# "twilio" is how Rasa names the SMS and WhatsApp channel; the others are spelled out for
# reports made before or beside it.
CHANNELS: tuple[str, ...] = ("twilio", "sms", "whatsapp", "telegram", "webchat", "rest")
CLOSED_REFERRED = "closed_referred"
CLOSED_INVESTIGATED = "closed_investigated"
OUTCOMES: tuple[str, ...] = (
    RECEIVED,
    ACKNOWLEDGED,
    IN_ASSESSMENT,
    REFERRED,
    UNDER_INVESTIGATION,
    CLOSED_REFERRED,
    CLOSED_INVESTIGATED,
)
DEADLINES: tuple[str, ...] = ("acknowledgement", "feedback")

# The breakdowns the overview shows, each with every value it can take (a value nobody
# chose is still a row: a missing row would say "0" where the table says "<5").
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "region": REGIONS + (UNKNOWN_REGION,),
    "channel": CHANNELS + (OTHER,),
    "language": SUPPORTED_LANGUAGES + (OTHER,),
    "anonymous": ("yes", "no"),
    "outcome": OUTCOMES,
}
MISSED = "missed"
DAYS = {"acknowledgement": "days_to_acknowledgement", "feedback": "days_to_feedback"}
# Breakdowns an old purge (table case_counts, before quarters and regions were kept) did
# not record; its cases are "not recorded" there.
NOT_RECORDED = "not_recorded"

# A tally key: (quarter, or None when not recorded; measure; value).
Key = tuple[Optional[int], str, str]
Tally = Counter[Key]  # how many cases have each key


class CaseLike(Protocol):
    """What `facts_of` reads of a case (bot.cases.model.Case has all of it)."""

    kind: str
    contact: str
    language: str
    channel: str
    status: str
    received_at: datetime
    acknowledged_at: Optional[datetime]
    referred_at: Optional[datetime]
    closed_at: Optional[datetime]
    acknowledgement_due: datetime
    feedback_due: datetime
    feedback_given_at: Optional[datetime]


@dataclass(frozen=True)
class CaseFacts:
    year: int
    quarter: int
    kind: str
    region: str
    channel: str
    language: str
    anonymous: bool
    outcome: str
    days_to_acknowledgement: Optional[int]
    days_to_feedback: Optional[int]
    missed_acknowledgement: bool
    missed_feedback: bool

    def keys(self) -> list[Key]:
        """The tally keys this case adds one to."""
        q = self.quarter
        keys: list[Key] = [
            (q, "kind", self.kind),
            (q, "region", self.region),
            (q, "channel", self.channel),
            (q, "language", self.language),
            (q, "anonymous", "yes" if self.anonymous else "no"),
            (q, "outcome", self.outcome),
        ]
        if self.missed_acknowledgement:
            keys.append((q, MISSED, "acknowledgement"))
        if self.missed_feedback:
            keys.append((q, MISSED, "feedback"))
        if self.days_to_acknowledgement is not None:
            keys.append((q, DAYS["acknowledgement"], str(self.days_to_acknowledgement)))
        if self.days_to_feedback is not None:
            keys.append((q, DAYS["feedback"], str(self.days_to_feedback)))
        return keys


def quarter_of(moment: datetime) -> int:
    return (utc(moment).month - 1) // 3 + 1


def _days(start: datetime, end: Optional[datetime]) -> Optional[int]:
    return None if end is None else max(0, (utc(end) - utc(start)).days)


def _known(value: object, known: tuple[str, ...], other: str = OTHER) -> str:
    return value if isinstance(value, str) and value in known else other


def outcome_of(status: str, referred: bool) -> str:
    """A closed case's outcome is where it went before closing; an open one's its status."""
    if status == CLOSED:
        return CLOSED_REFERRED if referred else CLOSED_INVESTIGATED
    return _known(status, OUTCOMES, RECEIVED)


def region_of(post_code: Optional[str], regions: dict[str, str]) -> str:
    """The region of a post from the directory (`regions`: post code -> region); HQ is a
    region of its own there ("hq"); no post or one the directory no longer has: unknown."""
    if not post_code:
        return UNKNOWN_REGION
    return _known(regions.get(post_code.upper()), REGIONS, UNKNOWN_REGION)


def facts_of(case: CaseLike, region: str, now: datetime) -> CaseFacts:
    """The facts of `case`. A closed case's facts no longer change with `now`, so its purge
    keeps what the overview showed the day before."""
    received = utc(case.received_at)
    closed_at = case.closed_at if case.status == CLOSED else None
    # An open deadline counts as missed once it has passed; a closed case's by its closing.
    until = utc(closed_at or now)
    acknowledged, given = case.acknowledged_at, case.feedback_given_at
    ack_due, feedback_due = utc(case.acknowledgement_due), utc(case.feedback_due)
    missed_ack = (utc(acknowledged) if acknowledged else until) > ack_due
    missed_feedback = (utc(given) if given else until) > feedback_due
    return CaseFacts(
        year=received.year,
        quarter=quarter_of(received),
        kind=_known(case.kind, KINDS),
        region=region if region in BREAKDOWNS["region"] else UNKNOWN_REGION,
        channel=_known(case.channel, CHANNELS),
        language=_known(case.language, SUPPORTED_LANGUAGES),
        anonymous=case.contact == "anonymous",
        outcome=outcome_of(case.status, case.referred_at is not None),
        days_to_acknowledgement=_days(received, acknowledged),
        days_to_feedback=_days(received, given),
        missed_acknowledgement=missed_ack,
        missed_feedback=missed_feedback,
    )


def tally_of(facts: list[CaseFacts]) -> Tally:
    tally: Tally = Counter()
    for one in facts:
        tally.update(one.keys())
    return tally
