"""Plays the scripted conversations against a running assistant over REST and judges them.

Each conversation gets a fresh random sender id. After each message the tracker is read
(GET /conversations/<id>/tracker, with the API token when there is one) for the responses
said to it: a conversation whose user has their data deleted loses its earlier events, so
reading only at the end would find nothing said. The last read gives the slots and the open
form, and the case store is asked for the
cases stored under the conversation's reference (bot.runtime.reference_for) or under the
receipt codes it was shown (anonymous cases are not linked to their conversation): the
reader must run with the servers' VM_STATE_DIR / pseudonym key and DATABASE_URL."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Optional, Sequence

import requests

from bot.cases.receipts import parse_code
from bot.evaluation.conversations import Conversation
from bot.evaluation.judge import (
    RECEIPT_RESPONSE,
    BotMessage,
    LanguageOracle,
    Observed,
    Turn,
    Verdict,
    judge,
)
from bot.security.redaction import SHOWN

PLACEHOLDERS = frozenset(SHOWN.values())


# (sender id, receipt codes shown to it) -> the cases stored for the conversation
CaseReader = Callable[[str, Sequence[str]], Sequence[Mapping[str, Any]]]


ACTOR = "evaluation"  # who reads the cases, in the case store's audit log


class Assistant:
    """The assistant's REST channel and tracker API at `url`."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 120) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        """Query parameters and headers for the Rasa API: its `?token=`, or a bearer token."""
        if not self._token:
            return {}, {}
        return {"token": self._token}, {"Authorization": f"Bearer {self._token}"}

    def say(self, sender: str, text: str) -> Turn:
        try:
            reply = requests.post(
                f"{self.url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            return Turn(status=0, error=f"no answer ({type(error).__name__})")
        return Turn(status=reply.status_code, shown=_texts(reply))

    def tracker(self, sender: str) -> dict[str, Any]:
        params, headers = self._auth()
        reply = requests.get(
            f"{self.url}/conversations/{_rest_sender_id(sender)}/tracker",
            params={**params, "include_events": "ALL"},
            headers=headers,
            timeout=self._timeout,
        )
        reply.raise_for_status()
        tracker = reply.json()
        if not isinstance(tracker, dict):
            raise ValueError("the tracker is not a JSON object")
        return tracker


def _texts(reply: requests.Response) -> tuple[str, ...]:
    """The texts the REST channel answered with, as the user saw them."""
    try:
        messages = reply.json()
    except ValueError:
        return ()
    if not isinstance(messages, list):
        return ()
    return tuple(str(m.get("text") or "") for m in messages if isinstance(m, dict))


def with_secrets_shown(said: Sequence[BotMessage], shown: Sequence[str]) -> tuple[BotMessage, ...]:
    """The turn's messages with the texts the user saw where the conversation store keeps
    only a placeholder (the receipt, their own phone number: bot/security/redaction.py).
    The channel's answers are the turn's messages in order; if their count differs, the
    receipt is still found by its code."""
    if len(shown) == len(said):
        return tuple(
            replace(message, text=text) if message.text in PLACEHOLDERS else message
            for message, text in zip(said, shown, strict=True)
        )
    receipt = next((text for text in shown if any(map(parse_code, text.split("\n")))), None)
    return tuple(
        replace(message, text=receipt)
        if message.response == RECEIPT_RESPONSE and receipt is not None
        else message
        for message in said
    )


def said_last(events: Sequence[Mapping[str, Any]]) -> tuple[BotMessage, ...]:
    """The bot's messages after the last user message; all of them when the tracker holds no
    user message (the conversation's data was just deleted, and the bot said so)."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    return tuple(
        BotMessage(
            response=(e.get("metadata") or {}).get("utter_action")
            if isinstance(e.get("metadata"), dict)
            else None,
            text=str(e.get("text") or ""),
        )
        for e in events[last_user + 1 :]
        if e.get("event") == "bot"
    )


def receipt_codes(said: Sequence[Sequence[BotMessage]]) -> list[str]:
    """The receipt codes the bot gave: in the received message, the line holding the code."""
    codes = []
    for turn in said:
        for message in turn:
            if message.response == RECEIPT_RESPONSE:
                lines = (parse_code(line) for line in message.text.split("\n"))
                codes += [code for code in lines if code][:1]
    return codes


def observe(
    conversation: Conversation,
    assistant: Assistant,
    read_cases: CaseReader,
    sender: str,
    response_of: Callable[[str], Optional[str]] = lambda text: None,
) -> Observed:
    """Sends the script's messages and reads back what happened. After a confirmed deletion
    the tracker holds nothing of the turn: what the channel answered is named by
    `response_of` (the confirmation is said before the events go)."""
    statuses: list[Turn] = []
    problems: list[str] = []
    tracker: Mapping[str, Any] = {}
    said: list[tuple[BotMessage, ...]] = []
    for message in conversation.user:
        status = assistant.say(sender, message)
        statuses.append(status)
        try:
            tracker = assistant.tracker(sender)
        except (requests.RequestException, ValueError) as error:
            problems.append(f"the tracker could not be read ({type(error).__name__})")
            break
        events = tracker.get("events") or []
        if not any(event.get("event") == "user" for event in events):
            said.append(tuple(BotMessage(response_of(text), text) for text in status.shown))
            continue
        said.append(with_secrets_shown(said_last(events), status.shown))
    try:
        cases = tuple(read_cases(sender, receipt_codes(said)))
    except Exception as error:  # noqa: BLE001 - reported as the conversation's failure
        problems.append(f"the case store could not be read ({type(error).__name__})")
        cases = ()
    turns = tuple(
        replace(turn, said=said[i] if i < len(said) else ()) for i, turn in enumerate(statuses)
    )
    return Observed(
        turns=turns,
        cases=cases,
        slots=tracker.get("slots") or {},
        active_loop=(tracker.get("active_loop") or {}).get("name"),
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class Result:
    conversation: Conversation
    verdict: Verdict
    seconds: float

    @property
    def passed(self) -> bool:
        return self.verdict.passed


def run_one(
    conversation: Conversation,
    assistant: Assistant,
    read_cases: CaseReader,
    oracle: LanguageOracle,
) -> Result:
    start = time.perf_counter()
    sender = f"eval-{uuid.uuid4().hex}"
    observed = observe(conversation, assistant, read_cases, sender, oracle.response_of)
    return Result(conversation, judge(conversation, observed, oracle), time.perf_counter() - start)


def run_all(
    conversations: Sequence[Conversation],
    assistant: Assistant,
    read_cases: CaseReader,
    oracle: LanguageOracle,
    workers: int = 4,
) -> list[Result]:
    """Every conversation, `workers` at a time (each waits on the servers most of the time);
    results in the scripts' order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda c: run_one(c, assistant, read_cases, oracle), conversations))


@dataclass(frozen=True)
class Rate:
    passed: int
    total: int

    @property
    def value(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.passed}/{self.total} ({self.value:.2f})"


def completion(results: Sequence[Result]) -> dict[tuple[str, str], Rate]:
    """Completion rates by (journey, language); 'all' for the totals of either."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        journey, language = result.conversation.journey, result.conversation.language
        for key in ((journey, language), (journey, "all"), ("all", language), ("all", "all")):
            counts[key][0] += result.passed
            counts[key][1] += 1
    return {key: Rate(passed, total) for key, (passed, total) in counts.items()}


def _rest_sender_id(sender: str) -> str:
    """The id the REST channel gives the conversation of `sender` (channels/rest.py)."""
    from bot import runtime

    return runtime.sender_id_for("rest", sender)


def read_cases_from_store(sender: str, codes: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The cases stored for this sender's conversation, decrypted, in the script's field
    names: those linked to its reference, and those of the receipt codes it was shown (an
    anonymous case has no link to the conversation). The case store and keys are this
    process's (bot.runtime): run it with the servers' environment. Each read is audited under
    the actor 'evaluation'."""
    from bot import runtime
    from bot.cases.coordinator import case_by_receipt, cases_for_conversation
    from bot.pseudonym import RECEIPT
    from bot.timestamps import utc

    now = utc()
    with runtime.database().session() as session:
        reference = runtime.reference_for(_rest_sender_id(sender))
        details = cases_for_conversation(session, reference, ACTOR, now)
        for code in codes:
            detail = case_by_receipt(session, code, runtime.purpose_key(RECEIPT), ACTOR, now)
            if detail is not None and detail.id not in {d.id for d in details}:
                details.append(detail)
    return [
        {
            "kind": detail.kind,
            "what_happened": detail.what_happened,
            "when": detail.when_words,
            "where": detail.where_words,
            "post_code": detail.post_code,
            "involved": detail.involved,
            "witnesses": detail.witnesses,
            "spoke_to": detail.spoke_to,
            "contact": detail.contact,
            "contact_details": detail.contact_details,
        }
        for detail in details
    ]


def oracle_from_content() -> LanguageOracle:
    """The language oracle over the content store's responses (data/content)."""
    from bot import runtime

    responses = runtime.content_store().content().responses
    return LanguageOracle(
        {
            language: {name: response.text for name, response in by_name.items()}
            for language, by_name in responses.items()
        }
    )
