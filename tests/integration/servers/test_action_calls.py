"""The tracker sent to the action server (bot/servers/action_calls.py) arrives as the same
values it was: through Rasa's own EndpointConfig to a server on loopback, with text in
several scripts, nested dicts, numbers and no-values."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import json_text
from bot.servers import action_calls

TRACKER_LIKE = {
    "sender_id": "rest:5f2c",
    "slots": {"language": "ar", "report_description": "مديري يصرخ علي كل يوم", "n": 3},
    "latest_message": {"text": "mi jefe me acosa 😟", "intent": {"confidence": 0.8712345}},
    "events": [{"event": "slot", "name": "x", "value": None, "timestamp": 1796465299.359}],
    "active_loop": {},
}


async def _sent_through(payload: Any) -> Any:
    received: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        received.append(json.loads(await request.text()))
        return web.json_response({"events": []})

    app = web.Application()
    app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        answer = await endpoint.request(json=payload, method="post")
        session = endpoint.session()
        assert session.json_serialize is json_text.dumps
        await session.close()
    finally:
        await runner.cleanup()
    assert answer == {"events": []}
    return received[0]


def test_the_action_server_receives_the_same_tracker(monkeypatch):
    monkeypatch.setattr(EndpointConfig, "session", action_calls.RASA_SESSION)
    monkeypatch.setattr(RemoteAction, "_action_call_format", action_calls.RASA_CALL_FORMAT)
    action_calls.install()
    try:
        assert asyncio.run(_sent_through(TRACKER_LIKE)) == TRACKER_LIKE
    finally:
        monkeypatch.undo()
