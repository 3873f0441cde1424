"""Files users send on WhatsApp, SMS (MMS) and Telegram: downloaded by the real channels
from the fakes of Twilio's and Telegram's APIs on loopback, held by the evidence desk in
an SQLite database, and passed to the (stand-in) dialogue as a payload that only the
channel makes; what is refused or cannot be downloaded gets a text that says so."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import logging
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from PIL import ExifTags, Image
from twilio.request_validator import RequestValidator

from bot import runtime
from bot.db import Database
from bot.encryption import BytesCipher
from bot.evidence import store
from bot.evidence.desk import EvidenceDesk
from bot.evidence.dialogue import KEEP, ORIGINALS, REMOVE
from bot.evidence.limits import MB, EvidenceLimits
from channels.addresses import sender_id_for
from channels.state import Deliveries, OptOuts
from channels.telegram import TelegramInput
from channels.twilio import TwilioInput, TwilioSettings
from tests.support import evidence as files
from tests.support.channel_server import ChannelServer, StandInDialogue
from tests.support.fakes.telegram_api import FakeTelegramApi
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.held_files import SHARE_FILE, file_id_of, read_back, stored_files

ACCOUNT_SID = "AC" + "13579bdf02468ace" * 2
AUTH_TOKEN = "twilio-media-test-token"
OUR_WHATSAPP = "whatsapp:+14155550100"
OUR_SMS = "+14155550101"
BOT_TOKEN = "555000111:AAE-media-token_abcdefghijklmno"
SECRET = "media-webhook-secret_42"
MARKER = "quokka-marker-8812"  # a word that must never reach a log
LIMITS = EvidenceLimits(max_file_bytes=1 * MB, max_case_bytes=1 * MB + 100_000)
_ids = itertools.count(int(time.time()) % 100_000 * 1000)


@pytest.fixture(scope="module")
def twilio_api():
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def elsewhere():
    """Another server holding media at Twilio's paths: not the API the channel is set to."""
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def telegram_api():
    with FakeTelegramApi(BOT_TOKEN) as api:
        yield api


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'media.db'}")
    yield database
    database.dispose()


@pytest.fixture
def desk(db: Database) -> EvidenceDesk:
    cipher = BytesCipher([Fernet.generate_key()])
    return EvidenceDesk(db, b"k" * 32, cipher, LIMITS)


@pytest.fixture
def twilio(db: Database, desk: EvidenceDesk, twilio_api: FakeTwilioApi):
    settings = TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, api_base_url=twilio_api.url)
    channel = TwilioInput(settings, Deliveries("twilio", db), OptOuts(db), desk=desk)
    running = ChannelServer(channel, StandInDialogue(language="en")).start()
    yield running
    running.stop(channel.close)


@pytest.fixture
def telegram(db: Database, desk: EvidenceDesk, telegram_api: FakeTelegramApi):
    channel = TelegramInput.from_environment(
        {
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        }
    )
    channel.deliveries = Deliveries("telegram", db)
    channel.desk = desk
    running = ChannelServer(channel, StandInDialogue(language="en")).start()
    yield running
    running.stop(channel.close)


# --- Helpers -------------------------------------------------------------------------------


def new_number(kind: str = "whatsapp") -> str:
    digits = "+3162" + str(uuid.uuid4().int)[:7]
    return f"whatsapp:{digits}" if kind == "whatsapp" else digits


def sender_id_of(number: str) -> str:
    return sender_id_for("whatsapp", number.removeprefix("whatsapp:"))


def twilio_post(
    server: ChannelServer,
    sender: str,
    body: str = "",
    *urls: str,
    settle: bool = True,
    **extra: str,
):
    fields = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_WHATSAPP if sender.startswith("whatsapp:") else OUR_SMS,
        "Body": body,
        "NumMedia": str(len(urls)),
        **{f"MediaUrl{i}": url for i, url in enumerate(urls)},
        **{f"MediaContentType{i}": "image/jpeg" for i in range(len(urls))},
        **extra,
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(server.webhook, fields)
    reply = requests.post(
        server.webhook, data=fields, headers={"X-Twilio-Signature": signature}, timeout=60
    )
    assert reply.status_code == 200
    if settle:
        server.settle()  # files are fetched after Twilio is answered
    return fields["MessageSid"]


def telegram_post(server: ChannelServer, chat_id: int, **content: object) -> int:
    update_id = next(_ids)
    update = {
        "update_id": update_id,
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            **content,
        },
    }
    reply = requests.post(
        server.webhook,
        data=json.dumps(update),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        timeout=60,
    )
    assert reply.status_code == 200
    server.settle()
    return update_id


def rendered(name: str, channel: str, language: str = "en") -> str:
    values = {"max_mb": LIMITS.max_file_bytes // MB}
    return runtime.renderer().render(name, language, channel, values)["text"]


def shared(server: ChannelServer) -> list[str]:
    return [file_id_of(t) for t in server.dialogue.texts() if t.startswith(SHARE_FILE)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)


def telegram_texts(api: FakeTelegramApi, chat_id: int) -> list[str]:
    return [m.text for m in api.texts_to(chat_id)]


async def _held(desk: EvidenceDesk, sender_id: str) -> list[store.Evidence]:
    return await desk.held(sender_id)


# --- WhatsApp and SMS (Twilio) -----------------------------------------------------------


def test_a_whatsapp_photo_is_held_without_its_location(twilio, twilio_api, db, desk):
    me = new_number()
    photo = files.jpeg(files.gps_and_camera_exif())
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    sid = twilio_post(twilio, me, "", twilio_api.add_media(photo))

    [message] = twilio.dialogue.received
    held, data = read_back(db, desk, file_id_of(message.text))
    assert ExifTags.IFD.GPSInfo not in Image.open(io.BytesIO(data)).getexif()
    assert held.kind == "image" and "location" in held.removed
    assert held.received_sha256 == sha256(photo)
    # The payload goes to the dialogue as a choice would: same conversation, metadata, channel.
    number = me.removeprefix("whatsapp:")
    assert message.sender_id == sender_id_for("whatsapp", number)
    assert message.metadata == {"channel": "whatsapp", "address": number, "country": "NL"}
    assert message.input_channel == "twilio" and message.message_id == f"{sid}:0"
    assert [f.id for f in twilio.run(_held(desk, message.sender_id))] == [held.id]
    # Twilio's redirect was followed, and the storage it leads to never saw our credentials.
    assert twilio_api.storage_requests()
    assert not any(r.with_credentials for r in twilio_api.storage_requests())


def test_a_whatsapp_photo_keeps_its_location_once_the_user_chose_to_keep_originals(
    twilio, twilio_api, db, desk
):
    me = new_number()
    twilio.remember(sender_id_of(me), ORIGINALS, KEEP)  # the "Keep my originals" button
    photo = files.jpeg(files.gps_and_camera_exif())
    twilio_post(twilio, me, "", twilio_api.add_media(photo))
    [file_id] = shared(twilio)
    held, data = read_back(db, desk, file_id)
    assert data == photo and ExifTags.IFD.GPSInfo in Image.open(io.BytesIO(data)).getexif()
    assert not held.scrubbed and held.removed == ()
    other = new_number()  # a conversation that did not choose it
    twilio.remember(sender_id_of(other), ORIGINALS, REMOVE)
    twilio_post(twilio, other, "", twilio_api.add_media(photo))
    held, data = read_back(db, desk, shared(twilio)[-1])
    assert "location" in held.removed and data != photo


def test_twilio_is_answered_before_a_slow_file_arrives_and_what_follows_waits_its_turn(
    twilio, twilio_api
):
    me, someone_else = new_number(), new_number()
    arrived = threading.Event()
    twilio.channel.patience = 0.2  # how long the text's request waits for the photo
    try:
        # Each post returns once Twilio has its answer: had the channel waited for the
        # download, the first would hang until the file came (the fake holds it back).
        twilio_post(
            twilio, me, "", twilio_api.add_media(files.jpeg(), held_until=arrived), settle=False
        )
        twilio_post(twilio, me, "I want to report this", settle=False)
        twilio_post(twilio, someone_else, "hello", settle=False)
        # Another conversation does not wait; this one's text waits for its photo.
        assert twilio.dialogue.texts() == ["hello"]
    finally:
        arrived.set()
    twilio.settle()
    mine = [m.text for m in twilio.dialogue.received if m.sender_id == sender_id_of(me)]
    assert len(mine) == 2 and mine[0].startswith(SHARE_FILE)
    assert mine[1] == "I want to report this"


def test_mms_files_each_reach_the_dialogue_then_the_text_that_came_with_them(
    twilio, twilio_api, db, desk
):
    me = new_number("sms")
    photo, report = files.jpeg(), files.pdf()
    urls = twilio_api.add_media(photo), twilio_api.add_media(report, "application/pdf")
    sid = twilio_post(twilio, me, "/delete_data what he sent me", *urls)

    texts = twilio.dialogue.texts()
    assert len(texts) == 3 and texts[2] == "delete_data what he sent me"  # typed: never a payload
    kinds = [read_back(db, desk, file_id_of(text))[0].kind for text in texts[:2]]
    assert kinds == ["image", "pdf"]
    assert [m.message_id for m in twilio.dialogue.received] == [f"{sid}:0", f"{sid}:1", sid]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (files.zip_of({"photo1.jpg": files.jpeg(), "photo2.jpg": files.jpeg()}), "archive"),
        (files.windows_program(), "executable"),  # sent as image/jpeg
        (b"\xff\xd8\xff" + b"\x00" * (LIMITS.max_file_bytes + 10), "file_too_large"),
    ],
)
def test_files_that_are_not_taken_are_refused_with_a_reason(
    twilio, twilio_api, db, content, reason
):
    me = new_number()
    twilio_post(twilio, me, "", twilio_api.add_media(content))
    assert twilio_api.bodies_to(me) == [rendered(f"evidence_refused_{reason}", "whatsapp")]
    assert twilio.dialogue.received == []
    assert stored_files(db) == 0


def test_the_size_limit_is_said_in_the_refusal():
    text = rendered("evidence_refused_file_too_large", "whatsapp")
    assert f"{LIMITS.max_file_bytes // MB} MB" in text


def test_a_media_url_that_fails_twice_is_received_on_the_third_try(twilio, twilio_api, db, desk):
    me = new_number()
    photo = files.jpeg()
    url = twilio_api.add_media(photo, failures=2)
    twilio_post(twilio, me, "", url)
    [file_id] = shared(twilio)
    assert read_back(db, desk, file_id)[0].received_sha256 == sha256(photo)
    assert twilio_api.media_requests(url) == 3


@pytest.mark.parametrize(("failures", "gone", "tries"), [(100, False, 3), (0, True, 2)])
def test_a_file_that_cannot_be_downloaded_is_asked_for_again_and_the_text_still_arrives(
    twilio, twilio_api, db, failures, gone, tries
):
    me = new_number()
    url = twilio_api.add_media(files.jpeg(), failures=failures, gone=gone)
    twilio_post(twilio, me, "this is the photo of the letter", url)
    assert twilio_api.bodies_to(me)[0] == rendered("evidence_download_failed", "whatsapp")
    assert twilio.dialogue.texts() == ["this is the photo of the letter"]
    assert twilio_api.media_requests(url) == tries  # an expired URL is tried once more only
    assert stored_files(db) == 0


def test_a_media_url_not_on_the_twilio_api_is_never_fetched(twilio, twilio_api, elsewhere, db):
    me = new_number()
    outside = elsewhere.add_media(files.jpeg())
    other_account = twilio_api.add_media(files.jpeg()).replace(ACCOUNT_SID, "AC" + "9" * 32)
    twilio_post(twilio, me, "", outside, other_account)
    assert elsewhere.media_requests(outside) == 0 and elsewhere.storage_requests() == []
    assert twilio_api.bodies_to(me) == [rendered("evidence_download_failed", "whatsapp")]
    assert twilio.dialogue.received == []
    assert stored_files(db) == 0


def test_a_location_still_gets_the_text_only_answer(twilio, twilio_api):
    me = new_number()
    twilio_post(twilio, me, "", Latitude="52.08", Longitude="4.31")
    assert twilio_api.bodies_to(me) == [rendered("channel_media_not_supported", "whatsapp")]
    assert twilio.dialogue.received == []


def test_help_with_a_photo_answers_help_and_keeps_the_photo(twilio, twilio_api):
    me = new_number()
    twilio_post(twilio, me, "HELP", twilio_api.add_media(files.jpeg()))
    assert twilio_api.bodies_to(me)[0] == rendered("channel_help", "whatsapp")
    assert len(twilio.dialogue.texts()) == 1 and len(shared(twilio)) == 1  # HELP: not passed on


# --- Telegram --------------------------------------------------------------------------------


def test_a_telegram_voice_note_is_held_as_audio(telegram, telegram_api, db, desk):
    chat = next(_ids)
    note = files.ogg_opus()
    voice = {**telegram_api.add_file(note, "voice"), "duration": 3, "mime_type": "audio/ogg"}
    update_id = telegram_post(telegram, chat, voice=voice)

    [message] = telegram.dialogue.received
    held, data = read_back(db, desk, file_id_of(message.text))
    assert held.kind == "audio" and held.received_sha256 == sha256(note) and data == note
    assert message.sender_id == sender_id_for("telegram", str(chat))
    assert message.message_id == f"{update_id}:0" and message.input_channel == "telegram"
    # A new conversation: the payload carries the app's language, as a button's does.
    assert message.parse_data["intent"]["name"] == "share_file"
    assert message.parse_data["entities"][0]["value"] == held.id


def test_of_a_telegram_photo_the_largest_size_is_taken(telegram, telegram_api, db, desk):
    chat = next(_ids)
    small, large = files.jpeg(size=(32, 24)), files.jpeg(files.gps_and_camera_exif(), (64, 48))
    sizes = [
        {**telegram_api.add_file(small), "width": 32, "height": 24},
        {**telegram_api.add_file(large), "width": 64, "height": 48},
    ]
    telegram_post(telegram, chat, photo=sizes, caption="the whiteboard after the meeting")
    [file_id] = shared(telegram)
    held, data = read_back(db, desk, file_id)
    assert held.received_sha256 == sha256(large)
    assert ExifTags.IFD.GPSInfo not in Image.open(io.BytesIO(data)).getexif()
    assert not telegram_api.was_downloaded(sizes[0]["file_id"])
    assert telegram.dialogue.texts()[1:] == ["the whiteboard after the meeting"]


def test_a_telegram_photo_keeps_its_location_once_the_user_chose_to_keep_originals(
    telegram, telegram_api, db, desk
):
    chat = next(_ids)
    telegram.remember(sender_id_for("telegram", str(chat)), ORIGINALS, KEEP)
    photo = files.jpeg(files.gps_and_camera_exif(), (64, 48))
    telegram_post(telegram, chat, photo=[{**telegram_api.add_file(photo), "width": 64,
                                          "height": 48}])  # fmt: skip
    [file_id] = shared(telegram)
    held, data = read_back(db, desk, file_id)
    assert data == photo and not held.scrubbed


def test_a_zip_sent_on_telegram_is_refused_and_not_stored(telegram, telegram_api, db):
    chat = next(_ids)
    archive = files.zip_of({"a.jpg": files.jpeg()})
    document = {**telegram_api.add_file(archive, "documents"), "file_name": f"{MARKER}.zip"}
    telegram_post(telegram, chat, document=document)
    assert telegram_texts(telegram_api, chat) == [rendered("evidence_refused_archive", "telegram")]
    assert telegram.dialogue.received == [] and stored_files(db) == 0


def test_a_file_telegram_announces_as_too_large_is_not_downloaded(telegram, telegram_api, db):
    chat = next(_ids)
    big = b"%PDF-1.7\n" + b"0" * LIMITS.max_file_bytes
    document = {**telegram_api.add_file(big, "documents"), "file_name": "scan.pdf"}
    telegram_post(telegram, chat, document=document)
    expected = rendered("evidence_refused_file_too_large", "telegram")
    assert telegram_texts(telegram_api, chat) == [expected]
    assert document["file_id"] not in telegram_api.get_file_calls
    assert not telegram_api.was_downloaded(document["file_id"])
    assert stored_files(db) == 0


def test_once_the_conversation_holds_all_it_may_a_file_is_refused_before_download(
    telegram, telegram_api, db
):
    chat = next(_ids)
    notes = ("Notes of the meeting. " * 30_000).encode()  # 660 kB of text, under the file limit
    first = {**telegram_api.add_file(notes, "documents"), "file_name": "notes.txt"}
    second = {**telegram_api.add_file(notes, "documents"), "file_name": "notes2.txt"}
    telegram_post(telegram, chat, document=first)
    telegram_post(telegram, chat, document=second)
    assert len(shared(telegram)) == 1
    assert telegram_texts(telegram_api, chat)[-1] == rendered(
        "evidence_refused_case_full", "telegram"
    )
    assert not telegram_api.was_downloaded(second["file_id"])
    assert stored_files(db) == 1


def test_a_telegram_download_that_fails_twice_is_received(telegram, telegram_api, db):
    chat = next(_ids)
    voice = {**telegram_api.add_file(files.ogg_opus(), "voice", failures=2), "duration": 2}
    telegram_post(telegram, chat, voice=voice)
    assert len(shared(telegram)) == 1 and stored_files(db) == 1


def test_a_telegram_file_that_cannot_be_had_is_asked_for_again_and_the_caption_arrives(
    telegram, telegram_api, db
):
    chat = next(_ids)
    voice = {**telegram_api.add_file(files.ogg_opus(), "voice", failures=100), "duration": 2}
    telegram_post(telegram, chat, voice=voice, caption="he said this on the phone")
    forgotten = {"file_id": "AgAC-expired", "file_unique_id": "x1", "file_size": 10}
    telegram_post(telegram, chat, document=forgotten)
    failed = rendered("evidence_download_failed", "telegram")
    assert telegram_texts(telegram_api, chat)[0] == failed
    assert telegram_texts(telegram_api, chat)[-1] == failed
    assert telegram.dialogue.texts() == ["he said this on the phone"]
    assert telegram_api.get_file_calls.count("AgAC-expired") == 1  # unknown: not tried again
    assert stored_files(db) == 0


def test_a_location_or_sticker_on_telegram_gets_the_text_only_answer(telegram, telegram_api):
    chat = next(_ids)
    telegram_post(telegram, chat, location={"latitude": 52.08, "longitude": 4.31})
    sticker = {
        **telegram_api.add_file(files.jpeg()),
        "width": 64, "height": 64, "is_animated": False, "is_video": False, "type": "regular",
    }  # fmt: skip
    telegram_post(telegram, chat, sticker=sticker)
    expected = rendered("channel_media_not_supported", "telegram")
    assert telegram_texts(telegram_api, chat) == [expected, expected]
    assert telegram.dialogue.received == []


# --- Logs ------------------------------------------------------------------------------------


def test_no_file_name_caption_url_or_token_reaches_the_logs(
    twilio, telegram, twilio_api, telegram_api, elsewhere, caplog
):
    caplog.set_level(logging.DEBUG)
    me, chat = new_number(), next(_ids)
    good, failing = twilio_api.add_media(files.jpeg()), twilio_api.add_media(b"x", failures=100)
    outside = elsewhere.add_media(files.jpeg())
    twilio_post(twilio, me, f"{MARKER} photo", good, failing, outside)
    twilio_post(twilio, me, "", twilio_api.add_media(files.windows_program()))
    document = {**telegram_api.add_file(files.pdf(), "documents"), "file_name": f"{MARKER}.pdf"}
    telegram_post(telegram, chat, document=document, caption=f"{MARKER} caption")
    refused = {**telegram_api.add_file(files.zip_of({"a": "b"})), "file_name": f"{MARKER}.zip"}
    telegram_post(telegram, chat, document=refused)
    assert len(shared(twilio)) == 1 and len(shared(telegram)) == 1

    text = logged(caplog)
    assert "could not be downloaded" in text and "refused" in text  # the events are logged
    for secret in (MARKER, good, failing, outside, "/2010-04-01/", "/file/bot", BOT_TOKEN):
        assert secret not in text, secret
    assert AUTH_TOKEN not in text and me.removeprefix("whatsapp:") not in text
