"""Runs one input channel's blueprint in a real Sanic server on loopback, with Rasa's
in-memory tracker store and the project's domain, and a stand-in dialogue: each message
it gets is recorded, answered with a response rendered by the real renderer for the
output channel Rasa would name, and logged on the tracker as Rasa would."""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Sanic

from bot import runtime
from tests.support import ROOT

_app_numbers = itertools.count(1)

# What the stand-in dialogue answers to a payload; anything else gets `default_response`.
PAYLOAD_RESPONSES = {
    "/greet": "utter_greet",
    "/ask_options": "utter_options",
    "/human_handoff": "utter_human_handoff",
    "/share_experience": "utter_invite_story",
    "/change_language": "utter_language_menu",
    "/delete_data": "utter_delete_data",
}


@dataclass
class Agent:
    """The parts of rasa.core.agent.Agent a channel reads from the app."""

    domain: Domain
    tracker_store: InMemoryTrackerStore


@dataclass
class StandInDialogue:
    language: str = "en"
    default_response: str = "utter_greet"
    received: list[UserMessage] = field(default_factory=list)
    # A raw text to send instead of a rendered response (long texts, odd characters).
    raw_reply: Optional[str] = None
    raw_buttons: Optional[list[dict[str, str]]] = None
    # Responses that follow the first in the same turn (an offer, then the question again).
    then: tuple[str, ...] = ()
    fail: bool = False

    def texts(self) -> list[str]:
        return [m.text for m in self.received]


class ChannelServer:
    def __init__(self, channel: InputChannel, dialogue: Optional[StandInDialogue] = None):
        self.channel = channel
        self.dialogue = dialogue or StandInDialogue()
        domain = Domain.load(str(ROOT / "domain.yml"))
        self.agent = Agent(domain=domain, tracker_store=InMemoryTrackerStore(domain))
        self.app = Sanic(f"channel_test_{next(_app_numbers)}", configure_logging=False)
        # Sanic rewrites its own methods when an app starts, which fails for a second app
        # in the same process unless it is in test mode (as sanic-testing sets it).
        Sanic.test_mode = True
        self.app.ctx.agent = self.agent
        self.app.blueprint(channel.blueprint(self._on_new_message), url_prefix=self.prefix)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def prefix(self) -> str:
        return f"/webhooks/{self.channel.name()}"

    @property
    def webhook(self) -> str:
        return f"{self.url}{self.prefix}/webhook"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.app.create_server(
                host="127.0.0.1", port=self.port, return_asyncio_server=True, debug=False
            )
        )
        assert server is not None
        self.loop.run_until_complete(server.startup())
        self._ready.set()
        self.loop.run_forever()

    def start(self) -> ChannelServer:
        self._thread.start()
        assert self._ready.wait(20), "the channel server did not start"
        return self

    def run(self, coroutine: Any, timeout: float = 30) -> Any:
        """Runs a coroutine on the server's loop (where the channel's clients live)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def settle(self, timeout: float = 30) -> None:
        """Waits for the deliveries the channel is still handling after answering the
        platform (files it downloads: channels.background)."""
        background = getattr(self.channel, "background", None)
        if background is not None:
            assert self.run(background.idle(timeout), timeout + 5), "deliveries still at work"

    def remember(self, sender_id: str, slot: str, value: Any) -> None:
        """Sets a slot on the stored conversation, as an action of the dialogue would."""

        async def remembered() -> None:
            store = self.agent.tracker_store
            tracker = await store.get_or_create_tracker(sender_id)
            tracker.update(SlotSet(slot, value))
            await store.save(tracker)

        self.run(remembered())

    def stop(self, cleanup: Optional[Callable[[], Any]] = None) -> None:
        if cleanup is not None:
            self.run(cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    async def _on_new_message(self, message: UserMessage) -> None:
        dialogue = self.dialogue
        dialogue.received.append(message)
        if dialogue.fail:
            raise RuntimeError("the dialogue failed")
        output = message.output_channel
        store = self.agent.tracker_store
        tracker = await store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, parse_data=message.parse_data))
        tracker.update(SlotSet("language", dialogue.language))
        if dialogue.raw_reply is not None:
            reply: dict[str, Any] = {"text": dialogue.raw_reply}
            if dialogue.raw_buttons:
                reply["buttons"] = dialogue.raw_buttons
        else:
            name = PAYLOAD_RESPONSES.get(message.text or "", dialogue.default_response)
            reply = runtime.renderer().render(name, dialogue.language, output.name(), {})
        replies = [reply] + [
            runtime.renderer().render(name, dialogue.language, output.name(), {})
            for name in dialogue.then
        ]
        for each in replies:
            tracker.update(BotUttered(each.get("text"), data={"buttons": each.get("buttons")}))
        await store.save(tracker)
        for each in replies:
            await output.send_response(message.sender_id, dict(each))

    def tracker_language(self, sender_id: str) -> Any:
        async def _read() -> Any:
            tracker = await self.agent.tracker_store.retrieve(sender_id)
            return tracker.get_slot("language") if tracker else None

        return self.run(_read())
