"""The web chat channel: signed sessions, the widget's labels, and the socket.io protocol
against the real Rasa and action servers, with a real python-socketio client and raw
Engine.IO frames for what no well-behaved client sends."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import socketio
import websockets

from bot import runtime
from bot.content.store import ContentStore
from bot.language.catalogue import SUPPORTED_LANGUAGES
from channels.inbound import clean_text
from channels.webchat.channel import MAX_MESSAGE_CHARACTERS, WebChatInput
from channels.webchat.labels import LABEL_PREFIX, LABELS, language_choices, widget_labels
from channels.webchat.pace import PER_MINUTE
from channels.webchat.sessions import DEFAULT_LIFETIME_SECONDS, SessionTokens, webchat_key
from tests.support import ROOT
from tests.support.servers import Servers, running_servers

pytestmark = pytest.mark.e2e

SECRET = "webchat-test-secret"
MARKER = "quokka-marker-5521"  # a word that must never reach a log
WIDGET_JS = ROOT / "channels" / "webchat" / "static" / "widget.js"


# Signed sessions ------------------------------------------------------------------------


@pytest.fixture
def tokens() -> SessionTokens:
    return SessionTokens(SECRET.encode(), lifetime_seconds=3600)


def test_a_token_names_its_session_until_it_expires(tokens: SessionTokens):
    now = 1_800_000_000
    session = tokens.issue(now=now)
    assert re.fullmatch(r"[0-9a-f]{32}", session.session_id)
    assert tokens.verify(session.token, now=now) == session.session_id
    assert tokens.verify(session.token, now=now + 3599) == session.session_id
    assert tokens.verify(session.token, now=now + 3600) is None
    assert session.expires_at == now + 3600
    assert tokens.issue(now=now).session_id != session.session_id


def _tampered(token: str) -> list[str]:
    version, session_id, issued, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [
        f"{version}.{session_id}.{issued}.{flipped}",  # signature changed
        f"{version}.{'0' * 32}.{issued}.{signature}",  # someone else's conversation
        f"{version}.{session_id}.{int(issued) + 3000}.{signature}",  # a longer life
        f"{version}.{session_id}.0{issued}.{signature}",  # same number, other spelling
        f"v2.{session_id}.{issued}.{signature}",
        f"{version}.{session_id}.{issued}.{signature}é",  # not ASCII
        f"{version}.{session_id}.{issued}",
        token + ".extra",
        token + "A" * 200,
    ]


def test_forged_tokens_name_no_session(tokens: SessionTokens):
    now = 1_800_000_000
    token = tokens.issue(now=now).token
    for forged in _tampered(token):
        assert tokens.verify(forged, now=now) is None, forged
    other_key = SessionTokens(b"another-server", lifetime_seconds=3600)
    assert other_key.verify(token, now=now) is None
    for junk in (None, 42, "", "my-own-session-id", "whatsapp:+31612345678", ["v1"], "\ud800"):
        assert tokens.verify(junk, now=now) is None


def test_a_token_from_the_future_is_refused(tokens: SessionTokens):
    now = 1_800_000_000
    assert tokens.verify(tokens.issue(now=now + 3600).token, now=now) is None


def test_a_valid_session_continues_and_anything_else_starts_a_new_one(tokens: SessionTokens):
    now = 1_800_000_000
    first = tokens.issue(now=now)
    continued, new = tokens.continue_or_start(first.token, now=now + 600)
    assert (continued.session_id, new) == (first.session_id, False)
    # re-signed: the conversation stays open as long as it is used
    assert tokens.verify(continued.token, now=now + 3600 + 300) == first.session_id
    for token in [None, "my-own-id", *_tampered(first.token)]:
        started, new = tokens.continue_or_start(token, now=now)
        assert new and started.session_id != first.session_id
    expired, new = tokens.continue_or_start(first.token, now=now + 3600)
    assert new and expired.session_id != first.session_id


def test_the_key_comes_from_the_environment_or_an_owner_only_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("VM_WEBCHAT_SECRET", "from-the-environment")
    assert webchat_key(tmp_path) == b"from-the-environment"
    assert not (tmp_path / "webchat.key").exists()
    monkeypatch.delenv("VM_WEBCHAT_SECRET")
    key = webchat_key(tmp_path / "state")
    path = tmp_path / "state" / "webchat.key"
    assert len(key) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert webchat_key(tmp_path / "state") == key  # the same key on every start


def test_an_empty_key_or_lifetime_is_refused():
    with pytest.raises(ValueError):
        SessionTokens(b"")
    with pytest.raises(ValueError):
        SessionTokens(b"key", lifetime_seconds=0)


def test_text_that_cannot_be_stored_is_cleaned_and_the_rest_kept():
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("nul\x00 bell\x07") == "nul bell"
    assert clean_text("line\nnext\ttab 😀 مرحبا") == "line\nnext\ttab 😀 مرحبا"


def test_credentials_set_the_socket_path_exit_page_and_lifetime():
    default = WebChatInput.from_credentials(None)
    assert (default.socketio_path, default.session_lifetime_seconds) == ("/socket.io", 8 * 3600)
    assert default.quick_exit_url.startswith("https://")
    configured = WebChatInput.from_credentials(
        {
            "socketio_path": "/chat/socket.io",
            "quick_exit_url": "https://weather.example/today",
            "session_lifetime_minutes": 30,
        }
    )
    assert configured.socketio_path == "/chat/socket.io"
    assert configured.quick_exit_url == "https://weather.example/today"
    assert configured.session_lifetime_seconds == 1800
    for nonsense in (
        {"quick_exit_url": "javascript:alert(1)"},
        {"quick_exit_url": "weather.example"},
        {"session_lifetime_minutes": "eight hours"},
        {"session_lifetime_minutes": -5},
    ):
        with pytest.raises(ValueError):
            WebChatInput.from_credentials(nonsense)


# The widget's labels ----------------------------------------------------------------------


def test_every_widget_label_exists_in_every_language(root: Path):
    labels = widget_labels(ContentStore(root / "data" / "content"))
    assert set(labels) == set(SUPPORTED_LANGUAGES)
    for language, texts in labels.items():
        assert set(texts) == set(LABELS), language
        assert all(text.strip() for text in texts.values()), language
        assert "{limit}" in texts["too_long"], language
        if language != "en":
            assert texts["quick_exit"] != labels["en"]["quick_exit"], language
            assert texts["send"] != labels["en"]["send"], language
            assert texts["attach"] != labels["en"]["attach"], language


def test_the_widget_uses_every_label_and_no_other():
    source = WIDGET_JS.read_text(encoding="utf-8")
    for name in LABELS:
        assert f'"{name}"' in source, f"widget.js never shows {LABEL_PREFIX}{name}"
    used = set(re.findall(r'\bt\(\s*"(\w+)"', source))
    assert used <= set(LABELS), used - set(LABELS)


def test_the_language_picker_names_each_language_in_itself():
    own_names, _ = runtime.languages()
    choices = language_choices(own_names)
    assert [c["code"] for c in choices] == list(SUPPORTED_LANGUAGES)
    names = {c["code"]: c["name"] for c in choices}
    assert names["fr"] == "Français" and names["ar"] == "العربية" and names["de"] == "Deutsch"
    assert {c["code"] for c in choices if c["dir"] == "rtl"} == {"ar", "fa"}


# Against the real servers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def servers(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    work = tmp_path_factory.mktemp("webchat")
    credentials = work / "credentials.yml"
    credentials.write_text(
        "channels.webchat.channel.WebChatInput:\n"
        "  socketio_path: /socket.io\n"
        "  quick_exit_url: http://127.0.0.1:9/neutral\n"
    )
    # Libraries log at DEBUG, so the test sees whatever they could write about messages.
    env = {"VM_WEBCHAT_SECRET": SECRET, "LOG_LEVEL_LIBRARIES": "DEBUG"}
    with running_servers(trained_model, work, credentials=credentials, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def server_tokens() -> SessionTokens:
    return SessionTokens(SECRET.encode())


def expected(name: str, language: str) -> list[str]:
    """What the socket.io output sends: one message per paragraph."""
    return runtime.renderer().render(name, language, "socketio")["text"].strip().split("\n\n")


class Chat:
    """A socket.io client speaking the widget's protocol; it records what the server sends."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.token: str | None = None
        for name in ("session_confirm", "bot_uttered", "message_refused"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def __aenter__(self) -> Chat:
        # Long-polling: the aiohttp this Rasa pins is too old for python-socketio's
        # websocket client; the browser test and the raw frames below use websockets.
        await self.client.connect(
            self.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=15
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        # Says goodbye (an Engine.IO close) without waiting for the pending long-poll,
        # which only ends with the server's next ping, 25 seconds later.
        await self.client.eio.disconnect(abort=True)

    async def start(self, token: object = None) -> dict:
        confirmation = await self.client.call("session_request", {"session_id": token}, timeout=15)
        self.token = confirmation["session_id"]
        return confirmation

    async def send(self, message: object, **fields: object) -> dict:
        payload = {"message": message, "session_id": self.token, **fields}
        return await self.client.call("user_uttered", payload, timeout=120)

    async def say(self, message: str, **fields: object) -> list[dict]:
        assert await self.send(message, **fields) == {"status": "accepted"}
        return await self.received("bot_uttered")

    async def received(self, name: str) -> list[Any]:
        # Events the server sent before its acknowledgement arrive before it; a moment
        # lets their handlers run.
        await asyncio.sleep(0.3)
        found = []
        while not self.events.empty():
            event, data = self.events.get_nowait()
            if event == name:
                found.append(data)
        return found


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


def test_the_widget_its_client_and_the_demo_page_are_served(servers: Servers, root: Path):
    base = f"{servers.url}/webchat"
    widget = requests.get(f"{base}/widget.js", timeout=10)
    assert widget.status_code == 200
    assert widget.headers["Content-Type"].startswith("application/javascript")
    assert "session_request" in widget.text
    client = requests.get(f"{base}/socket.io.min.js", timeout=10)
    assert client.text.startswith("/*!\n * Socket.IO v4.")
    assert "Released under the MIT License" in client.text[:200]
    assert (
        requests.get(f"{base}/widget.css", timeout=10)
        .headers["Content-Type"]
        .startswith("text/css")
    )
    demo = requests.get(f"{base}/demo", timeout=10)
    assert demo.status_code == 200
    assert '<script src="widget.js" defer></script>' in demo.text
    assert "default-src 'self'" in demo.headers["Content-Security-Policy"]
    assert demo.headers["Cache-Control"] == "no-store"

    config = requests.get(f"{base}/config", timeout=10).json()
    assert config["labels"] == widget_labels(ContentStore(root / "data" / "content"))
    assert [c["code"] for c in config["languages"]] == list(SUPPORTED_LANGUAGES)
    assert config["socketio_path"] == "/socket.io"
    assert config["quick_exit_url"] == "http://127.0.0.1:9/neutral"
    assert config["max_message_characters"] == MAX_MESSAGE_CHARACTERS


def test_the_session_endpoint_signs_sessions_and_answers_bad_bodies_with_4xx(
    servers: Servers, server_tokens: SessionTokens
):
    url = f"{servers.url}/webchat/session"
    first = requests.post(url, timeout=10).json()
    assert first["new"] is True
    session_id = server_tokens.verify(first["session_id"])
    assert session_id is not None
    again = requests.post(url, json={"session_id": first["session_id"]}, timeout=10).json()
    assert again["new"] is False
    assert server_tokens.verify(again["session_id"]) == session_id
    forged = requests.post(url, json={"session_id": "v1." + "a" * 32 + ".1.x"}, timeout=10)
    assert forged.json()["new"] is True

    for body, status in [
        (b'{"session_id": ', 400),
        (b"[1, 2]", 400),
        (b'"a string"', 400),
        (b"\xff\xfe not utf-8", 400),
        (b'{"session_id": "' + b"x" * 2000 + b'"}', 413),
    ]:
        reply = requests.post(url, data=body, timeout=10)
        assert reply.status_code == status, body
        assert reply.json()["message"]


@pytest.mark.parametrize(
    "claimed",
    [None, "", "my-own-session-id", "whatsapp:+31612345678", "v1." + "a" * 32 + ".1.x", 42],
)
def test_a_session_the_server_did_not_sign_is_replaced_by_a_fresh_signed_one(
    servers: Servers, server_tokens: SessionTokens, claimed: object
):
    async def scenario() -> dict:
        async with Chat(servers.url) as chat:
            return await chat.start(claimed)

    confirmation = run(scenario())
    assert confirmation["new"] is True
    assert confirmation["session_id"] != claimed
    assert server_tokens.verify(confirmation["session_id"]) is not None


def test_expired_and_foreign_tokens_start_a_new_conversation(
    servers: Servers, server_tokens: SessionTokens
):
    # signed with the server's key, but longer ago than the server's session lifetime
    expired = server_tokens.issue(now=time.time() - DEFAULT_LIFETIME_SECONDS - 60)
    foreign = SessionTokens(b"another-deployment").issue()

    async def scenario() -> list[dict]:
        confirmations = []
        for token in (expired.token, foreign.token):
            async with Chat(servers.url) as chat:
                confirmations.append(await chat.start(token))
        return confirmations

    for old, confirmation in zip((expired, foreign), run(scenario()), strict=True):
        assert confirmation["new"] is True
        assert server_tokens.verify(confirmation["session_id"]) != old.session_id


def test_a_french_conversation_continues_on_a_new_connection(
    servers: Servers, server_tokens: SessionTokens
):
    async def scenario() -> tuple[list[dict], dict, list[dict]]:
        async with Chat(servers.url) as chat:
            await chat.start()
            greeting = await chat.say("bonjour")
            token = chat.token
        async with Chat(servers.url) as chat:  # e.g. the page was reloaded
            resumed = await chat.start(token)
            options = await chat.say("/ask_options")
        return greeting, resumed | {"old": token}, options

    greeting, resumed, options = run(scenario())
    assert texts(greeting) == expected("utter_greet", "fr")
    buttons = runtime.renderer().render("utter_greet", "fr", "socketio")["buttons"]
    assert [b["payload"] for b in greeting[-1]["quick_replies"]] == [b["payload"] for b in buttons]
    assert resumed["new"] is False
    session_id = server_tokens.verify(resumed["session_id"])
    assert session_id == server_tokens.verify(resumed["old"])
    assert texts(options) == expected("utter_options", "fr")  # still French
    assert servers.slot(session_id, "language", "webchat") == "fr"


def test_messages_that_cannot_be_handled_are_refused_clearly(servers: Servers):
    async def scenario() -> dict[str, Any]:
        outcome: dict[str, Any] = {}
        async with Chat(servers.url) as chat:
            outcome["before_session"] = await chat.send("bonjour")
            await chat.start()
            outcome["too_long"] = await chat.send("a" * (MAX_MESSAGE_CHARACTERS + 1))
            outcome["number"] = await chat.send(5)
            outcome["list"] = await chat.send(["bonjour"])
            outcome["object"] = await chat.send({"text": "bonjour"})
            outcome["missing"] = await chat.client.call(
                "user_uttered", {"session_id": chat.token}, timeout=10
            )
            outcome["blank"] = await chat.send(" \n\t ")
            outcome["not_an_object"] = await chat.client.call("user_uttered", "bonjour", timeout=10)
            async with Chat(servers.url) as other:
                await other.start()
                outcome["other_session"] = await chat.send("bonjour", session_id=other.token)
            outcome["forged_session"] = await chat.send(
                "bonjour", session_id="v1." + "b" * 32 + ".1.x"
            )
            outcome["unknown_event"] = await chat.client.call(
                "please_delete_everything", {"session_id": chat.token}, timeout=10
            )
            outcome["refusal_events"] = await chat.received("message_refused")
            outcome["replies_meanwhile"] = await chat.received("bot_uttered")
            outcome["at_the_limit"] = await chat.say("hello " * (MAX_MESSAGE_CHARACTERS // 6))
            outcome["afterwards"] = await chat.say("hello")
        return outcome

    outcome = run(scenario())
    reasons = {
        "before_session": "no_session",
        "too_long": "too_long",
        "number": "not_text",
        "list": "not_text",
        "object": "not_text",
        "missing": "not_text",
        "blank": "empty",
        "not_an_object": "invalid",
        "other_session": "session_mismatch",
        "forged_session": "session_mismatch",
        "unknown_event": "unknown_event",
    }
    for case, reason in reasons.items():
        assert outcome[case]["status"] == "refused", case
        assert outcome[case]["reason"] == reason, case
        assert outcome[case]["message"], case
    assert outcome["too_long"]["limit"] == MAX_MESSAGE_CHARACTERS
    # the same refusals as events, for clients that do not ask for acknowledgements
    assert [e["reason"] for e in outcome["refusal_events"]] == list(reasons.values())
    assert outcome["replies_meanwhile"] == []
    assert outcome["at_the_limit"]  # 4,998 characters: answered
    assert texts(outcome["afterwards"]) == expected("utter_welcome", "en")


def test_a_flood_over_one_session_is_refused_and_other_sessions_go_on(servers: Servers):
    """Past PER_MINUTE messages in a minute, a session's messages are refused with a reason
    the widget shows in the user's language; another session is answered as ever."""

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        async with Chat(servers.url) as chat:
            await chat.start()
            acks = [await chat.send(f"hello {i}") for i in range(PER_MINUTE + 1)]
            refusals = await chat.received("message_refused")
            async with Chat(servers.url) as other:
                await other.start()
                answer = await other.say("hello")
        return acks, refusals, answer

    acks, refusals, answer = run(scenario())
    assert [a["status"] for a in acks[:PER_MINUTE]] == ["accepted"] * PER_MINUTE
    assert acks[PER_MINUTE]["status"] == "refused"
    assert acks[PER_MINUTE]["reason"] == "too_fast" and acks[PER_MINUTE]["message"]
    assert [r["reason"] for r in refusals] == ["too_fast"]
    assert answer  # the other session was answered


def test_a_message_delivered_twice_is_handled_once(servers: Servers, server_tokens: SessionTokens):
    message_id = uuid.uuid4().hex

    async def scenario() -> tuple[str, list[dict], dict, list[dict]]:
        async with Chat(servers.url) as chat:
            await chat.start()
            first = await chat.say("guten Tag", message_id=message_id)
            again = await chat.send("guten Tag", message_id=message_id)
            return chat.token, first, again, await chat.received("bot_uttered")

    token, first, again, replies_to_the_duplicate = run(scenario())
    assert texts(first) == expected("utter_greet", "de")
    assert again == {"status": "duplicate"}
    assert replies_to_the_duplicate == []
    events = servers.tracker(server_tokens.verify(token), "webchat")["events"]
    assert [e.get("message_id") for e in events if e["event"] == "user"] == [message_id]


@pytest.mark.parametrize(
    "text",
    [
        "😀😀😀🙏",
        "hello \ud800 lone half of a surrogate pair",
        "\u200f\u200d\u202e ok",
        "nul\x00 in the middle",
        "e\u0301\u0301\u0301 combining marks",
        "\ufeff",  # a byte-order mark and nothing else
    ],
)
def test_unicode_edge_cases_get_an_answer(
    servers: Servers, server_tokens: SessionTokens, text: str
):
    async def scenario() -> tuple[dict, list[dict], list[dict], str]:
        async with Chat(servers.url) as chat:
            await chat.start()
            ack = await chat.send(text)
            replies = await chat.received("bot_uttered")
            afterwards = await chat.say("hello")
            assert chat.token is not None
            return ack, replies, afterwards, chat.token

    ack, replies, afterwards, token = run(scenario())
    assert ack == {"status": "accepted"}
    assert replies and all(isinstance(r.get("text"), str) for r in replies)
    # The conversation goes on: a greeting in its language ("é" alone is Portuguese, so
    # "é́́ combining marks" may have set it; a short "hello" never switches it), or, while
    # none is known, the welcome's line in each language.
    language = servers.slot(server_tokens.verify(token), "language", "webchat")
    wanted = expected("utter_greet", str(language)) if language else expected("utter_welcome", "en")
    assert texts(afterwards) == wanted


async def _raw_frames(url: str, frames: list[str], replies_per_frame: float = 2.0) -> list:
    """Sends Engine.IO frames over a raw websocket; returns what came back per frame
    (None: nothing, "closed": the server closed the connection)."""
    answers: list = []
    address = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(address, max_size=None) as ws:
        assert (await ws.recv()).startswith("0{")  # Engine.IO open
        await ws.send("40")
        assert (await ws.recv()).startswith("40{")  # socket.io connect
        for frame in frames:
            try:
                await ws.send(frame)
                answers.append(await asyncio.wait_for(ws.recv(), replies_per_frame))
            except asyncio.TimeoutError:
                answers.append(None)
            except websockets.ConnectionClosed:
                answers.append("closed")
                break
    return answers


def test_unreadable_socketio_packets_are_refused_and_the_connection_goes_on(servers: Servers):
    garbage = ['42["user_uttered",', "42garbage", "4x", "42[]", "42[1, 2]", '42{"a": 1}']
    answers = run(_raw_frames(servers.url, [*garbage, '421["session_request"]']))
    for frame, answer in zip(garbage, answers, strict=False):
        assert answer is not None and answer.startswith('42["message_refused"'), frame
        assert json.loads(answer[2:])[1]["reason"] == "unreadable"
    assert answers[-1].startswith('42["session_confirm"')


def test_oversized_and_malformed_transport_requests_never_get_a_5xx(servers: Servers):
    oversized = "42" + json.dumps(["user_uttered", {"message": "x" * 200_000}])
    assert run(_raw_frames(servers.url, [oversized])) == ["closed"]
    # Engine.IO nonsense (an unknown packet type, a stray no-op, an empty frame): no
    # answer, at most the end of that connection; the server goes on (below).
    answers = run(_raw_frames(servers.url, ["99", "6", ""]))
    assert answers and all(answer in (None, "closed") for answer in answers), answers

    polling = f"{servers.url}/socket.io/?EIO=4&transport=polling"
    opened = requests.get(polling, timeout=10)
    assert opened.status_code == 200
    sid = json.loads(opened.text[1:])["sid"]
    session = f"{polling}&sid={sid}"
    assert requests.post(session, data="40", timeout=10).status_code == 200
    statuses = {
        "oversized": requests.post(session, data=oversized, timeout=10).status_code,
        "forged sid": requests.post(f"{polling}&sid=forged", data="40", timeout=10).status_code,
        "no sid": requests.post(polling, data=b"\xff\xfe", timeout=10).status_code,
        "old protocol": requests.get(polling.replace("EIO=4", "EIO=3"), timeout=10).status_code,
        "unknown transport": requests.get(
            polling.replace("polling", "carrier-pigeon"), timeout=10
        ).status_code,
    }
    assert statuses["oversized"] == 413
    assert all(400 <= status < 500 for status in statuses.values()), statuses
    assert servers.api("GET", "/status", timeout=10).status_code == 200

    async def still_talking() -> list[dict]:
        async with Chat(servers.url) as chat:
            await chat.start()
            return await chat.say("hello")

    assert texts(run(still_talking())) == expected("utter_welcome", "en")


def test_what_users_write_never_reaches_the_logs(servers: Servers):
    async def scenario() -> None:
        async with Chat(servers.url) as chat:
            await chat.start()
            await chat.say(f"my manager {MARKER} shouts at me every day")
            await chat.send(MARKER * 1000)  # refused as too long
            await chat.send({"text": MARKER})  # refused as not text
            await chat.client.call("user_uttered", MARKER, timeout=10)  # refused as invalid

    run(scenario())
    time.sleep(1)
    logs = servers.log_text()
    assert MARKER not in logs
    # python-socketio's and Engine.IO's words for an exception in a handler
    for failure in ("message async handler error", "post request handler error"):
        assert failure not in logs
    assert "Web chat message could not be handled" not in logs
