"""End to end over the messaging channels: the real Rasa server and action server on
loopback, with the Twilio and Telegram channels pointed at fake Twilio and Bot APIs.
One conversation per channel, each in its own language: WhatsApp in Spanish, SMS in
Dutch, Telegram in Portuguese."""

from __future__ import annotations

import hashlib
import io
import itertools
import time
import uuid
from pathlib import Path
from typing import Iterator, Optional

import pytest
import requests
import sqlalchemy as sa
from PIL import Image

from bot import runtime
from bot.cases.model import Case
from bot.db import Database
from bot.encryption import bytes_cipher
from bot.evidence import store
from bot.evidence.store import Evidence
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.settings import overridden
from tests.support import evidence as files
from tests.support.fakes.http_fake import wait_until
from tests.support.fakes.telegram_api import FakeTelegramApi
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.messaging import (
    AUTH_TOKEN,
    BOT_TOKEN,
    OUR_WHATSAPP,
    WEBHOOK_SECRET,
    channels_env,
    new_chat,
    new_number,
    tap,
    telegram_update,
    text_update,
    twilio_message,
)
from tests.support.servers import Servers, running_servers

pytestmark = pytest.mark.e2e

_ids = itertools.count(880_000)
MARKER = "capybara-marker-9140"  # a word that must never reach a log


@pytest.fixture(scope="module")
def servers(
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    twilio_api: FakeTwilioApi,
    telegram_api: FakeTelegramApi,
) -> Iterator[Servers]:
    env = channels_env(twilio_api, telegram_api)
    work = tmp_path_factory.mktemp("e2e-channels")
    with running_servers(trained_model, work, env=env) as running:
        yield running


def expected(name: str, language: str, channel: str, **variables: str) -> dict:
    return runtime.renderer().render(name, language, channel, variables)


def next_id() -> int:
    return next(_ids)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def words(text: str) -> list[str]:
    return text.split()


def cases_files(servers: Servers) -> list[list[tuple[Evidence, Optional[tuple[Evidence, bytes]]]]]:
    """Each stored case's files (in the order the cases were stored), read back with the
    servers' own database and key: each file with its decrypted content."""
    keys = {k: servers.env[k] for k in ("VM_STATE_DIR", "DATABASE_URL") if servers.env.get(k)}
    runtime.reset()
    try:
        with overridden(keys):
            database = Database(keys["DATABASE_URL"], migrate=False)
            with database.session() as session:
                case_ids = session.execute(sa.select(Case.id).order_by(Case.id)).scalars()
                found = [[(f, store.content(session, f.id, bytes_cipher()))
                          for f in store.of_case(session, case_id)]
                         for case_id in case_ids.all()]  # fmt: skip
            database.dispose()
    finally:
        runtime.reset()
    return found


# --- Twilio ---------------------------------------------------------------------------------


def replies_since(api: FakeTwilioApi, to: str, count: int) -> str:
    """The text of the messages sent after the first `count`, joined (SMS splits)."""
    return " ".join(api.bodies_to(to)[count:])


def test_whatsapp_conversation_in_spanish(servers, twilio_api):
    me = new_number("whatsapp:+3461")
    reply = twilio_message(servers, me, "hola, buenos días")
    assert reply.status_code == 200 and "<Response/>" in reply.text
    greeting = expected("utter_greet", "es", "whatsapp")
    assert twilio_api.bodies_to(me) == [greeting["text"]]
    assert "2. ¿Qué opciones tengo?" in greeting["text"]
    assert all(m.from_ == OUR_WHATSAPP for m in twilio_api.messages_to(me))

    # "2" picks the second choice of the greeting.
    twilio_message(servers, me, "2")
    assert twilio_api.bodies_to(me)[1:] == [expected("utter_options", "es", "whatsapp")["text"]]
    number = me.removeprefix("whatsapp:")  # Rasa knows the conversation by its pseudonym
    assert servers.tracker(number, "whatsapp")["latest_message"]["text"] == "/ask_options"
    assert servers.slot(number, "language", "whatsapp") == "es"

    count = len(twilio_api.bodies_to(me))
    twilio_message(servers, me, "HELP")
    # A location gets the text-only answer (files are taken: integration test_media.py).
    twilio_message(servers, me, "", Latitude="52.08", Longitude="4.31")
    assert twilio_api.bodies_to(me)[count:] == [
        expected("channel_help", "es", "whatsapp")["text"],
        expected("channel_media_not_supported", "es", "whatsapp")["text"],
    ]

    # Twilio delivering the same message again: processed once.
    sid = "SM" + uuid.uuid4().hex
    twilio_message(servers, me, "¿mi nombre quedará en secreto?", sid=sid)
    count = len(twilio_api.bodies_to(me))
    assert twilio_message(servers, me, "¿mi nombre quedará en secreto?", sid=sid).status_code == 200
    assert len(twilio_api.bodies_to(me)) == count


def test_sms_conversation_in_dutch_with_stop_and_start(servers, twilio_api):
    me = new_number("+3161")
    twilio_message(servers, me, "goedemorgen")
    greeting = expected("utter_greet", "nl", "sms")["text"]
    assert words(replies_since(twilio_api, me, 0)) == words(greeting)
    assert len(twilio_api.bodies_to(me)) > 1  # too long for one SMS of three segments

    count = len(twilio_api.bodies_to(me))
    twilio_message(servers, me, "stop")
    assert twilio_api.bodies_to(me)[count:] == [expected("channel_stopped", "nl", "sms")["text"]]
    count = len(twilio_api.bodies_to(me))
    twilio_message(servers, me, "ik wil een melding maken van fraude")
    assert len(twilio_api.bodies_to(me)) == count  # no messages after STOP...
    latest = servers.tracker(me, "sms")["latest_message"]
    assert latest["text"] == "ik wil een melding maken van fraude"  # ...but nothing is lost

    twilio_message(servers, me, "START")
    assert twilio_api.bodies_to(me)[count:] == [expected("channel_resumed", "nl", "sms")["text"]]


def test_forged_twilio_requests_are_refused(servers, twilio_api):
    me = new_number("whatsapp:+3462")
    fields = {"MessageSid": "SM" + uuid.uuid4().hex, "From": me, "To": OUR_WHATSAPP, "Body": "x"}
    for headers in ({}, {"X-Twilio-Signature": "Zm9yZ2Vk"}):
        reply = requests.post(
            f"{servers.url}/webhooks/twilio/webhook", data=fields, headers=headers, timeout=30
        )
        assert reply.status_code == 403
    events = servers.tracker(me.removeprefix("whatsapp:"), "whatsapp").get("events") or []
    assert [e for e in events if e["event"] == "user"] == []
    assert twilio_api.bodies_to(me) == []


# --- Telegram ---------------------------------------------------------------------------------


def test_telegram_conversation_in_portuguese(servers, telegram_api):
    chat = new_chat()
    me = str(chat)  # the chat's conversation: servers.slot(me, ..., "telegram")
    assert telegram_update(servers, text_update(chat, "/start")).status_code == 200
    [greeting] = telegram_api.texts_to(chat)
    wanted = expected("utter_greet", "pt", "telegram")
    assert greeting.text == wanted["text"]  # in the language of the user's app
    assert [(b["text"], b["callback_data"]) for b in greeting.buttons] == [
        (b["title"], b["payload"]) for b in wanted["buttons"]
    ]

    button = tap(chat, greeting.buttons[1]["callback_data"])
    assert telegram_update(servers, button).status_code == 200
    assert button["callback_query"]["id"] in telegram_api.answered_callbacks
    assert (
        telegram_api.texts_to(chat)[-1].text == expected("utter_options", "pt", "telegram")["text"]
    )

    telegram_update(servers, text_update(chat, "o meu chefe grita comigo todos os dias"))
    assert servers.slot(me, "language", "telegram") == "pt"

    telegram_update(servers, text_update(chat, "/language"))
    menu = telegram_api.texts_to(chat)[-1]
    assert menu.text == expected("utter_language_menu", "pt", "telegram")["text"]
    assert len(menu.buttons) == len(SUPPORTED_LANGUAGES)
    telegram_update(servers, tap(chat, '/change_language{"language": "de"}'))
    assert (
        telegram_api.texts_to(chat)[-1].text
        == expected("utter_language_changed", "de", "telegram")["text"]
    )
    assert servers.slot(me, "language", "telegram") == "de"


def test_a_telegram_voice_note_and_photo_go_with_a_typed_report(servers, telegram_api):
    """Issue 17's journey on the running servers: a voice note sent at the story question is
    the account of what happened, a photo sent at the evidence question goes beside it, and
    both are in the coordinator's case once the typed report is sent: the photo without
    its location, the voice note as received."""
    chat = new_chat()

    def send(until: str | None = None, **content: object) -> list[str]:
        """The answers to one message; a file's come after Telegram is answered, so they
        are awaited `until` the last one, the question asked again or the next one."""
        seen = len(telegram_api.texts_to(chat))
        message = {"message_id": next_id(), "date": int(time.time()),
                   "chat": {"id": chat, "type": "private", "first_name": "Ana"},
                   "from": {"id": chat, "is_bot": False, "first_name": "Ana",
                            "language_code": "pt-br"}, **content}  # fmt: skip
        update = {"update_id": next_id(), "message": message}
        assert telegram_update(servers, update).status_code == 200

        def answers() -> list[str]:
            return [sent.text for sent in telegram_api.texts_to(chat)[seen:]]

        if until is not None:
            assert wait_until(lambda: any(t.startswith(until) for t in answers()), 60), answers()
        return answers()

    def say(text: str) -> list[str]:
        return send(text=text)

    def said(name: str) -> str:
        return expected(name, "pt", "telegram")["text"]

    note = files.ogg_opus()
    photo = files.jpeg(files.gps_and_camera_exif())
    say("quero fazer uma denúncia")
    say("sim")
    say("assédio moral")
    voice = {**telegram_api.add_file(note, "voice"), "duration": 3}
    told = send(until=said("utter_ask_report_when")[:40], voice=voice)
    assert told[0].startswith(said("utter_file_voice_as_story").split("(")[0])
    say("semana passada")
    say("na embaixada em Maputo")
    say("o meu chefe")
    sized = [{**telegram_api.add_file(photo, "photos"), "width": 64, "height": 48}]
    added = send(until=said("utter_ask_report_witnesses")[:40], photo=sized)
    assert added[0].startswith(said("utter_file_added_to_report").split(":")[0])
    say("ninguém viu")
    say("não")
    summary = say("anónimo")
    kinds = [runtime.renderer().phrase(f"file_kind_{kind}", "pt") for kind in ("audio", "image")]
    assert any(all(f"{kind}, " in text for kind in kinds) for text in summary)  # the files line
    done = say("enviar")
    assert done[-1] == said("utter_report_files_sent")

    (case,) = cases_files(servers)
    kept = {file.kind: content for file, content in case}
    assert set(kept) == {"audio", "image"}
    assert kept["audio"] is not None and kept["audio"][1] == note
    assert kept["image"] is not None and kept["image"][0].received_sha256 == sha256(photo)
    assert not Image.open(io.BytesIO(kept["image"][1])).getexif().get_ifd(0x8825)  # no GPS


def test_telegram_duplicates_and_wrong_secrets(servers, telegram_api):
    chat = new_chat()
    update = text_update(chat, "olá, bom dia")
    assert telegram_update(servers, update).status_code == 200
    assert telegram_update(servers, update).status_code == 200
    assert len(telegram_api.texts_to(chat)) == 1
    other = new_chat()
    assert telegram_update(servers, text_update(other, "olá"), secret="wrong").status_code == 403
    assert telegram_api.texts_to(other) == []
    unknown = telegram_update(servers, tap(chat, "/no_such_intent"))
    assert unknown.status_code == 200
    assert (
        telegram_api.texts_to(chat)[-1].text
        == expected("channel_unknown_button", "pt", "telegram")["text"]
    )


# --- Both -------------------------------------------------------------------------------------


def test_user_text_numbers_and_secrets_never_reach_the_logs(servers, twilio_api):
    me = new_number("whatsapp:+3463")
    twilio_message(servers, me, f"mi compañero {MARKER} roba dinero de las tasas de visado")
    chat = new_chat()
    telegram_update(servers, text_update(chat, f"{MARKER} quer apagar tudo o que escrevi"))
    time.sleep(1)
    logs = servers.log_text()
    assert MARKER not in logs
    assert me.split(":")[1] not in logs
    assert BOT_TOKEN not in logs and AUTH_TOKEN not in logs and WEBHOOK_SECRET not in logs


def test_without_secrets_the_server_runs_with_both_channels_off(trained_model, tmp_path_factory):
    blank = {
        name: ""
        for name in (
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_WEBHOOK_SECRET",
        )
    }
    work = tmp_path_factory.mktemp("e2e-channels-off")
    with running_servers(trained_model, work, env=blank) as running:
        for channel in ("twilio", "telegram"):
            reply = requests.post(
                f"{running.url}/webhooks/{channel}/webhook", data=b"{}", timeout=30
            )
            assert reply.status_code == 503
        assert running.say("e2e-off", "hello")  # the rest of the server works
        logs = running.log_text()
    for line in (
        "Twilio channel off: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN not set",
        "Telegram channel off: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET not set",
    ):
        assert logs.count(line) == 1


@pytest.mark.parametrize(
    ("prefix", "language", "turns", "keep"),
    [
        # WhatsApp in Spanish: "1" under the offer and the question asked again.
        ("whatsapp:+3461", "es",
         ["quiero hacer una denuncia", "sí", "acoso", "mi jefe me grita cada día delante de todos",
          "ya está", "la semana pasada", "en la embajada de Madrid", "mi jefe"], "1"),
        # SMS in Dutch: the offer's words typed.
        ("+3161", "nl",
         ["ik wil een melding maken", "ja", "pesten", "mijn baas schreeuwt elke dag tegen me",
          "klaar", "vorige week", "ambassade Nairobi", "mijn baas"], "bewaar mijn originelen"),
    ],
)  # fmt: skip
def test_keeping_originals_is_chosen_by_typing_inside_the_report(
    servers, twilio_api, prefix, language, turns, keep
):
    """Issue 17 on SMS and WhatsApp, typed: a photo sent at the evidence question is
    answered with its details taken out and the offer to keep originals; "1" (numbered on
    across the offer and the question) or the offer's words keep the next photo as sent,
    and the question is still open; a named report takes that photo with its location."""
    me = new_number(prefix)
    channel = "whatsapp" if prefix.startswith("whatsapp:") else "sms"
    number = me.removeprefix("whatsapp:")

    def said(name: str) -> str:
        return " ".join(expected(name, language, channel)["text"].split())

    def say(text: str, *media: bytes) -> str:
        """The answers to one message, joined (SMS splits); a file's come after Twilio is
        answered, so they are awaited until the question is asked again."""
        seen = len(twilio_api.bodies_to(me))
        urls = {f"MediaUrl{i}": twilio_api.add_media(data) for i, data in enumerate(media)}
        types = {f"MediaContentType{i}": "image/jpeg" for i in range(len(media))}
        reply = twilio_message(servers, me, text, NumMedia=str(len(media)), **urls, **types)
        assert reply.status_code == 200
        question = said("utter_ask_report_witnesses")[:30]
        if media:
            assert wait_until(lambda: question in replies_since(twilio_api, me, seen), 60)
        return " ".join(replies_since(twilio_api, me, seen).split())

    for text in turns:
        say(text)
    assert servers.slot(number, "requested_slot", channel) == "report_witnesses"
    photo = files.jpeg(files.gps_and_camera_exif())
    answered = say("", photo)
    offer = said("utter_file_offer_original")
    assert offer.split(".")[0] in answered and "1." in answered
    assert "2." in answered.split(offer.split(".")[0])[1], "the question's choice goes on at 2"
    kept = say(keep)
    assert said("utter_files_kept_original")[:40] in kept
    assert servers.slot(number, "file_originals", channel) == "keep"
    assert servers.slot(number, "requested_slot", channel) == "report_witnesses"
    assert servers.slot(number, "report_witnesses", channel) is None, "not taken as an answer"
    say("", photo)
    for text in ("nadie", "no") if language == "es" else ("niemand", "nee"):
        say(text)
    say("por este canal" if language == "es" else "via dit kanaal")
    done = say("enviar" if language == "es" else "versturen")
    assert said("utter_report_files_sent")[:30] in done

    kept_files = [content for _, content in cases_files(servers)[-1]]
    gps = [bool(Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825))
           for _, data in filter(None, kept_files)]  # fmt: skip
    assert sorted(gps) == [False, True], "the first photo cleaned, the one after the choice not"
