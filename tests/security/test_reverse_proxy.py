"""nginx with the shipped location rules in front of the real servers: the channels work
through it, and the Rasa API and the REST channel are not there, even with the token."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import websockets
from twilio.request_validator import RequestValidator

from bot.cluster.proxy import LIMITS
from tests.support.fakes.telegram_api import FakeTelegramApi
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.proxy import nginx_binary, running_proxy
from tests.support.servers import Servers, free_port, running_servers

pytestmark = pytest.mark.e2e

ACCOUNT_SID = "AC" + "5a5a5a5a5a5a5a5a" * 2
AUTH_TOKEN = "proxy-twilio-auth-token"
OUR_WHATSAPP = "whatsapp:+14155550100"
TELEGRAM_TOKEN = "123456:proxy-telegram-token"
TELEGRAM_SECRET = "proxy-telegram-secret"
# A sender's accepted deliveries a minute, as the shipped proxy rules say.
SENDER_LIMIT = int(re.findall(r"per_minute = (\d+)", LIMITS.read_text(encoding="utf-8"))[0])
_numbers = itertools.count(int(time.time()) % 1_000_000)


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def telegram_api() -> Iterator[FakeTelegramApi]:
    with FakeTelegramApi(TELEGRAM_TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def proxied(
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    twilio_api: FakeTwilioApi,
    telegram_api: FakeTelegramApi,
) -> Iterator[tuple[Servers, str]]:
    """The servers (REST on, as `bin/run` has it) and the URL of nginx in front of them."""
    binary = nginx_binary()
    assert binary, "these tests need nginx (apt-get install nginx; .ci/run installs it)"
    port = free_port()
    proxy_url = f"http://127.0.0.1:{port}"
    env = {
        **twilio_api.channel_env(proxy_url),
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "VM_REST_ENABLED": "1",
    }
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


def _early_in_a_minute() -> None:
    """The sender limit counts per clock minute: a flood is sent well inside one."""
    into = time.time() % 60
    if into > 35:
        time.sleep(60.5 - into)


def _whatsapp(proxy: str, sender: str, text: str, signed: bool = True) -> int:
    fields = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_WHATSAPP,
        "Body": text,
        "NumMedia": "0",
    }
    path = "/webhooks/twilio/webhook"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(proxy + path, fields)
    headers = {"X-Twilio-Signature": signature} if signed else {}
    return requests.post(proxy + path, data=fields, headers=headers, timeout=60).status_code


def test_a_whatsapp_flood_from_one_sender_is_stopped_at_the_proxy_and_no_one_else(proxied):
    _, proxy = proxied
    flooder, other, named = (f"whatsapp:+31620{next(_numbers):06d}" for _ in range(3))
    # Forged deliveries naming someone: refused by the channel, and counted for nobody.
    forged = [_whatsapp(proxy, named, "hi", signed=False) for _ in range(SENDER_LIMIT + 5)]
    assert set(forged) == {403}
    _early_in_a_minute()
    flood = [_whatsapp(proxy, flooder, f"message {i}") for i in range(SENDER_LIMIT + 2)]
    assert flood == [200] * SENDER_LIMIT + [429, 429]
    assert _whatsapp(proxy, other, "hola, necesito ayuda") == 200
    assert _whatsapp(proxy, named, "hallo") == 200


def _telegram(proxy: str, chat_id: int, text: str) -> int:
    update = {
        "update_id": next(_numbers),
        "message": {
            "message_id": next(_numbers),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    reply = requests.post(
        f"{proxy}/webhooks/telegram/webhook", json=update, headers=headers, timeout=60
    )
    return reply.status_code


def test_a_telegram_flood_from_one_chat_is_stopped_at_the_proxy_and_no_one_else(proxied):
    _, proxy = proxied
    flooder, other = 7_000_000 + next(_numbers), 8_000_000 + next(_numbers)
    _early_in_a_minute()
    flood = [_telegram(proxy, flooder, f"message {i}") for i in range(SENDER_LIMIT + 1)]
    assert flood == [200] * SENDER_LIMIT + [429]
    assert _telegram(proxy, other, "olá, preciso de ajuda") == 200


def test_a_flood_of_web_chat_requests_from_one_address_is_slowed_at_the_proxy(proxied):
    _, proxy = proxied
    statuses = [
        requests.get(f"{proxy}/webchat/widget.js", timeout=10).status_code for _ in range(120)
    ]
    assert statuses[:40] == [200] * 40  # a burst passes
    assert 429 in statuses
    time.sleep(3)  # 20 requests a second come back
    assert requests.get(f"{proxy}/webchat/widget.js", timeout=10).status_code == 200


def _timed(call: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    status = call()
    return status, time.perf_counter() - start


def _bad(proxy: str, kind: str) -> int:
    path = f"{proxy}/webhooks/twilio/webhook"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    if kind == "oversized":
        body = b"Body=" + b"x" * (2 * 1024 * 1024)
        return requests.post(path, data=body, headers=form, timeout=60).status_code
    if kind == "malformed":
        body = bytes(range(256)) * 4  # not a form, not text
        return requests.post(path, data=body, headers=form, timeout=60).status_code
    return _whatsapp(proxy, f"whatsapp:+31640{next(_numbers):06d}", "hi", signed=False)


def test_under_load_bad_requests_and_a_flood_are_refused_and_everyone_else_is_answered(
    proxied,
):
    """Ten people talk on WhatsApp at once while one sender floods, and oversized,
    malformed and unsigned requests arrive: every person is answered, the flood is cut
    at the limit, every bad request gets its 4xx. The people's latency with and without
    the bad traffic is printed (a figure, not a target)."""
    _, proxy = proxied
    people = [f"whatsapp:+31650{next(_numbers):06d}" for _ in range(10)]

    def talk(person: str, turn: int) -> Callable[[], int]:
        return lambda: _whatsapp(proxy, person, f"hallo, vraag {turn}")

    first = [talk(person, 0) for person in people]  # a conversation's start costs more
    calm = [talk(person, turn) for turn in range(1, 3) for person in people]
    with ThreadPoolExecutor(max_workers=10) as pool:
        started = list(pool.map(_timed, first))
        alone = list(pool.map(_timed, calm))
    _early_in_a_minute()
    flooder = f"whatsapp:+31660{next(_numbers):06d}"
    flood = [lambda i=i: _whatsapp(proxy, flooder, f"spam {i}") for i in range(SENDER_LIMIT + 20)]
    bad = [lambda kind=kind: _bad(proxy, kind) for kind in ("oversized", "malformed", "unsigned")]
    busy = [talk(person, turn) for turn in range(3, 5) for person in people]
    with ThreadPoolExecutor(max_workers=24) as pool:
        attack = [pool.submit(_timed, call) for call in flood + bad * 10]
        during = list(pool.map(_timed, busy))
        attacked = [future.result() for future in attack]

    assert [status for status, _ in started + alone + during] == [200] * 50
    flood_statuses = [status for status, _ in attacked[: len(flood)]]
    assert flood_statuses.count(200) == SENDER_LIMIT
    assert flood_statuses.count(429) == len(flood) - SENDER_LIMIT
    bad_statuses = [status for status, _ in attacked[len(flood) :]]
    assert bad_statuses[0::3] == [413] * 10  # oversized: the proxy
    assert all(400 <= s < 500 for s in bad_statuses[1::3])  # malformed: the channel
    assert bad_statuses[2::3] == [403] * 10  # unsigned: the channel

    def p95(timed: list[tuple[int, float]]) -> float:
        return sorted(seconds for _, seconds in timed)[int(0.95 * (len(timed) - 1))]

    print(f"\nWhatsApp p95 alone {p95(alone):.3f} s, during the bad traffic {p95(during):.3f} s")
