"""The production shape (bin/cluster's own code): two Rasa servers sharing PostgreSQL and
Redis, the action server and the console, nginx in front. Messages of one conversation
arriving together at both servers are handled in turn, each once; an advisor's message
sent through one server reaches the web chat window held by the other, also after Redis
restarted; a published answer reaches both; and when one server is killed outright, every
conversation goes on through the other with its history.

The tests run in this order in one cluster; the last one kills a server."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import socketio

from bot import runtime
from bot.console.assistant import Assistant
from bot.content.edits import publish
from bot.content.store import Response
from bot.handoffs.messages import FAILED, SENT, get_message, keep_message
from channels.webchat.shared import Presence
from tests.support.cluster import RunningCluster, running_test_cluster

pytestmark = pytest.mark.e2e

TOGETHER = ("hallo, ik heb een vraag over mijn werk", "mijn chef scheldt mij steeds uit")
FRENCH = ("bonjour, mon chef me crie dessus devant tout le monde", "que puis-je faire ?", "merci")
ADVISOR_TEXT = "Goedemiddag, u spreekt met Nadia, vertrouwenspersoon. Hoe gaat het nu met u?"


@pytest.fixture(scope="module")
def cluster(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningCluster]:
    with running_test_cluster(trained_model, tmp_path_factory.mktemp("cluster")) as running:
        yield running


def _events(cluster: RunningCluster, sender: str) -> list[dict[str, Any]]:
    return cluster.tracker(cluster.sender_id("rest", sender))["events"]


def test_two_messages_at_once_on_two_servers_are_handled_in_turn_each_once(cluster):
    first, second = cluster.cluster.rasa_urls
    senders = [f"together-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    start = threading.Barrier(2 * len(senders))

    def send(sender: str, text: str, url: str) -> list[dict[str, Any]]:
        start.wait(timeout=60)  # every message leaves at the same moment
        return cluster.say(sender, text, url)

    with ThreadPoolExecutor(2 * len(senders)) as pool:
        sent = [
            pool.submit(send, sender, text, url)
            for sender in senders
            for text, url in zip(TOGETHER, (first, second), strict=True)
        ]
        replies = [future.result(timeout=300) for future in sent]
    assert all(reply and reply[0].get("text") for reply in replies)  # each got an answer

    for sender in senders:
        events = _events(cluster, sender)
        said = [e["text"] for e in events if e["event"] == "user"]
        assert sorted(said) == sorted(TOGETHER), said  # each kept once
        # In turn: the second was read only after the first was answered to the end.
        turns = [i for i, e in enumerate(events) if e["event"] == "user"]
        between = events[turns[0] : turns[1]]
        assert any(e["event"] == "bot" for e in between)
        actions = [e["name"] for e in between if e["event"] == "action"]
        assert actions[-1] == "action_listen", actions


def test_an_advisors_message_sent_through_one_server_reaches_the_window_on_the_other(cluster):
    asyncio.run(asyncio.wait_for(_advisor_writes_across_servers(cluster), 180))


async def _advisor_writes_across_servers(cluster: RunningCluster) -> None:
    holding, other = cluster.cluster.rasa_urls  # the window is open on the first only
    window = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    window.on("bot_uttered", received.put_nowait)
    # Long polling: python-engineio's WebSocket client needs a newer aiohttp than Rasa's.
    await window.connect(holding, socketio_path="/socket.io", transports=["polling"])
    confirmation = await window.call("session_request", {"session_id": None}, timeout=60)
    room = cluster.sender_id("webchat", confirmation["session_id"].split(".")[1])
    console = Assistant(other, token=cluster.cluster.api_token)
    try:
        delivered = await _advisor_says(cluster, console, room)
        assert (await asyncio.wait_for(received.get(), 60))["text"] == ADVISOR_TEXT
        assert delivered.status == SENT  # the advisor sees it delivered

        # The window is closed (abort: the client would wait out the server's long poll).
        await window.eio.disconnect(abort=True)
        presence = Presence(cluster.shared.redis_url)
        while await presence.is_open(room):  # the server has seen the window close
            await asyncio.sleep(0.1)
        await presence.close()
        undelivered = await _advisor_says(cluster, console, room)
        assert (undelivered.status, undelivered.reason) == (FAILED, "webchat_closed")
    finally:
        await console.close()
        await window.eio.disconnect(abort=True)


async def _advisor_says(cluster: RunningCluster, console: Assistant, room: str) -> Any:
    """What the console does: keep the message, ask a Rasa server to send it, read back
    what the channel reported."""
    with cluster.as_servers():
        with runtime.database().session() as session:
            kept = keep_message(session, "handoff-across", "account-nadia", ADVISOR_TEXT)
        await console.say(room, "webchat", ADVISOR_TEXT, message_id=kept.id)
        with runtime.database().session() as session:
            return get_message(session, kept.id)


def test_an_answer_published_in_the_console_reaches_both_servers(cluster):
    published = "Hallo! Dit is de nieuwe begroeting, net gepubliceerd door de coördinator."
    with cluster.as_servers():
        greeting = runtime.content_store().seed().responses["nl"]["utter_greet"]
        with runtime.database().session() as session:
            publish(
                session,
                "utter_greet",
                "nl",
                Response(published, greeting.buttons),
                author_id="coordinator",
                base_version=None,
                other_languages=(),
            )
    for url in cluster.cluster.rasa_urls:
        deadline = time.monotonic() + 30  # every server looks every 2 seconds

        def greeted(server: str = url) -> str:
            replies = cluster.say(f"greet-{uuid.uuid4().hex[:8]}", TOGETHER[0], server)
            return " ".join(reply.get("text") or "" for reply in replies)

        while published not in greeted() and time.monotonic() < deadline:
            time.sleep(1)
        assert published in greeted(), url


def test_a_web_chat_window_goes_on_after_redis_restarts(cluster):
    asyncio.run(asyncio.wait_for(_window_across_a_redis_restart(cluster), 240))


async def _window_across_a_redis_restart(cluster: RunningCluster) -> None:
    """Redis restarted empty under an open window: the user's next message is answered, and
    an advisor's message through the other server reaches the window again once the
    holding server has renewed its presence (the console shows "not delivered" until then,
    never "delivered" for a message that was not)."""
    holding, other = cluster.cluster.rasa_urls
    window = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    window.on("bot_uttered", received.put_nowait)
    await window.connect(holding, socketio_path="/socket.io", transports=["polling"])
    token = (await window.call("session_request", {"session_id": None}, timeout=60))["session_id"]
    room = cluster.sender_id("webchat", token.split(".")[1])
    console = Assistant(other, token=cluster.cluster.api_token)

    async def say(text: str) -> str:
        sent = {"message": text, "session_id": token}
        assert await window.call("user_uttered", sent, timeout=120) == {"status": "accepted"}
        return str((await asyncio.wait_for(received.get(), 60)).get("text"))

    try:
        assert await say(FRENCH[0])
        await asyncio.to_thread(cluster.restart_redis)
        assert await say(FRENCH[1])  # the conversation goes on
        while not received.empty():
            received.get_nowait()
        deadline = time.monotonic() + 60
        while (delivered := await _advisor_says(cluster, console, room)).status != SENT:
            assert (delivered.status, delivered.reason) == (FAILED, "webchat_closed")
            assert time.monotonic() < deadline, "the window never became reachable again"
            await asyncio.sleep(2)
        assert (await asyncio.wait_for(received.get(), 60))["text"] == ADVISOR_TEXT
        events = cluster.tracker(room)["events"]
        assert [e["text"] for e in events if e["event"] == "user"] == list(FRENCH[:2])
    finally:
        await console.close()
        await window.eio.disconnect(abort=True)


def test_a_server_killed_mid_conversation_loses_no_conversation(cluster):
    senders = [f"survivor-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    doomed = cluster.cluster.rasa_urls[1]
    for sender in senders:
        assert cluster.say(sender, FRENCH[0])  # through nginx
        assert cluster.say(sender, FRENCH[1], doomed)  # the last turn on the doomed server
    cluster.cluster.kill("rasa-2")

    for sender in senders:
        replies = cluster.say(sender, FRENCH[2])  # through nginx: to the server left
        assert replies and replies[0].get("text")
    for sender in senders:
        tracker = cluster.tracker(cluster.sender_id("rest", sender))
        assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == list(FRENCH)
        assert tracker["slots"].get("language") == "fr"

    logs = cluster.log_text()
    for text in (*TOGETHER, *FRENCH[:2], ADVISOR_TEXT):
        assert text not in logs  # nobody's words in any server's or nginx's log
