"""How long each kind of record is kept, from bot.settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cases.model import add_months
from bot.settings import settings

# Delivery ids must be remembered at least as long as any channel relies on them to refuse a
# redelivery (channels/state.py: 7 days for Telegram, which also refuses old updates by date;
# 30 days for Twilio, which signs no timestamp: as long as conversations are kept). A test
# keeps this in step with the channels.
DELIVERY_MEMORY = timedelta(days=30)


@dataclass(frozen=True)
class RetentionPolicy:
    conversation_days: int = 30  # after the conversation's last message
    handoff_days: int = 90  # after the handoff was closed
    case_years: int = 5  # after the case was closed
    evidence_hold_hours: int = 24  # a file sent, while no use was chosen for it
    delivery_memory: timedelta = DELIVERY_MEMORY

    def __post_init__(self) -> None:
        periods = (self.conversation_days, self.handoff_days, self.case_years)
        if min(*periods, self.evidence_hold_hours) < 1:
            raise ValueError("retention periods are at least 1 (hour, day or year)")

    @classmethod
    def from_environment(cls) -> RetentionPolicy:
        """VM_RETENTION_CONVERSATION_DAYS (30), VM_RETENTION_HANDOFF_DAYS (90) and
        VM_RETENTION_CASE_YEARS (5), VM_EVIDENCE_HOLD_HOURS (24)."""
        current = settings()
        return cls(
            conversation_days=current.retention_conversation_days,
            handoff_days=current.retention_handoff_days,
            case_years=current.retention_case_years,
            evidence_hold_hours=current.evidence_hold_hours,
        )

    def conversations_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.conversation_days)

    def files_held_before(self, now: datetime) -> datetime:
        """Files sent before this, for which the user chose no use, are deleted."""
        return now - timedelta(hours=self.evidence_hold_hours)

    def handoffs_closed_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.handoff_days)

    def deliveries_before(self, now: datetime) -> datetime:
        """A replayed delivery must never find a conversation whose delivery id is gone."""
        return now - max(self.delivery_memory, timedelta(days=self.conversation_days))

    def cases_closed_before(self, now: datetime) -> datetime:
        return add_months(now, -12 * self.case_years)
