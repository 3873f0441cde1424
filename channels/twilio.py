"""SMS and WhatsApp through Twilio: one input channel, POST /webhooks/twilio/webhook.

Twilio posts each incoming message as a form (From, To, Body, MessageSid, NumMedia,
Latitude, ...); a `From` starting with "whatsapp:" is WhatsApp, anything else SMS.

- Every request must carry a valid X-Twilio-Signature (HMAC of the public URL and the form
  with the auth token, checked with twilio's RequestValidator): otherwise 403 and nothing
  is processed. Behind a reverse proxy the URL Twilio called differs from the one this
  server sees: set TWILIO_PUBLIC_URL to the public base (e.g. https://chat.example.org);
  the request's path and query are appended to it.
- Replies go out through Twilio's REST API (channels/twilio_output.py). The webhook
  answers an empty TwiML <Response/> once the message is handled (the lifecycle is
  channels/webhook.py's). A reply that is only a number picks that choice.
- STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (the whole message, any case): no more
  messages to that number until START, UNSTOP or YES. HELP or INFO: a short help text,
  even after STOP. These are not passed on as the user's words. A message from a number
  that opted out is still kept in the conversation (nothing a user writes is lost) but
  gets no reply. From someone who never stopped, START begins the conversation and YES
  is an ordinary answer.
- Files (MMS, WhatsApp photos, documents, voice notes) are downloaded from Twilio and held
  by the evidence desk (channels/twilio_media.py, channels/media.py): each file taken
  reaches the dialogue as `/share_file{"file_id": ...}`, a file refused gets a text that
  says why, one that cannot be downloaded a request to send it again. A caption is then
  passed on as text. A location gets a polite text-only answer.
- Twilio may deliver a message again: each MessageSid is processed once (channels.state).
  Twilio signs no timestamp, so an old signed request could be replayed at any time: its
  MessageSid is remembered (hashed) as long as conversations are kept (TWILIO_DELIVERY_MEMORY).
- Rasa sees the conversation as `sms:<pseudonym>` or `whatsapp:<pseudonym>` of the number
  (channels/addresses.py), never the number. Replies of the same request go to the number
  this request came from; the number reaches the action server only in the message's
  metadata (`address`, `channel`, `country`).

Environment (secrets never go in credentials.yml):
  TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN  required; without them the channel is off (one
                                         log line) and its webhook answers 503
  TWILIO_PUBLIC_URL                      public base URL, when behind a proxy
  TWILIO_API_BASE_URL                    the REST API's address, default
                                         https://api.twilio.com (a local fake in tests);
                                         media URLs are fetched only from there
  TWILIO_SMS_NUMBER, TWILIO_WHATSAPP_NUMBER  the numbers messages that answer no incoming
                                         message come from (get_output_channel, e.g. an
                                         advisor's answer); replies always come from the
                                         number the user wrote to
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional
from urllib.parse import parse_qsl

import httpx
import phonenumbers
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot import runtime
from bot.evidence.desk import EvidenceDesk
from bot.language.conversation import DEFAULT_LANGUAGE
from channels.addresses import ReplyTo
from channels.choices import numbered_payload, without_command_prefix
from channels.conversation import Conversation, channel_message, read_conversation
from channels.inbound import BadRequest, clean_text
from channels.media import media_client, settle
from channels.state import TWILIO_DELIVERY_MEMORY, Deliveries, OptOuts
from channels.twilio_media import MAX_MEDIA, take_media
from channels.twilio_output import (
    SmsOutput,
    TwilioOutput,
    TwilioSender,
    TwilioSettings,
    UnpromptedOutput,
    WhatsAppOutput,
)
from channels.webhook import OnNewMessage, WebhookInput

logger = logging.getLogger(__name__)

MAX_FIELDS = 200
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SIGNATURE_HEADER = "X-Twilio-Signature"

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})

_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


@dataclass(frozen=True)
class InboundMessage:
    kind: str  # "sms" or "whatsapp"
    sender: str  # Twilio's From: "+31612345678" or "whatsapp:+34600000000"
    recipient: str  # Twilio's To: the number the user wrote to, which replies come from
    text: str
    message_sid: str
    has_media: bool = False
    has_location: bool = False
    # MediaUrl0, MediaUrl1, ... ("" where Twilio's form lacks one), at most MAX_MEDIA.
    media_urls: tuple[str, ...] = ()
    # Set when Twilio's own opt-out handling already answered a STOP keyword.
    opt_out_type: Optional[str] = None

    @property
    def delivery_id(self) -> str:
        return self.message_sid

    @property
    def number(self) -> str:
        """The sender's number, without WhatsApp's "whatsapp:" prefix."""
        return self.sender.split(":", 1)[1] if self.kind == "whatsapp" else self.sender

    @property
    def reply_to(self) -> ReplyTo:
        return ReplyTo(self.kind, self.number)

    @property
    def sender_id(self) -> str:
        return self.reply_to.sender_id

    @property
    def description(self) -> str:
        return f"{self.kind} message"


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
    media_count = min(int(media), MAX_MEDIA)
    return InboundMessage(
        kind="whatsapp" if sender.lower().startswith("whatsapp:") else "sms",
        sender=sender,
        recipient=recipient,
        text=_single(fields, "Body") or "",
        message_sid=sid,
        has_media=media_count > 0,
        media_urls=tuple(_single(fields, f"MediaUrl{i}") or "" for i in range(media_count)),
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


class TwilioInput(WebhookInput[TwilioSettings, FormParams, InboundMessage]):
    """Twilio's hooks on the webhook lifecycle: the signed form, STOP/START/HELP and
    numbered choices."""

    platform = "Twilio"
    required_settings = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
    max_body_bytes = 64 * 1024

    def __init__(
        self,
        settings: Optional[TwilioSettings],
        deliveries: Optional[Deliveries] = None,
        opt_outs: Optional[OptOuts] = None,
        desk: Optional[EvidenceDesk] = None,
    ) -> None:
        super().__init__(settings, deliveries)
        # Twilio signs no timestamp: its ids are kept as long as conversations, whoever
        # built the Deliveries.
        self.deliveries.memory = TWILIO_DELIVERY_MEMORY
        self.opt_outs = opt_outs or OptOuts()
        self.sender = TwilioSender(settings, self.opt_outs.add) if settings else None
        self.validator = RequestValidator(settings.auth_token) if settings else None
        self.desk = desk  # None: the process's (runtime.evidence_desk())
        self._media: Optional[httpx.AsyncClient] = None

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def settings_from(cls, environment: Mapping[str, str]) -> TwilioSettings:
        return TwilioSettings.from_environment(environment)

    def public_url(self, request: Request) -> str:
        """The URL Twilio called, which its signature covers."""
        if self.settings and self.settings.public_url:
            url = self.settings.public_url.rstrip("/") + request.path
            return f"{url}?{request.query_string}" if request.query_string else url
        return request.url

    def authenticate(self, request: Request) -> FormParams:
        # The signature covers the decoded form: it is decoded, then checked before any
        # of its fields is read.
        assert self.validator is not None
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise BadRequest(f"Missing {SIGNATURE_HEADER}.", status=403)
        fields = parse_form(request.body or b"", request.headers.get("content-type"))
        if not self.validator.validate(self.public_url(request), fields, signature):
            raise BadRequest(f"Invalid {SIGNATURE_HEADER}.", status=403)
        return fields

    def parse(self, body: FormParams) -> InboundMessage:
        return inbound_message(body)

    def slow(self, delivery: InboundMessage) -> bool:
        return bool(delivery.media_urls)

    def acknowledge(self) -> HTTPResponse:
        return response.text(TWIML_EMPTY, content_type="text/xml")

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()
        if self._media is not None:
            await self._media.aclose()
            self._media = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        settings = self.settings
        if self.sender is None or settings is None:
            return None
        if not (settings.sms_number or settings.whatsapp_number):
            return None
        return UnpromptedOutput(self.sender, settings, self.opt_outs)

    def output_for(self, message: InboundMessage, muted: bool = False) -> TwilioOutput:
        """Replies to this message's number only, from the number it was written to."""
        assert self.sender is not None
        output = WhatsAppOutput if message.kind == "whatsapp" else SmsOutput
        return output(self.sender, message.recipient, muted=muted, reply_to=message.reply_to)

    async def ask_to_send_again(self, message: InboundMessage, app: Any) -> None:
        conversation = await read_conversation(app, message.sender_id)
        muted = await self.opt_outs.contains(message.sender)
        output = self.output_for(message, muted=muted)
        await self._say(output, message.sender_id, "channel_try_again", conversation.language)

    async def _say(
        self, output: TwilioOutput, sender: str, name: str, language: Optional[str], **values: Any
    ) -> None:
        message = await channel_message(name, language or DEFAULT_LANGUAGE, output.name(), **values)
        if message:
            await output.send_response(sender, message)

    async def handle(self, message: InboundMessage, app: Any, on_new_message: OnNewMessage) -> None:
        # `sender`, the number, is for the opt-out list (kept as keyed hashes); `sender_id`,
        # its pseudonym, for Rasa and for output channels bound to the number.
        sender, sender_id = message.sender, message.sender_id
        conversation = await read_conversation(app, sender_id)
        language = conversation.language_or()
        output = self.output_for(message)
        word = keyword(message.text)

        if word == "stop":
            # Twilio's own opt-out handling (OptOutType set) has already confirmed it.
            if await self.opt_outs.add(sender) and not message.opt_out_type:
                await self._say(output, sender_id, "channel_stopped", language)
            return
        opted_out = await self.opt_outs.contains(sender)
        resumed = word == "start" and opted_out
        if word == "help":  # answered even after STOP, as SMS users expect
            await self._say(output, sender_id, "channel_help", language)
        elif resumed:
            await self.opt_outs.remove(sender)
            await self._say(output, sender_id, "channel_resumed", language)
            opted_out = False
        if opted_out:
            output = self.output_for(message, muted=True)

        text = clean_text(message.text)
        if message.has_location:
            await self._say(output, sender_id, "channel_media_not_supported", language)
        if message.media_urls:  # each file its own message to the dialogue, before the caption
            await self._take_media(message, output, conversation, on_new_message)
        if word == "help" or resumed:
            return  # the keyword was the whole text; a file that came with it is taken
        if word == "start" and bare_word(text) != "YES":
            text = "/greet"  # "start" from someone who never stopped: begin the conversation
        elif message.media_urls:
            text = without_command_prefix(text)  # a caption is the text it is, not a choice
        else:
            number, payload = numbered_payload(text, conversation.last_choices)
            if number is not None and payload is None and not opted_out:
                count = len(conversation.last_choices)
                await self._say(output, sender_id, "channel_unknown_choice", language, count=count)
                return
            # Typed text never reaches the dialogue as an intent; only our own choices do.
            text = payload or without_command_prefix(text)
        if not text:
            return
        await on_new_message(self._user_message(message, output, text, message.message_sid))

    def _user_message(
        self, message: InboundMessage, output: TwilioOutput, text: str, message_id: str
    ) -> UserMessage:
        output.new_turn()  # made just before the dialogue answers it
        return UserMessage(
            text,
            output,
            message.sender_id,
            input_channel=self.name(),
            message_id=message_id,
            metadata=message.reply_to.metadata(country=country_of(message.number)),
        )

    async def _take_media(
        self,
        message: InboundMessage,
        output: TwilioOutput,
        conversation: Conversation,
        on_new_message: OnNewMessage,
    ) -> None:
        """Each file taken is its own message to the dialogue (a payload only the channel
        makes); the user is told why the others were not."""
        assert self.settings is not None
        self._media = self._media or media_client()
        taken = await take_media(
            self._media,
            self.settings,
            self.desk or runtime.evidence_desk(),
            message.sender_id,
            message.media_urls,
            conversation.keep_originals,
        )

        async def say(name: str, values: dict[str, Any]) -> None:
            language = conversation.language_or()
            await self._say(output, message.sender_id, name, language, **values)

        for index, payload in enumerate(await settle(taken, say)):
            message_id = f"{message.message_sid}:{index}"
            await on_new_message(self._user_message(message, output, payload, message_id))
