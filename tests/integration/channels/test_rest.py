"""The REST channel: off unless VM_REST_ENABLED is set, and its conversations in their own
namespace, whatever `sender`, `input_channel` or metadata the caller sends."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import requests

from bot import runtime
from bot.settings import overridden
from channels.addresses import sender_id_for
from channels.rest import RestInput
from tests.support.channel_server import ChannelServer, StandInDialogue

NUMBER = "+31612345678"


@pytest.fixture
def rest() -> Iterator[ChannelServer]:
    running = ChannelServer(RestInput(enabled=True), StandInDialogue(language="en")).start()
    yield running
    running.stop()


def say(server: ChannelServer, body: dict) -> requests.Response:
    return requests.post(server.webhook, json=body, timeout=30)


def test_without_vm_rest_enabled_the_channel_is_off_with_one_clear_line(caplog):
    with caplog.at_level(logging.WARNING), overridden({"VM_REST_ENABLED": ""}):
        channel = RestInput()
    assert [r.getMessage() for r in caplog.records if "REST" in r.getMessage()] == [
        "REST channel off: VM_REST_ENABLED not set"
    ]
    running = ChannelServer(channel, StandInDialogue()).start()
    try:
        reply = say(running, {"sender": "me", "message": "hello"})
        assert reply.status_code == 503
        assert "not enabled" in reply.json()["error"]
        assert requests.get(f"{running.url}{running.prefix}/", timeout=10).status_code == 503
        assert running.dialogue.received == []
    finally:
        running.stop()


@pytest.mark.parametrize("value, enabled", [("1", True), ("true", True), ("0", False)])
def test_vm_rest_enabled_turns_it_on(value: str, enabled: bool):
    with overridden({"VM_REST_ENABLED": value}):
        assert RestInput().enabled is enabled


def test_a_caller_never_picks_another_channels_conversation(rest: ChannelServer):
    whatsapp = sender_id_for("whatsapp", NUMBER)
    spoofs = [
        f"whatsapp:{NUMBER}",
        whatsapp,
        f"sms:{NUMBER}",
        "telegram:4242",
        sender_id_for("telegram", "4242"),
        sender_id_for("webchat", "ab" * 16),
    ]
    for spoof in spoofs:
        assert say(rest, {"sender": spoof, "message": "hi"}).status_code == 200
    received = rest.dialogue.received
    assert [m.sender_id for m in received] == [sender_id_for("rest", s) for s in spoofs]
    assert all(m.sender_id.startswith("rest:") for m in received)
    assert whatsapp not in {m.sender_id for m in received}


def test_the_caller_cannot_set_the_channel_or_an_address(rest: ChannelServer):
    body = {
        "sender": "me",
        "message": "hi",
        "input_channel": "twilio",
        "metadata": {"channel": "whatsapp", "address": NUMBER, "country": "NL", "x": 1},
    }
    assert say(rest, body).status_code == 200
    [message] = rest.dialogue.received
    assert message.input_channel == "rest"
    assert message.metadata == {"x": 1, "channel": "rest", "address": "me"}
    assert runtime.verified_address(message.sender_id, message.metadata) == ("rest", "me")
    assert runtime.verified_address(message.sender_id, body["metadata"]) is None


def test_a_message_without_sender_gets_a_fresh_rest_conversation(rest: ChannelServer):
    say(rest, {"message": "one"})
    say(rest, {"message": "two"})
    first, second = rest.dialogue.received
    assert first.sender_id.startswith("rest:") and second.sender_id.startswith("rest:")
    assert first.sender_id != second.sender_id
    # The same request's sender id and metadata name the same (generated) address.
    assert runtime.verified_address(first.sender_id, first.metadata) is not None


def test_a_message_that_could_not_be_handled_is_answered_send_it_again(caplog):
    """Rasa's REST channel answers a failed turn with nothing: ours asks, in the
    conversation's language, for the message again, and logs only the error's kind."""
    dialogue = StandInDialogue(language="es")
    rest = ChannelServer(RestInput(enabled=True), dialogue).start()
    try:
        assert say(rest, {"sender": "ana", "message": "hola"}).json()  # the language is known
        dialogue.fail = True
        with caplog.at_level(logging.INFO):
            reply = say(rest, {"sender": "ana", "message": "mi jefe me grita cada día"})
    finally:
        rest.stop()
    assert reply.status_code == 200
    try_again = runtime.renderer().render("channel_try_again", "es", "rest", {})
    assert reply.json() == [{"recipient_id": sender_id_for("rest", "ana"), **try_again}]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "was not processed (RuntimeError)" in logged
    assert "mi jefe" not in logged
