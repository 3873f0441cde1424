"""The advisor's inbox and a handed-off conversation: read it, take it, write to the user,
retry, hand it back, close it. A handoff the advisor may not see is "not found" (404), the
same as one that does not exist. Every view of a conversation and every action is audited
(bot.console.audit); the live view's polling is part of the view it belongs to. The page
lists the handoff's attachments; opening one is pages/files.py's, audited each time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional, Union
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bot import runtime
from bot.console import desk
from bot.console.attachments import file_views
from bot.console.audit import audit
from bot.console.conversation import Conversations, Entry
from bot.console.pages.auth import login_page
from bot.console.sessions import ActiveSession
from bot.console.texts import Texts, direction
from bot.console.web import (
    csrf_ok,
    current,
    forbidden,
    form_of,
    not_found,
    render,
    texts_for,
    to_login,
)
from bot.directory.records import AdvisorRecord, Directory
from bot.evidence import store as evidence
from bot.handoffs.messages import MAX_MESSAGE_CHARACTERS
from bot.handoffs.store import HandoffRecord


@dataclass(frozen=True)
class Desk:
    active: ActiveSession
    directory: Directory
    advisor: Optional[AdvisorRecord]

    def local(self, moment: Optional[datetime]) -> str:
        if moment is None:
            return ""
        zone = ZoneInfo(self.advisor.time_zone) if self.advisor else timezone.utc
        return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M")


async def advisor_desk(request: Request) -> Union[Desk, Response]:
    """The logged-in account's desk (its advisor record, the directory), or the answer
    that sends it to log in or change its password."""
    active = await current(request)
    if active is None:
        return to_login(request)
    if active.account.must_change_password:
        return RedirectResponse("/password", status_code=303)
    directory = await runtime.directory_service().current()
    return Desk(active, directory, desk.advisor_of(active.account, directory))


def conversations(request: Request) -> Conversations:
    return request.app.state.conversations


def waiting(t: Texts, minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return t("waiting_days", days=days, hours=hours)
    if hours:
        return t("waiting_hours", hours=hours, minutes=minutes)
    return t("waiting_minutes", minutes=minutes)


def post_name(directory: Directory, code: Optional[str], t: Texts) -> str:
    post = directory.post(code)
    return f"{post.city} ({post.code})" if post else t("headquarters")


async def inbox(request: Request) -> Response:
    found = await advisor_desk(request)
    if isinstance(found, Response):
        return found
    account = found.active.account

    def read(session: Any) -> list[desk.InboxEntry]:
        audit(session, account.id, "inbox_viewed")
        return desk.inbox(session, account, found.directory)

    entries = await runtime.database().run(read)
    t = texts_for(request)
    return render(
        request,
        "inbox.html",
        t=t,
        account=account,
        csrf=found.active.csrf_token,
        has_desk=found.advisor is not None,
        entries=entries,
        waiting=lambda m: waiting(t, m),
        post=lambda code: post_name(found.directory, code, t),
    )


async def _handoff(request: Request, found: Desk, action: Optional[str]) -> Optional[HandoffRecord]:
    handoff_id = str(request.path_params["handoff_id"])
    account = found.active.account

    def read(session: Any) -> Optional[HandoffRecord]:
        record = desk.visible_handoff(session, account, found.directory, handoff_id)
        if record is not None and action is not None:
            audit(session, account.id, action, record.id)
        return record

    return await runtime.database().run(read)


async def handoff_page(request: Request) -> Response:
    found = await advisor_desk(request)
    if isinstance(found, Response):
        return found
    record = await _handoff(request, found, "handoff_viewed")
    if record is None:
        return not_found(request, found.active.account)
    entries, live = await conversations(request).entries(record)
    held = await runtime.database().run(lambda s: evidence.of_handoff(s, record.id))
    t = texts_for(request)
    return render(
        request,
        "handoff.html",
        t=t,
        account=found.active.account,
        csrf=found.active.csrf_token,
        handoff=record,
        mine=record.advisor_id == (found.advisor.id if found.advisor else None),
        entries=entries,
        files=file_views(t, held, f"/handoffs/{record.id}"),  # listed, not opened
        live=live,
        local=found.local,
        post=post_name(found.directory, record.post_code, t),
        text_direction=direction(record.language),
        limit=MAX_MESSAGE_CHARACTERS,
        error=request.query_params.get("error"),
        signature=request.query_params.get("signature", ""),
    )


def _entry_json(entry: Entry, t: Texts, found: Desk) -> dict[str, Any]:
    status = None
    if entry.message is not None:
        status = entry.message.status
    return {
        "kind": entry.kind,
        "text": t("user_sent_file") if entry.file else entry.text,
        "at": found.local(entry.at),
        "alarm": entry.alarm,
        "status": status,
        "id": entry.message.id if entry.message else None,
    }


async def live(request: Request) -> Response:
    """The conversation as JSON for the page's polling (reading works without it)."""
    found = await advisor_desk(request)
    if isinstance(found, Response):
        return JSONResponse({"error": "session"}, status_code=401)
    record = await _handoff(request, found, None)
    if record is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    entries, is_live = await conversations(request).entries(record)
    t = texts_for(request)
    return JSONResponse(
        {
            "live": is_live,
            "held": record.held,
            "status": record.status,
            "entries": [_entry_json(entry, t, found) for entry in entries],
        }
    )


async def _posted(
    request: Request, mine: bool = True
) -> Union[tuple[Desk, HandoffRecord, Any], Response]:
    """The desk, the handoff and the form of a POST, or the answer that refuses it.
    `mine`: only for a handoff this advisor has taken (claiming is for the others)."""
    found = await advisor_desk(request)
    form = await form_of(request)
    if isinstance(found, Response):
        if form is not None and form.get("text"):
            # Nothing the advisor wrote is lost: log in again, then send it.
            return login_page(
                request, 401, "session_ended", next=request.url.path.rsplit("/", 1)[0],
                draft=str(form.get("text")),
            )  # fmt: skip
        return found
    if form is None or not csrf_ok(form, found.active.csrf_token):
        return forbidden(request)
    record = await _handoff(request, found, None)
    owner = found.advisor.id if found.advisor else None
    if record is None or (mine and (record.advisor_id != owner or record.status == "new")):
        return not_found(request, found.active.account)
    return found, record, form


def _back(record: HandoffRecord, **query: str) -> RedirectResponse:
    tail = "&".join(f"{k}={v}" for k, v in query.items() if v)
    return RedirectResponse(f"/handoffs/{record.id}" + (f"?{tail}" if tail else ""), 303)


async def claim(request: Request) -> Response:
    posted = await _posted(request, mine=False)
    if isinstance(posted, Response):
        return posted
    found, record, _ = posted
    if not await conversations(request).take(record, found.active.account):
        return render(request, "message.html", 409, heading=None, key="claimed_by_other",
                      account=found.active.account)  # fmt: skip
    return _back(record)


async def write(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    found, record, form = posted
    signature = str(form.get("signature") or "")
    try:
        await conversations(request).write(
            record, found.active.account, str(form.get("text") or ""), signature
        )
    except ValueError as refused:
        return _back(record, error=str(refused), signature=signature)
    return _back(record, signature=signature, sent="1")


async def retry(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    found, record, _ = posted
    message_id = str(request.path_params["message_id"])
    if await conversations(request).retry(record, found.active.account, message_id) is None:
        return not_found(request, found.active.account)
    return _back(record)


async def hand_back(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    found, record, _ = posted
    await conversations(request).hand_back(record, found.active.account)
    return _back(record)


async def close(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    found, record, _ = posted
    if record.status != "closed":
        await conversations(request).close(record, found.active.account)
    return RedirectResponse("/inbox", 303)
