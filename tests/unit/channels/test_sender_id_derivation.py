"""Sender ids: each channel hands Rasa `<channel>:<keyed hash of the address>`, never the
address; keys are separated by purpose; an address in message metadata counts only when it
belongs to the conversation."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from bot import runtime
from bot.pseudonym import (
    PURPOSES,
    SENDER_CHANNELS,
    derive_key,
    is_sender_id,
    make_sender_id,
    verified_address,
)
from channels.addresses import ReplyTo, channel_of, sender_id_for
from channels.state import DELIVERY_MEMORY
from channels.telegram_updates import parse_update, too_old
from channels.twilio import inbound_message

MASTER = b"m" * 32
SENDER_ID = re.compile(r"^(rest|sms|whatsapp|telegram|webchat):[0-9a-f]{32}$")
NUMBER = "+31612345678"


@pytest.fixture(autouse=True)
def key() -> Iterator[None]:
    with runtime.override(pseudonym_key=MASTER):
        yield


def test_every_purpose_has_its_own_key_and_none_is_the_master_key():
    keys = {purpose: derive_key(MASTER, purpose) for purpose in PURPOSES}
    assert len(set(keys.values())) == len(PURPOSES)
    assert MASTER not in keys.values()
    assert all(len(value) == 32 for value in keys.values())
    assert derive_key(MASTER, "sender") == derive_key(MASTER, "sender")  # stable
    assert derive_key(b"another master", "sender") != keys["sender"]
    with pytest.raises(ValueError):
        derive_key(MASTER, "senders")  # a typo is an error, not a new key


def test_a_sender_id_names_its_channel_and_hides_the_address():
    for channel in SENDER_CHANNELS:
        value = sender_id_for(channel, NUMBER)
        assert SENDER_ID.match(value) and value.startswith(f"{channel}:")
        assert "31612345678" not in value and is_sender_id(value)
        assert channel_of(value) == channel


def test_the_same_address_on_two_channels_gives_unrelated_ids():
    ids = {sender_id_for(channel, NUMBER) for channel in SENDER_CHANNELS}
    assert len({value.split(":")[1] for value in ids}) == len(SENDER_CHANNELS)
    # A REST caller naming another channel's id only ever gets a REST id.
    for spoof in ("whatsapp:" + NUMBER, sender_id_for("whatsapp", NUMBER), "telegram:42"):
        assert sender_id_for("rest", spoof).startswith("rest:")
        assert sender_id_for("rest", spoof) != sender_id_for("whatsapp", NUMBER)


def test_sender_ids_depend_on_the_key():
    assert make_sender_id(b"1" * 32, "sms", NUMBER) != make_sender_id(b"2" * 32, "sms", NUMBER)
    with runtime.override(pseudonym_key=b"other" * 8):
        assert sender_id_for("sms", NUMBER) != make_sender_id(
            derive_key(MASTER, "sender"), "sms", NUMBER
        )


def test_unknown_channels_and_empty_addresses_are_refused():
    with pytest.raises(ValueError):
        sender_id_for("twilio", NUMBER)
    with pytest.raises(ValueError):
        sender_id_for("sms", "")
    with pytest.raises(ValueError):
        ReplyTo("email", NUMBER)
    assert channel_of("whatsapp:+31612345678") is None
    assert channel_of("rest:" + "g" * 32) is None


def test_twilio_messages_get_the_pseudonym_of_the_number():
    whatsapp = inbound_message(
        {"MessageSid": ["SM1"], "From": [f"whatsapp:{NUMBER}"], "To": ["whatsapp:+1"]}
    )
    sms = inbound_message({"MessageSid": ["SM2"], "From": [NUMBER], "To": ["+1"]})
    assert whatsapp.sender_id == sender_id_for("whatsapp", NUMBER)
    assert sms.sender_id == sender_id_for("sms", NUMBER)
    assert whatsapp.reply_to == ReplyTo("whatsapp", NUMBER)


def _update(chat: int, date: float) -> bytes:
    return json.dumps(
        {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": int(date),
                "chat": {"id": chat, "type": "private"},
                "text": "hi",
            },
        }
    ).encode()


def test_telegram_updates_get_the_pseudonym_of_the_chat():
    inbound = parse_update(_update(4242, time.time()))
    assert inbound.sender_id == sender_id_for("telegram", "4242")
    assert "4242" not in inbound.sender_id


def test_telegram_updates_older_than_the_window_are_refused():
    now = datetime.now(timezone.utc)
    fresh = parse_update(_update(1, now.timestamp() - 60))
    old = parse_update(_update(1, (now - DELIVERY_MEMORY - timedelta(minutes=1)).timestamp()))
    assert not too_old(fresh, now)
    assert too_old(old, now)


def test_metadata_counts_only_for_its_own_conversation():
    mine = sender_id_for("whatsapp", NUMBER)
    assert runtime.verified_address(mine, {"channel": "whatsapp", "address": NUMBER}) == (
        "whatsapp",
        NUMBER,
    )
    forged = [
        {"channel": "whatsapp", "address": "+31600000000"},  # someone else's number
        {"channel": "sms", "address": NUMBER},  # the right number, another channel
        {"channel": "whatsapp"},
        {"address": NUMBER},
        {"channel": "whatsapp", "address": 31612345678},
        None,
    ]
    for metadata in forged:
        assert runtime.verified_address(mine, metadata) is None
    # A REST conversation cannot claim a number, whatever its metadata says.
    rest = sender_id_for("rest", "whatsapp:" + NUMBER)
    assert runtime.verified_address(rest, {"channel": "whatsapp", "address": NUMBER}) is None
    assert verified_address(derive_key(MASTER, "reference"), mine, {}) is None


def test_client_metadata_cannot_set_the_channel_keys():
    given = {"address": "+31600000000", "channel": "whatsapp", "country": "MA", "theme": "dark"}
    metadata = ReplyTo("webchat", "ab" * 16).metadata(given)
    assert metadata == {"theme": "dark", "channel": "webchat", "address": "ab" * 16}


def test_a_bound_reply_goes_only_to_its_own_conversation():
    reply_to = ReplyTo("telegram", "4242")
    assert reply_to.recipient(reply_to.sender_id) == "4242"
    assert reply_to.recipient(sender_id_for("telegram", "4243")) is None
    assert reply_to.recipient("telegram:4243") is None


def test_the_address_is_not_stored_with_the_sessions_start_metadata():
    """Rasa copies a new session's first message metadata into a slot; what is stored of it
    keeps no address (bot.security.redaction), as for the message itself."""
    from bot.security.redaction import redact_events

    metadata = {"channel": "whatsapp", "address": NUMBER, "country": "NL"}
    stored = redact_events(
        [
            {"event": "slot", "name": "session_started_metadata", "value": metadata},
            {"event": "user", "text": "hoi", "metadata": metadata, "parse_data": {}},
        ]
    )
    assert NUMBER not in json.dumps(stored)
    assert stored[0]["value"] == {"channel": "whatsapp", "country": "NL"}
