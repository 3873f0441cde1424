"""Deliveries handled after the platform is answered: one conversation's in the order they
came, other conversations meanwhile, and a failure does not stop the line."""

from __future__ import annotations

import asyncio
import logging

import pytest

from channels.background import ConversationLines


def run(coroutine):
    return asyncio.run(coroutine)


def test_one_conversations_work_runs_in_the_order_it_came_and_others_do_not_wait():
    async def scenario() -> list[str]:
        lines, done = ConversationLines(), []
        photo_arrived = asyncio.Event()

        async def photo() -> None:
            await photo_arrived.wait()
            done.append("a: photo")

        async def text(who: str, what: str) -> None:
            done.append(f"{who}: {what}")

        lines.add("a", photo)
        lines.add("a", lambda: text("a", "I want to report this"))
        lines.add("b", lambda: text("b", "hello"))
        await asyncio.sleep(0.05)
        assert not await lines.free("a", 0) and await lines.free("b", 0)
        assert done == ["b: hello"]
        photo_arrived.set()
        assert await lines.idle(5)
        assert await lines.free("a", 0)
        return done

    assert run(scenario()) == ["b: hello", "a: photo", "a: I want to report this"]


def test_work_that_fails_is_logged_by_its_type_and_the_next_still_runs(caplog):
    caplog.set_level(logging.ERROR)

    async def scenario() -> list[str]:
        lines, done = ConversationLines(), []

        async def fails() -> None:
            raise ValueError("he said: quokka-marker")

        async def follows() -> None:
            done.append("next")

        lines.add("a", fails)
        lines.add("a", follows)
        assert await lines.idle(5)
        return done

    assert run(scenario()) == ["next"]
    assert "ValueError" in caplog.text and "quokka-marker" not in caplog.text


def test_idle_says_when_work_is_still_running_at_the_deadline():
    async def scenario() -> tuple[bool, bool]:
        lines, release = ConversationLines(), asyncio.Event()
        lines.add("a", release.wait)
        unfinished = await lines.idle(0.05)
        release.set()
        return unfinished, await lines.idle(5)

    assert run(scenario()) == (False, True)


@pytest.mark.parametrize("count", [1, 50])
def test_idle_waits_for_work_added_while_it_waits(count):
    async def scenario() -> int:
        lines, done = ConversationLines(), []

        async def step(number: int) -> None:
            await asyncio.sleep(0)
            done.append(number)
            if number < count:  # each step adds the next, as a delivery arriving meanwhile
                lines.add(f"c{number}", lambda: step(number + 1))

        lines.add("c0", lambda: step(1))
        assert await lines.idle(5)
        return len(done)

    assert run(scenario()) == count


def test_a_request_waits_a_little_for_its_conversations_line_and_no_more():
    async def scenario() -> tuple[bool, bool, bool]:
        lines, release = ConversationLines(), asyncio.Event()
        lines.add("a", release.wait)
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, release.set)
        # Freed within the patience: the delivery is then handled in its own request.
        freed = await lines.free("a", 5)
        lines.add("a", asyncio.Event().wait)  # never finishes
        stuck = await lines.free("a", 0.05)
        return freed, stuck, await lines.free("b", 0)

    assert run(scenario()) == (True, False, True)
