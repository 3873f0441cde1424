"""Telegram, with python-telegram-bot: POST /webhooks/telegram/webhook.

- Telegram sends each update as JSON with the secret token given to setWebhook in the
  X-Telegram-Bot-Api-Secret-Token header; a wrong or missing token gets 403 and nothing
  is processed.
- Buttons become inline keyboards; a tap (callback query) is answered, so the app stops
  its spinner, and its payload goes to the dialogue once checked: a payload the dialogue
  does not know gets a clear reply instead.
- /start greets, /language shows the language menu, /delete asks for the data to be
  deleted, /help and any other command list the commands. Until the conversation has a
  language, answers to these and to buttons are worded in the language of the user's
  Telegram app when we speak it.
- Updates are read by channels/telegram_updates.py. Only private chats are served; an
  update_id is processed once (channels.state), since Telegram delivers again when unsure.
  An update whose message is older than the de-duplication window
  (channels.state.DELIVERY_MEMORY) is a replay and is refused (acknowledged, not
  processed): Telegram itself keeps undelivered updates for 24 hours.
  For a button, the date is that of the message carrying the keyboard, so a button
  older than the window is refused too.
- Rasa sees the conversation as `telegram:<pseudonym>` of the chat id
  (channels/addresses.py), never the chat id; replies of the same update go to the chat
  it came from, and the chat id reaches the action server only in the message metadata.
- Photos, documents, voice notes and audio go to the evidence desk, each then to the
  dialogue as `/share_file{...}` (channels/telegram_media.py); a caption follows as text.
  Locations, contacts and stickers get a polite text-only answer. The request lifecycle
  (size limit, secret before the body is read, each update once, recovery, files fetched
  after Telegram is answered) is channels/webhook.py's.

Environment (secrets never go in credentials.yml):
  TELEGRAM_BOT_TOKEN        the bot's token from @BotFather
  TELEGRAM_WEBHOOK_SECRET   the secret_token given to setWebhook (1-256 of A-Z a-z 0-9 _ -)
                            without both the channel is off (one log line), webhook 503
  TELEGRAM_API_BASE_URL     the Bot API's address, default https://api.telegram.org/bot
                            (python-telegram-bot's base_url; a local fake in tests);
                            files come from the same address with /file before /bot

Register the webhook once:
  curl -F url=https://<public host>/webhooks/telegram/webhook \\
       -F secret_token=$TELEGRAM_WEBHOOK_SECRET \\
       https://api.telegram.org/bot$TELEGRAM_BOT_TOKEN/setWebhook
"""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import httpx
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.error import TelegramError

from bot import runtime
from bot.evidence.desk import EvidenceDesk
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.conversation import DEFAULT_LANGUAGE
from bot.language.slot import INTERFACE_LANGUAGE
from channels.choices import (
    payload_from_callback,
    payload_parse_data,
    without_command_prefix,
)
from channels.conversation import (
    channel_message,
    known_intents,
    read_conversation,
    supported_language,
)
from channels.inbound import BadRequest, clean_text
from channels.media import media_client, settle
from channels.state import Deliveries
from channels.telegram_media import file_base_url, take_attachments
from channels.telegram_output import TelegramOutput
from channels.telegram_updates import COMMAND, TelegramInbound, parse_update, too_old
from channels.webhook import OnNewMessage, WebhookInput

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"

# Telegram commands and the payloads the dialogue understands (domain.yml intents).
COMMANDS = {"start": "/greet", "language": "/change_language", "delete": "/delete_data"}
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# A guess from the app's language is below the bar that sets the conversation language
# (bot.language.conversation.FIRST_SET_CONFIDENCE): it words this answer, and the user's own words
# decide the conversation language.
APP_LANGUAGE_CONFIDENCE = 0.5


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    webhook_secret: str
    api_base_url: str = DEFAULT_API_BASE_URL

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> TelegramSettings:
        return cls(
            token=environment["TELEGRAM_BOT_TOKEN"].strip(),
            webhook_secret=environment["TELEGRAM_WEBHOOK_SECRET"].strip(),
            api_base_url=(environment.get("TELEGRAM_API_BASE_URL") or "").strip()
            or DEFAULT_API_BASE_URL,
        )


def _app_language(hint: Optional[str]) -> dict[str, str]:
    """The app's language as the web chat gives its page's (INTERFACE_LANGUAGE): it settles
    a first message too short to tell ("hallo": Dutch or German?), never what the user's own
    words say (bot/language/slot.py)."""
    code = supported_language(hint)
    return {INTERFACE_LANGUAGE: code} if code else {}


def command_name(text: str) -> str:
    match = COMMAND.match(text)
    return match.group("name").lower() if match else ""


def delivery_channel(settings: Optional[TelegramSettings]) -> str:
    """update_ids count per bot: remembered per bot (its id opens the token), so a new bot
    whose ids happen to repeat an old one's is not taken for redeliveries."""
    bot_id = settings.token.split(":", 1)[0] if settings else ""
    return f"tg:{bot_id}"[:16]


class TelegramInput(WebhookInput[TelegramSettings, bytes, TelegramInbound]):
    """Telegram's hooks on the webhook lifecycle: the secret token, the update's JSON,
    commands and buttons."""

    platform = "Telegram"
    required_settings = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
    # Updates carry at most 4,096 characters of text, plus entities and a quoted message.
    max_body_bytes = 256 * 1024

    def __init__(
        self,
        settings: Optional[TelegramSettings],
        deliveries: Optional[Deliveries] = None,
        desk: Optional[EvidenceDesk] = None,
    ) -> None:
        super().__init__(settings, deliveries)
        self._bot: Optional[Bot] = None
        self._media: Optional[httpx.AsyncClient] = None
        self.desk = desk  # None: the process's (runtime.evidence_desk())

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def settings_from(cls, environment: Mapping[str, str]) -> Optional[TelegramSettings]:
        settings = TelegramSettings.from_environment(environment)
        if not _SECRET.match(settings.webhook_secret):
            logger.warning(
                "Telegram channel off: TELEGRAM_WEBHOOK_SECRET must be 1 to 256 of "
                "A-Z, a-z, 0-9, _ and -"
            )
            return None
        # httpx logs each request's URL at INFO, and the URL holds the bot token;
        # python-telegram-bot logs each call's parameters at DEBUG.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("telegram").setLevel(logging.INFO)
        return settings

    def delivery_channel(self) -> str:
        return delivery_channel(self.settings)

    @property
    def bot(self) -> Bot:
        assert self.settings is not None
        if self._bot is None:
            api = self.settings.api_base_url
            self._bot = Bot(self.settings.token, base_url=api, base_file_url=file_base_url(api))
        return self._bot

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages that answer no incoming message (e.g. an advisor's answer)."""
        return TelegramOutput(self.bot) if self.settings else None

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None
        if self._media is not None:
            await self._media.aclose()
            self._media = None

    def authenticate(self, request: Request) -> bytes:
        assert self.settings is not None
        given = request.headers.get(SECRET_HEADER) or ""
        if not hmac.compare_digest(
            given.encode("utf-8", "replace"), self.settings.webhook_secret.encode("utf-8")
        ):
            raise BadRequest(f"Missing or wrong {SECRET_HEADER}.", status=403)
        return request.body or b""

    def parse(self, body: bytes) -> Optional[TelegramInbound]:
        inbound = parse_update(body, self.bot)
        return None if inbound.kind == "ignored" else inbound

    def slow(self, delivery: TelegramInbound) -> bool:
        return delivery.kind == "media"

    def too_old(self, delivery: TelegramInbound) -> bool:
        return too_old(delivery)

    def acknowledge(self) -> HTTPResponse:
        return response.json({"ok": True})

    async def ask_to_send_again(self, inbound: TelegramInbound, app: Any) -> None:
        conversation = await read_conversation(app, inbound.sender_id)
        language = conversation.language_or(inbound.language_hint)
        await self._say(inbound, "channel_try_again", language)

    async def _say(
        self, inbound: TelegramInbound, name: str, language: Optional[str], **values: Any
    ) -> None:
        message = await channel_message(name, language or DEFAULT_LANGUAGE, "telegram", **values)
        if message:
            output = TelegramOutput(self.bot, inbound.reply_to)
            await output.send_response(inbound.sender_id, message)

    async def _answer_button(self, callback_query_id: str) -> None:
        try:
            await self.bot.answer_callback_query(callback_query_id)
        except TelegramError as error:  # too late to answer: the tap still counts
            logger.info("Button tap not acknowledged (%s).", type(error).__name__)

    async def handle(
        self, inbound: TelegramInbound, app: Any, on_new_message: OnNewMessage
    ) -> None:
        sender_id = inbound.sender_id
        conversation = await read_conversation(app, sender_id)
        language = conversation.language_or(inbound.language_hint)
        payload: Optional[str] = None
        payloads: list[str] = []

        if inbound.kind == "button":
            assert inbound.callback_query_id is not None
            await self._answer_button(inbound.callback_query_id)
            payload = payload_from_callback(
                inbound.text, known_intents(app), conversation.session_choices
            )
            if payload is None:
                await self._say(inbound, "channel_unknown_button", language)
                return
        elif inbound.kind == "command":
            payload = COMMANDS.get(command_name(inbound.text))
            if payload is None:
                await self._say(inbound, "channel_commands", language)
                return
        elif inbound.kind == "media":
            payloads = await self._take_files(inbound, language, conversation.keep_originals)
        elif inbound.kind == "unsupported":
            await self._say(inbound, "channel_media_not_supported", language)

        if payload is not None:
            text = payload
        else:  # typed text never reaches the dialogue as an intent
            text = without_command_prefix(clean_text(inbound.text))
        # Each file taken is its own message (a payload only the channel makes), then the
        # caption follows as the text it is.
        messages: list[tuple[str, Optional[str], str]] = [
            (p, p, f"{inbound.update_id}:{i}") for i, p in enumerate(payloads)
        ]
        if text:
            messages.append((text, payload, str(inbound.update_id)))
        for text, payload, message_id in messages:
            parse_data = None
            if payload is not None and conversation.language not in SUPPORTED_LANGUAGES:
                # "/greet" says nothing about the language; the app's language words the answer.
                parse_data = payload_parse_data(payload, language, APP_LANGUAGE_CONFIDENCE)
            await on_new_message(
                UserMessage(
                    text,
                    TelegramOutput(self.bot, inbound.reply_to),
                    sender_id,
                    parse_data=parse_data,
                    input_channel=self.name(),
                    message_id=message_id,
                    metadata=inbound.reply_to.metadata(_app_language(inbound.language_hint)),
                )
            )

    async def _take_files(
        self, inbound: TelegramInbound, language: str, keep_original: bool
    ) -> list[str]:
        """Says why files were not taken; the payloads of those taken."""
        self._media = self._media or media_client()
        desk, files = self.desk or runtime.evidence_desk(), inbound.files
        taken = await take_attachments(
            self.bot, self._media, desk, inbound.sender_id, files, keep_original
        )

        async def say(name: str, values: dict[str, Any]) -> None:
            await self._say(inbound, name, language, **values)

        return await settle(taken, say)
