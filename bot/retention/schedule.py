"""The daily retention run inside a server.

    from bot.retention.schedule import start_daily_retention, stop_daily_retention
    app.register_listener(start_daily_retention, "after_server_start")
    # or, for a Rasa server started with another endpoints.yml:
    app.register_listener(daily_retention_listener(endpoints_file), "after_server_start")
    app.register_listener(stop_daily_retention, "before_server_stop")

The run itself is blocking database work: it goes to a worker thread, so the event loop keeps
serving. Several servers each running it daily do no harm: every deletion is conditional, and
a case is counted once. A failed run is logged by its kind only and tried again a day later."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from bot import runtime
from bot.retention.conversations import ENDPOINTS
from bot.retention.run import RetentionReport, run_retention

logger = logging.getLogger(__name__)

DAY_SECONDS = 24 * 3600.0
# The first run waits until the server has settled (model loaded, first requests served).
FIRST_RUN_AFTER_SECONDS = 300.0
TASK = "vm_retention_task"


def run_once(endpoints: Path = ENDPOINTS) -> Optional[RetentionReport]:
    """One run on the assistant's database and the configured tracker store; None if it
    failed (logged without any detail that could hold data)."""
    try:
        return run_retention(runtime.database(), endpoints=endpoints)
    except Exception as error:  # noqa: BLE001 - a daily job must outlive one bad day
        logger.error("retention run failed: %s", type(error).__name__)
        return None


async def run_daily(
    interval: float = DAY_SECONDS,
    first_after: float = FIRST_RUN_AFTER_SECONDS,
    work: Callable[[], Any] = run_once,
) -> None:
    """Runs `work` on a worker thread after `first_after` seconds, then every `interval`,
    until cancelled."""
    await asyncio.sleep(first_after)
    while True:
        await asyncio.to_thread(work)
        await asyncio.sleep(interval)


def daily_retention_listener(
    endpoints: Path = ENDPOINTS,
    interval: float = DAY_SECONDS,
    first_after: float = FIRST_RUN_AFTER_SECONDS,
) -> Callable[[Any, Any], Awaitable[None]]:
    """An `after_server_start` listener for a server whose tracker store is in `endpoints`
    (the launcher knows which endpoints.yml the Rasa server was given)."""

    async def start(app: Any, loop: Any = None) -> None:
        work = partial(run_once, endpoints)
        task = asyncio.get_running_loop().create_task(run_daily(interval, first_after, work))
        setattr(app.ctx, TASK, task)

    return start


async def start_daily_retention(app: Any, loop: Any = None) -> None:
    """A Sanic `after_server_start` listener: starts the daily run (tracker store from the
    project's endpoints.yml) as a task of the app's loop, kept on `app.ctx` so that
    `stop_daily_retention` can end it."""
    await daily_retention_listener()(app, loop)


async def stop_daily_retention(app: Any, loop: Any = None) -> None:
    """A Sanic `before_server_stop` listener: ends the daily run (a run in progress finishes
    its transaction on its thread)."""
    task = getattr(app.ctx, TASK, None)
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
