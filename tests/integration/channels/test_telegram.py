"""The Telegram channel: updates posted to the webhook with the secret token, replies out
through python-telegram-bot to a fake Bot API on loopback, with a stand-in dialogue."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import time
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import runtime
from bot.db import Database
from bot.evidence.desk import EvidenceDesk
from channels.addresses import sender_id_for
from channels.choices import callback_data
from channels.inbound import BadRequest
from channels.splitting import TELEGRAM_MAX_CHARACTERS
from channels.state import DELIVERY_MEMORY, Deliveries
from channels.telegram import TelegramInput
from channels.telegram_updates import TelegramInbound, parse_update
from tests.support import evidence as files
from tests.support.channel_server import ChannelServer, StandInDialogue
from tests.support.fakes.telegram_api import FakeTelegramApi

TOKEN = "123456789:AAE-fake-token_abcdefghijklmnop"
SECRET = "webhook-secret_0123456789"
MARKER = "pangolin-marker-3307"  # a word that must never reach a log
_ids = itertools.count(int(time.time()) % 100_000 * 1000)

EDGE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("abc XYZ 019.!?/@_\n")
        + ["\u200f", "\u200e", "\u202e", "\u2066", "\u2069", "\u200d", "\ufe0f", "\u0301"]
        + ["👩", "🏽", "💻", "🇵", "🇹", "ع", "ب", "é", "ç", "\x00", "\ud800"]
    ),
    max_size=60,
)


@pytest.fixture(scope="module")
def telegram_api():
    with FakeTelegramApi(TOKEN) as api:
        yield api


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'channels.db'}")
    yield database
    database.dispose()


def make_channel(db: Database, api: FakeTelegramApi) -> TelegramInput:
    channel = TelegramInput.from_environment(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": api.base_url,
        }
    )
    channel.deliveries = Deliveries("telegram", db)
    channel.desk = EvidenceDesk(db, b"k" * 32)
    return channel


async def _no_cleanup() -> None:
    return None


def stop(running: ChannelServer) -> None:
    channel = running.channel
    running.stop(lambda: channel.bot.shutdown() if channel.settings else _no_cleanup())


@pytest.fixture
def server(db: Database, telegram_api: FakeTelegramApi):
    running = ChannelServer(make_channel(db, telegram_api), StandInDialogue(language="pt"))
    running.start()
    yield running
    stop(running)


def new_chat() -> int:
    return next(_ids)


def user(chat_id: int, language: str | None = "pt-br") -> dict:
    person = {"id": chat_id, "is_bot": False, "first_name": "Ana"}
    if language:
        person["language_code"] = language
    return person


def message_update(chat_id: int, chat_type: str = "private", language: str = "pt-br", **content):
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, "first_name": "Ana"},
            "from": user(chat_id, language),
            **content,
        },
    }


def text_update(chat_id: int, text: str, **options) -> dict:
    content: dict = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return message_update(chat_id, **options, **content)


def button_update(chat_id: int, data: str, language: str = "pt-br") -> dict:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq-{next(_ids)}",
            "from": user(chat_id, language),
            "chat_instance": "42",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
                "text": "an earlier answer",
            },
        },
    }


def post(server: ChannelServer, update: dict | bytes, secret: str | None = SECRET):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    reply = requests.post(server.webhook, data=body, headers=headers, timeout=30)
    server.settle()  # a file is fetched after Telegram is answered
    return reply


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged, except Rasa's own debug lines (which name conversation ids and
    are off unless Rasa runs with --debug)."""
    return "\n".join(
        f"{r.name} {r.getMessage()}"
        for r in caplog.records
        if not (r.name.startswith("rasa") and r.levelno < logging.INFO)
    )


def rendered(name: str, language: str, **variables: object) -> dict:
    return runtime.renderer().render(name, language, "telegram", variables)


# --- Conversations ----------------------------------------------------------------------


def test_the_app_language_goes_with_a_message_only_when_we_speak_it(server):
    for language, expected in (
        ("de", "de"),
        ("nl-BE", "nl"),
        ("zh-hans", "zh"),
        ("ko", None),
        (None, None),
    ):
        chat = new_chat()
        assert post(server, text_update(chat, "hallo", language=language)).status_code == 200
        assert server.dialogue.received[-1].metadata.get("interface_language") == expected


def test_a_message_is_answered_with_an_inline_keyboard(server, telegram_api):
    chat = new_chat()
    reply = post(server, text_update(chat, "olá, bom dia"))
    assert reply.status_code == 200
    assert server.dialogue.texts() == ["olá, bom dia"]
    assert server.dialogue.received[0].sender_id == sender_id_for("telegram", str(chat))
    assert str(chat) not in server.dialogue.received[0].sender_id
    assert server.dialogue.received[0].metadata == {
        "channel": "telegram",
        "address": str(chat),
        "interface_language": "pt",  # the app's, from "pt-br"
    }
    [sent] = telegram_api.texts_to(chat)
    greeting = rendered("utter_greet", "pt")
    assert sent.text == greeting["text"]  # no numbered choices: the keyboard has them
    assert [(b["text"], b["callback_data"]) for b in sent.buttons] == [
        (b["title"], b["payload"]) for b in greeting["buttons"]
    ]


def test_a_button_tap_is_acknowledged_and_its_payload_passed_on(server, telegram_api):
    chat = new_chat()
    post(server, text_update(chat, "olá"))
    tap = button_update(chat, "/ask_options")
    assert post(server, tap).status_code == 200
    assert tap["callback_query"]["id"] in telegram_api.answered_callbacks
    assert server.dialogue.texts() == ["olá", "/ask_options"]
    assert telegram_api.texts_to(chat)[-1].text == rendered("utter_options", "pt")["text"]


def test_the_language_menu_button_carries_its_language(server):
    chat = new_chat()
    post(server, text_update(chat, "olá"))
    post(server, button_update(chat, '/change_language{"language": "pt"}'))
    assert server.dialogue.texts()[-1] == '/change_language{"language": "pt"}'


@pytest.mark.parametrize(
    "data",
    ["/not_an_intent", "rm -rf /", '/greet{"language": ', "/greet[1]", "#" + "0" * 40, ""],
)
def test_an_unknown_button_payload_gets_a_clear_answer(server, telegram_api, data):
    chat = new_chat()
    tap = button_update(chat, data)
    assert post(server, tap).status_code == 200
    assert server.dialogue.received == []
    if data:
        assert tap["callback_query"]["id"] in telegram_api.answered_callbacks
        assert (
            telegram_api.texts_to(chat)[-1].text == rendered("channel_unknown_button", "pt")["text"]
        )


def test_a_payload_too_long_for_telegram_travels_as_a_digest(server, telegram_api):
    chat = new_chat()
    long_payload = '/change_language{"language": "pt", "note": "' + "x" * 80 + '"}'
    server.dialogue.raw_reply = "Escolha:"
    server.dialogue.raw_buttons = [{"title": "Português", "payload": long_payload}]
    post(server, text_update(chat, "olá"))
    [button] = telegram_api.texts_to(chat)[-1].buttons
    assert button["callback_data"] == callback_data(long_payload) != long_payload
    post(server, button_update(chat, button["callback_data"]))
    assert server.dialogue.texts() == ["olá", long_payload]


@pytest.mark.parametrize(
    ("command", "payload"),
    [
        ("/start", "/greet"),
        ("/start@vm_bot", "/greet"),
        ("/start campaign-7", "/greet"),
        ("/language", "/change_language"),
        ("/delete", "/delete_data"),
    ],
)
def test_commands_reach_the_dialogue_as_its_payloads(server, command, payload):
    chat = new_chat()
    assert post(server, text_update(chat, command)).status_code == 200
    [message] = server.dialogue.received
    assert message.text == payload
    # A new conversation has no language yet: the Telegram app's words the answer...
    assert message.parse_data["intent"]["name"] == payload[1:]
    assert message.parse_data["language"]["code"] == "pt"
    # ...without deciding the conversation language (conversation.FIRST_SET_CONFIDENCE).
    assert message.parse_data["language"]["confidence"] < 0.6


def test_once_the_conversation_has_a_language_commands_are_plain_payloads(server):
    chat = new_chat()
    post(server, text_update(chat, "olá"))
    post(server, text_update(chat, "/delete", language="en"))
    assert server.dialogue.received[-1].text == "/delete_data"
    assert server.dialogue.received[-1].parse_data is None


@pytest.mark.parametrize("command", ["/help", "/settings", "/ask_options"])
def test_other_commands_get_the_list_of_commands(server, telegram_api, command):
    chat = new_chat()
    post(server, text_update(chat, command, language="es"))
    assert server.dialogue.received == []
    assert telegram_api.texts_to(chat)[-1].text == rendered("channel_commands", "es")["text"]


def test_text_that_only_starts_with_a_slash_is_passed_on_without_it(server):
    chat = new_chat()
    post(server, text_update(chat, "/ o meu chefe grita"))
    assert server.dialogue.texts() == ["o meu chefe grita"]


def test_a_photo_reaches_the_dialogue_with_its_caption_and_a_location_gets_text(
    server, telegram_api
):
    chat = new_chat()
    post(server, message_update(chat, location={"latitude": 52.08, "longitude": 4.31}))
    expected = rendered("channel_media_not_supported", "pt")["text"]
    assert [m.text for m in telegram_api.texts_to(chat)] == [expected]
    assert server.dialogue.texts() == []
    photo = [{**telegram_api.add_file(files.jpeg()), "width": 64, "height": 48}]
    post(server, message_update(chat, photo=photo, caption="veja isto"))
    [shared, caption] = server.dialogue.texts()
    assert shared.startswith('/share_file{"file_id": ') and caption == "veja isto"


def test_group_chats_and_edits_are_not_served(server, telegram_api):
    chat = -new_chat()
    assert post(server, text_update(chat, "olá", chat_type="group")).status_code == 200
    edited = text_update(new_chat(), "olá")
    edited["edited_message"] = edited.pop("message")
    assert post(server, edited).status_code == 200
    assert server.dialogue.received == []
    assert telegram_api.texts_to(chat) == []


def test_an_update_delivered_twice_is_processed_once(server, telegram_api):
    chat = new_chat()
    update = text_update(chat, "olá")
    assert post(server, update).status_code == 200
    assert post(server, update).status_code == 200
    assert server.dialogue.texts() == ["olá"]
    assert len(telegram_api.texts_to(chat)) == 1


def test_a_redelivery_after_a_restart_is_still_recognised(db, telegram_api):
    update = text_update(new_chat(), "olá")
    first = ChannelServer(make_channel(db, telegram_api)).start()
    post(first, update)
    stop(first)
    second = ChannelServer(make_channel(db, telegram_api)).start()
    try:
        assert post(second, update).status_code == 200
        assert second.dialogue.received == []
    finally:
        stop(second)


def test_long_replies_are_split_with_the_keyboard_under_the_last_part(server, telegram_api):
    chat = new_chat()
    server.dialogue.raw_reply = ("Uma frase longa sobre as suas opções. " * 60 + "\n\n") * 4
    server.dialogue.raw_buttons = [{"title": "Opções", "payload": "/ask_options"}]
    post(server, text_update(chat, "olá"))
    parts = telegram_api.texts_to(chat)
    assert telegram_api.refused == []
    assert len(parts) == 4  # one paragraph each: two would not fit
    assert all(len(p.text) <= TELEGRAM_MAX_CHARACTERS for p in parts)
    assert [bool(p.buttons) for p in parts] == [False, False, False, True]
    assert " ".join(p.text for p in parts).split() == server.dialogue.raw_reply.split()


@pytest.mark.parametrize("text", ["\u200f\u200d\u202e ok", "👩🏽‍💻🇵🇹 olá", "مرحبا 😀", "e\u0301"])
def test_unicode_edge_cases_reach_the_dialogue_unchanged(server, text):
    chat = new_chat()
    assert post(server, text_update(chat, text)).status_code == 200
    assert server.dialogue.texts() == [text.strip()]


# --- The secret token and bad requests -------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET.upper(), SECRET + "x"])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_processed(server, telegram_api, secret):
    chat = new_chat()
    reply = post(server, text_update(chat, "olá"), secret=secret)
    assert reply.status_code == 403
    assert server.dialogue.received == []
    assert telegram_api.texts_to(chat) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"update_id": 1, "message": ', 400),
        (b"\xff\xfe not json", 400),
        (b"[1, 2, 3]", 400),
        (b'{"message": {"text": "hi"}}', 400),
        (b'{"update_id": "7"}', 400),
        (b'{"update_id": true}', 400),
        (b'{"update_id": 8, "message": "hi"}', 400),
        (b'{"update_id": 9, "message": {"chat": {"id": "x", "type": "private"}}}', 400),
        (b'{"update_id": 10, "message": ' + b'"' + b"a" * 300_000 + b'"}', 413),
    ],
    ids=[
        "cut-off",
        "not-utf8",
        "list",
        "no-update-id",
        "text-id",
        "bool-id",
        "text-message",
        "text-chat-id",
        "oversized",
    ],
)
def test_malformed_updates_get_a_4xx(server, body, status):
    reply = post(server, body)
    assert reply.status_code == status
    assert "error" in reply.json()
    assert server.dialogue.received == []


def test_without_secrets_the_channel_is_off_with_one_clear_line(caplog):
    caplog.set_level(logging.INFO)
    channel = TelegramInput.from_environment({"TELEGRAM_BOT_TOKEN": TOKEN})
    lines = [r.getMessage() for r in caplog.records if "Telegram" in r.getMessage()]
    assert lines == ["Telegram channel off: TELEGRAM_WEBHOOK_SECRET not set"]
    running = ChannelServer(channel).start()
    try:
        assert post(running, text_update(new_chat(), "olá")).status_code == 503
        assert requests.get(f"{running.url}{running.prefix}/", timeout=10).status_code == 503
    finally:
        stop(running)


def test_a_secret_telegram_would_refuse_turns_the_channel_off(caplog):
    caplog.set_level(logging.INFO)
    channel = TelegramInput.from_environment(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}
    )
    assert channel.settings is None
    assert "Telegram channel off: TELEGRAM_WEBHOOK_SECRET must be" in caplog.text


# --- When things go wrong ------------------------------------------------------------------


def test_a_user_who_blocked_the_bot_does_not_break_the_webhook(server, telegram_api, caplog):
    caplog.set_level(logging.INFO)
    chat = new_chat()
    telegram_api.blocked_chats.add(chat)
    assert post(server, text_update(chat, "olá")).status_code == 200
    assert server.dialogue.texts() == ["olá"]
    assert "blocked the bot" in caplog.text


def test_when_the_dialogue_fails_the_user_is_asked_to_send_again(server, telegram_api):
    chat = new_chat()
    update = text_update(chat, "olá")
    server.dialogue.fail = True
    assert post(server, update).status_code == 200
    assert telegram_api.texts_to(chat)[-1].text == rendered("channel_try_again", "pt")["text"]
    server.dialogue.fail = False
    post(server, update)  # Telegram's redelivery is processed
    assert server.dialogue.texts() == ["olá", "olá"]


def test_user_text_and_the_token_never_reach_the_logs(server, telegram_api, caplog):
    caplog.set_level(logging.DEBUG)
    chat = new_chat()
    post(server, text_update(chat, f"{MARKER} takes money from the visa fees"))
    post(server, text_update(chat, f"/{MARKER}"))
    post(server, button_update(chat, f"/{MARKER}"))
    telegram_api.blocked_chats.add(chat)
    post(server, text_update(chat, MARKER))
    assert server.dialogue.received
    assert MARKER not in logged(caplog)
    assert TOKEN not in logged(caplog)
    assert SECRET not in logged(caplog)


# --- The parser, fuzzed ----------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | EDGE_TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["id", "type", "text", "chat", "from", "data"]), children)
    ),
    max_leaves=12,
)
UPDATE_LIKE = st.fixed_dictionaries(
    {"update_id": st.integers() | EDGE_TEXT},
    optional={
        "message": st.fixed_dictionaries(
            {},
            optional={
                "message_id": st.integers() | EDGE_TEXT,
                "date": st.integers(),
                "chat": st.fixed_dictionaries(
                    {},
                    optional={
                        "id": st.integers() | EDGE_TEXT,
                        "type": st.sampled_from(["private", "group", "x"]) | EDGE_TEXT,
                    },
                ),
                "from": JSON_VALUES,
                "text": EDGE_TEXT | JSON_VALUES,
                "caption": EDGE_TEXT,
                "photo": JSON_VALUES,
                "entities": JSON_VALUES,
            },
        ),
        "callback_query": st.fixed_dictionaries(
            {},
            optional={
                "id": EDGE_TEXT | st.integers(),
                "from": JSON_VALUES,
                "data": EDGE_TEXT | JSON_VALUES,
                "chat_instance": EDGE_TEXT,
                "message": JSON_VALUES,
            },
        ),
        "edited_message": JSON_VALUES,
    },
)


def _as_bytes(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")


@given(
    st.one_of(
        st.binary(max_size=300),
        JSON_VALUES.map(_as_bytes),
        UPDATE_LIKE.map(_as_bytes),
    )
)
def test_the_update_parser_accepts_or_refuses_with_a_4xx(body):
    try:
        inbound = parse_update(body)
    except BadRequest as error:
        assert 400 <= error.status < 500
    else:
        assert isinstance(inbound, TelegramInbound)
        assert inbound.kind in ("text", "command", "button", "media", "unsupported", "ignored")
        assert isinstance(inbound.text, str)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, telegram_api):
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'channels.db'}")
    running = ChannelServer(make_channel(database, telegram_api), StandInDialogue()).start()
    yield running
    stop(running)
    database.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.binary(max_size=300), UPDATE_LIKE.map(_as_bytes)))
def test_the_webhook_never_answers_5xx(fuzz_server, body):
    reply = post(fuzz_server, body)
    assert reply.status_code < 500


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=EDGE_TEXT, as_button=st.booleans())
def test_odd_text_and_buttons_are_answered_never_5xx(fuzz_server, text, as_button):
    chat = new_chat()
    update = button_update(chat, text) if as_button else text_update(chat, text)
    assert post(fuzz_server, update).status_code == 200


def test_messages_that_answer_nothing_reach_the_chat(server, telegram_api, db):
    """Only a conversation handed to an advisor has a chat to write to (kept encrypted with
    the handoff); a raw chat id or a conversation without a handoff gets nothing."""
    chat, stranger, raw = new_chat(), new_chat(), new_chat()
    conversation = sender_id_for("telegram", str(chat))
    with runtime.override(database=db):
        keep_reply_address(conversation, f"telegram:{chat}")
        output = server.channel.get_output_channel()
        answer = rendered("utter_human_handoff", "pt")
        server.run(output.send_response(conversation, dict(answer)))
        server.run(output.send_response(sender_id_for("telegram", str(stranger)), dict(answer)))
        server.run(output.send_response(f"telegram:{raw}", dict(answer)))
    assert telegram_api.texts_to(stranger) == [] and telegram_api.texts_to(raw) == []
    [sent] = telegram_api.texts_to(chat)
    assert sent.text == answer["text"]
    assert [b["callback_data"] for b in sent.buttons] == [b["payload"] for b in answer["buttons"]]
    assert TelegramInput.from_environment({}).get_output_channel() is None


def keep_reply_address(sender_id: str, reply_address: str) -> None:
    """A handoff of the conversation, which keeps where replies go."""
    asyncio.run(
        runtime.handoff_store().create(
            transcript=[],
            language="pt",
            channel=sender_id.split(":")[0],
            conversation_ref=runtime.reference_for(sender_id),
            pool_language="pt",
            reply_address=reply_address,
        )
    )


def test_an_update_older_than_the_deduplication_window_is_refused(server, telegram_api):
    """A replayed update (its update_id long forgotten) is acknowledged, not processed."""
    chat = new_chat()
    old = text_update(chat, "olá")
    old["message"]["date"] = int(time.time() - DELIVERY_MEMORY.total_seconds() - 3600)
    old_button = button_update(chat, "/greet")
    old_button["callback_query"]["message"]["date"] = old["message"]["date"]
    for update in (old, old_button):
        reply = post(server, update)
        assert reply.status_code == 200
    assert server.dialogue.received == [] and telegram_api.texts_to(chat) == []
    assert post(server, text_update(chat, "olá")).status_code == 200  # a fresh one counts
    assert server.dialogue.texts() == ["olá"]


def test_when_duplicates_cannot_be_checked_the_update_is_refused_for_a_retry(db, telegram_api):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    broken = Database(f"postgresql://nobody:secret@127.0.0.1:{port}/gone", migrate=False)
    channel = make_channel(db, telegram_api)
    channel.deliveries = Deliveries("telegram", broken)
    running = ChannelServer(channel, StandInDialogue(language="pt")).start()
    try:
        chat = new_chat()
        assert post(running, text_update(chat, "olá")).status_code == 503
        assert running.dialogue.received == [] and telegram_api.texts_to(chat) == []
    finally:
        stop(running)
        broken.dispose()
