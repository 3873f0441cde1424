"""The Rasa server when something it needs is down: the turn stops, nothing of it is saved,
and the channel tells the user to send the message again (channels/webhook.py for Twilio
and Telegram, channels/rest.py, the web chat's `unavailable`).

Rasa 3.6 itself carries on, and both ways lose the user's message:
- the action server cannot be reached (killed, restarting): Rasa logs the error, drops the
  action's events and predicts on, so the user gets silence, or an answer that does not
  follow, and their message stays in the history as if it had been dealt with;
- the tracker store fails (PostgreSQL restarting): Rasa's FailSafeTrackerStore reads the
  conversation as a new one and keeps the turn in this one server's memory, so the user gets
  the answer of a new conversation and what they said is lost to every other server.

`install()`, in the Rasa server process only (bot.servers.rasa_server):
- RemoteAction.run raises ActionServerUnreachable when the action server cannot be reached
  or does not answer; MessageProcessor._run_action, which catches every error of an action,
  raises it again, and so does the slot extraction, which swallows Rasa's own errors;
- the agent uses the tracker store itself, without Rasa's FailSafeTrackerStore around it.

A turn that stops this way is not saved, so the conversation is as it was before the
message: sending it again continues where the user was."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any, Optional


class ActionServerUnreachable(RuntimeError):
    """The action server could not be reached or did not answer; the turn is not saved."""

    def __init__(self, action: str) -> None:
        super().__init__(f"the action server did not answer for {action}")
        self.action = action


# The failure of the action being run, seen through Rasa's own `except Exception`.
_failed: ContextVar[Optional[ActionServerUnreachable]] = ContextVar(
    "action_server_failed", default=None
)


def _unreachable(error: BaseException) -> bool:
    """A connection refused, dropped or timed out: Rasa raises its RasaException with the
    aiohttp error as the context (rasa/core/actions/action.py)."""
    import aiohttp

    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _raising_failure(run: Any) -> Any:
    """Awaits `run` (a coroutine that may swallow an action's failure) and raises the
    failure it swallowed."""
    token = _failed.set(None)
    try:
        result = await run
        failure = _failed.get()
    finally:
        _failed.reset(token)
    if failure is not None:
        raise failure
    return result


def install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import InMemoryTrackerStore

    original_run = RemoteAction.run
    if getattr(original_run, "_fails_closed", False):
        return

    async def run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original_run(self, *args, **kwargs)
        except Exception as error:
            if not _unreachable(error):
                raise
            failure = ActionServerUnreachable(self.name())
            _failed.set(failure)
            raise failure from None

    original_run_action = MessageProcessor._run_action

    async def run_action(self: MessageProcessor, *args: Any, **kwargs: Any) -> bool:
        return await _raising_failure(original_run_action(self, *args, **kwargs))

    original_extract = MessageProcessor.run_action_extract_slots

    async def run_action_extract_slots(self: MessageProcessor, *args: Any, **kwargs: Any) -> Any:
        return await _raising_failure(original_extract(self, *args, **kwargs))

    def create_tracker_store(store: Any, domain: Any) -> Any:
        if store is None:
            return InMemoryTrackerStore(domain)
        store.domain = domain
        return store

    run._fails_closed = True  # type: ignore[attr-defined]
    RemoteAction.run = run
    MessageProcessor._run_action = run_action
    MessageProcessor.run_action_extract_slots = run_action_extract_slots
    Agent._create_tracker_store = staticmethod(create_tracker_store)
