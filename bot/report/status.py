"""The status check in the dialogue: what a reporter sees with their receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from bot.cases.views import Refused, StatusView
from bot.report.form import Phrase

# --- the status check -----------------------------------------------------------------------


STATUS_CODE = "status_code"
STATUS_PASSPHRASE = "status_passphrase"
STATUS_FOLLOW_UP = "status_follow_up"
STATUS_INFORMATION = "status_information"
STATUS_SLOTS: tuple[str, ...] = (STATUS_CODE, STATUS_PASSPHRASE)


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


def slot_resets(names: Iterable[str]) -> dict[str, None]:
    return {name: None for name in names}
