"""The calls to the action server, their JSON written by orjson (bot/json_text.py).

Every call carries the whole tracker and the domain (Rasa's protocol): at turn 40 of a
report, some 200 KB of JSON, encoded by the standard library in aiohttp's request (in the
py-spy profile of docs/benchmark.md, 10 ms of a turn's growth by turn 40). Rasa makes a new
aiohttp session for every call (`EndpointConfig.session`); `install()` gives that session
the faster encoder, in the Rasa server process only (bot.servers.rasa_server). The action
server reads the same values."""

from __future__ import annotations

import aiohttp
from rasa.utils.endpoints import EndpointConfig

from bot import json_text

RASA_SESSION = EndpointConfig.session


def session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's session for `endpoint`, writing JSON bodies with orjson."""
    made = RASA_SESSION(endpoint)
    made._json_serialize = json_text.dumps
    return made


def install() -> None:
    if getattr(EndpointConfig.session, "_orjson", False):
        return

    def method(self: EndpointConfig) -> aiohttp.ClientSession:
        return session(self)

    method._orjson = True  # type: ignore[attr-defined]
    method.__doc__ = RASA_SESSION.__doc__
    EndpointConfig.session = method
