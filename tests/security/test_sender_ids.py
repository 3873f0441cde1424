"""Attacks on conversation ids (issue 11, items 2, 4, 7 and 9): a REST caller naming another
channel's user, stored ids that give away phone numbers and chat ids, replays and
de-duplication outages, and a handoff id that tries to leave the spool.

The channel-level attacks run a real channel's webhook with a stand-in dialogue (fast); the
attacks on the real servers need the trained model and are marked e2e."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator

from actions.handoff import ActionCreateHandoff
from bot import runtime
from bot.db import Database
from bot.handoffs.store import HandoffStore
from channels.addresses import sender_id_for
from channels.rest import RestInput
from channels.state import DELIVERY_MEMORY, Deliveries, OptOuts
from channels.telegram import TelegramInput
from channels.twilio import TwilioInput, TwilioSettings
from tests.support.channel_server import ChannelServer, StandInDialogue
from tests.support.fakes.telegram_api import FakeTelegramApi
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.servers import Servers, running_servers
from tests.support.tracker import build_tracker, run_for_slots

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "security-twilio-token"
BOT_TOKEN = "555555555:AAE-security-token_abcdefghijklm"
TELEGRAM_SECRET = "security-webhook-secret"
OUR_WHATSAPP = "whatsapp:+14155550100"
MARKER = "Okapistory-4471"  # the victim's words: never shown to anyone else
_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def victim_number() -> str:
    # Twelve digits: long enough that no encrypted blob holds them by chance.
    return "+2126" + str(uuid.uuid4().int)[:8]


def spoofs(number: str) -> list[str]:
    """What a REST caller may send as `sender` to reach the WhatsApp user of `number`."""
    return [
        f"whatsapp:{number}",
        sender_id_for("whatsapp", number),
        number,
        f"sms:{number}",
        f"webchat:{'ab' * 16}",
        "telegram:123456789012",
        sender_id_for("telegram", "123456789012"),
    ]


def twilio_form(sender: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_WHATSAPP,
        "Body": body,
        "NumMedia": "0",
    }


def post_twilio(url: str, fields: dict[str, str], signed_url: str | None = None):
    signature = RequestValidator(AUTH_TOKEN).compute_signature(signed_url or url, fields)
    return requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=60)


def unreachable_database() -> Database:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return Database(f"postgresql://nobody:secret@127.0.0.1:{port}/gone", migrate=False)


# --- channel level --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'channels.db'}")
    yield database
    database.dispose()


def twilio_channel(db: Database, api: FakeTwilioApi, deliveries: Deliveries | None = None):
    settings = TwilioSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_base_url=api.url)
    return TwilioInput(settings, deliveries or Deliveries("twilio", db), OptOuts(db))


def test_rest_callers_never_reach_a_whatsapp_users_conversation(db, twilio_api):
    """Both channels on one server and one tracker store: whatever `sender` a REST caller
    sends, its messages land in REST conversations, and the WhatsApp user's conversation
    holds only what the WhatsApp user wrote."""
    twilio = ChannelServer(twilio_channel(db, twilio_api), StandInDialogue(language="nl"))
    rest = ChannelServer(RestInput(enabled=True), StandInDialogue(language="nl"))
    rest.agent = rest.app.ctx.agent = twilio.agent  # one tracker store, as in one Rasa server
    twilio.start(), rest.start()
    try:
        number = victim_number()
        assert post_twilio(twilio.webhook, twilio_form(f"whatsapp:{number}", MARKER)).ok
        victim = sender_id_for("whatsapp", number)
        for spoof in spoofs(number):
            reply = requests.post(
                rest.webhook, json={"sender": spoof, "message": "ja, laat zien"}, timeout=30
            )
            assert reply.status_code == 200 and MARKER not in reply.text
        assert {m.sender_id for m in rest.dialogue.received}.isdisjoint({victim})

        async def texts(sender_id: str) -> list[str]:
            tracker = await twilio.agent.tracker_store.retrieve(sender_id)
            return [e.text for e in tracker.events if getattr(e, "text", None)] if tracker else []

        assert twilio.run(texts(victim))[0] == MARKER
        assert "ja, laat zien" not in twilio.run(texts(victim))
        for message in rest.dialogue.received:
            assert MARKER not in twilio.run(texts(message.sender_id))
    finally:
        twilio.stop(twilio.channel.sender.close)
        rest.stop()


def test_the_rest_channel_is_off_without_vm_rest_enabled(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("VM_REST_ENABLED", raising=False)
    running = ChannelServer(RestInput(), StandInDialogue()).start()
    try:
        number = victim_number()
        reply = requests.post(
            running.webhook, json={"sender": f"whatsapp:{number}", "message": "hi"}, timeout=30
        )
        assert reply.status_code == 503 and running.dialogue.received == []
    finally:
        running.stop()


def test_a_delivery_is_not_processed_when_duplicates_cannot_be_checked(db, twilio_api):
    broken = unreachable_database()
    channel = twilio_channel(db, twilio_api, Deliveries("twilio", broken))
    running = ChannelServer(channel, StandInDialogue()).start()
    try:
        number = victim_number()
        reply = post_twilio(running.webhook, twilio_form(f"whatsapp:{number}", MARKER))
        assert reply.status_code == 503  # Twilio retries it later
        assert running.dialogue.received == []
        assert twilio_api.bodies_to(f"whatsapp:{number}") == []
    finally:
        running.stop(channel.sender.close)
        broken.dispose()


def test_a_replayed_telegram_update_older_than_the_window_is_not_processed(db):
    with FakeTelegramApi(BOT_TOKEN) as api:
        channel = TelegramInput.from_environment(
            {
                "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
                "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "TELEGRAM_API_BASE_URL": api.base_url,
            }
        )
        channel.deliveries = Deliveries("telegram", db)
        running = ChannelServer(channel, StandInDialogue()).start()
        try:
            chat = next(_ids)
            update = {
                "update_id": next(_ids),
                "message": {
                    "message_id": 1,
                    "date": int(time.time() - DELIVERY_MEMORY.total_seconds() - 60),
                    "chat": {"id": chat, "type": "private"},
                    "text": "a captured message",
                },
            }
            reply = requests.post(
                running.webhook,
                data=json.dumps(update),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
                },
                timeout=30,
            )
            assert reply.status_code == 200  # acknowledged, so Telegram does not resend it
            assert running.dialogue.received == [] and api.texts_to(chat) == []
        finally:
            running.stop(lambda: channel.bot.shutdown())


@pytest.mark.parametrize(
    "handoff_id", ["../../etc/x", "/tmp/x", "..", "../0b5e7a52-3c1d-4f7e-9a0b-6c2d8e4f1a37"]
)
def test_a_handoff_id_in_a_slot_never_names_a_file_outside_the_spool(
    handoff_id: str, tmp_path: Path
):
    """The slot can be set by whoever talks to the assistant; the database is down, so the
    handoff goes to the spool: under a fresh id, inside the spool folder."""
    spool = tmp_path / "a" / "b" / "spool"
    down = tmp_path / "down.db"
    down.mkdir()  # a database file that cannot be opened

    async def no_wait(_seconds: float) -> None:
        return None

    store = HandoffStore(Database(f"sqlite:///{down}"), spool, attempts=1, sleep=no_wait)
    slots = {"handoff_consent": True, "handoff_target": "pool", "handoff_id": handoff_id}
    with runtime.override(handoff_store=store):
        messages, events = run_for_slots(ActionCreateHandoff(), build_tracker("yes", slots=slots))
    assert messages[0]["response"] == "utter_handoff_kept"
    [kept] = spool.glob("*.json")
    assert uuid.UUID(kept.stem) and kept.stem != handoff_id
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.parent != spool] == []
    assert asyncio.run(asyncio.to_thread(store.pending)) == [kept.stem]


# --- on the real servers (needs the model) ----------------------------------------------------


@pytest.fixture(scope="module")
def servers(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, twilio_api: FakeTwilioApi
) -> Iterator[Servers]:
    env = {**twilio_api.channel_env(), "VM_REST_ENABLED": "1"}
    with running_servers(trained_model, tmp_path_factory.mktemp("sender-ids"), env=env) as up:
        yield up


@pytest.fixture
def servers_key(servers: Servers, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Sender ids computed with the servers' pseudonym key."""
    monkeypatch.setenv("VM_STATE_DIR", servers.env["VM_STATE_DIR"])
    runtime.reset()
    yield
    runtime.reset()


def whatsapp_says(servers: Servers, number: str, text: str) -> None:
    path = "/webhooks/twilio/webhook"
    reply = post_twilio(
        servers.url + path,
        twilio_form(f"whatsapp:{number}", text),
        signed_url="https://veilig-melden.example.org" + path,
    )
    assert reply.status_code == 200


@pytest.mark.e2e
def test_spoofing_a_whatsapp_user_over_rest_gets_a_fresh_conversation(
    servers: Servers, twilio_api: FakeTwilioApi, servers_key: None
):
    number = victim_number()
    whatsapp_says(servers, number, "Ik wil iets melden")
    whatsapp_says(servers, number, f"Mijn chef schreeuwt elke dag tegen mij, {MARKER}")
    victim = sender_id_for("whatsapp", number)
    before = servers.tracker(victim)["events"]
    assert any(MARKER in (e.get("text") or "") for e in before)
    for spoof in spoofs(number):
        for text in ("ja", "Klopt dit?", "samenvatting"):
            replies = servers.say(spoof, text)
            assert MARKER not in json.dumps(replies)
        tracker = servers.tracker(sender_id_for("rest", spoof))
        assert MARKER not in json.dumps(tracker)
        assert tracker["sender_id"].startswith("rest:")
    assert len(servers.tracker(victim)["events"]) == len(before)  # untouched


@pytest.mark.e2e
def test_the_stored_conversations_hold_no_number(
    servers: Servers, twilio_api: FakeTwilioApi, servers_key: None
):
    number = victim_number()
    whatsapp_says(servers, number, "hallo")
    whatsapp_says(servers, number, "ik wil met een vertrouwenspersoon praten")
    digits = number.lstrip("+")
    stored = [p for p in servers.work.rglob("*") if p.is_file() and ".db" in p.name]
    assert any(p.name.startswith("conversations.db") for p in stored)
    for path in stored:
        assert digits.encode() not in path.read_bytes(), path.name
    events = servers.tracker(sender_id_for("whatsapp", number))["events"]
    assert events and digits not in json.dumps(events)


@pytest.mark.e2e
def test_a_whatsapp_users_number_reaches_the_actions_only_through_the_channel(
    servers: Servers, twilio_api: FakeTwilioApi, servers_key: None
):
    """The control for the spoofing above: over WhatsApp itself the number (in the message
    metadata, checked against the pseudonymous id) proposes the post of its country."""
    number = victim_number()
    whatsapp_says(servers, number, "bonjour")
    whatsapp_says(servers, number, "je voudrais parler à une personne de confiance")
    wanted = runtime.renderer().render(
        "utter_advisor_post_from_phone",
        "fr",
        "whatsapp",
        {"country": "Maroc", "post": "Rabat (Maroc)"},
    )
    assert twilio_api.bodies_to(f"whatsapp:{number}")[-1].startswith(wanted["text"])
    # The same words over REST, naming that number, get the plain question.
    servers.say(f"whatsapp:{number}", "bonjour")
    asked = servers.say(f"whatsapp:{number}", "je voudrais parler à une personne de confiance")
    plain = runtime.renderer().render("utter_advisor_post_question", "fr", "rest", {})
    assert [r["text"] for r in asked if r.get("text")] == [plain["text"]]
