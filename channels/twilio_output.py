"""Replies out through Twilio's REST API (not TwiML, so long and several replies work),
with twilio's asynchronous client: the event loop never waits on a socket. The channel's
settings, the sender and the output channels; channels/twilio.py is the input side.

Output channel names are "sms" and "whatsapp": the NLG renders numbered choices for
buttons on both and the short variant of a text for SMS. Long texts are split (SMS at 3
segments per message, WhatsApp at 1,600 characters). A number that sent STOP gets nothing.

The REST API's address is the `base_url` of the client's `api` domain
(twilio.rest.api.ApiBase sets https://api.twilio.com); replacing it on that domain keeps
the client's own paths, authentication and response parsing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, ClassVar, Dict, List, Mapping, Optional

import aiohttp
from rasa.core.channels.channel import OutputChannel
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot import runtime
from channels.addresses import ReplyTo, channel_of, reply_address
from channels.choices import choices_from, with_numbered_choices
from channels.outcomes import report
from channels.splitting import split_for_sms, split_for_whatsapp
from channels.state import OptOuts

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 30.0
# Twilio's error for a number that opted out at Twilio itself.
UNSUBSCRIBED_RECIPIENT = 21610

# twilio's HTTP client writes every request's URL and headers at INFO level; its logger is
# set to WARNING when the first sender is built (never at import).
_api_logger = logging.getLogger("channels.twilio.api")


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    public_url: Optional[str] = None
    api_base_url: Optional[str] = None
    sms_number: Optional[str] = None
    whatsapp_number: Optional[str] = None

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> TwilioSettings:
        return cls(
            account_sid=environment["TWILIO_ACCOUNT_SID"].strip(),
            auth_token=environment["TWILIO_AUTH_TOKEN"].strip(),
            public_url=(environment.get("TWILIO_PUBLIC_URL") or "").strip() or None,
            api_base_url=(environment.get("TWILIO_API_BASE_URL") or "").strip() or None,
            sms_number=(environment.get("TWILIO_SMS_NUMBER") or "").strip() or None,
            whatsapp_number=_whatsapp_address(environment.get("TWILIO_WHATSAPP_NUMBER")),
        )


def _whatsapp_address(number: Optional[str]) -> Optional[str]:
    number = (number or "").strip()
    if not number:
        return None
    return number if number.lower().startswith("whatsapp:") else f"whatsapp:{number}"


class TwilioSender:
    """Sends messages through Twilio's REST API with the asynchronous client."""

    def __init__(
        self,
        settings: TwilioSettings,
        on_unsubscribed: Optional[Callable[[str], Awaitable[Any]]] = None,
    ) -> None:
        self._settings = settings
        self._on_unsubscribed = on_unsubscribed
        _api_logger.setLevel(logging.WARNING)
        self._client: Optional[Client] = None
        self._http: Optional[AsyncTwilioHttpClient] = None

    def _rest(self) -> Client:
        # Built on first use, inside the running loop that its aiohttp session belongs to.
        if self._client is None:
            self._http = AsyncTwilioHttpClient(logger=_api_logger, max_retries=3)
            client = Client(
                self._settings.account_sid, self._settings.auth_token, http_client=self._http
            )
            if self._settings.api_base_url:
                client.api.base_url = self._settings.api_base_url.rstrip("/")
            self._client = client
        return self._client

    async def send(self, from_: str, to: str, body: str, conversation: str) -> bool:
        """Sends `body` to the address `to`; `conversation` (the sender id) names it in logs."""
        try:
            await asyncio.wait_for(
                self._rest().messages.create_async(to=to, from_=from_, body=body),
                SEND_TIMEOUT_SECONDS,
            )
            return True
        except TwilioRestException as error:
            # Its text can name the number: log only the status and Twilio's error code.
            logger.error(
                "Twilio refused a reply for conversation %s (HTTP %s, Twilio error %s).",
                runtime.reference_for(conversation), error.status, error.code,
            )  # fmt: skip
            if error.code == UNSUBSCRIBED_RECIPIENT and self._on_unsubscribed:
                await self._on_unsubscribed(to)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            logger.error(
                "Twilio could not be reached for a reply to conversation %s (%s).",
                runtime.reference_for(conversation), type(error).__name__,
            )  # fmt: skip
        return False

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._client, self._http = None, None


def twilio_address(reply_to: ReplyTo) -> str:
    """The `To` Twilio wants: the number, prefixed "whatsapp:" on WhatsApp."""
    return f"whatsapp:{reply_to.address}" if reply_to.channel == "whatsapp" else reply_to.address


class TwilioOutput(OutputChannel):
    """Replies to one Twilio conversation, from the number the user wrote to, to the
    number the message came from (`reply_to`): Rasa names the conversation only by its
    pseudonymous sender id."""

    kind: ClassVar[str] = "twilio"

    def __init__(
        self,
        sender: TwilioSender,
        from_: str,
        muted: bool = False,
        reply_to: Optional[ReplyTo] = None,
    ) -> None:
        self._sender = sender
        self._from = from_
        # A number that sent STOP gets nothing until START, whatever the dialogue says.
        self.muted = muted
        self._reply_to = reply_to
        # Choices already numbered in this turn: a second message with choices goes on
        # from there, so each number names one choice (channels.conversation reads them so).
        self._numbered = 0

    @classmethod
    def name(cls) -> str:
        return cls.kind

    def new_turn(self) -> None:
        """The dialogue is about to answer another message: its choices start at 1."""
        self._numbered = 0

    def split(self, text: str) -> list[str]:
        return split_for_sms(text)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if self.muted or self._reply_to is None:
            return
        if self._reply_to.recipient(recipient_id) is None:
            return
        to = twilio_address(self._reply_to)
        conversation = self._reply_to.sender_id
        for part in self.split(text):
            if not await self._sender.send(self._from, to, part, conversation):
                return  # the rest would arrive without its beginning

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        choices = choices_from(buttons)
        numbered = with_numbered_choices(text, choices, first=self._numbered + 1)
        self._numbered += len(choices)
        await self.send_text_message(recipient_id, numbered)

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        logger.warning("A custom message cannot be shown on %s; left out.", self.name())


class SmsOutput(TwilioOutput):
    kind = "sms"


class WhatsAppOutput(TwilioOutput):
    kind = "whatsapp"

    def split(self, text: str) -> list[str]:
        return split_for_whatsapp(text)


class UnpromptedOutput(TwilioOutput):
    """Messages that answer no incoming message (Rasa's get_output_channel): from the
    configured SMS or WhatsApp number, never to a number that sent STOP. Named "twilio":
    the NLG renders numbered choices and short texts, fit for both.

    The recipient is a conversation's pseudonymous sender id; its number is known only
    when the conversation was handed to an advisor (kept encrypted with the handoff,
    channels.addresses.reply_address). Anything else, a raw number included, is refused."""

    kind = "twilio"

    def __init__(self, sender: TwilioSender, settings: TwilioSettings, opt_outs: OptOuts) -> None:
        super().__init__(sender, "")
        self._settings = settings
        self._opt_outs = opt_outs

    def new_turn(self) -> None:
        """Shared by every conversation: each message's choices start at 1."""

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        numbered = with_numbered_choices(text, choices_from(buttons))
        await self.send_text_message(recipient_id, numbered, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await report(kwargs, await self._send_unprompted(recipient_id, text))

    async def _send_unprompted(self, recipient_id: str, text: str) -> Optional[str]:
        """None when sent, else why not (channels.outcomes)."""
        channel = channel_of(recipient_id)
        if channel not in ("sms", "whatsapp"):
            logger.error("Message not sent: not an SMS or WhatsApp conversation.")
            return "no_address"
        whatsapp = channel == "whatsapp"
        from_ = self._settings.whatsapp_number if whatsapp else self._settings.sms_number
        if not from_:
            name = "TWILIO_WHATSAPP_NUMBER" if whatsapp else "TWILIO_SMS_NUMBER"
            logger.error("Message to conversation %s not sent: %s not set.",
                         runtime.reference_for(recipient_id), name)  # fmt: skip
            return "channel_down"
        reply_to = await reply_address(recipient_id)
        if reply_to is None:
            logger.error("Message to conversation %s not sent: no reply address kept for it.",
                         runtime.reference_for(recipient_id))  # fmt: skip
            return "no_address"
        to = twilio_address(reply_to)
        if await self._opt_outs.contains(to):
            return "opted_out"
        parts = split_for_whatsapp(text) if whatsapp else split_for_sms(text)
        for part in parts:
            if not await self._sender.send(from_, to, part, recipient_id):
                return "opted_out" if await self._opt_outs.contains(to) else "channel_down"
        return None
