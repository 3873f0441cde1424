"""SMS and WhatsApp through Twilio: one input channel, POST /webhooks/twilio/webhook.

Twilio posts each incoming message as a form (From, To, Body, MessageSid, NumMedia,
Latitude, ...); a `From` starting with "whatsapp:" is WhatsApp, anything else SMS.

- Every request must carry a valid X-Twilio-Signature (HMAC of the public URL and the form
  with the auth token, checked with twilio's RequestValidator): otherwise 403 and nothing
  is processed. Behind a reverse proxy the URL Twilio called differs from the one this
  server sees: set TWILIO_PUBLIC_URL to the public base (e.g. https://chat.example.org);
  the request's path and query are appended to it.
- Replies go out through Twilio's REST API (not TwiML), so long and several replies work,
  with twilio's asynchronous client: the event loop never waits on a socket. The webhook
  answers an empty TwiML <Response/> once the message is handled.
- Output channel names are "sms" and "whatsapp": the NLG renders numbered choices for
  buttons on both and the short variant of a text for SMS. A reply that is only a number
  picks that choice; long texts are split (SMS at 3 segments per message, WhatsApp at
  1,600 characters).
- STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (the whole message, any case): no more
  messages to that number until START, UNSTOP or YES. HELP or INFO: a short help text,
  even after STOP. These are not passed on as the user's words. A message from a number
  that opted out is still kept in the conversation (nothing a user writes is lost) but
  gets no reply. From someone who never stopped, START begins the conversation and YES
  is an ordinary answer.
- Media and locations get a polite text-only answer; a caption is passed on as text.
- Twilio may deliver a message again: each MessageSid is processed once (channels.state).

Environment (secrets never go in credentials.yml):
  TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN  required; without them the channel is off (one
                                         log line) and its webhook answers 503
  TWILIO_PUBLIC_URL                      public base URL, when behind a proxy
  TWILIO_API_BASE_URL                    the REST API's address, default
                                         https://api.twilio.com (a local fake in tests)
  TWILIO_SMS_NUMBER, TWILIO_WHATSAPP_NUMBER  the numbers messages that answer no incoming
                                         message come from (get_output_channel, e.g. an
                                         advisor's answer); replies always come from the
                                         number the user wrote to

The REST API's address is the `base_url` of the client's `api` domain
(twilio.rest.api.ApiBase sets https://api.twilio.com); replacing it on that domain keeps
the client's own paths, authentication and response parsing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, ClassVar, Dict, List, Mapping, Optional
from urllib.parse import parse_qsl

import aiohttp
import phonenumbers
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot import runtime
from bot.language.detection import DEFAULT_LANGUAGE
from channels.choices import (
    choices_from,
    numbered_payload,
    with_numbered_choices,
    without_command_prefix,
)
from channels.conversation import channel_message, read_conversation
from channels.inbound import (
    BadRequest,
    check_size,
    clean_text,
    log_channel_off,
    missing_settings,
    refusal,
)
from channels.splitting import split_for_sms, split_for_whatsapp
from channels.state import Deliveries, OptOuts

logger = logging.getLogger(__name__)

REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 200
SEND_TIMEOUT_SECONDS = 30.0
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# Twilio's error for a number that opted out at Twilio itself.
UNSUBSCRIBED_RECIPIENT = 21610

_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")

# twilio's HTTP client writes every request's URL and headers at INFO level; its logger is
# set to WARNING when the first sender is built (never at import).
_api_logger = logging.getLogger(f"{__name__}.api")


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


@dataclass(frozen=True)
class InboundMessage:
    kind: str  # "sms" or "whatsapp"
    sender: str  # Twilio's From: "+31612345678" or "whatsapp:+34600000000"
    recipient: str  # Twilio's To: the number the user wrote to, which replies come from
    text: str
    message_sid: str
    has_media: bool = False
    has_location: bool = False
    # Set when Twilio's own opt-out handling already answered a STOP keyword.
    opt_out_type: Optional[str] = None


class FormParams(dict):
    """Form fields with every value of a repeated field, as RequestValidator reads them."""

    def getall(self, name: str) -> List[str]:
        return list(self[name])


def parse_form(body: bytes, content_type: Optional[str]) -> FormParams:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise BadRequest("Expected a form (application/x-www-form-urlencoded).", status=415)
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict",
            max_num_fields=MAX_FIELDS,
        )  # fmt: skip
    except ValueError as error:  # includes UnicodeDecodeError and too many fields
        raise BadRequest("The form is not valid UTF-8 form data.") from error
    fields = FormParams()
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


def _single(fields: Mapping[str, List[str]], name: str) -> Optional[str]:
    values = fields.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"`{name}` appears more than once.")
    return values[0]


def inbound_message(fields: Mapping[str, List[str]]) -> InboundMessage:
    """The message in a Twilio webhook form; BadRequest says what is missing or wrong."""
    sid = _single(fields, "MessageSid") or _single(fields, "SmsMessageSid")
    if not sid or not _SID.match(sid):
        raise BadRequest("`MessageSid` is missing or malformed.")
    sender = (_single(fields, "From") or "").strip()
    recipient = (_single(fields, "To") or "").strip()
    if not sender or not recipient or len(sender) > 64 or len(recipient) > 64:
        raise BadRequest("`From` and `To` are required (at most 64 characters).")
    if clean_text(sender) != sender or clean_text(recipient) != recipient:
        raise BadRequest("`From` and `To` must be addresses.")
    media = _single(fields, "NumMedia") or "0"
    if not media.isascii() or not media.isdigit():
        raise BadRequest("`NumMedia` must be a number.")
    return InboundMessage(
        kind="whatsapp" if sender.lower().startswith("whatsapp:") else "sms",
        sender=sender,
        recipient=recipient,
        text=_single(fields, "Body") or "",
        message_sid=sid,
        has_media=int(media) > 0,
        has_location=bool(_single(fields, "Latitude") or _single(fields, "Longitude")),
        opt_out_type=_single(fields, "OptOutType") or None,
    )


def bare_word(text: str) -> str:
    """The message as a keyword: invisible characters, spaces and a final . or ! dropped,
    upper case."""
    bare = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return bare.strip().rstrip(".!").strip().upper()


def keyword(text: str) -> Optional[str]:
    """Which keyword the whole message is ("stop", "start" or "help"), if any."""
    bare = bare_word(text)
    if bare in STOP_WORDS:
        return "stop"
    if bare in START_WORDS:
        return "start"
    if bare in HELP_WORDS:
        return "help"
    return None


def country_of(sender: str) -> Optional[str]:
    """The sender's country (ISO 3166 code) from their number, for finding their post."""
    number = sender.split(":", 1)[1] if sender.lower().startswith("whatsapp:") else sender
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != "ZZ" else None  # ZZ: no country


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

    async def send(self, from_: str, to: str, body: str) -> bool:
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
                runtime.reference_for(to), error.status, error.code,
            )  # fmt: skip
            if error.code == UNSUBSCRIBED_RECIPIENT and self._on_unsubscribed:
                await self._on_unsubscribed(to)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            logger.error(
                "Twilio could not be reached for a reply to conversation %s (%s).",
                runtime.reference_for(to), type(error).__name__,
            )  # fmt: skip
        return False

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._client, self._http = None, None


class TwilioOutput(OutputChannel):
    """Replies to one Twilio conversation, from the number the user wrote to."""

    kind: ClassVar[str] = "twilio"

    def __init__(self, sender: TwilioSender, from_: str, muted: bool = False) -> None:
        self._sender = sender
        self._from = from_
        # A number that sent STOP gets nothing until START, whatever the dialogue says.
        self.muted = muted

    @classmethod
    def name(cls) -> str:
        return cls.kind

    def split(self, text: str) -> list[str]:
        return split_for_sms(text)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if self.muted:
            return
        for part in self.split(text):
            if not await self._sender.send(self._from, recipient_id, part):
                return  # the rest would arrive without its beginning

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(
            recipient_id, with_numbered_choices(text, choices_from(buttons))
        )

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
    the NLG renders numbered choices and short texts, fit for both."""

    kind = "twilio"

    def __init__(self, sender: TwilioSender, settings: TwilioSettings, opt_outs: OptOuts) -> None:
        super().__init__(sender, "")
        self._settings = settings
        self._opt_outs = opt_outs

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        whatsapp = recipient_id.lower().startswith("whatsapp:")
        from_ = self._settings.whatsapp_number if whatsapp else self._settings.sms_number
        if not from_:
            name = "TWILIO_WHATSAPP_NUMBER" if whatsapp else "TWILIO_SMS_NUMBER"
            logger.error("Message to conversation %s not sent: %s not set.",
                         runtime.reference_for(recipient_id), name)  # fmt: skip
            return
        if await self._opt_outs.contains(recipient_id):
            return
        parts = split_for_whatsapp(text) if whatsapp else split_for_sms(text)
        for part in parts:
            if not await self._sender.send(from_, recipient_id, part):
                return


class TwilioChannel(InputChannel):
    """The Rasa input channel; `credentials.yml` names it, its secrets come from the
    environment."""

    def __init__(
        self,
        settings: Optional[TwilioSettings],
        deliveries: Optional[Deliveries] = None,
        opt_outs: Optional[OptOuts] = None,
    ) -> None:
        self.settings = settings
        self.deliveries = deliveries or Deliveries("twilio")
        self.opt_outs = opt_outs or OptOuts()
        self.sender = TwilioSender(settings, self.opt_outs.add) if settings else None
        self.validator = RequestValidator(settings.auth_token) if settings else None

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> TwilioChannel:
        return cls.from_environment(os.environ)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> TwilioChannel:
        missing = missing_settings(environment, REQUIRED)
        if missing:
            log_channel_off("Twilio", missing)
            return cls(None)
        return cls(TwilioSettings.from_environment(environment))

    def public_url(self, request: Request) -> str:
        """The URL Twilio called, which its signature covers."""
        if self.settings and self.settings.public_url:
            url = self.settings.public_url.rstrip("/") + request.path
            return f"{url}?{request.query_string}" if request.query_string else url
        return request.url

    def get_output_channel(self) -> Optional[OutputChannel]:
        settings = self.settings
        if self.sender is None or settings is None:
            return None
        if not (settings.sms_number or settings.whatsapp_number):
            return None
        return UnpromptedOutput(self.sender, settings, self.opt_outs)

    def output_for(self, message: InboundMessage, muted: bool = False) -> TwilioOutput:
        assert self.sender is not None
        output = WhatsAppOutput if message.kind == "whatsapp" else SmsOutput
        return output(self.sender, message.recipient, muted=muted)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_channel", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if self.settings is None:
                return response.json({"status": "off"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            if self.sender is not None:
                await self.sender.close()

        return webhook

    async def receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if self.settings is None or self.validator is None:
            return refusal(503, "The Twilio channel is not configured on this server.")
        try:
            check_size(request.body, MAX_BODY_BYTES)
            signature = request.headers.get("X-Twilio-Signature")
            if not signature:
                return refusal(403, "Missing X-Twilio-Signature.")
            fields = parse_form(request.body or b"", request.headers.get("content-type"))
            if not self.validator.validate(self.public_url(request), fields, signature):
                return refusal(403, "Invalid X-Twilio-Signature.")
            message = inbound_message(fields)
        except BadRequest as error:
            return refusal(error.status, str(error))

        if not await self._first_delivery(message.message_sid):
            return self._twiml()  # a redelivery: already handled
        try:
            await self.handle(message, request.app, on_new_message)
        except Exception as error:
            await self._recover(message, request.app, error)
        return self._twiml()

    async def _first_delivery(self, message_sid: str) -> bool:
        try:
            return await self.deliveries.claim(message_sid)
        except Exception as error:
            # Without the database a duplicate is possible; losing the message is worse.
            logger.warning("Duplicate check unavailable (%s).", type(error).__name__)
            return True

    async def _recover(self, message: InboundMessage, app: Any, error: Exception) -> None:
        """The message may not be in the conversation: a redelivery may try again, and
        the user is asked to send it again. The error's text may quote the message."""
        logger.error(
            "A %s message for conversation %s was not processed (%s).",
            message.kind, runtime.reference_for(message.sender), type(error).__name__,
        )  # fmt: skip
        try:
            conversation = await read_conversation(app, message.sender)
            muted = await self.opt_outs.contains(message.sender)
            output = self.output_for(message, muted=muted)
            await self._say(output, message.sender, "channel_try_again", conversation.language)
        except Exception as second:
            logger.error("Could not ask the user to try again (%s).", type(second).__name__)
        try:
            await self.deliveries.release(message.message_sid)
        except Exception as second:
            logger.error("Could not forget the failed delivery (%s).", type(second).__name__)

    @staticmethod
    def _twiml() -> HTTPResponse:
        return response.text(TWIML_EMPTY, content_type="text/xml")

    async def _say(
        self, output: TwilioOutput, sender: str, name: str, language: Optional[str], **values: Any
    ) -> None:
        message = await channel_message(name, language or DEFAULT_LANGUAGE, output.name(), **values)
        if message:
            await output.send_response(sender, message)

    async def handle(
        self,
        message: InboundMessage,
        app: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        sender = message.sender
        conversation = await read_conversation(app, sender)
        language = conversation.language_or()
        output = self.output_for(message)
        word = keyword(message.text)

        if word == "stop":
            # Twilio's own opt-out handling (OptOutType set) has already confirmed it.
            if await self.opt_outs.add(sender) and not message.opt_out_type:
                await self._say(output, sender, "channel_stopped", language)
            return
        opted_out = await self.opt_outs.contains(sender)
        if word == "help":  # answered even after STOP, as SMS users expect
            await self._say(output, sender, "channel_help", language)
            return
        if word == "start" and opted_out:
            await self.opt_outs.remove(sender)
            await self._say(output, sender, "channel_resumed", language)
            return
        if opted_out:
            output = self.output_for(message, muted=True)

        text = clean_text(message.text)
        if message.has_media or message.has_location:
            await self._say(output, sender, "channel_media_not_supported", language)
        if word == "start" and bare_word(text) != "YES":
            text = "/greet"  # "start" from someone who never stopped: begin the conversation
        else:
            number, payload = numbered_payload(text, conversation.last_choices)
            if number is not None and payload is None and not opted_out:
                count = len(conversation.last_choices)
                await self._say(output, sender, "channel_unknown_choice", language, count=count)
                return
            # Typed text never reaches the dialogue as an intent; only our own choices do.
            text = payload or without_command_prefix(text)
        if not text:
            return
        await on_new_message(
            UserMessage(
                text,
                output,
                sender,
                input_channel=self.name(),
                message_id=message.message_sid,
                metadata={"channel": message.kind, "country": country_of(sender)},
            )
        )
