"""The coordinators' case desk: the cases with their legal clock (overdue first), filters
by status, kind and age; a case with its report, attachments (bot.console.attachments;
opened through pages/files.py), messages and audit trail; acknowledging,
changing the status and writing to the reporter. Coordinators only: an advisor's or an
admin's session gets 403, since case text is never for advisors. Every action runs
through bot.cases.coordinator, audited with the logged-in account (the e-mail as the actor,
`console:<account id>` as the account) instead of a self-asserted name."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Union

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import runtime
from bot.cases import coordinator
from bot.cases.model import KINDS, NEXT_STATUSES, STATUSES, CaseNotFound, CaseStoreError
from bot.cases.views import CaseSummary
from bot.console.attachments import file_views
from bot.console.sessions import ActiveSession
from bot.console.web import (
    MAX_FORM_BYTES,
    MAX_FORM_FIELDS,
    csrf_ok,
    current,
    forbidden,
    form_of,
    not_found,
    render,
    texts_for,
    to_login,
)
from bot.evidence import store as evidence
from bot.evidence.store import Evidence

AGES = {"week": 7, "month": 31, "quarter": 92, "year": 366}


def actor_of(active: ActiveSession) -> tuple[str, str]:
    """Who acts, for the case trail: the account's e-mail and its console id."""
    return active.account.email, f"console:{active.account.id}"


async def coordinator_only(request: Request) -> Union[ActiveSession, Response]:
    active = await current(request)
    if active is None:
        return to_login(request)
    if active.account.must_change_password:
        return RedirectResponse("/password", status_code=303)
    if active.account.role != "coordinator":
        return render(request, "message.html", 403, heading="403", key="desk_forbidden",
                      account=active.account)  # fmt: skip
    return active


async def coordinator_form(
    request: Request, max_bytes: int = MAX_FORM_BYTES, max_fields: int = MAX_FORM_FIELDS
) -> Union[tuple[ActiveSession, FormData], Response]:
    """A coordinator's posted form with its CSRF token checked, or the answer refusing it."""
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    form = await form_of(request, max_bytes, max_fields)
    if form is None or not csrf_ok(form, active.csrf_token):
        return forbidden(request)
    return active, form


def _filtered(
    summaries: list[CaseSummary], kind: Optional[str], age: Optional[str], now: datetime
) -> list[CaseSummary]:
    if kind in KINDS:
        summaries = [s for s in summaries if s.kind == kind]
    if age in AGES:
        since = now - timedelta(days=AGES[age])
        summaries = [s for s in summaries if s.received_at >= since]
    return summaries


async def case_list(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    query = request.query_params
    status = query.get("status") if query.get("status") in STATUSES else None
    overdue = query.get("overdue") == "1"
    now = datetime.now(timezone.utc)
    actor, account = actor_of(active)
    summaries = await runtime.database().run(
        lambda s: coordinator.list_cases(s, actor, now, overdue, status, account)
    )
    shown = _filtered(summaries, query.get("kind"), query.get("age"), now)
    return render(
        request,
        "cases.html",
        account=active.account,
        csrf=active.csrf_token,
        cases=shown,
        now=now,
        statuses=STATUSES,
        kinds=KINDS,
        ages=tuple(AGES),
        chosen={
            "status": status or "",
            "kind": query.get("kind", ""),
            "age": query.get("age", ""),
            "overdue": overdue,
        },  # fmt: skip
    )


def case_id_of(request: Request) -> Optional[int]:
    """The case id in the path, None when it cannot be one."""
    raw = str(request.path_params["case_id"])
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


async def case_page(request: Request, error: Optional[str] = None, status: int = 200) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    case_id = case_id_of(request)
    if case_id is None:
        return not_found(request, active.account)
    now = datetime.now(timezone.utc)
    actor, account = actor_of(active)

    def read(session: Any) -> tuple[Any, Any, list[Evidence]]:
        detail = coordinator.case_detail(session, case_id, actor, now, account)
        trail = coordinator.audit_trail(session, case_id, actor, now, account)
        return detail, trail, evidence.of_case(session, case_id)  # listed, not opened

    try:
        detail, trail, held = await runtime.database().run(read)
    except CaseNotFound:
        return not_found(request, active.account)
    t = texts_for(request)
    return render(
        request,
        "case.html",
        status,
        t=t,
        account=active.account,
        csrf=active.csrf_token,
        case=detail,
        trail=trail,
        files=file_views(t, held, f"/cases/{case_id}"),
        now=now,
        next_statuses=NEXT_STATUSES.get(detail.status, ()),
        error=error,
    )


async def _act(request: Request, action: str) -> Response:
    posted = await coordinator_form(request)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    case_id = case_id_of(request)
    if case_id is None:
        return not_found(request, active.account)
    actor, account = actor_of(active)
    now = datetime.now(timezone.utc)

    def act(session: Any) -> None:
        if action == "acknowledge":
            coordinator.acknowledge(session, case_id, actor, now, account)
        elif action == "status":
            coordinator.change_status(session, case_id, str(form.get("status") or ""), actor,
                                      now, account)  # fmt: skip
        else:
            feedback = form.get("feedback") == "1"
            coordinator.reply(session, case_id, form.get("text"), actor, now, feedback, account)

    try:
        await runtime.database().run(act)
    except CaseNotFound:
        return not_found(request, active.account)
    except (CaseStoreError, ValueError) as refused:
        t = texts_for(request)
        return await case_page(request, error=t("case_refused", reason=str(refused)), status=400)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


async def acknowledge(request: Request) -> Response:
    return await _act(request, "acknowledge")


async def change_status(request: Request) -> Response:
    return await _act(request, "status")


async def reply(request: Request) -> Response:
    return await _act(request, "reply")
