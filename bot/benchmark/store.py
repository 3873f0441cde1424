"""The conversation store's cost per turn, without servers: how long loading and saving a
turn take at turn 2 and at turn 40 of a conversation (bot/tracker_store.py, on SQLite and,
when its binaries are here, PostgreSQL).

Each conversation is played as a Rasa server plays it: per turn, load the tracker, add the
turn's events, save it. The events are made up but shaped like a report conversation's
(10 per turn: the user's message with its parse data, the form's slots, the bot's
question, the actions); no text of a real conversation is used. Figures are printed,
never asserted: the machine may be shared."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import EncryptedSQLTrackerStore

FORM = "report_form"
# The report form's questions, asked in turn (slot names as domain.yml has them).
QUESTIONS: tuple[str, ...] = (
    "report_what_happened",
    "report_when",
    "report_where",
    "report_involved",
    "report_witnesses",
    "report_spoke_to",
    "report_contact",
)
INTENTS: tuple[str, ...] = (
    "inform",
    "share_experience",
    "ask_protection",
    "emergency",
    "ask_what_counts",
    "delete_data",
    "ask_advisor_role",
    "human_handoff",
    "ask_process",
    "general_complaint",
)
DOMAIN_YAML = f"""
version: "3.1"
intents: [{", ".join(INTENTS)}]
forms:
  {FORM}:
    required_slots: [{", ".join(QUESTIONS)}]
slots:
  language: {{type: text, influence_conversation: false, mappings: [{{type: custom}}]}}
""" + "".join(
    f"  {name}: {{type: text, influence_conversation: false, mappings: [{{type: custom}}]}}\n"
    for name in QUESTIONS
)
MODEL_METADATA = {"model_id": "0" * 32, "assistant_id": "veilig-melden"}
WORDS = "the manager said again that my shifts would be cut if I told anyone".split()


def domain() -> Domain:
    with warnings.catch_warnings():
        # Rasa 3 warns about the removed slot auto-fill on every load, whatever the domain.
        warnings.filterwarnings("ignore", message="Slot auto-fill has been removed")
        return Domain.from_yaml(DOMAIN_YAML)


def _text(number: int, words: int) -> str:
    return " ".join(WORDS[(number + i) % len(WORDS)] for i in range(words))


def _user(number: int) -> UserUttered:
    text = _text(number, 10)
    ranking = [
        {"name": name, "confidence": round(0.5 / (rank + 1), 6)}
        for rank, name in enumerate(INTENTS)
    ]
    parse_data: dict[str, Any] = {
        "intent": ranking[0],
        "entities": [],
        "text": text,
        "message_id": uuid.uuid4().hex,
        "metadata": {"channel": "rest"},
        "text_tokens": [[i * 5, i * 5 + 4] for i in range(10)],
        "intent_ranking": ranking,
        "language": {"code": "en", "confidence": 0.99, "supported": True},
        "safety_classifier": {"danger": 0.0009, "self_harm": 0.0004},
        "safety_model_intent": ranking[0],
    }
    return UserUttered(
        text,
        ranking[0],
        [],
        parse_data,
        input_channel="rest",
        message_id=parse_data["message_id"],
        metadata={"channel": "rest", **MODEL_METADATA},
    )


def turn_events(number: int) -> list[Event]:
    """Turn `number` (1-based) of a report conversation: the user answers the form's
    question, the form stores the answer and asks the next one."""
    question = QUESTIONS[number % len(QUESTIONS)]
    following = QUESTIONS[(number + 1) % len(QUESTIONS)]
    events: list[Event] = []
    if number == 1:
        events += [
            ActionExecuted(ACTION_SESSION_START_NAME, metadata=MODEL_METADATA),
            SessionStarted(metadata=MODEL_METADATA),
            ActionExecuted(ACTION_LISTEN_NAME, metadata=MODEL_METADATA),
        ]
    events += [
        _user(number),
        DefinePrevUserUtteredFeaturization(False, metadata=MODEL_METADATA),
        SlotSet("language", "en", metadata=MODEL_METADATA),
        ActionExecuted(FORM, policy="RulePolicy", confidence=1.0, metadata=MODEL_METADATA),
    ]
    if number == 1:
        events.append(ActiveLoop(FORM, metadata=MODEL_METADATA))
    events += [
        SlotSet(question, _text(number, 12), metadata=MODEL_METADATA),
        # The form's validation also returns the slots it leaves empty.
        SlotSet(QUESTIONS[(number + 2) % len(QUESTIONS)], None, metadata=MODEL_METADATA),
        SlotSet(QUESTIONS[(number + 3) % len(QUESTIONS)], None, metadata=MODEL_METADATA),
        SlotSet("requested_slot", following, metadata=MODEL_METADATA),
        BotUttered(
            _text(number, 22) + "?",
            {"buttons": [{"title": "Skip", "payload": "/inform"}], "quick_replies": None},
            {"utter_action": f"utter_ask_{following}", **MODEL_METADATA},
        ),
        ActionExecuted(ACTION_LISTEN_NAME, policy="RulePolicy", confidence=1.0),
    ]
    return events


def turn_by_turn(tracker: DialogueStateTracker, first: int, last: int) -> Iterator[int]:
    """Adds turns `first` to `last` (1-based, inclusive) to `tracker`, yielding each turn's
    number once its events are in."""
    for number in range(first, last + 1):
        for event in turn_events(number):
            tracker.update(event)
        yield number


def played(tracker: DialogueStateTracker, first: int, last: int) -> DialogueStateTracker:
    """`tracker` with turns `first` to `last` (1-based, inclusive) added."""
    for _ in turn_by_turn(tracker, first, last):
        pass
    return tracker


@dataclass(frozen=True)
class TurnTimes:
    turn: int
    events: int  # events the tracker held once the turn was added
    load: float  # seconds to load the tracker before the turn
    save: float  # seconds to save it with the turn's events


@dataclass(frozen=True)
class StoreCost:
    """Medians over the conversations, at an early and a late turn."""

    backend: str
    conversations: int
    early_turn: int
    late_turn: int
    events_early: int
    events_late: int
    load_early: float
    load_late: float
    save_early: float
    save_late: float
    cold_load_late: float  # loading the late turn in a process that never saw the rows

    @property
    def load_ratio(self) -> float:
        return self.load_late / self.load_early

    @property
    def save_ratio(self) -> float:
        return self.save_late / self.save_early

    @property
    def turn_early(self) -> float:
        return self.load_early + self.save_early

    @property
    def turn_late(self) -> float:
        return self.load_late + self.save_late


async def play(store: EncryptedSQLTrackerStore, turns: int) -> tuple[str, list[TurnTimes]]:
    """One conversation of `turns` turns, as a Rasa server plays it: its sender id and
    times."""
    sender = f"store-bench-{uuid.uuid4().hex[:12]}"
    slots = store.domain.slots if store.domain else []
    times: list[TurnTimes] = []
    for number in range(1, turns + 1):
        start = time.perf_counter()
        tracker = await store.retrieve(sender)
        loaded = time.perf_counter()
        if tracker is None:
            tracker = DialogueStateTracker(sender, slots)
        played(tracker, number, number)
        saving = time.perf_counter()
        await store.save(tracker)
        done = time.perf_counter()
        times.append(TurnTimes(number, len(tracker.events), loaded - start, done - saving))
    return sender, times


async def _cold_load(
    store: EncryptedSQLTrackerStore, senders: Sequence[str], forget: Callable[[], None]
) -> list[float]:
    found = []
    for sender in senders:
        forget()
        start = time.perf_counter()
        await store.retrieve(sender)
        found.append(time.perf_counter() - start)
    return found


def measure(
    backend: str,
    store: EncryptedSQLTrackerStore,
    conversations: int = 5,
    late_turn: int = 40,
    early_turn: int = 2,
    forget: Optional[Callable[[], None]] = None,
) -> StoreCost:
    """`conversations` conversations of `late_turn` turns, one after the other; `forget`
    empties whatever the process keeps of earlier turns (for the cold load)."""

    async def run() -> tuple[list[list[TurnTimes]], list[float]]:
        conversations_played = [await play(store, late_turn) for _ in range(conversations)]
        senders = [sender for sender, _ in conversations_played]
        cold = await _cold_load(store, senders, forget or (lambda: None))
        return [times for _, times in conversations_played], cold

    played, cold = asyncio.run(run())

    def median(turn: int, pick: Callable[[TurnTimes], float]) -> float:
        return statistics.median(pick(times[turn - 1]) for times in played)

    return StoreCost(
        backend=backend,
        conversations=conversations,
        early_turn=early_turn,
        late_turn=late_turn,
        events_early=played[0][early_turn - 2].events if early_turn > 1 else 0,
        events_late=played[0][late_turn - 2].events,
        load_early=median(early_turn, lambda t: t.load),
        load_late=median(late_turn, lambda t: t.load),
        save_early=median(early_turn, lambda t: t.save),
        save_late=median(late_turn, lambda t: t.save),
        cold_load_late=statistics.median(cold),
    )


def report(costs: Sequence[StoreCost]) -> str:
    """A Markdown table of the figures."""
    if not costs:
        return "(nothing measured)"
    first = costs[0]
    lines = [
        f"Store cost per turn: medians of {first.conversations} conversations; turn "
        f"{first.early_turn} loads {first.events_early} events, turn {first.late_turn} "
        f"loads {first.events_late}.",
        "",
        f"| backend | load t{first.early_turn} ms | load t{first.late_turn} ms | ratio "
        f"| save t{first.early_turn} ms | save t{first.late_turn} ms | ratio "
        f"| load+save ratio | cold load t{first.late_turn} ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cost in costs:
        lines.append(
            f"| {cost.backend} | {cost.load_early * 1000:.2f} | {cost.load_late * 1000:.2f} "
            f"| {cost.load_ratio:.2f}× | {cost.save_early * 1000:.2f} "
            f"| {cost.save_late * 1000:.2f} | {cost.save_ratio:.2f}× "
            f"| {cost.turn_late / cost.turn_early:.2f}× | {cost.cold_load_late * 1000:.2f} |"
        )
    return "\n".join(lines)
