"""Simulated users over REST: each types its script one message at a time and waits for the
whole reply before the next (a closed loop, no think time unless asked), all of them at
once on one asyncio loop with an async HTTP client (aiohttp). Only timings and error kinds
are kept: what users type and what the assistant answers is never logged or stored."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Optional

import aiohttp

from bot.benchmark.figures import LoadRun, Turn
from bot.benchmark.scripts import Script

REST_PATH = "/webhooks/rest/webhook"
TURN_TIMEOUT_SECONDS = 120.0


async def _say(
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
        error = await _say(session, url, sender, text, timeout)
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
                if await _say(session, url, sender, text, min(left, TURN_TIMEOUT_SECONDS)) is None:
                    return time.perf_counter()
                await asyncio.sleep(0.2)
        return None

    return asyncio.run(attempt())
