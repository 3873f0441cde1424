"""nginx with the shipped location rules in front of the real servers: the channels work
through it, and the Rasa API and the REST channel are not there, even with the token."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import websockets
from twilio.request_validator import RequestValidator

from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.proxy import nginx_binary, running_proxy
from tests.support.servers import Servers, free_port, running_servers

pytestmark = pytest.mark.e2e

ACCOUNT_SID = "AC" + "5a5a5a5a5a5a5a5a" * 2
AUTH_TOKEN = "proxy-twilio-auth-token"
OUR_WHATSAPP = "whatsapp:+14155550100"


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def proxied(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, twilio_api: FakeTwilioApi
) -> Iterator[tuple[Servers, str]]:
    """The servers (REST on, as `bin/run` has it) and the URL of nginx in front of them."""
    binary = nginx_binary()
    assert binary, "these tests need nginx (apt-get install nginx; .ci/run installs it)"
    port = free_port()
    proxy_url = f"http://127.0.0.1:{port}"
    env = {**twilio_api.channel_env(proxy_url), "VM_REST_ENABLED": "1"}
    work = tmp_path_factory.mktemp("reverse-proxy")
    with running_servers(trained_model, work, env=env) as servers:
        upstream = urlsplit(servers.url).netloc
        with running_proxy(binary, work, port, upstream) as url:
            yield servers, url


def test_the_api_and_the_rest_channel_are_not_behind_the_proxy(proxied):
    servers, proxy = proxied
    token = {"token": servers.api_token}
    # Straight to the Rasa server, the token opens the API and REST answers ...
    assert requests.get(f"{servers.url}/status", params=token, timeout=10).status_code == 200
    assert servers.say("proxy-check", "hello")
    # ... through the proxy, none of it exists.
    refused = [
        ("GET", "/status"),
        ("GET", "/version"),
        ("GET", "/domain"),
        ("GET", f"/conversations/{servers.sender_id('proxy-check')}/tracker"),
        ("POST", "/conversations/rest:00/trigger_intent"),
        ("POST", "/model/parse"),
        ("PUT", "/model"),
        ("POST", "/webhooks/rest/webhook"),
        ("GET", "/webhooks/twilio/"),
        ("GET", "/webchat/../status"),
        ("GET", "/%2e%2e/status"),
    ]
    for method, path in refused:
        reply = requests.request(
            method, proxy + path, params=token, json={"sender": "x", "message": "hi"}, timeout=10
        )
        assert reply.status_code in (400, 404), (method, path, reply.status_code)
        assert "rasa" not in reply.text.lower(), (method, path)


def test_a_whatsapp_message_through_the_proxy_is_answered(proxied, twilio_api: FakeTwilioApi):
    servers, proxy = proxied
    sender = "whatsapp:+3161" + str(uuid.uuid4().int)[:7]
    fields = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_WHATSAPP,
        "Body": "hola, necesito ayuda",
        "NumMedia": "0",
    }
    path = "/webhooks/twilio/webhook"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(proxy + path, fields)
    forged = requests.post(proxy + path, data=fields, timeout=60)
    assert forged.status_code == 403  # refused by the channel itself, behind the proxy
    reply = requests.post(
        proxy + path, data=fields, headers={"X-Twilio-Signature": signature}, timeout=60
    )
    assert reply.status_code == 200
    answers = twilio_api.wait_for(sender, 1)
    assert answers and answers[0].body.strip()


def test_the_web_chat_and_its_socket_work_through_the_proxy(proxied):
    servers, proxy = proxied
    demo = requests.get(f"{proxy}/webchat/demo", timeout=10)
    assert demo.status_code == 200
    assert '<script src="widget.js" defer></script>' in demo.text
    assert requests.get(f"{proxy}/webchat/widget.js", timeout=10).status_code == 200
    answer = asyncio.run(_chat_over_websocket(proxy, "hallo, ik heb een vraag"))
    assert answer["text"].strip()


async def _chat_over_websocket(url: str, text: str) -> dict:
    """A session over a real WebSocket upgrade through nginx, one message, its first answer."""
    address = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(address) as ws:
        assert (await ws.recv()).startswith("0{")  # Engine.IO open
        await ws.send("40")
        assert (await ws.recv()).startswith("40{")  # socket.io connect
        await ws.send('421["session_request",{"session_id":null}]')
        session = await _frame(ws, "431")
        message = {"message": text, "session_id": json.loads(session)[0]["session_id"]}
        await ws.send("422" + json.dumps(["user_uttered", message]))
        uttered = await _frame(ws, '42["bot_uttered"')
        return json.loads(uttered)[1]


async def _frame(ws: websockets.WebSocketClientProtocol, prefix: str) -> str:
    """The next frame starting with `prefix` (pings are answered), without the prefix's
    packet type and id."""
    while True:
        frame = await asyncio.wait_for(ws.recv(), 120)
        assert isinstance(frame, str)
        if frame == "2":
            await ws.send("3")
        elif frame.startswith(prefix):
            return frame[len(prefix.split("[")[0]) :]


def test_a_body_over_the_limit_is_refused_at_the_proxy(proxied):
    _, proxy = proxied
    reply = requests.post(
        f"{proxy}/webhooks/twilio/webhook",
        data=b"Body=" + b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert reply.status_code == 413
