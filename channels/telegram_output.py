"""Replies to Telegram chats, with python-telegram-bot (channels/telegram.py is the input
side): texts split to Telegram's limit, buttons as an inline keyboard under the last part.
Rasa names a conversation only by its pseudonymous sender id; the chat comes from the
update being answered, or from the conversation's handoff (channels.addresses)."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot import runtime
from channels.addresses import ReplyTo, reply_address
from channels.choices import callback_data, choices_from
from channels.outcomes import report
from channels.splitting import split_for_telegram

logger = logging.getLogger(__name__)


def chat_id_of(address: str) -> Optional[int]:
    return int(address) if re.fullmatch(r"-?\d{1,20}", address) else None


class TelegramOutput(OutputChannel):
    """Sends to a Telegram chat; buttons as an inline keyboard under the last part.

    Rasa names the conversation by its pseudonymous sender id: the chat is the one the
    update came from (`reply_to`), or, for a message that answers none (`reply_to` None),
    the chat kept with the conversation's handoff (channels.addresses.reply_address)."""

    def __init__(self, bot: Bot, reply_to: Optional[ReplyTo] = None) -> None:
        self._bot = bot
        self._reply_to = reply_to

    async def _chat(self, recipient_id: str) -> Optional[int]:
        if self._reply_to is not None:
            address = self._reply_to.recipient(recipient_id)
        else:
            kept = await reply_address(recipient_id)
            address = kept.address if kept is not None and kept.channel == "telegram" else None
        return chat_id_of(address) if address is not None else None

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def _send(
        self, recipient_id: str, text: str, markup: Optional[InlineKeyboardMarkup] = None
    ) -> Optional[str]:
        """None when sent, else why not (channels.outcomes)."""
        chat_id = await self._chat(recipient_id)
        if chat_id is None:
            logger.error("No Telegram chat known for this conversation; reply left out.")
            return "no_address"
        parts = split_for_telegram(text) or ["…"]  # Telegram refuses an empty text
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            try:
                await self._bot.send_message(
                    chat_id=chat_id, text=part, reply_markup=markup if last else None
                )
            except Forbidden:
                logger.warning(
                    "Conversation %s blocked the bot; reply not delivered.",
                    runtime.reference_for(recipient_id),
                )
                return "opted_out"
            except TelegramError as error:
                logger.error(
                    "Telegram refused a reply for conversation %s (%s).",
                    runtime.reference_for(recipient_id),
                    type(error).__name__,
                )
                return "channel_down"
        return None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await report(kwargs, await self._send(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = [
            [InlineKeyboardButton(choice.title, callback_data=callback_data(choice.payload))]
            for choice in choices_from(buttons)
        ]
        await self._send(recipient_id, text, InlineKeyboardMarkup(keyboard) if keyboard else None)

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        logger.warning("A custom message cannot be shown on Telegram; left out.")
