"""Users of the messaging channels in end-to-end tests: signed Twilio webhooks (SMS and
WhatsApp) and Telegram updates, as Twilio and Telegram send them to the real Rasa server
(the fakes of their APIs receive the answers: tests/support/fakes)."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any

import requests
from twilio.request_validator import RequestValidator

from tests.support.servers import Servers

ACCOUNT_SID = "AC" + "fedcba9876543210" * 2
AUTH_TOKEN = "e2e-twilio-auth-token"
# Twilio calls the public address; the proxy in front of Rasa forwards to loopback.
PUBLIC_URL = "https://veilig-melden.example.org"
OUR_WHATSAPP = "whatsapp:+14155550100"
OUR_SMS = "+14155550101"
BOT_TOKEN = "987654321:AAE-e2e-token_abcdefghijklmnop"
WEBHOOK_SECRET = "e2e-webhook-secret_42"
_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def channels_env(twilio_api: Any, telegram_api: Any) -> dict[str, str]:
    """The Twilio and Telegram channels' settings, pointed at the fakes of their APIs."""
    return {
        **twilio_api.channel_env(PUBLIC_URL),
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
    }


def new_chat() -> int:
    """A Telegram chat id (and update and message ids) no other test used."""
    return next(_ids)


def twilio_message(servers: Servers, sender: str, body: str, sid: str | None = None, **extra):
    fields = {
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_WHATSAPP if sender.startswith("whatsapp:") else OUR_SMS,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    path = "/webhooks/twilio/webhook"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, fields)
    return requests.post(
        servers.url + path, data=fields, headers={"X-Twilio-Signature": signature}, timeout=60
    )


def new_number(prefix: str) -> str:
    return prefix + str(uuid.uuid4().int)[:7]


def telegram_update(servers: Servers, update: dict, secret: str = WEBHOOK_SECRET):
    return requests.post(
        f"{servers.url}/webhooks/telegram/webhook",
        data=json.dumps(update),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        timeout=60,
    )


def person(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": "pt-br"}


def text_update(chat_id: int, text: str) -> dict:
    message = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
        "from": person(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": next(_ids), "message": message}


def tap(chat_id: int, data: str) -> dict:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq-{next(_ids)}",
            "from": person(chat_id),
            "chat_instance": "7",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
                "text": "…",
            },
        },
    }
