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
from typing import Iterable, Mapping, Optional

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases import receipts
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
from bot.language.detection import SUPPORTED_LANGUAGES, fold_accents

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


# Relative expressions per language, matched on lowercased, accent-folded words (so 'mañana'
# and 'manana', 'أمس' and 'امس' are the same). Longer phrases are tried first, so 'avant hier'
# is not read as 'hier' and 'day before yesterday' not as 'yesterday'.
_DAYS_BACK: Mapping[str, Mapping[int, tuple[str, ...]]] = {
    "en": {
        0: ("today", "this morning", "this afternoon", "this evening", "tonight"),
        1: ("yesterday", "last night"),
        2: ("day before yesterday",),
    },
    "nl": {
        0: ("vandaag", "vanochtend", "vanmorgen", "vanmiddag", "vanavond"),
        1: ("gisteren", "gisteravond", "gistermiddag", "gisterochtend"),
        2: ("eergisteren",),
    },
    "fr": {0: ("aujourd hui", "ce matin", "cet apres midi", "ce soir"), 1: ("hier",)},
    "es": {0: ("hoy", "esta manana", "esta tarde"), 1: ("ayer", "anoche")},
    "de": {0: ("heute",), 1: ("gestern",), 2: ("vorgestern",)},
    "pt": {0: ("hoje", "esta manha", "esta tarde"), 1: ("ontem",), 2: ("anteontem",)},
    "ar": {0: ("اليوم", "هذا الصباح"), 1: ("امس", "البارحة"), 2: ("اول امس", "قبل امس")},
}
_DAYS_BACK_EXTRA: Mapping[str, Mapping[int, tuple[str, ...]]] = {
    "fr": {2: ("avant hier",)},
    "es": {2: ("anteayer", "antes de ayer", "antier")},
}
_LAST_WEEK: Mapping[str, tuple[str, ...]] = {
    "en": ("last week",),
    "nl": ("vorige week", "afgelopen week"),
    "fr": ("la semaine derniere", "la semaine passee"),
    "es": ("la semana pasada",),
    "de": ("letzte woche", "letzten woche", "vorige woche", "vergangene woche"),
    "pt": ("semana passada",),
    "ar": ("الاسبوع الماضي",),
}
_LAST_MONTH: Mapping[str, tuple[str, ...]] = {
    "en": ("last month",),
    "nl": ("vorige maand", "afgelopen maand"),
    "fr": ("le mois dernier", "le mois passe"),
    "es": ("el mes pasado",),
    "de": ("letzten monat", "letzter monat", "vorigen monat", "vergangenen monat"),
    "pt": ("mes passado",),
    "ar": ("الشهر الماضي",),
}
# 'N days ago' with the number in digits.
_DAYS_AGO: Mapping[str, str] = {
    "en": r"(\d{1,3}) days? ago",
    "nl": r"(\d{1,3}) dag(?:en)? geleden",
    "fr": r"il y a (\d{1,3}) jours?",
    "es": r"hace (\d{1,3}) dias?",
    "de": r"vor (\d{1,3}) tag(?:en)?",
    "pt": r"ha (\d{1,3}) dias?",
    "ar": r"(?:منذ|قبل) (\d{1,3}) (?:ايام|يوم|يوما)",
}
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


def _languages(language: Optional[str]) -> list[str]:
    # The conversation language only: 'hier' is 'yesterday' in French but 'here' in Dutch.
    return [language] if language is not None and language in _DAYS_BACK else list(_DAYS_BACK)


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
    languages = _languages(language)
    candidates: list[tuple[str, int]] = []
    for code in languages:
        for table in (_DAYS_BACK, _DAYS_BACK_EXTRA):
            for days, phrases in table.get(code, {}).items():
                candidates += [(phrase, days) for phrase in phrases]
    for phrase, days in sorted(candidates, key=lambda item: -len(item[0])):
        if f" {phrase} " in normal:
            return When(words, today - timedelta(days=days), "day")
    for code in languages:
        match = re.search(_DAYS_AGO[code], normal)
        if match:
            day = today - timedelta(days=int(match.group(1)))
            return When(words, day, "day") if _valid(day, today) else When(words)
    for code in languages:
        if any(f" {phrase} " in normal for phrase in _LAST_WEEK[code]):
            monday = today - timedelta(days=today.weekday() + 7)
            return When(words, monday, "week")
        if any(f" {phrase} " in normal for phrase in _LAST_MONTH[code]):
            first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            return When(words, first, "month")
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
