"""The Rasa server's HTTP API as the console uses it, with the API token (never through
the reverse proxy): pause and resume the assistant for a conversation, add a message to
the conversation and send it on the user's channel (Rasa's own routes keep the transcript
whole), and read the conversation's events for the live view. With several Rasa servers
(VM_RASA_URL lists them), any one will do: they share the conversations.

An advisor's message is a `bot` event whose metadata names it (`advisor_message_id`):
the channel that sends it reports the outcome (channels/outcomes.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional
from urllib.parse import quote

import aiohttp

from bot.servers.secrets import api_token
from bot.settings import settings

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=45)
ADVISOR_MESSAGE_ID = "advisor_message_id"


class AssistantUnavailable(RuntimeError):
    """The Rasa server did not answer, or refused; the text never holds content."""


class Assistant:
    """`base_url`: one Rasa server; by default every address of VM_RASA_URL, tried in turn."""

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None) -> None:
        urls = [base_url] if base_url else settings().rasa_urls
        self.base_urls = [url.rstrip("/") for url in urls]
        self._token = token
        self._http: Optional[aiohttp.ClientSession] = None
        self._first = 0  # the server that answered last is asked first

    @property
    def base_url(self) -> str:
        return self.base_urls[self._first]

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    def _params(self, **extra: str) -> dict[str, str]:
        token = self._token or api_token().value
        return {"token": token, **extra}

    async def _call(
        self,
        method: str,
        conversation_id: str,
        tail: str,
        params: dict[str, str],
        body: Optional[list[dict[str, Any]]] = None,
    ) -> Any:
        """The JSON answer of the first Rasa server that takes the connection (None when
        the body is not wanted). A server that cannot be connected to is skipped for the
        next; a request that reached a server is never sent to another, since it may have
        been carried out (an advisor's message would arrive twice)."""
        path = f"/conversations/{quote(conversation_id, safe='')}/{tail}"
        count = len(self.base_urls)
        failure = "no server"
        for turn in range(count):
            index = (self._first + turn) % count
            try:
                async with self._session().request(
                    method, self.base_urls[index] + path, params=params, json=body
                ) as answer:
                    if answer.status != 200:
                        raise AssistantUnavailable(f"the assistant answered HTTP {answer.status}")
                    self._first = index
                    return await answer.json() if method == "GET" else None
            except aiohttp.ClientConnectorError as error:
                failure = type(error).__name__
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as error:
                raise AssistantUnavailable(type(error).__name__) from None
        raise AssistantUnavailable(failure)

    async def _post_events(
        self, conversation_id: str, events: list[dict[str, Any]], output_channel: Optional[str]
    ) -> None:
        extra = {"include_events": "NONE"}
        if output_channel:
            extra.update(execute_side_effects="true", output_channel=output_channel)
        await self._call("POST", conversation_id, "tracker/events", self._params(**extra), events)

    async def pause(self, conversation_id: str) -> None:
        await self._post_events(conversation_id, [{"event": "pause"}], None)

    async def resume(self, conversation_id: str) -> None:
        await self._post_events(conversation_id, [{"event": "resume"}], None)

    async def say(
        self,
        conversation_id: str,
        output_channel: str,
        text: str,
        message_id: Optional[str] = None,
        buttons: Optional[list[dict[str, str]]] = None,
    ) -> None:
        """Adds the text to the conversation as the assistant's side and sends it on the
        user's channel (`output_channel`: the Rasa input channel's name)."""
        metadata: dict[str, Any] = {"from_person": True}
        if message_id:
            metadata[ADVISOR_MESSAGE_ID] = message_id
        event: dict[str, Any] = {"event": "bot", "text": text, "metadata": metadata}
        if buttons:
            event["data"] = {"buttons": buttons}
        await self._post_events(conversation_id, [event], output_channel)

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's events (the tracker store keeps them redacted)."""
        tracker = await self._call(
            "GET", conversation_id, "tracker", self._params(include_events="ALL")
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [e for e in events or [] if isinstance(e, dict)]
