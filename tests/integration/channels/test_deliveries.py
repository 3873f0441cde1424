"""A delivery that Twilio or Telegram sends again, as two Rasa servers sharing one database
see it: processed once when the first server finished it or is still at it, and processed
by the second when the first died in the middle of it (channels/state.py). The timings are
shortened; what is asserted is what each server does, not how long it took."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import Database
from channels import state
from channels.state import Deliveries, StillHandled


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'deliveries.db'}")
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "RENEW_SECONDS", 0.1)
    monkeypatch.setattr(state, "ABANDONED_SECONDS", 1.5)  # 15 renewals missed: a busy
    monkeypatch.setattr(state, "SETTLE_SECONDS", 3.0)  # machine is not taken for a dead one
    monkeypatch.setattr(state, "_POLL_SECONDS", 0.05)


def servers(db: Database) -> tuple[Deliveries, Deliveries]:
    return Deliveries("twilio", db), Deliveries("twilio", db)


def test_a_redelivery_after_the_first_server_finished_is_not_processed(db):
    first, second = servers(db)

    async def scenario() -> bool:
        assert await first.claim("SM1")
        async with first.processing("SM1"):
            pass
        return await second.claim("SM1")

    assert asyncio.run(scenario()) is False


def test_a_redelivery_while_the_first_server_is_at_it_waits_and_is_not_processed(db):
    first, second = servers(db)

    async def scenario() -> tuple[bool, bool]:
        assert await first.claim("SM2")
        turn_over = asyncio.Event()

        async def slow_turn() -> None:
            async with first.processing("SM2"):
                await asyncio.sleep(2.0)  # longer than ABANDONED: renewed meanwhile
                turn_over.set()  # before the claim is marked done, as in a real turn

        turn = asyncio.create_task(slow_turn())
        await asyncio.sleep(0.05)
        again = await second.claim("SM2")
        # Not turn.done(): the mark "done" commits in a database thread, and the second
        # server may read it before the first server's task has taken its last step.
        waited = turn_over.is_set()
        await turn
        return again, waited

    again, waited = asyncio.run(scenario())
    assert again is False and waited  # it waited for the first server's outcome


def test_a_redelivery_of_a_message_whose_server_died_is_processed_by_the_next(db):
    first, second = servers(db)

    async def scenario() -> tuple[bool, bool]:
        assert await first.claim("SM3")
        dying = asyncio.create_task(_held_for_ever(first, "SM3"))
        await asyncio.sleep(0.3)
        dying.cancel()  # the server is gone: nothing renews the claim any more
        taken = await second.claim("SM3")
        async with second.processing("SM3"):
            pass
        return taken, await Deliveries("twilio", db).claim("SM3")

    taken, third = asyncio.run(scenario())
    assert taken is True  # the message is processed, not dropped as a duplicate...
    assert third is False  # ...and once: after that it is done


def test_of_two_redeliveries_of_an_abandoned_claim_one_processes_it(db):
    first = Deliveries("twilio", db)

    async def redelivered() -> bool:
        server = Deliveries("twilio", db)
        if not await server.claim("SM4"):
            return False
        await _held_for(server, "SM4", 0.2)
        return True

    async def scenario() -> list[bool]:
        assert await first.claim("SM4")  # and its server died before processing it
        return list(await asyncio.gather(*(redelivered() for _ in range(3))))

    assert sorted(asyncio.run(scenario())) == [False, False, True]


def test_a_server_still_at_it_after_the_wait_gets_the_delivery_sent_again_later(db):
    first, second = servers(db)

    async def scenario() -> bool:
        assert await first.claim("SM5")
        turn = asyncio.create_task(_held_for(first, "SM5", 4.0))  # longer than SETTLE
        await asyncio.sleep(0.05)
        with pytest.raises(StillHandled):
            await second.claim("SM5")
        await turn
        return await second.claim("SM5")  # delivered again later: the first finished it

    assert asyncio.run(scenario()) is False


def test_a_delivery_whose_processing_failed_is_processed_when_delivered_again(db):
    first, second = servers(db)

    async def scenario() -> bool:
        assert await first.claim("SM6")
        with pytest.raises(RuntimeError):
            async with first.processing("SM6"):
                raise RuntimeError("the dialogue failed")
        await first.release("SM6")  # as the webhook does after asking to send it again
        return await second.claim("SM6")

    assert asyncio.run(scenario()) is True


def test_deliveries_of_other_channels_and_ids_are_apart(db):
    async def scenario() -> list[bool]:
        twilio, telegram = Deliveries("twilio", db), Deliveries("telegram", db)
        return [await twilio.claim("7"), await telegram.claim("7"), await twilio.claim("8")]

    assert asyncio.run(scenario()) == [True, True, True]


async def _held_for(deliveries: Deliveries, delivery_id: str, seconds: float) -> None:
    async with deliveries.processing(delivery_id):
        await asyncio.sleep(seconds)


async def _held_for_ever(deliveries: Deliveries, delivery_id: str) -> None:
    await _held_for(deliveries, delivery_id, 3600)
