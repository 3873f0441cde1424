"""The status check in the dialogue: what the answers to its questions mean, what a reporter
sees with their receipt, and what is forgotten afterwards. Pure functions without I/O;
actions/status.py moves values between the tracker, these and the case store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Optional

from bot.cases.intake import MAX_DESCRIPTION_CHARS, InvalidReport, clean_text
from bot.cases.receipts import parse_code
from bot.cases.views import Refused, StatusView
from bot.report.answers import EMERGENCY, Answer, problem_response
from bot.report.form import Phrase, slot_resets

STATUS_CODE = "status_code"
STATUS_PASSPHRASE = "status_passphrase"
STATUS_FOLLOW_UP = "status_follow_up"
STATUS_INFORMATION = "status_information"
STATUS_SLOTS: tuple[str, ...] = (STATUS_CODE, STATUS_PASSPHRASE)
# What the code question holds after two answers that were no receipt code: the check ends.
GAVE_UP = "gave_up"


@dataclass(frozen=True)
class Reply:
    """One response to send: its name and the values it needs."""

    response: str
    variables: Mapping[str, str]


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def status_replies(outcome: StatusView | Refused, phrase: Phrase, now: datetime) -> list[Reply]:
    """What the reporter is told after a check: the status, the deadline that runs, the
    coordinator's messages; or why the check was refused (never whether the code or the
    passphrase was wrong)."""
    if isinstance(outcome, Refused):
        if outcome.reason == "locked" and outcome.retry_after is not None:
            return [Reply("utter_status_locked", {"time": f"{outcome.retry_after:%H:%M}"})]
        return [Reply("utter_status_invalid", {})]
    status = phrase(f"status_{outcome.status}") or outcome.status
    replies = [
        Reply("utter_status_overview", {"date": _day(outcome.received_at), "status": status})
    ]
    deadline = outcome.next_deadline
    if deadline is not None:
        if deadline.overdue:
            replies.append(Reply("utter_status_overdue", {"date": _day(deadline.due)}))
        else:
            replies.append(Reply(f"utter_status_due_{deadline.kind}", {"date": _day(deadline.due)}))
    new = [message for message in outcome.messages if message.new]
    for message in new:
        replies.append(
            Reply("utter_status_message", {"date": _day(message.sent_at), "message": message.text})
        )
    if not new:
        replies.append(Reply("utter_status_no_messages", {}))
    replies.append(Reply("utter_status_offer_information", {}))
    return replies


# --- the questions --------------------------------------------------------------------------


def answer_status_code(value: Any, intent: Optional[str], seal: Callable[[str], str]) -> Answer:
    """The receipt's code, with spaces or dashes, kept only as `seal(code)` (a token that
    names no code: the conversation is stored between the two questions); anything else is
    asked again."""
    code = parse_code(value) if isinstance(value, str) else None
    if code is not None:
        return Answer({STATUS_CODE: seal(code)})
    safety = (EMERGENCY,) if intent == "emergency" else ()  # safety first, whatever was asked
    return Answer({STATUS_CODE: None}, safety + ("utter_status_code_unreadable",), refused=True)


def answer_passphrase(value: Any) -> Answer:
    if not isinstance(value, str) or not value.strip():
        return Answer({STATUS_PASSPHRASE: None})
    return Answer({STATUS_PASSPHRASE: value})


def answer_information(value: Any) -> Answer:
    """Information to add to the report: text as the description is."""
    try:
        return Answer({STATUS_INFORMATION: clean_text(value, "information", MAX_DESCRIPTION_CHARS)})
    except InvalidReport as error:
        return Answer({STATUS_INFORMATION: None}, (problem_response(error),))


# --- what is forgotten ----------------------------------------------------------------------


def forget_receipt() -> dict[str, None]:
    """The code and passphrase are cleared right after every check, whatever its outcome."""
    return slot_resets(STATUS_SLOTS)


def after_check(follow_up: Optional[str]) -> dict[str, Optional[str]]:
    """The receipt forgotten; the follow-up token (None when refused) lets the reporter add
    information for a while."""
    return {**forget_receipt(), STATUS_FOLLOW_UP: follow_up}


def after_information(expired: bool) -> dict[str, None]:
    """The information typed is cleared once handled; the follow-up token only when the case
    store said it has expired."""
    return {STATUS_INFORMATION: None, **({STATUS_FOLLOW_UP: None} if expired else {})}


def status_check_cancelled() -> dict[str, None]:
    return {**forget_receipt(), STATUS_INFORMATION: None}
