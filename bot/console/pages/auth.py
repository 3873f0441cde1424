"""Logging in (e-mail, password and TOTP code in one form), the first-login password
change, logging out. Login is rate-limited per client and locks the account after five
failures (bot.console.accounts); a successful login always starts a new session."""

from __future__ import annotations

import secrets
from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import runtime
from bot.console import accounts, sessions
from bot.console.audit import audit
from bot.console.web import (
    RateLimit,
    cookies,
    csrf_ok,
    current,
    forbidden,
    form_of,
    render,
    set_cookie,
    texts_for,
    to_login,
)


def _next(value: object) -> str:
    """Where to go after logging in: a path of this console only."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value[:200]
    return "/"  # each role's own start page


def login_page(
    request: Request, status: int = 200, error: Optional[str] = None, **extra: Any
) -> Response:
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "login.html",
        status,
        csrf=token,
        error=error,
        next=_next(extra.pop("next", None) or request.query_params.get("next")),
        **extra,
    )
    set_cookie(page, cookies().login, token)
    return page


async def login_form(request: Request) -> Response:
    return login_page(request)


async def login(request: Request) -> Response:
    form = await form_of(request)
    if form is None or not csrf_ok(form, request.cookies.get(cookies().login)):
        return forbidden(request)
    client = request.client.host if request.client else "?"
    limit: RateLimit = request.app.state.login_limit
    if not limit.allow(client):
        return login_page(request, 429, "login_rate_limited", next=form.get("next"))
    email, password, code = (str(form.get(k) or "") for k in ("email", "password", "code"))
    draft, target = str(form.get("draft") or ""), _next(form.get("next"))

    def check(session: Any) -> tuple[accounts.LoginResult, Optional[str]]:
        result = accounts.log_in(session, email, password, code)
        if result.account is None:
            audit(session, None, "login_failed")
            return result, None
        audit(session, result.account.id, "login")
        return result, sessions.start_session(session, result.account.id)

    old = request.cookies.get(cookies().session)
    result, token = await runtime.database().run(check)
    if result.account is None or token is None:
        error = "login_locked" if result.locked else "login_failed"
        return login_page(request, 401, error, next=target, draft=draft)
    # The session the browser brought (if any) ends: a planted cookie is worth nothing.
    await runtime.database().run(lambda s: sessions.end_session(s, old))
    if result.account.must_change_password:
        response: Response = RedirectResponse("/password", status_code=303)
    elif draft and target.startswith("/handoffs/"):
        active = await runtime.database().run(lambda s: sessions.active_session(s, token))
        csrf = active.csrf_token if active else ""
        response = render(
            request,
            "draft.html",
            200,
            draft=draft,
            target=target,
            csrf=csrf,
            account=result.account,
        )
    else:
        response = RedirectResponse(target, status_code=303)
    set_cookie(response, cookies().session, token)
    response.delete_cookie(cookies().login, path="/")
    return response


async def logout(request: Request) -> Response:
    form = await form_of(request)
    active = await current(request)
    if active is None:
        return to_login(request)
    if form is None or not csrf_ok(form, active.csrf_token):
        return forbidden(request)
    token = request.cookies.get(cookies().session)

    def end(session: Any) -> None:
        sessions.end_session(session, token)
        audit(session, active.account.id, "logout")

    await runtime.database().run(end)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookies().session, path="/")
    return response


async def password_form(request: Request) -> Response:
    active = await current(request)
    if active is None:
        return to_login(request)
    return render(request, "password.html", csrf=active.csrf_token, account=active.account,
                  length=accounts.MIN_PASSWORD_LENGTH)  # fmt: skip


async def change_password(request: Request) -> Response:
    active = await current(request)
    if active is None:
        return to_login(request)
    form = await form_of(request)
    if form is None or not csrf_ok(form, active.csrf_token):
        return forbidden(request)
    new, again = str(form.get("new") or ""), str(form.get("again") or "")
    t = texts_for(request)
    error: Optional[str] = None
    if new != again:
        error = t("password_mismatch")
    else:

        def change(session: Any) -> None:
            accounts.change_password(
                session, active.account.id, str(form.get("current") or ""), new
            )
            audit(session, active.account.id, "password_changed")

        try:
            await runtime.database().run(change)
        except accounts.AccountError as refused:
            error = t(refused.key or "password_wrong", length=accounts.MIN_PASSWORD_LENGTH)
    if error is not None:
        return render(request, "password.html", 400, csrf=active.csrf_token, error=error,
                      account=active.account, length=accounts.MIN_PASSWORD_LENGTH)  # fmt: skip
    return RedirectResponse("/", status_code=303)
