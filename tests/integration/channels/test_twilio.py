"""The SMS and WhatsApp channel: signed webhooks from Twilio in, replies out through the
real twilio client to a fake Twilio REST API on loopback, with a stand-in dialogue."""

from __future__ import annotations

import asyncio
import logging
import socket
import string
import unicodedata
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot import runtime
from bot.db import Database
from bot.deliveries import ChannelDelivery
from bot.evidence.desk import EvidenceDesk
from channels.addresses import sender_id_for
from channels.inbound import BadRequest, clean_text
from channels.splitting import (
    RLM,
    TWILIO_MAX_CHARACTERS,
    is_safe_cut,
    sms_segments,
    split_for_sms,
    split_for_whatsapp,
    utf16_units,
)
from channels.state import TWILIO_DELIVERY_MEMORY, Deliveries, OptOuts
from channels.twilio import (
    FormParams,
    TwilioInput,
    TwilioSettings,
    inbound_message,
    keyword,
    parse_form,
)
from tests.support.channel_server import ChannelServer, StandInDialogue
from tests.support.fakes.twilio_api import FakeTwilioApi

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token"
OUR_WHATSAPP = "whatsapp:+14155550100"
OUR_SMS = "+14155550101"
MARKER = "okapi-marker-5521"  # a word that must never reach a log

# Unicode that chat users send: RTL marks, joiners, emoji sequences, flags, accents.
EDGE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ 019.!?/\n")
        + ["\u200f", "\u200e", "\u202e", "\u2066", "\u2069", "\u200d", "\ufe0f", "\u0301"]
        + ["👩", "🏽", "💻", "🇳", "🇱", "ع", "ب", "ة", "é", "ß", "中", "\x00", "\x07"]
    ),
    max_size=60,
)


@pytest.fixture(scope="module")
def twilio_api():
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


def make_channel(db: Database, api: FakeTwilioApi, public_url: str | None = None):
    settings_ = TwilioSettings(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        public_url=public_url,
        api_base_url=api.url,
    )
    desk = EvidenceDesk(db, b"k" * 32)
    return TwilioInput(settings_, Deliveries("twilio", db), OptOuts(db), desk=desk)


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'channels.db'}")
    yield database
    database.dispose()


@pytest.fixture
def server(db: Database, twilio_api: FakeTwilioApi):
    channel = make_channel(db, twilio_api)
    running = ChannelServer(channel, StandInDialogue(language="es")).start()
    yield running
    running.stop(channel.sender.close)


def new_number(kind: str = "whatsapp") -> str:
    digits = "+3461" + str(uuid.uuid4().int)[:7]
    return f"whatsapp:{digits}" if kind == "whatsapp" else digits


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


def form(sender: str, body: str = "", sid: str | None = None, **extra: str) -> dict:
    to = OUR_WHATSAPP if sender.startswith("whatsapp:") else OUR_SMS
    fields = {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }
    fields.update(extra)
    return fields


def post(url: str, fields: dict, token: str = AUTH_TOKEN, signed_url: str | None = None):
    signature = RequestValidator(token).compute_signature(signed_url or url, fields)
    return requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=30)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged, except Rasa's own debug lines (which name conversation ids and
    are off unless Rasa runs with --debug)."""
    return "\n".join(
        f"{r.name} {r.getMessage()}"
        for r in caplog.records
        if not (r.name.startswith("rasa") and r.levelno < logging.INFO)
    )


def visible(text: str) -> str:
    """The text without direction marks and isolates (Arabic choices carry them)."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def rendered(name: str, language: str, channel: str, **variables: object) -> str:
    return runtime.renderer().render(name, language, channel, variables)["text"]


# --- Conversations over WhatsApp and SMS ---------------------------------------------


def test_whatsapp_message_is_answered_in_spanish_with_numbered_choices(server, twilio_api):
    me = new_number()
    reply = post(server.webhook, form(me, "hola"))
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/xml")
    assert "<Response/>" in reply.text
    assert server.dialogue.texts() == ["hola"]
    number = me.removeprefix("whatsapp:")
    assert server.dialogue.received[0].sender_id == sender_id_for("whatsapp", number)
    assert number not in server.dialogue.received[0].sender_id
    assert server.dialogue.received[0].metadata == {
        "channel": "whatsapp",
        "address": number,
        "country": "ES",
    }
    [sent] = twilio_api.messages_to(me)
    assert sent.from_ == OUR_WHATSAPP
    assert sent.body == rendered("utter_greet", "es", "whatsapp")
    assert "1. Pasó algo\n2. ¿Qué opciones tengo?\n3. Hablar con una persona" in sent.body


@pytest.mark.parametrize("answer", ["2", "2.", " 2 ", "٢", "\u200f2", "２"])
def test_a_numbered_reply_picks_that_choice(server, twilio_api, answer):
    me = new_number()
    post(server.webhook, form(me, "hola"))
    post(server.webhook, form(me, answer))
    assert server.dialogue.texts() == ["hola", "/ask_options"]
    assert twilio_api.bodies_to(me)[-1] == rendered("utter_options", "es", "whatsapp")


def test_a_number_that_is_not_a_choice_gets_a_clear_answer(server, twilio_api):
    me = new_number()
    post(server.webhook, form(me, "hola"))
    assert post(server.webhook, form(me, "7")).status_code == 200
    assert server.dialogue.texts() == ["hola"]
    assert twilio_api.bodies_to(me)[-1] == rendered(
        "channel_unknown_choice", "es", "whatsapp", count=3
    )


def test_a_number_without_choices_before_it_is_passed_on_as_text(server):
    me = new_number()
    post(server.webhook, form(me, "2"))
    assert server.dialogue.texts() == ["2"]


def test_buttons_from_outside_the_content_store_become_numbered_choices(server, twilio_api):
    server.dialogue.raw_reply = "¿Cómo prefiere seguir?"
    server.dialogue.raw_buttons = [
        {"title": "Por escrito", "payload": "/ask_options"},
        {"title": "Con una persona", "payload": "/human_handoff"},
    ]
    me = new_number()
    post(server.webhook, form(me, "hola"))
    assert twilio_api.bodies_to(me) == [
        "¿Cómo prefiere seguir?\n\n1. Por escrito\n2. Con una persona"
    ]
    post(server.webhook, form(me, "2"))
    assert server.dialogue.texts() == ["hola", "/human_handoff"]


@pytest.mark.parametrize("language", ["es", "ar"])
def test_the_choices_of_one_turn_are_numbered_on_so_each_number_names_one(
    server, twilio_api, language
):
    """An offer beside a form's question (keep originals, then "what happened?" again):
    the question's choices go on from the offer's, and a number picks across both."""
    server.dialogue.language = language
    server.dialogue.default_response = "utter_file_offer_original"
    server.dialogue.then = ("utter_greet",)
    me = new_number()
    post(server.webhook, form(me, "hola"))
    offer, greeting = twilio_api.bodies_to(me)
    assert offer == rendered("utter_file_offer_original", language, "whatsapp")
    titles = [b["title"] for b in runtime.renderer().render("utter_greet", language, "whatsapp",
                                                             {})["buttons"]]  # fmt: skip
    lines = [visible(line) for line in greeting.split("\n")]
    assert [f"{number}. {visible(title)}" for number, title in enumerate(titles, 2)] == [
        line for line in lines if line[:1].isdigit()
    ]
    post(server.webhook, form(me, "5"))
    assert twilio_api.bodies_to(me)[-1] == rendered(
        "channel_unknown_choice", language, "whatsapp", count=4
    )
    post(server.webhook, form(me, "1"))
    assert server.dialogue.texts()[-1] == '/share_file{"file_choice": "keep_original"}'
    post(server.webhook, form(me, "3"))  # the same two messages again: 3 is the 2nd of 3
    assert server.dialogue.texts()[-1] == "/ask_options"


def test_sms_gets_the_short_variant_and_whatsapp_the_full_text(server, twilio_api):
    sms, whatsapp = new_number("sms"), new_number()
    post(server.webhook, form(sms, "HELP"))
    post(server.webhook, form(whatsapp, "help"))
    assert twilio_api.bodies_to(sms) == [rendered("channel_help", "en", "sms")]
    assert twilio_api.bodies_to(whatsapp) == [rendered("channel_help", "en", "whatsapp")]
    assert len(twilio_api.bodies_to(sms)[0]) < len(twilio_api.bodies_to(whatsapp)[0])
    assert twilio_api.messages_to(sms)[0].from_ == OUR_SMS
    assert server.dialogue.received == []  # keywords are not the user's words


def test_help_is_answered_in_the_conversation_language(server, twilio_api):
    me = new_number()
    post(server.webhook, form(me, "hola"))
    post(server.webhook, form(me, "Info"))
    assert twilio_api.bodies_to(me)[-1] == rendered("channel_help", "es", "whatsapp")


def test_long_replies_are_split_into_messages_twilio_accepts(server, twilio_api):
    paragraph = "Esto es una frase larga sobre sus opciones y sus derechos. " * 12
    server.dialogue.raw_reply = "\n\n".join([paragraph.strip()] * 5)  # ~3,500 characters
    me, sms = new_number(), new_number("sms")
    post(server.webhook, form(me, "hola"))
    post(server.webhook, form(sms, "hola"))
    whatsapp_parts = twilio_api.bodies_to(me)
    sms_parts = twilio_api.bodies_to(sms)
    assert twilio_api.refused == []
    assert len(whatsapp_parts) == 3
    assert all(len(part) <= TWILIO_MAX_CHARACTERS for part in whatsapp_parts)
    assert all(sms_segments(part) <= 3 for part in sms_parts)
    for parts in (whatsapp_parts, sms_parts):
        assert " ".join(parts).split() == server.dialogue.raw_reply.split()


# --- Keywords: STOP, START, HELP --------------------------------------------------------


def test_stop_ends_messages_until_start(server, twilio_api):
    me = new_number("sms")
    post(server.webhook, form(me, "hola"))
    post(server.webhook, form(me, "Stop"))
    assert twilio_api.bodies_to(me)[-1] == rendered("channel_stopped", "es", "sms")
    count = len(twilio_api.bodies_to(me))

    post(server.webhook, form(me, "mi jefe me grita"))
    assert server.dialogue.texts()[-1] == "mi jefe me grita"  # kept in the conversation...
    assert len(twilio_api.bodies_to(me)) == count  # ...but nothing is sent

    post(server.webhook, form(me, "STOP"))  # a second STOP is not confirmed again
    assert len(twilio_api.bodies_to(me)) == count

    post(server.webhook, form(me, "help"))  # HELP is always answered
    assert twilio_api.bodies_to(me)[-1] == rendered("channel_help", "es", "sms")

    post(server.webhook, form(me, "start"))
    assert twilio_api.bodies_to(me)[-1] == rendered("channel_resumed", "es", "sms")
    count = len(twilio_api.bodies_to(me))
    post(server.webhook, form(me, "hola"))
    greeting = twilio_api.bodies_to(me)[count:]  # in several SMS: it is long
    assert " ".join(greeting).split() == rendered("utter_greet", "es", "sms").split()
    assert "Stop" not in server.dialogue.texts() and "start" not in server.dialogue.texts()


def test_opt_out_survives_a_restart(db, twilio_api):
    me = new_number("sms")
    first = ChannelServer(make_channel(db, twilio_api)).start()
    post(first.webhook, form(me, "UNSUBSCRIBE"))
    first.stop(first.channel.sender.close)
    second = ChannelServer(make_channel(db, twilio_api)).start()
    try:
        count = len(twilio_api.bodies_to(me))
        post(second.webhook, form(me, "hello"))
        assert second.dialogue.texts() == ["hello"]
        assert len(twilio_api.bodies_to(me)) == count
    finally:
        second.stop(second.channel.sender.close)


def test_stop_already_confirmed_by_twilio_is_not_confirmed_twice(server, twilio_api):
    me = new_number("sms")
    post(server.webhook, form(me, "STOP", OptOutType="STOP"))
    assert twilio_api.bodies_to(me) == []
    post(server.webhook, form(me, "hello"))
    assert twilio_api.bodies_to(me) == []


def test_yes_is_an_answer_for_someone_who_never_stopped(server):
    me = new_number()
    post(server.webhook, form(me, "Yes"))
    post(server.webhook, form(me, "START"))
    assert server.dialogue.texts() == ["Yes", "/greet"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", "stop"),
        (" stop. ", "stop"),
        ("Quit!", "stop"),
        ("\u200fSTOPALL", "stop"),
        ("unstop", "start"),
        ("info", "help"),
        ("stop please", None),
        ("please help me", None),
        ("", None),
    ],
)
def test_keywords_are_whole_messages_in_any_case(text, expected):
    assert keyword(text) == expected


# --- Media, locations, duplicates ---------------------------------------------------------


def test_media_elsewhere_than_the_twilio_api_is_not_fetched_and_a_caption_is_passed_on(
    server, twilio_api
):
    # The channel's API is the fake: a URL on api.twilio.com is another host (the fetching
    # itself: tests/integration/channels/test_media.py).
    me = new_number()
    post(server.webhook, form(me, "hola"))
    photo = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/1"}
    post(server.webhook, form(me, "", **photo, MediaContentType0="image/jpeg"))
    server.settle()  # files are fetched after Twilio is answered
    assert twilio_api.bodies_to(me)[-1] == rendered("evidence_download_failed", "es", "whatsapp")
    assert server.dialogue.texts() == ["hola"]
    post(server.webhook, form(me, "mira esto", **photo))
    server.settle()
    assert server.dialogue.texts() == ["hola", "mira esto"]


def test_a_location_gets_a_text_only_answer(server, twilio_api):
    me = new_number()
    post(server.webhook, form(me, "", Latitude="52.08", Longitude="4.31"))
    assert twilio_api.bodies_to(me) == [rendered("channel_media_not_supported", "en", "whatsapp")]
    assert server.dialogue.received == []


def test_a_redelivered_message_is_processed_once(server, twilio_api):
    me, sid = new_number(), new_sid()
    first = post(server.webhook, form(me, "hola", sid=sid))
    again = post(server.webhook, form(me, "hola", sid=sid))
    assert first.status_code == again.status_code == 200
    assert server.dialogue.texts() == ["hola"]
    assert len(twilio_api.bodies_to(me)) == 1


def test_a_redelivery_after_a_restart_is_still_recognised(db, twilio_api):
    me, sid = new_number(), new_sid()
    first = ChannelServer(make_channel(db, twilio_api)).start()
    post(first.webhook, form(me, "hola", sid=sid))
    first.stop(first.channel.sender.close)
    second = ChannelServer(make_channel(db, twilio_api)).start()
    try:
        assert post(second.webhook, form(me, "hola", sid=sid)).status_code == 200
        assert second.dialogue.received == []
    finally:
        second.stop(second.channel.sender.close)


def test_typed_slash_text_never_reaches_the_dialogue_as_an_intent(server):
    me = new_number()
    post(server.webhook, form(me, "/delete_data"))
    assert server.dialogue.texts() == ["delete_data"]


@pytest.mark.parametrize("text", ["\u200f\u200d\u202e ok", "👩🏽‍💻🇳🇱 hola", "مرحبا 😀", "e\u0301"])
def test_unicode_edge_cases_reach_the_dialogue_unchanged(server, text):
    me = new_number()
    assert post(server.webhook, form(me, text)).status_code == 200
    assert server.dialogue.texts() == [text.strip()]


# --- Forged, unsigned and malformed requests -----------------------------------------------


def test_unsigned_and_forged_requests_are_refused_and_not_processed(server, twilio_api):
    me = new_number()
    fields = form(me, "hola")
    unsigned = requests.post(server.webhook, data=fields, timeout=10)
    forged = post(server.webhook, fields, token="someone-elses-token")
    tampered_signature = RequestValidator(AUTH_TOKEN).compute_signature(server.webhook, fields)
    tampered = requests.post(
        server.webhook,
        data={**fields, "Body": "something else"},
        headers={"X-Twilio-Signature": tampered_signature},
        timeout=10,
    )
    other_url = post(server.webhook, fields, signed_url="https://elsewhere.example/webhook")
    for reply in (unsigned, forged, tampered, other_url):
        assert reply.status_code == 403
    assert server.dialogue.received == []
    assert twilio_api.bodies_to(me) == []


def test_behind_a_proxy_the_signature_covers_the_public_url(db, twilio_api):
    public = "https://chat.example.org/assistant"
    channel = make_channel(db, twilio_api, public_url=public)
    running = ChannelServer(channel).start()
    try:
        me = new_number()
        signed_public = f"{public}/webhooks/twilio/webhook?source=sms"
        local = f"{running.webhook}?source=sms"
        assert post(local, form(me, "hi"), signed_url=signed_public).status_code == 200
        assert post(local, form(me, "hi")).status_code == 403
        assert running.dialogue.texts() == ["hi"]
    finally:
        running.stop(channel.sender.close)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"From=%2B31&To=%2B1&Body=" + b"a" * 70_000 + b"&MessageSid=SM1", "form", 413),
        (b"\xff\xfe\x00 not a form", "form", 400),
        (b'{"From": "+31", "Body": "hi"}', "application/json", 415),
        (b"MessageSid=SM1&From=%ff&To=%2B1", "form", 400),
    ],
    ids=["oversized", "not-utf8", "json", "bad-percent-escape"],
)
def test_malformed_bodies_get_a_4xx(server, body, content_type, status):
    content_type = "application/x-www-form-urlencoded" if content_type == "form" else content_type
    reply = requests.post(
        server.webhook,
        data=body,
        headers={"Content-Type": content_type, "X-Twilio-Signature": "c2lnbmF0dXJl"},
        timeout=10,
    )
    assert reply.status_code == status
    assert "error" in reply.json()
    assert server.dialogue.received == []


@pytest.mark.parametrize(
    "fields",
    [
        {"From": "+31612345678", "To": OUR_SMS, "Body": "hi"},  # no MessageSid
        {"MessageSid": "SM1", "To": OUR_SMS, "Body": "hi"},  # no From
        {"MessageSid": "SM 1!", "From": "+316", "To": OUR_SMS, "Body": "hi"},
        {"MessageSid": "SM1", "From": "+316", "To": OUR_SMS, "NumMedia": "many"},
    ],
)
def test_signed_but_incomplete_messages_get_a_400(server, fields):
    reply = post(server.webhook, fields)
    assert reply.status_code == 400
    assert server.dialogue.received == []


def test_a_repeated_field_gets_a_400(server):
    fields = form(new_number(), "hi")
    pairs = list(fields.items()) + [("From", "+3160000000")]
    params = FormParams()
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(server.webhook, params)
    reply = requests.post(
        server.webhook,
        data=urlencode(pairs),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
        timeout=10,
    )
    assert reply.status_code == 400
    assert server.dialogue.received == []


# --- When things go wrong ----------------------------------------------------------------


def test_without_secrets_the_channel_is_off_with_one_clear_line(caplog, tmp_path):
    caplog.set_level(logging.INFO)
    channel = TwilioInput.from_environment({"TWILIO_ACCOUNT_SID": ACCOUNT_SID})
    lines = [r.getMessage() for r in caplog.records if "Twilio" in r.getMessage()]
    assert lines == ["Twilio channel off: TWILIO_AUTH_TOKEN not set"]
    running = ChannelServer(channel).start()
    try:
        reply = requests.post(running.webhook, data={"Body": "hi"}, timeout=10)
        assert reply.status_code == 503
        assert requests.get(f"{running.url}{running.prefix}/", timeout=10).status_code == 503
    finally:
        running.stop()


def test_with_secrets_from_the_environment_the_channel_is_on():
    channel = TwilioInput.from_environment(
        {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    )
    assert channel.settings is not None and channel.settings.api_base_url is None


def test_a_number_unsubscribed_at_twilio_is_remembered(server, twilio_api, db):
    me = new_number("sms")
    twilio_api.unsubscribed.add(me)
    assert post(server.webhook, form(me, "hola")).status_code == 200
    assert server.dialogue.texts() == ["hola"]
    assert server.run(OptOuts(db).contains(me)) is True


def test_a_brief_twilio_outage_is_retried(server, twilio_api):
    me = new_number()
    twilio_api.outage = 1
    post(server.webhook, form(me, "hola"))
    assert twilio_api.bodies_to(me) == [rendered("utter_greet", "es", "whatsapp")]


def test_when_twilio_cannot_be_reached_the_webhook_still_answers(db, caplog):
    caplog.set_level(logging.DEBUG)
    down = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN)  # never started: nothing listens there
    down.stop()
    channel = make_channel(db, down)
    running = ChannelServer(channel).start()
    try:
        me = new_number()
        reply = post(running.webhook, form(me, f"my manager {MARKER} shouts"))
        assert reply.status_code == 200
        assert running.dialogue.texts() == [f"my manager {MARKER} shouts"]
        assert "could not be reached" in caplog.text
    finally:
        running.stop(channel.sender.close)
    assert MARKER not in logged(caplog)
    assert me.split(":")[1] not in logged(caplog)


def test_when_the_dialogue_fails_the_user_is_asked_to_send_again(server, twilio_api):
    me, sid = new_number(), new_sid()
    server.dialogue.fail = True
    assert post(server.webhook, form(me, "hola", sid=sid)).status_code == 200
    assert twilio_api.bodies_to(me) == [rendered("channel_try_again", "en", "whatsapp")]
    server.dialogue.fail = False
    post(server.webhook, form(me, "hola", sid=sid))  # Twilio's retry is processed
    assert server.dialogue.texts() == ["hola", "hola"]


def test_user_text_and_numbers_never_reach_the_logs(server, twilio_api, caplog):
    caplog.set_level(logging.DEBUG)
    me = new_number()
    twilio_api.unsubscribed.add(me)
    post(server.webhook, form(me, f"{MARKER} steals from the visa fees"))
    post(server.webhook, form(me, MARKER, NumMedia="1"))
    post(server.webhook, form(me, f"/{MARKER}"))
    server.settle()
    assert server.dialogue.received
    assert MARKER not in logged(caplog)
    assert me.split(":")[1] not in logged(caplog)


# --- Parsers and splitting, fuzzed -------------------------------------------------------

FIELD_NAMES = st.sampled_from(
    ["MessageSid", "From", "To", "Body", "NumMedia", "Latitude", "OptOutType", "x"]
)


@given(
    st.one_of(
        st.binary(max_size=400),
        st.lists(st.tuples(FIELD_NAMES | st.text(max_size=8), EDGE_TEXT), max_size=8).map(
            lambda pairs: urlencode(pairs).encode()
        ),
    ),
    st.sampled_from(["application/x-www-form-urlencoded", "text/plain", None]),
)
def test_the_form_parser_accepts_or_refuses_with_a_4xx(body, content_type):
    try:
        message = inbound_message(parse_form(body, content_type))
    except BadRequest as error:
        assert 400 <= error.status < 500
    else:
        assert message.kind in ("sms", "whatsapp")
        assert message.sender and message.recipient and message.message_sid
        keyword(message.text)
        clean_text(message.text)


@given(st.text(max_size=3000))
def test_splitting_keeps_every_word_and_fits_each_part(text):
    for split, fits in (
        (split_for_sms, lambda part: sms_segments(part) <= 3),
        (split_for_whatsapp, lambda part: utf16_units(part) <= TWILIO_MAX_CHARACTERS),
    ):
        parts = split(text)
        assert all(fits(part) for part in parts)
        joined = "".join(parts).replace(RLM, "")
        assert "".join(joined.split()) == "".join(text.replace(RLM, "").split())


@given(st.lists(st.sampled_from(["👩‍💻", "👍🏽", "🇳🇱", "e\u0301", "ع", "a"]), max_size=400))
def test_splitting_never_cuts_inside_an_emoji_or_accent(graphemes):
    text = "".join(graphemes)
    boundaries, position = {0}, 0
    for grapheme in graphemes:
        position += len(grapheme)
        boundaries.add(position)
    parts = split_for_sms(text, max_segments=1)
    assert "".join(parts) == text
    cuts, position = [], 0
    for part in parts:
        position += len(part)
        cuts.append(position)
    assert set(cuts) <= boundaries
    assert all(is_safe_cut(text, cut) for cut in cuts)


ROUTE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list(string.digits)),
    max_size=40,
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, twilio_api):
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'channels.db'}")
    channel = make_channel(database, twilio_api)
    running = ChannelServer(channel, StandInDialogue(language="es")).start()
    yield running
    running.stop(channel.sender.close)
    database.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=ROUTE_TEXT | EDGE_TEXT, media=st.sampled_from(["0", "1", "2"]))
def test_the_webhook_never_answers_5xx_to_signed_odd_messages(fuzz_server, body, media):
    me = new_number()
    reply = post(fuzz_server.webhook, form(me, body, NumMedia=media))
    assert reply.status_code == 200


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300), st.text(string.ascii_letters + string.digits + "+/=", max_size=40))
def test_the_webhook_never_answers_5xx_to_garbage(fuzz_server, body, signature):
    reply = requests.post(
        fuzz_server.webhook,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature or "none",
        },
        timeout=10,
    )
    assert 400 <= reply.status_code < 500


def test_messages_that_answer_nothing_come_from_the_configured_numbers(db, twilio_api):
    environment = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio_api.url,
        "TWILIO_WHATSAPP_NUMBER": OUR_WHATSAPP.removeprefix("whatsapp:"),
        "TWILIO_SMS_NUMBER": OUR_SMS,
    }
    channel = TwilioInput.from_environment(environment)
    channel.opt_outs = OptOuts(db)
    assert (
        TwilioInput.from_environment(
            {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
        ).get_output_channel()
        is None
    )
    running = ChannelServer(channel).start()
    try:
        whatsapp, sms, stopped = new_number(), new_number("sms"), new_number("sms")
        never_handed, raw = new_number(), new_number()
        running.run(channel.opt_outs.add(stopped))
        ids = {}
        with runtime.override(database=db):
            for number in (whatsapp, sms, stopped, never_handed):
                kind = "whatsapp" if number.startswith("whatsapp:") else "sms"
                ids[number] = sender_id_for(kind, number.removeprefix("whatsapp:"))
                if number != never_handed:  # only a handoff keeps where replies go
                    keep_reply_address(ids[number], f"{kind}:{number.removeprefix('whatsapp:')}")
            output = channel.get_output_channel()
            answer = runtime.renderer().render("utter_greet", "es", output.name(), {})
            for number in (whatsapp, sms, stopped, never_handed):
                running.run(output.send_response(ids[number], dict(answer)))
            running.run(output.send_response(raw, dict(answer)))  # a number is no conversation
        assert [m.from_ for m in twilio_api.messages_to(whatsapp)] == [OUR_WHATSAPP]
        assert {m.from_ for m in twilio_api.messages_to(sms)} == {OUR_SMS}
        assert " ".join(twilio_api.bodies_to(sms)).split() == answer["text"].split()
        assert twilio_api.bodies_to(stopped) == []
        assert twilio_api.bodies_to(never_handed) == [] and twilio_api.bodies_to(raw) == []
    finally:
        running.stop(channel.sender.close)


def keep_reply_address(sender_id: str, reply_address: str) -> None:
    """A handoff of the conversation, which keeps where replies go."""
    asyncio.run(
        runtime.handoff_store().create(
            transcript=[],
            language="es",
            channel=sender_id.split(":")[0],
            conversation_ref=runtime.reference_for(sender_id),
            pool_language="es",
            reply_address=reply_address,
        )
    )


def _unreachable_database() -> Database:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return Database(f"postgresql://nobody:secret@127.0.0.1:{port}/gone", migrate=False)


def test_when_duplicates_cannot_be_checked_the_delivery_is_refused_for_a_retry(db, twilio_api):
    """Fail closed: processing a delivery nobody can tell is new could process a replay."""
    broken = _unreachable_database()
    channel = TwilioInput(make_channel(db, twilio_api).settings, Deliveries("twilio", broken))
    channel.opt_outs = OptOuts(db)
    running = ChannelServer(channel, StandInDialogue(language="es")).start()
    try:
        me = new_number()
        reply = post(running.webhook, form(me, "hola"))
        assert reply.status_code == 503
        assert running.dialogue.received == [] and twilio_api.bodies_to(me) == []
    finally:
        running.stop(channel.sender.close)
        broken.dispose()


def test_message_sids_are_kept_hashed_for_as_long_as_conversations(server, db):
    sid = new_sid()
    post(server.webhook, form(new_number(), "hola", sid=sid))
    with db.session() as session:
        stored = [row.delivery_id for row in session.query(ChannelDelivery).all()]
    assert stored and sid not in stored and all(len(value) == 64 for value in stored)
    assert server.channel.deliveries.memory == TWILIO_DELIVERY_MEMORY >= timedelta(days=30)
