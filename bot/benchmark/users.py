"""Simulated users over REST: each types its script one message at a time and waits for the
whole reply before the next (a closed loop, no think time unless asked), all of them at
once on one asyncio loop with an async HTTP client (aiohttp). Only timings and error kinds
are kept: what users type and what the assistant answers is never logged or stored."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Optional

import aiohttp

from bot.benchmark.figures import LoadRun, Turn
from bot.benchmark.scripts import Script
from bot.benchmark.soak import Sample

REST_PATH = "/webhooks/rest/webhook"
TURN_TIMEOUT_SECONDS = 120.0


async def say(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, timeout: float
) -> Optional[str]:
    """None when the reply came (a JSON list, as the REST channel answers), else what went
    wrong, in a few words and without any text."""
    try:
        async with session.post(
            url + REST_PATH,
            json={"sender": sender, "message": text},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as reply:
            if reply.status != 200:
                await reply.read()
                return f"HTTP {reply.status}"
            body = await reply.json(content_type=None)
            return None if isinstance(body, list) else "not a list"
    except asyncio.TimeoutError:
        return "timeout"
    except aiohttp.ClientConnectionError:
        return "connection"
    except (aiohttp.ClientError, ValueError):
        return "bad reply"


async def _user(
    session: aiohttp.ClientSession,
    url: str,
    index: int,
    script: Script,
    prefix: str,
    think: float,
    timeout: float,
) -> list[Turn]:
    sender = f"{prefix}-{index}"
    turns: list[Turn] = []
    for number, text in enumerate(script.messages, start=1):
        start = time.perf_counter()
        error = await say(session, url, sender, text, timeout)
        turns.append(Turn(index, number, time.perf_counter() - start, error))
        if think > 0:
            await asyncio.sleep(think)
    return turns


async def _run(
    url: str, scripts: Sequence[Script], think: float, timeout: float, concurrent: bool
) -> LoadRun:
    prefix = f"load-{uuid.uuid4().hex[:10]}"
    connector = aiohttp.TCPConnector(limit=max(1, len(scripts)))
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        if concurrent:
            per_user = await asyncio.gather(
                *(_user(session, url, i, s, prefix, think, timeout) for i, s in enumerate(scripts))
            )
        else:
            per_user = [
                await _user(session, url, i, s, prefix, think, timeout)
                for i, s in enumerate(scripts)
            ]
        seconds = time.perf_counter() - start
    return LoadRun(tuple(t for turns in per_user for t in turns), seconds)


def run_users(
    url: str,
    scripts: Sequence[Script],
    think: float = 0.0,
    timeout: float = TURN_TIMEOUT_SECONDS,
    concurrent: bool = True,
) -> LoadRun:
    """Every script as one user of its own (a fresh sender id) against the REST channel at
    `url`: all at once, or one conversation after the other (`concurrent` False)."""
    return asyncio.run(_run(url, scripts, think, timeout, concurrent))


def first_answer(url: str, text: str, deadline: float) -> Optional[float]:
    """Sends `text` as a new user until an answer comes (the servers may still be loading);
    returns time.perf_counter() at the answer, or None when `deadline` (perf_counter)
    passes first."""

    async def attempt() -> Optional[float]:
        sender = f"cold-{uuid.uuid4().hex[:10]}"
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                left = max(1.0, deadline - time.perf_counter())
                if await say(session, url, sender, text, min(left, TURN_TIMEOUT_SECONDS)) is None:
                    return time.perf_counter()
                await asyncio.sleep(0.2)
        return None

    return asyncio.run(attempt())


async def _steady_user(
    session: aiohttp.ClientSession,
    url: str,
    index: int,
    script_for: Callable[[int, int], Script],
    think: float,
    timeout: float,
    start: float,
    until: float,
    record: Callable[[Sample], None],
) -> None:
    """User `index`: conversation after conversation (script_for(index, k), a fresh sender
    each) until `until`; a turn is recorded as (sent at, seconds, error)."""
    prefix = f"soak-{uuid.uuid4().hex[:10]}-{index}"
    conversation = 0
    while time.perf_counter() < until:
        for text in script_for(index, conversation).messages:
            sent = time.perf_counter()
            if sent >= until:
                return
            error = await say(session, url, f"{prefix}-{conversation}", text, timeout)
            record(Sample(sent - start, time.perf_counter() - sent, error))
            await asyncio.sleep(think)
        conversation += 1


# A minute's figures are taken this long after it ends: its last turns are answered by then.
MINUTE_GRACE_SECONDS = 5.0


def steady_users(
    url: str,
    users: int,
    script_for: Callable[[int, int], Script],
    seconds: float,
    think: float,
    on_minute: Callable[[int, list[Sample]], None],
    timeout: float = TURN_TIMEOUT_SECONDS,
) -> list[Sample]:
    """`users` users at once for `seconds` (started spread over one think time, so the load
    is steady from the start), each waiting `think` seconds after a reply; `on_minute(minute,
    samples so far)` MINUTE_GRACE_SECONDS after every minute (the soak prints and samples
    memory there). Returns every turn's sample."""
    samples: list[Sample] = []

    async def minutes(start: float) -> None:
        for minute in range(1, int(seconds // 60) + 1):
            due = start + 60 * minute + MINUTE_GRACE_SECONDS
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            on_minute(minute, samples)

    async def user(session: aiohttp.ClientSession, index: int, start: float) -> None:
        await asyncio.sleep(think * index / users)
        await _steady_user(
            session, url, index, script_for, think, timeout, start, start + seconds, samples.append
        )

    async def run() -> None:
        connector = aiohttp.TCPConnector(limit=max(1, users))
        async with aiohttp.ClientSession(connector=connector) as session:
            start = time.perf_counter()
            await asyncio.gather(minutes(start), *(user(session, i, start) for i in range(users)))

    asyncio.run(run())
    return samples
