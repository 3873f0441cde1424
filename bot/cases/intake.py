"""What a reporter types, checked and cleaned before it becomes part of a case.

Pure functions without I/O, for the report form's validation actions and for the case store
(which checks everything again before storing). A problem raises `InvalidReport` with the
field and a reason key the form turns into a message in the user's language; the reason never
contains the user's text, so it is safe to log.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Optional

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases import receipts
from bot.cases.dates import TimeWords, contains, load_time_words
from bot.cases.model import (
    ACKNOWLEDGEMENT_DAYS,
    CONTACTS,
    FEEDBACK_MONTHS,
    KINDS,
    RECEIVED,
    REPORTER,
    SPOKE_TO,
    Case,
    add_months,
    audit,
)
from bot.cases.views import Report
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.text import fold_accents
from bot.settings import settings

# A description of 20,000 characters is stored whole; beyond this it is refused (with a
# request to send the rest after the report is in) rather than cut.
MAX_DESCRIPTION_CHARS = 50_000
MAX_FIELD_CHARS = 5_000
MAX_CONTACT_CHARS = 254
# More than this share of unusable characters means it is not text (binary, wrong encoding).
MAX_JUNK_SHARE = 0.1

_KEPT_CONTROLS = {"\n", "\t"}


class InvalidReport(ValueError):
    """A field cannot be accepted. `reason` is one of: empty, too_long, not_text,
    unknown_choice, invalid_email, invalid_phone."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _is_junk(char: str) -> bool:
    if char in _KEPT_CONTROLS:
        return False
    # Cc control, Cs lone surrogate (cannot even be encoded), Co private use, Cn unassigned,
    # U+FFFD what a decoder leaves for bytes that were not text.
    return unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") or char == "\ufffd"


def clean_text(value: object, field: str, max_chars: int = MAX_FIELD_CHARS) -> str:
    """The text without control characters and decoding debris, trimmed, line breaks unified.

    Refused when empty, longer than `max_chars`, or when more than a tenth of it is junk: then
    it is binary or mis-encoded, and keeping the rest would store half a message."""
    if not isinstance(value, str):
        raise InvalidReport(field, "not_text")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    junk = sum(1 for char in text if _is_junk(char))
    if text and junk / len(text) > MAX_JUNK_SHARE:
        raise InvalidReport(field, "not_text")
    text = "".join(char for char in text if not _is_junk(char))
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InvalidReport(field, "empty")
    if not any(unicodedata.category(char)[0] in ("L", "N", "S") for char in text):
        raise InvalidReport(field, "not_text")
    if len(text) > max_chars:
        raise InvalidReport(field, "too_long")
    return text


def optional_text(value: object, field: str, max_chars: int = MAX_FIELD_CHARS) -> Optional[str]:
    """None for a skipped optional question (None or blank), else `clean_text`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_text(value, field, max_chars)


def append_description(existing: Optional[str], addition: object) -> str:
    """'What happened' over several messages: each new message on its own line."""
    added = clean_text(addition, "what_happened", MAX_DESCRIPTION_CHARS)
    combined = f"{existing}\n{added}" if existing else added
    if len(combined) > MAX_DESCRIPTION_CHARS:
        raise InvalidReport("what_happened", "too_long")
    return combined


def choice(value: object, field: str, allowed: Iterable[str]) -> str:
    if not isinstance(value, str) or value not in tuple(allowed):
        raise InvalidReport(field, "unknown_choice")
    return value


# --- when -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """The reporter's words, kept as they are, and the date they name when it can be told:
    `precision` is 'day', 'week' (date = that Monday) or 'month' (date = the 1st)."""

    words: str
    date: Optional[date] = None
    precision: Optional[str] = None


_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# Day first, as written in Europe, Latin America and the Arab world.
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)")
_EARLIEST = date(1950, 1, 1)


def _normalise_words(text: str) -> str:
    digits = "".join(
        str(unicodedata.decimal(char)) if unicodedata.decimal(char, None) is not None else char
        for char in text
    )
    folded = fold_accents(digits).casefold()
    # Punctuation becomes space, except '/', '.' and '-' between digits (dates).
    spaced = re.sub(r"[^\w/.\-]+|(?<!\d)[/.\-]|[/.\-](?!\d)", " ", folded)
    return " " + " ".join(spaced.split()) + " "


def _time_words(language: Optional[str]) -> list[TimeWords]:
    """The expressions of the conversation language only ('hier' is 'yesterday' in French
    but 'here' in Dutch); of every language when it is not known. Relative expressions are
    matched on lowercased, accent-folded words, so 'mañana' and 'manana', 'أمس' and 'امس'
    are the same (bot/cases/dates.py, data/content/<language>/dates.yml)."""
    known = load_time_words(settings().content_dir, _normalise_words)
    if language is not None and language in known:
        return [known[language]]
    return list(known.values())


def _valid(day: date, today: date) -> bool:
    return _EARLIEST <= day <= today


def _make_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_when(text: object, today: date, language: Optional[str] = None) -> When:
    """The reporter's answer to 'when did it happen?': words kept, the date parsed when it can
    be ('yesterday', 'last week', '2024-03-05', '05/03/2024'...). 'Last Ramadan' or 'a while
    ago' keep their words and have no date. Dates in the future are not taken as dates."""
    words = clean_text(text, "when", MAX_FIELD_CHARS)
    normal = _normalise_words(words)
    for pattern, order in ((_ISO, (1, 2, 3)), (_DAY_FIRST, (3, 2, 1))):
        match = pattern.search(normal)
        if match:
            parts = [int(match.group(index)) for index in order]
            day = _make_date(*parts)
            if day and _valid(day, today):
                return When(words, day, "day")
            return When(words)
    languages = _time_words(language)
    for words_of in languages:
        for pattern in words_of.days_ago:
            match = pattern.search(normal)
            if match:
                day = today - timedelta(days=int(match.group(1)))
                return When(words, day, "day") if _valid(day, today) else When(words)
    # The longest expression found wins, whatever it names: 'minggu kemarin' (last week) is
    # not 'kemarin' (yesterday), 'avant hier' is not 'hier'.
    found: list[tuple[str, str]] = [
        (phrase, meaning)
        for words_of in languages
        for phrase, meaning in [
            *((phrase, str(days)) for phrase, days in words_of.days_back),
            *((phrase, "week") for phrase in words_of.last_week),
            *((phrase, "month") for phrase in words_of.last_month),
        ]
        if contains(normal, phrase)
    ]
    if found:
        _, meaning = max(found, key=lambda item: len(item[0]))
        if meaning == "week":
            return When(words, today - timedelta(days=today.weekday() + 7), "week")
        if meaning == "month":
            return When(words, (today.replace(day=1) - timedelta(days=1)).replace(day=1), "month")
        return When(words, today - timedelta(days=int(meaning)), "day")
    return When(words)


# --- contact --------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


def email_in(text: object) -> Optional[str]:
    """The e-mail address written inside a longer answer ("mail me at a@b.org please")."""
    if not isinstance(text, str):
        return None
    match = _EMAIL.search(text)
    return match.group(0).rstrip(".,;:!?)") if match else None


def contact_details(kind: str, details: object, region: Optional[str] = None) -> Optional[str]:
    """The contact details to keep for the chosen way back to the reporter.

    anonymous: none kept, whatever was given. this_channel: optional (the address on the
    channel, if the channel needs one to answer). email: a plausible address. phone: a
    possible number, international ('+31 6 ...' or '0031 6 ...') unless `region` (ISO country
    code, e.g. from the post) says how to read a local one; stored as +E.164."""
    choice(kind, "contact", CONTACTS)
    if kind == "anonymous":
        return None
    if kind == "this_channel":
        return optional_text(details, "contact_details", MAX_CONTACT_CHARS)
    text = clean_text(details, "contact_details", MAX_CONTACT_CHARS)
    if kind == "email":
        if not _EMAIL.fullmatch(text):
            raise InvalidReport("contact_details", "invalid_email")
        return text
    number_text = "+" + text[2:] if text.startswith("00") else text
    try:
        number = phonenumbers.parse(number_text, None if number_text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise InvalidReport("contact_details", "invalid_phone") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidReport("contact_details", "invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def day_of(moment: datetime) -> datetime:
    """The start of `moment`'s day (in its own time zone: UTC in the case store)."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def reporter_time(contact: Optional[str], now: datetime) -> datetime:
    """When the reporter's side of an anonymous case is stored: the day only. An exact time
    could be matched with a conversation's or a channel's times and lead back to the sender;
    the legal clock counts in days (7 days, 3 months), so the day is all it needs.
    Reporters who gave contact details, and the coordinator's side, keep exact times."""
    return day_of(now) if contact == "anonymous" else now


def prepare_case(report: Report, now: datetime) -> Case:
    """A new case from a report, every field checked (raises InvalidReport); no I/O."""
    when = parse_when(report.when, now.date(), report.language) if report.when else None
    where = optional_text(report.where, "where")
    post_code = optional_text(report.post_code, "post_code", 20)
    # From the day's start for anonymous reports: the deadline is never later than the
    # exact time would give.
    received = reporter_time(report.contact, now)
    acknowledgement_due = received + timedelta(days=ACKNOWLEDGEMENT_DAYS)
    return Case(
        kind=choice(report.kind, "kind", KINDS),
        what_happened=clean_text(report.what_happened, "what_happened", MAX_DESCRIPTION_CHARS),
        when_words=when.words if when else None,
        occurred_on=when.date if when else None,
        occurred_precision=when.precision if when else None,
        post_code=post_code.upper() if post_code else None,
        where_words=where,
        involved=optional_text(report.involved, "involved"),
        witnesses=optional_text(report.witnesses, "witnesses"),
        spoke_to=None if report.spoke_to is None else choice(report.spoke_to, "spoke_to", SPOKE_TO),
        contact=choice(report.contact, "contact", CONTACTS),
        contact_details=contact_details(
            report.contact, report.contact_details, report.contact_region
        ),
        language=choice(report.language, "language", SUPPORTED_LANGUAGES),
        channel=clean_text(report.channel, "channel", 40),
        # An anonymous reporter's case is not linked to their conversation: with the
        # pseudonym key and the tracker store, the reference would lead back to the sender.
        conversation_reference=(
            None
            if report.contact == "anonymous"
            else optional_text(report.conversation_reference, "conversation_reference", 40)
        ),
        status=RECEIVED,
        received_at=received,
        acknowledgement_due=acknowledgement_due,
        feedback_due=add_months(acknowledgement_due, FEEDBACK_MONTHS),
    )


def _new_code(session: Session, lookup_key: bytes) -> tuple[str, str]:
    """A receipt code no case has, and its digest."""
    while True:
        code = receipts.new_code()
        digest = receipts.code_digest(code, lookup_key)
        taken = session.execute(select(Case.id).where(Case.code_digest == digest)).first()
        if not taken:  # one in 10^16: draw again rather than fail
            return code, digest


def store_case(
    session: Session, case: Case, passphrase_hash: str, lookup_key: bytes, now: datetime
) -> str:
    """Adds the prepared case with a fresh receipt code; returns the code."""
    code, case.code_digest = _new_code(session, lookup_key)
    case.passphrase_hash = passphrase_hash
    session.add(case)
    session.flush()
    at = reporter_time(case.contact, now)
    audit(session, REPORTER, "report.submitted", at, case.id, f"kind={case.kind}")
    return code


def submitted_case(session: Session, submission_digest: str) -> Optional[Case]:
    """The case a report's earlier sending stored, if it was stored."""
    return session.execute(
        select(Case).where(Case.submission_digest == submission_digest)
    ).scalar_one_or_none()


def renew_receipt(
    session: Session, case: Case, passphrase_hash: str, lookup_key: bytes, now: datetime
) -> str:
    """A new receipt code and passphrase for a case whose receipt never reached the reporter
    (the report sent again): the earlier ones stop working. Returns the code."""
    code, case.code_digest = _new_code(session, lookup_key)
    case.passphrase_hash = passphrase_hash
    audit(session, REPORTER, "report.receipt_renewed", reporter_time(case.contact, now), case.id)
    return code
