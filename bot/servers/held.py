"""The Rasa server's side of a conversation an advisor holds (bot.handoffs.hold decides).

Rasa answers nothing while a conversation is paused (MessageProcessor._should_handle_message)
and has no hook to answer some messages anyway. `install()` wraps
MessageProcessor._run_prediction_loop, in the Rasa server process only
(bot.servers.rasa_server), so that a paused conversation:
- resumes on the word to go back, and runs `action_back_to_assistant`;
- answers an emergency as if unpaused, then stays paused for the advisor;
- gives a file the user sent to the advisor's handoff (action_share_file), still paused;
- otherwise stays silent, as Rasa would."""

from __future__ import annotations

from typing import Any

BACK_ACTION = "action_back_to_assistant"
FILE_ACTION = "action_share_file"


def _back_words() -> list[str]:
    from bot import runtime
    from bot.handoffs.hold import BACK_PHRASE

    content = runtime.content_store().content()
    return [words[BACK_PHRASE] for words in content.phrases.values() if BACK_PHRASE in words]


def install() -> None:
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ConversationPaused, ConversationResumed

    from bot.handoffs.hold import ANSWER, FILE, RESUME, while_held

    original = MessageProcessor._run_prediction_loop
    if getattr(original, "_held_aware", False):
        return

    async def run_prediction_loop(
        self: MessageProcessor, output_channel: Any, tracker: Any
    ) -> None:
        latest = tracker.latest_message
        if not tracker.is_paused() or latest is None:
            return await original(self, output_channel, tracker)
        decision = while_held(latest.text or "", latest.parse_data, _back_words())
        if decision == RESUME:
            tracker.update(ConversationResumed())
            await run(self, BACK_ACTION, tracker, output_channel)
            await run(self, ACTION_LISTEN_NAME, tracker, output_channel)
        elif decision == FILE:  # given to the advisor's handoff, still paused
            await run(self, FILE_ACTION, tracker, output_channel)
            # Listening again, as after any turn: the next message is read afresh.
            await run(self, ACTION_LISTEN_NAME, tracker, output_channel)
        elif decision == ANSWER:
            tracker.update(ConversationResumed())
            await original(self, output_channel, tracker)
            tracker.update(ConversationPaused())
        return None

    async def run(self: MessageProcessor, name: str, tracker: Any, output_channel: Any) -> None:
        action = self._get_action(name)
        prediction = PolicyPrediction.for_action_name(self.domain, name)
        await self._run_action(action, tracker, output_channel, self.nlg, prediction)

    run_prediction_loop._held_aware = True  # type: ignore[attr-defined]
    MessageProcessor._run_prediction_loop = run_prediction_loop
