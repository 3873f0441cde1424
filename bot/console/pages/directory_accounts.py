"""Linking console accounts to a directory advisor, on the advisor's page: what
`python -m bot.cli accounts add EMAIL --role advisor --advisor ID` does for a new account,
for an existing one. An advisor account acts for one directory advisor (its inbox is that
advisor's); an unknown e-mail, a coordinator's or admin's account, or one linked to another
advisor is refused with the reason. Unlinking leaves the account without an inbox until it
is linked again. Coordinators only; audited (the action, never the e-mail)."""

from __future__ import annotations

from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import runtime
from bot.console.accounts import AccountError, link_advisor, unlink_advisor
from bot.console.audit import audit
from bot.console.pages.cases import coordinator_form
from bot.console.pages.directory_records import advisor_form
from bot.console.web import not_found, texts_for
from bot.directory.tables import read_directory


async def link(request: Request) -> Response:
    posted = await coordinator_form(request)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    advisor_id = str(request.path_params["advisor_id"])
    email = str(form.get("email") or "").strip()

    def linked(session: Any) -> Optional[AccountError]:
        if read_directory(session).advisor(advisor_id) is None:
            raise LookupError(advisor_id)
        if not email:
            return AccountError("no e-mail given", "link_empty")
        try:
            account = link_advisor(session, email, advisor_id)
        except AccountError as refused:
            return refused
        if account is not None:
            audit(session, active.account.id, "account_linked")
        return None

    try:
        refused = await runtime.database().run(linked)
    except LookupError:
        return not_found(request, active.account)
    if refused is not None:
        t = texts_for(request)
        message = t(refused.key or "link_unknown", email=email, advisor=refused.detail)
        return await advisor_form(request, active, advisor_id, status=400, link_error=message,
                                  link_email=email)  # fmt: skip
    return RedirectResponse(f"/directory/advisors/{advisor_id}?done=linked", status_code=303)


async def unlink(request: Request) -> Response:
    posted = await coordinator_form(request)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    advisor_id = str(request.path_params["advisor_id"])
    account_id = str(form.get("account") or "")

    def unlinked(session: Any) -> bool:
        if unlink_advisor(session, account_id, advisor_id) is None:
            return False
        audit(session, active.account.id, "account_unlinked")
        return True

    if not await runtime.database().run(unlinked):
        return not_found(request, active.account)
    return RedirectResponse(f"/directory/advisors/{advisor_id}?done=unlinked", status_code=303)
