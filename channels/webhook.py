"""The request lifecycle every messaging webhook shares (Twilio, Telegram), written once:
one input channel base class, each platform a set of hooks on it (as Rasa's own
rasa/core/channels/channel.py: one base class, a module per channel).

POST <prefix>/webhook, in this order:
1. a channel without its secrets answers 503;
2. a body over the channel's limit answers 413, before anything reads it;
3. `authenticate` proves the request comes from the platform (403 otherwise) and returns
   the body it vouched for: no field of a body is read before that;
4. `parse` reads the delivery from that body (a 4xx that says why when it cannot), or
   None for an update that is not for us (acknowledged, not processed);
5. a delivery older than the de-duplication window (`too_old`: a replay, since the
   platform stopped redelivering long before) is acknowledged and not processed;
   each delivery is claimed once (channels.state.Deliveries), since platforms deliver
   again when unsure: a redelivery is acknowledged and not processed again, unless the
   server that claimed it died before finishing (then this server processes it). While
   another server is still at it, and when the database cannot say whether it is new, the
   answer is 503 and nothing is processed (fail closed): the platform delivers it again;
6. `handle` passes it on, the claim renewed meanwhile and marked done after. When that
   fails, only the error's type is logged (its text may quote the user), the user is asked
   to send it again, and the claim is released so the platform's redelivery is processed.
   A delivery that may take long (`slow`: files to download) is handled after the
   platform is answered; a later one of its conversation waits its turn (a few seconds in
   the request, then after answering too), so they reach the dialogue in the order they
   came (channels.background);
7. `acknowledge` answers the platform.

GET <prefix>/ says whether the channel is on (200) or off (503).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import (
    Any,
    Awaitable,
    Callable,
    ClassVar,
    Dict,
    Generic,
    Mapping,
    Optional,
    Protocol,
    TypeVar,
)

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import runtime
from bot.settings import environment as declared_environment
from channels.background import DRAIN_SECONDS, PATIENCE_SECONDS, ConversationLines
from channels.inbound import BadRequest, check_size, log_channel_off, missing_settings, refusal
from channels.state import Deliveries, StillHandled

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class Delivery(Protocol):
    """What the lifecycle needs to know of one delivery, whatever the platform."""

    @property
    def delivery_id(self) -> str:
        """The platform's id for this delivery, the same on every redelivery."""

    @property
    def sender_id(self) -> str:
        """The conversation it belongs to (logged only as runtime.reference_for)."""

    @property
    def description(self) -> str:
        """What it is, for log lines ("whatsapp message"); never what it says."""


SettingsT = TypeVar("SettingsT")
BodyT = TypeVar("BodyT")
DeliveryT = TypeVar("DeliveryT", bound=Delivery)
ChannelT = TypeVar("ChannelT", bound="WebhookInput[Any, Any, Any]")


class WebhookInput(InputChannel, ABC, Generic[SettingsT, BodyT, DeliveryT]):
    """An input channel that a platform calls with signed deliveries; `credentials.yml`
    names it, its secrets come from the environment. `settings` is None when the
    environment lacks them: the channel is then off."""

    # The platform's name in log lines and refusals ("Twilio").
    platform: ClassVar[str]
    # Environment variables without which the channel is off.
    required_settings: ClassVar[tuple[str, ...]]
    max_body_bytes: ClassVar[int]

    def __init__(
        self, settings: Optional[SettingsT], deliveries: Optional[Deliveries] = None
    ) -> None:
        self.settings = settings
        self.deliveries = deliveries or Deliveries(self.delivery_channel())
        self.background = ConversationLines()
        self.patience = PATIENCE_SECONDS  # for its conversation's line, in the request

    # Hooks -------------------------------------------------------------------------------

    @classmethod
    @abstractmethod
    def settings_from(cls, environment: Mapping[str, str]) -> Optional[SettingsT]:
        """The settings, once every required variable is set; None (after one log line
        saying why) keeps the channel off."""

    @abstractmethod
    def authenticate(self, request: Request) -> BodyT:
        """The body, once the request is proven to come from the platform; raises
        BadRequest (403 when it is not the platform's, 4xx when it cannot be checked)."""

    @abstractmethod
    def parse(self, body: BodyT) -> Optional[DeliveryT]:
        """The delivery in an authenticated body, None when it is not for us; raises
        BadRequest."""

    @abstractmethod
    async def handle(self, delivery: DeliveryT, app: Any, on_new_message: OnNewMessage) -> None:
        """Answers the delivery or passes it on to the dialogue."""

    @abstractmethod
    async def ask_to_send_again(self, delivery: DeliveryT, app: Any) -> None:
        """Tells the user their message was not processed and asks them to send it again."""

    @abstractmethod
    def acknowledge(self) -> HTTPResponse:
        """The answer that tells the platform the delivery arrived."""

    def slow(self, delivery: DeliveryT) -> bool:
        """Whether handling the delivery may outlast the platform's patience (files to
        download): then it is handled after the platform is answered."""
        return False

    def too_old(self, delivery: DeliveryT) -> bool:
        """Whether the delivery is older than the de-duplication window remembers (then
        refused). Platforms that sign no timestamp keep their ids long enough instead."""
        return False

    def delivery_channel(self) -> str:
        """Whose delivery ids these are (at most 16 characters, see channels.state)."""
        return self.name()

    async def close(self) -> None:
        """Closes the channel's clients when the server stops."""

    # The lifecycle -----------------------------------------------------------------------

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WebhookInput:
        # Secrets never go in credentials.yml: they come from the environment.
        return cls.from_environment(declared_environment())

    @classmethod
    def from_environment(cls: type[ChannelT], environment: Mapping[str, str]) -> ChannelT:
        missing = missing_settings(environment, cls.required_settings)
        if missing:
            log_channel_off(cls.platform, missing)
            return cls(None)
        return cls(cls.settings_from(environment))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_channel", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if self.settings is None:
                return response.json({"status": "off"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @webhook.listener("before_server_stop")
        async def finish(*_: Any) -> None:
            if not await self.background.idle(DRAIN_SECONDS):
                logger.warning("The %s channel stopped with deliveries still at work.",
                               self.platform)  # fmt: skip

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.close()

        return webhook

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if self.settings is None:
            return refusal(503, f"The {self.platform} channel is not configured on this server.")
        try:
            check_size(request.body, self.max_body_bytes)
            delivery = self.parse(self.authenticate(request))
        except BadRequest as error:
            return refusal(error.status, str(error))
        if delivery is None:
            return self.acknowledge()
        if self.too_old(delivery):
            logger.warning("A %s older than the de-duplication window was refused.",
                           delivery.description)  # fmt: skip
            return self.acknowledge()  # a replay: acknowledged so it is not sent again
        try:
            first = await self.deliveries.claim(delivery.delivery_id)
        except StillHandled:
            return refusal(503, "This message is being processed; please deliver it again later.")
        except Exception as error:
            # Processing it could process it twice (a replay, a redelivery): the platform
            # retries a 503 later, when the database can tell.
            logger.warning("Duplicate check unavailable (%s); delivery refused for now.",
                           type(error).__name__)  # fmt: skip
            return refusal(503, "Temporarily unavailable; please deliver this again later.")
        if not first:
            return self.acknowledge()  # a redelivery: already handled
        app = request.app
        sender_id = delivery.sender_id
        if self.slow(delivery) or not await self.background.free(sender_id, self.patience):
            self.background.add(sender_id, lambda: self._process(delivery, app, on_new_message))
        else:
            await self._process(delivery, app, on_new_message)
        return self.acknowledge()

    async def _process(self, delivery: DeliveryT, app: Any, on_new_message: OnNewMessage) -> None:
        try:
            async with self.deliveries.processing(delivery.delivery_id):
                await self.handle(delivery, app, on_new_message)
        except Exception as error:
            await self._recover(delivery, app, error)

    async def _recover(self, delivery: DeliveryT, app: Any, error: Exception) -> None:
        """The message may not be in the conversation: the user is asked to send it again
        and a redelivery may try again. The error's text may quote the message, so only
        its type is logged."""
        logger.error(
            "A %s for conversation %s was not processed (%s).",
            delivery.description, runtime.reference_for(delivery.sender_id),
            type(error).__name__,
        )  # fmt: skip
        try:
            await self.ask_to_send_again(delivery, app)
        except Exception as second:
            logger.error("Could not ask the user to try again (%s).", type(second).__name__)
        try:
            await self.deliveries.release(delivery.delivery_id)
        except Exception as second:
            logger.error("Could not forget the failed delivery (%s).", type(second).__name__)
