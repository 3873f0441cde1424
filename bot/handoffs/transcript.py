"""A handoff's transcript, taken from the conversation's Rasa events: what the advisor
reads of the conversation before the handoff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Optional

from bot.handoffs.store import SENDERS, TranscriptEntry
from bot.security.redaction import redact_events


def transcript_from_events(events: Iterable[Mapping[str, Any]]) -> list[TranscriptEntry]:
    """This conversation's messages from Rasa tracker events (`tracker.events`): user and
    bot texts since the last session start, in order, redacted as the conversation store
    keeps them (bot/security/redaction.py: no receipt, no status-check answer, no address)."""
    entries: list[TranscriptEntry] = []
    for event in redact_events(events):
        kind = event.get("event")
        if kind == "session_started":
            entries = []
            continue
        if kind not in SENDERS:
            continue
        text = event.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        entries.append(TranscriptEntry(kind, text, _timestamp(event.get("timestamp"))))
    return entries


def _timestamp(value: object) -> Optional[str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return None
