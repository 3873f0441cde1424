"""The console with several Rasa servers (VM_RASA_URL, comma-separated): a server that
cannot be reached is passed over for the next; a request a server received is never sent
to another, since it may have been carried out (the user would get the message twice)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from bot.console.assistant import Assistant, AssistantUnavailable
from tests.support.servers import free_port

DOWN = "http://127.0.0.1:9"  # nothing listens here


async def _fake_rasa(status: int, received: list[Any]) -> tuple[web.AppRunner, str]:
    async def events(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({}, status=status)

    app = web.Application()
    app.router.add_post("/conversations/{conversation}/tracker/events", events)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def test_a_server_that_is_down_is_passed_over(monkeypatch: pytest.MonkeyPatch):
    async def scenario() -> tuple[int, str]:
        received: list[Any] = []
        runner, url = await _fake_rasa(200, received)
        monkeypatch.setenv("VM_RASA_URL", f"{DOWN}, {url}")
        assistant = Assistant(token="t")
        try:
            await assistant.say("webchat:3f9a", "webchat", "Hallo, ik ben Nadia.")
            await assistant.pause("webchat:3f9a")  # the server that answered is asked first
        finally:
            await assistant.close()
            await runner.cleanup()
        return len(received), assistant.base_url

    count, first = asyncio.run(scenario())
    assert count == 2 and first != DOWN


def test_a_server_that_refused_is_not_asked_again_elsewhere(monkeypatch: pytest.MonkeyPatch):
    async def scenario() -> tuple[int, int]:
        refused: list[Any] = []
        taken: list[Any] = []
        failing, failing_url = await _fake_rasa(500, refused)
        working, working_url = await _fake_rasa(200, taken)
        monkeypatch.setenv("VM_RASA_URL", f"{failing_url},{working_url}")
        assistant = Assistant(token="t")
        try:
            with pytest.raises(AssistantUnavailable):
                await assistant.say("webchat:3f9a", "webchat", "Hallo, ik ben Nadia.")
        finally:
            await assistant.close()
            await failing.cleanup()
            await working.cleanup()
        return len(refused), len(taken)

    assert asyncio.run(scenario()) == (1, 0)


def test_with_every_server_down_the_advisor_is_told(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VM_RASA_URL", f"{DOWN},http://127.0.0.1:{free_port()}")

    async def scenario() -> None:
        assistant = Assistant(token="t")
        try:
            await assistant.say("webchat:3f9a", "webchat", "Hallo")
        finally:
            await assistant.close()

    with pytest.raises(AssistantUnavailable):
        asyncio.run(scenario())
