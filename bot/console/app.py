"""The console's Starlette application: routes, the security headers, the static files.
`create_app()` builds it; `python -m bot.console` serves it with uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Optional

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console.assistant import Assistant
from bot.console.conversation import Conversations
from bot.console.notify import Notifier
from bot.console.pages import (
    auth,
    cases,
    content,
    directory,
    directory_accounts,
    directory_records,
    files,
    inbox,
    overview,
)
from bot.console.web import RateLimit, SecurityHeaders, current, not_found

STATIC_DIR = Path(__file__).resolve().parent / "static"
HANDOFF = "/handoffs/{handoff_id:str}"
CASE = "/cases/{case_id:str}"
FILE = "/files/{file_id:str}"  # an attachment of the case or handoff (pages/files.py)
CONTENT = "/content/{language:str}/{name:str}"
ADVISOR = "/directory/advisors/{advisor_id:str}"
POST = "/directory/posts/{code:str}"


async def home(request: Request) -> Response:
    """Each role's own start: the inbox for advisors, the cases for coordinators."""
    active = await current(request)
    if active is None:
        return RedirectResponse("/login", status_code=303)
    start = "/cases" if active.account.role == "coordinator" else "/inbox"
    return RedirectResponse(start, status_code=303)


async def missing(request: Request, _: Exception) -> Response:
    return not_found(request)


def create_app(assistant: Optional[Assistant] = None, notify: bool = False) -> Starlette:
    """`notify`: this process also sends the notification mails (bot.console.notify)."""
    assistant = assistant or Assistant()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        mailing = asyncio.create_task(Notifier().run_forever()) if notify else None
        yield
        if mailing is not None:
            mailing.cancel()
        await assistant.close()

    routes = [
        Route("/", home),
        Route("/login", auth.login_form, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/password", auth.password_form, methods=["GET"]),
        Route("/password", auth.change_password, methods=["POST"]),
        Route("/inbox", inbox.inbox, methods=["GET"]),
        Route(HANDOFF, inbox.handoff_page, methods=["GET"]),
        Route(HANDOFF + "/live", inbox.live, methods=["GET"]),
        Route(HANDOFF + "/claim", inbox.claim, methods=["POST"]),
        Route(HANDOFF + "/messages", inbox.write, methods=["POST"]),
        Route(HANDOFF + "/messages/{message_id:str}/retry", inbox.retry, methods=["POST"]),
        Route(HANDOFF + "/hand-back", inbox.hand_back, methods=["POST"]),
        Route(HANDOFF + "/close", inbox.close, methods=["POST"]),
        Route(HANDOFF + FILE, files.handoff_file, methods=["GET"]),
        Route("/content", content.content_list, methods=["GET"]),
        Route(CONTENT, content.content_page, methods=["GET"]),
        Route(CONTENT, content.content_post, methods=["POST"]),
        Route(CONTENT + "/revert/{version:str}", content.revert, methods=["POST"]),
        Route(CONTENT + "/confirm", content.confirm, methods=["POST"]),
        Route("/directory", directory.directory_page, methods=["GET"]),
        Route("/directory", directory.directory_post, methods=["POST"]),
        Route(ADVISOR + "/active", directory.set_active, methods=["POST"]),
        Route(ADVISOR, directory_records.advisor_page, methods=["GET"]),
        Route(ADVISOR, directory_records.advisor_post, methods=["POST"]),
        Route(ADVISOR + "/link", directory_accounts.link, methods=["POST"]),
        Route(ADVISOR + "/unlink", directory_accounts.unlink, methods=["POST"]),
        Route(POST, directory_records.post_page, methods=["GET"]),
        Route(POST, directory_records.post_post, methods=["POST"]),
        Route("/cases", cases.case_list, methods=["GET"]),
        Route(CASE, cases.case_page, methods=["GET"]),
        Route(CASE + "/acknowledge", cases.acknowledge, methods=["POST"]),
        Route(CASE + "/status", cases.change_status, methods=["POST"]),
        Route(CASE + "/reply", cases.reply, methods=["POST"]),
        Route(CASE + FILE, files.case_file, methods=["GET"]),
        Route("/overview", overview.overview_page, methods=["GET"]),
        Route("/overview.csv", overview.overview_csv, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: missing},
        lifespan=lifespan,
    )
    app.state.conversations = Conversations(assistant)
    app.state.login_limit = RateLimit()  # per client address, in this process
    return app
