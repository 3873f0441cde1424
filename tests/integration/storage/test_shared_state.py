"""What several Rasa servers share, without the model: the conversation lock and the web
chat's rooms in a Redis of the test's own, the conversations on a PostgreSQL of its own.
(The servers themselves, sharing them: tests/e2e/test_cluster.py.)"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from rasa.core.lock_store import LockError
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import lock_store
from bot.cluster.redis import LocalRedis
from bot.lock_store import SharedLockStore, _issue
from bot.retention.conversations import tracker_store_url
from bot.tracker_store import EncryptedSQLTrackerStore
from channels.webchat import shared
from channels.webchat.shared import CHANNEL, Presence, SealedRedisManager
from tests.support import ROOT
from tests.support.postgres import PostgresUnavailable, postgres_server
from tests.support.redis import local_redis, redis_server, restart

SECRET = "mijn chef pakte 4000 euro uit de visumkas"
ARABIC = "مديري يصرخ علي كل يوم"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    try:
        with postgres_server(databases=("fresh_tables", "fresh_schema")) as url:
            yield url
    except PostgresUnavailable as error:
        pytest.fail(str(error))


def _other_database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


# --- the conversation lock ------------------------------------------------------------------


def test_two_servers_handle_one_conversations_messages_one_at_a_time(redis_url: str):
    """Twenty messages of one conversation at once, half on each of two servers' stores:
    each is handled once, and never two together (a read-change-write of the history, as
    a turn does, loses nothing)."""

    async def scenario() -> tuple[int, int, list[int]]:
        servers = [SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)]
        history: list[int] = []
        together = most = 0

        async def handle(message: int) -> None:
            nonlocal together, most
            async with servers[message % 2].lock("rest:one-conversation"):
                together += 1
                most = max(most, together)
                seen = list(history)
                await asyncio.sleep(0.01)  # the turn: the history is read, then written
                history[:] = [*seen, message]
                together -= 1

        await asyncio.gather(*(handle(message) for message in range(20)))
        for store in servers:
            await store.close()
        return most, len(history), sorted(history)

    most, count, handled = asyncio.run(scenario())
    assert most == 1
    assert count == 20 and handled == list(range(20))


def test_a_ticket_left_by_a_server_that_died_expires(redis_url: str):
    async def scenario() -> bool:
        dead, alive = SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)
        # The dead server took a ticket and never gave it back.
        await dead._change("rest:orphaned", _issue("rest:orphaned", 0.5))
        async with alive.lock("rest:orphaned"):
            acquired = True
        await asyncio.gather(dead.close(), alive.close())
        return acquired

    assert asyncio.run(asyncio.wait_for(scenario(), 20))


def test_a_server_killed_in_the_middle_of_a_turn_blocks_the_conversation_for_a_lease_only(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
):
    """The dead server's loop stands still (as after kill -9: nothing renews its ticket);
    the other server gets the conversation once the lease ran out, long before Rasa's
    lock lifetime (60 s) and before the dead one would ever have returned it."""
    monkeypatch.setattr(lock_store, "LEASE_SECONDS", 0.5)
    held, gone = threading.Event(), threading.Event()

    def dead_server() -> None:
        async def turn() -> None:
            dead = SharedLockStore(url=redis_url)
            async with dead.lock("rest:killed-mid-turn"):
                held.set()
                gone.wait(30)  # blocks the whole loop: no renewal, no return
            await dead.close()

        asyncio.run(turn())

    thread = threading.Thread(target=dead_server, daemon=True)
    thread.start()
    assert held.wait(10)

    async def next_message() -> bool:
        alive = SharedLockStore(url=redis_url)
        async with alive.lock("rest:killed-mid-turn"):
            taken_while_dead = not gone.is_set()
        await alive.close()
        return taken_while_dead

    try:
        assert asyncio.run(asyncio.wait_for(next_message(), 20))
    finally:
        gone.set()
        thread.join(10)


def test_a_turn_longer_than_the_lease_keeps_the_conversation(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
):
    """A living server renews its ticket: the next message waits for the slow turn."""
    monkeypatch.setattr(lock_store, "LEASE_SECONDS", 1.0)

    async def scenario() -> list[str]:
        slow, next_ = SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)
        order: list[str] = []

        async def slow_turn() -> None:
            async with slow.lock("rest:slow-turn"):
                order.append("slow starts")
                await asyncio.sleep(3.0)  # several leases long
                order.append("slow ends")

        async def next_turn() -> None:
            await asyncio.sleep(0.1)
            async with next_.lock("rest:slow-turn"):
                order.append("next")

        await asyncio.gather(slow_turn(), next_turn())
        await asyncio.gather(slow.close(), next_.close())
        return order

    assert asyncio.run(asyncio.wait_for(scenario(), 30)) == ["slow starts", "slow ends", "next"]


def test_without_redis_the_lock_is_the_process_own(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("REDIS_URL", raising=False)

    async def scenario() -> bool:
        store = SharedLockStore()
        async with store.lock("rest:alone"):
            return store.shared

    assert asyncio.run(scenario()) is False


def test_with_redis_down_a_message_gets_a_lock_error_not_a_hang():
    async def scenario() -> None:
        store = SharedLockStore(url="redis://127.0.0.1:9/0")
        async with store.lock("rest:nobody"):
            pass

    with pytest.raises(LockError):
        asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_restart_of_redis_costs_no_message():
    """The connections the store kept died with Redis: the first lock after the restart is
    taken on a new one, where it would fail the message."""

    async def scenario(server: LocalRedis) -> None:
        store = SharedLockStore(url=server.url)
        async with store.lock("rest:before"):
            pass
        restart(server)
        async with store.lock("rest:after"):
            pass
        await store.close()

    with local_redis() as server:
        asyncio.run(asyncio.wait_for(scenario(server), 30))


# --- the web chat across servers ---------------------------------------------------------


def test_a_window_open_on_one_server_is_known_on_the_other(redis_url: str):
    async def scenario() -> list[bool]:
        one, other = Presence(redis_url), Presence(redis_url)
        seen = [await other.is_open("webchat:room-a")]
        await one.opened("socket-1", "webchat:room-a")
        seen.append(await other.is_open("webchat:room-a"))
        await one.closed("socket-1")
        seen.append(await other.is_open("webchat:room-a"))
        await asyncio.gather(one.close(), other.close())
        return seen

    assert asyncio.run(scenario()) == [False, True, False]


def test_the_windows_of_a_server_that_died_count_as_closed(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(shared, "PRESENCE_SECONDS", 0.3)

    async def scenario() -> tuple[bool, bool]:
        dying, other = Presence(redis_url), Presence(redis_url)
        await dying.opened("socket-2", "webchat:room-b")
        before = await other.is_open("webchat:room-b")
        assert dying._renewer is not None
        dying._renewer.cancel()  # killed: nothing renews or closes its windows
        await asyncio.sleep(0.6)
        after = await other.is_open("webchat:room-b")
        await other.close()
        return before, after

    assert asyncio.run(scenario()) == (True, False)


def test_web_chat_messages_cross_redis_sealed(redis_url: str):
    """What the other servers get is the message; what Redis carries is not readable."""
    message = {"method": "emit", "event": "bot_uttered", "data": [{"text": SECRET}]}

    async def scenario() -> tuple[bytes, object]:
        sender, receiver = SealedRedisManager(redis_url), SealedRedisManager(redis_url)
        spy = redis.asyncio.Redis.from_url(redis_url)
        tap = spy.pubsub(ignore_subscribe_messages=True)
        await tap.subscribe(CHANNEL)
        listening = receiver._listen()
        received = asyncio.ensure_future(listening.__anext__())
        while (await spy.pubsub_numsub(CHANNEL))[0][1] < 2:
            await asyncio.sleep(0.05)
        await sender._publish(message)
        raw = await tap.get_message(timeout=10)
        while raw is None:
            raw = await tap.get_message(timeout=10)
        got = await asyncio.wait_for(received, 10)
        await tap.close()
        await spy.close()
        return raw["data"], got

    raw, got = asyncio.run(scenario())
    assert SECRET.encode() not in raw and b"visumkas" not in raw and b"bot_uttered" not in raw
    assert got == json.loads(json.dumps(message))


# --- conversations on PostgreSQL ---------------------------------------------------------


def test_conversations_on_postgresql(
    postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("VM_TRACKER_STORE_URL", postgres)
    unused = tmp_path / "never.db"
    store = EncryptedSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(unused))
    try:
        tracker = DialogueStateTracker("whatsapp:3f9a", slots=[])
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(SECRET, {"name": "share_experience", "confidence": 0.9}))
        tracker.update(BotUttered("Dat spijt me."))
        tracker.update(SessionStarted())
        tracker.update(UserUttered(ARABIC, {"name": "share_experience", "confidence": 0.9}))
        asyncio.run(store.save(tracker))
        latest = asyncio.run(store.retrieve("whatsapp:3f9a"))
        assert latest is not None and latest.latest_message.text == ARABIC
        assert [e for e in latest.events if isinstance(e, UserUttered)][0].text == ARABIC
        full = asyncio.run(store.retrieve_full_tracker("whatsapp:3f9a"))
        assert [e.text for e in full.events if isinstance(e, UserUttered)] == [SECRET, ARABIC]
        assert list(asyncio.run(store.keys())) == ["whatsapp:3f9a"]
        with store.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT data FROM events")).scalars().all()
        assert stored and not any("visumkas" in row or ARABIC in row for row in stored)
        assert store.reencrypt() == len(stored)
    finally:
        store.engine.dispose()
    assert not unused.exists()  # the URL replaced the file of endpoints.yml
    # Retention finds the same store from the same variable.
    assert tracker_store_url() == postgres


def test_servers_starting_together_on_an_empty_database_all_start(
    postgres: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """Three Rasa servers creating the conversations' table, and three processes migrating
    the assistant's database, at the same moment: none fails, none logs a failure."""
    tables, schema = (
        _other_database(postgres, "fresh_tables"),
        _other_database(postgres, "fresh_schema"),
    )
    monkeypatch.setenv("VM_TRACKER_STORE_URL", tables)
    errors: list[BaseException] = []
    stores: list[EncryptedSQLTrackerStore] = []

    def start_server() -> None:
        try:
            stores.append(EncryptedSQLTrackerStore(domain=Domain.empty()))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    # Migrations in processes of their own, as the servers run them (Alembic's context is
    # one per process).
    migrating = [
        subprocess.Popen(
            [sys.executable, "-c", f"from bot import db; db.upgrade({schema!r})"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    threads = [threading.Thread(target=start_server) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for store in stores:
        store.engine.dispose()
    failures = [p.communicate(timeout=120)[1] for p in migrating if p.wait(timeout=120) != 0]
    assert failures == []
    assert errors == [] and len(stores) == 3
    assert "Could not create tables" not in caplog.text
    engine = sa.create_engine(schema, future=True)
    try:
        with engine.connect() as connection:
            versions = connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert versions == 1
