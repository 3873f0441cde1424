"""What an advisor does with a conversation, across the database and the Rasa server:
take it (the assistant pauses and the user is told a person joined), write to the user,
retry a message that was not delivered, hand it back to the assistant, close it; and the
conversation as the advisor reads it (the transcript handed over, then the live events).

Every text the user gets from here is rendered from the content store in the
conversation's language (data/content/<language>/console.yml)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from bot import runtime
from bot.console import desk
from bot.console.accounts import Account
from bot.console.assistant import ADVISOR_MESSAGE_ID, Assistant, AssistantUnavailable
from bot.console.audit import audit
from bot.evidence.dialogue import is_file_payload
from bot.handoffs import messages
from bot.handoffs.hold import is_alarm
from bot.handoffs.messages import OutgoingMessage
from bot.handoffs.store import Handoff, HandoffRecord
from bot.pseudonym import is_sender_id

log = logging.getLogger(__name__)

BACK_ACTION = "action_back_to_assistant"
# Channels whose users read the conversation rather than get pushed messages.
PULLED_CHANNELS = frozenset({"rest"})


@dataclass(frozen=True)
class Entry:
    """One line of the conversation as the console shows it."""

    kind: str  # user, assistant, advisor, went_back
    text: str
    at: Optional[datetime]
    alarm: bool = False
    message: Optional[OutgoingMessage] = None  # for kind advisor
    file: bool = False  # the user sent a file (listed with the attachments), not this text


def _style(handoff: HandoffRecord) -> str:
    """The channel a text is rendered for: 'sms' and 'whatsapp' differ, both are 'twilio'."""
    conversation = handoff.conversation_id or ""
    return conversation.split(":", 1)[0] if is_sender_id(conversation) else handoff.channel


def _phrase(phrase: str, language: str, **values: str) -> str:
    text = runtime.content_store().phrase(phrase, language) or ""
    return text.format(**values) if values else text


def user_text(handoff: HandoffRecord, message: OutgoingMessage) -> str:
    """The advisor's message as the user sees it: marked as coming from a person."""
    if message.signature:
        opening = _phrase("advisor_message_from", handoff.language, name=message.signature)
    else:
        opening = _phrase("advisor_message_from_unnamed", handoff.language)
    return f"{opening}\n{message.text}" if opening else message.text


class Conversations:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    async def _tell(self, handoff: HandoffRecord, response: str) -> None:
        """Sends a notice (utter_advisor_joined, ...) to the user; never raises."""
        if not handoff.conversation_id:
            return
        words = {"back_word": _phrase("back_to_assistant_word", handoff.language)}
        rendered = runtime.renderer().render(response, handoff.language, _style(handoff), words)
        if not rendered:
            return
        try:
            await self.assistant.say(handoff.conversation_id, handoff.channel, rendered["text"])
        except AssistantUnavailable as error:
            log.error("Notice %s for handoff %s not sent: %s", response, handoff.id, error)

    async def _hold(self, handoff: HandoffRecord) -> HandoffRecord:
        if handoff.held or not handoff.conversation_id or handoff.status == "closed":
            return handoff
        await self.assistant.pause(handoff.conversation_id)
        await runtime.database().run(lambda s: desk.set_held(s, handoff.id, True))
        await self._tell(handoff, "utter_advisor_joined")
        return await self.reload(handoff.id) or handoff

    async def reload(self, handoff_id: str) -> Optional[HandoffRecord]:
        def load(session: Any) -> Optional[HandoffRecord]:
            row = session.get(Handoff, handoff_id)
            return row.record() if row is not None else None

        return await runtime.database().run(load)

    async def take(self, handoff: HandoffRecord, account: Account) -> bool:
        """Claims the handoff and holds the conversation. False: another advisor was first."""
        assert account.advisor_id is not None

        def claim(session: Any) -> bool:
            won = desk.claim(session, account.advisor_id or "", handoff.id)
            if won:
                audit(session, account.id, "handoff_claimed", handoff.id)
            return won

        if not await runtime.database().run(claim):
            return False
        current = await self.reload(handoff.id)
        if current is not None:
            try:
                await self._hold(current)
            except AssistantUnavailable as error:
                log.error("Handoff %s claimed, but the assistant was not paused: %s",
                          handoff.id, error)  # fmt: skip
        return True

    async def write(
        self, handoff: HandoffRecord, account: Account, text: str, signature: Optional[str]
    ) -> OutgoingMessage:
        """Keeps the message, then sends it; raises ValueError ('empty', 'too_long')."""
        kept = await runtime.database().run(
            lambda s: messages.keep_message(s, handoff.id, account.id, text, signature)
        )
        return await self._send(handoff, account, kept, "message_sent")

    async def retry(
        self, handoff: HandoffRecord, account: Account, message_id: str
    ) -> Optional[OutgoingMessage]:
        def load(session: Any) -> Optional[OutgoingMessage]:
            found = messages.get_message(session, message_id)
            if found is None or found.handoff_id != handoff.id or found.status != messages.FAILED:
                return None
            messages.mark_sending(session, message_id)
            return found

        message = await runtime.database().run(load)
        if message is None:
            return None
        return await self._send(handoff, account, message, "message_retried")

    async def _send(
        self, handoff: HandoffRecord, account: Account, message: OutgoingMessage, action: str
    ) -> OutgoingMessage:
        reason: Optional[str] = None
        if not handoff.conversation_id or handoff.status == "closed":
            reason = "no_address"
        else:
            try:
                handoff = await self._hold(handoff)
                await self.assistant.say(
                    handoff.conversation_id or "",
                    handoff.channel,
                    user_text(handoff, message),
                    message_id=message.id,
                )
            except AssistantUnavailable:
                reason = "assistant_down"

        def settle(session: Any) -> OutgoingMessage:
            current = messages.get_message(session, message.id)
            assert current is not None
            if reason is not None:
                messages.mark_outcome(session, message.id, reason)
            elif current.status == messages.SENDING:
                # No channel reported: a REST conversation holds it; any other channel
                # was not there to send it.
                pulled = handoff.channel in PULLED_CHANNELS
                messages.mark_outcome(session, message.id, None if pulled else "channel_down")
            final = messages.get_message(session, message.id)
            assert final is not None
            sent = final.status == messages.SENT
            audit(session, account.id, action if sent else "message_failed", handoff.id)
            return final

        return await runtime.database().run(settle)

    async def hand_back(self, handoff: HandoffRecord, account: Account) -> None:
        if handoff.conversation_id and handoff.held:
            await self._tell(handoff, "utter_advisor_handed_back")
            await self.assistant.resume(handoff.conversation_id)

        def release(session: Any) -> None:
            desk.set_held(session, handoff.id, False)
            audit(session, account.id, "conversation_handed_back", handoff.id)

        await runtime.database().run(release)

    async def close(self, handoff: HandoffRecord, account: Account) -> None:
        """Tells the user, resumes the assistant, and forgets the user's address."""
        if handoff.conversation_id:
            await self._tell(handoff, "utter_advisor_closed")
            try:
                await self.assistant.resume(handoff.conversation_id)
            except AssistantUnavailable as error:
                log.error("Handoff %s closed; the assistant was not resumed: %s",
                          handoff.id, error)  # fmt: skip

        def close(session: Any) -> None:
            desk.close(session, handoff.id)
            audit(session, account.id, "handoff_closed", handoff.id)

        await runtime.database().run(close)

    async def entries(self, handoff: HandoffRecord) -> tuple[list[Entry], bool]:
        """The conversation: what was handed over, then what followed (live from the
        Rasa server) with the advisors' messages; and whether the live part was read."""
        handed = [
            Entry(
                "user" if e.sender == "user" else "assistant",
                e.text,
                _parsed(e.timestamp),
                file=e.sender == "user" and is_file_payload(e.text),
            )
            for e in handoff.transcript
        ]
        sent = await runtime.database().run(lambda s: messages.messages_of(s, handoff.id))
        later: list[Entry] = [Entry("advisor", m.text, m.created_at, message=m) for m in sent]
        live = True
        if handoff.conversation_id:
            try:
                events = await self.assistant.events(handoff.conversation_id)
                later.extend(live_entries(events, handoff.created_at))
            except AssistantUnavailable:
                live = False
        far = datetime.max.replace(tzinfo=timezone.utc)
        later.sort(key=lambda entry: entry.at or far)
        return handed + later, live


def _parsed(value: Optional[str]) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def live_entries(events: list[dict[str, Any]], since: datetime) -> list[Entry]:
    """What happened in the conversation after the handoff: the user's messages (flagged
    when they were an emergency), the assistant's answers, and the user going back to
    the assistant. The advisors' own messages come from the database, with their status."""
    entries: list[Entry] = []
    start = since.timestamp()
    for event in events:
        stamp = event.get("timestamp")
        if not isinstance(stamp, (int, float)) or stamp <= start:
            continue
        at = datetime.fromtimestamp(stamp, timezone.utc)
        kind = event.get("event")
        text = event.get("text")
        if kind == "user" and isinstance(text, str):
            alarm = is_alarm(event.get("parse_data") or {})
            entries.append(Entry("user", text, at, alarm=alarm, file=is_file_payload(text)))
        elif kind == "bot" and isinstance(text, str):
            if ADVISOR_MESSAGE_ID not in (event.get("metadata") or {}):
                entries.append(Entry("assistant", text, at))
        elif kind == "action" and event.get("name") == BACK_ACTION:
            entries.append(Entry("went_back", "", at))
    return entries
