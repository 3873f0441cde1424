"""Logging in to the console: password and TOTP code, the first-login password change,
lockout, no fixation, CSRF, and the headers every page carries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyotp
import pytest

from bot.console import sessions
from bot.console.accounts import ConsoleAccount
from bot.console.audit import audit_trail
from tests.support.console import login_csrf, next_code, running_console

NADIA = "nadia@example.org"


@pytest.fixture
def console(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(NADIA, "advisor", "rab-nadia-benali")
        yield console


def test_login_with_password_and_code_then_a_new_password_then_the_inbox(console):
    answer = console.log_in(NADIA)
    assert answer.status_code == 303 and answer.headers["location"] == "/password"
    inbox = console.client.get("/inbox")
    assert inbox.status_code == 200
    assert "Handed-off conversations" in inbox.text
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_until_the_password_is_changed_no_page_opens(console):
    page = console.client.get("/login")
    console.client.post(
        "/login",
        data={"csrf": login_csrf(page.text), "email": NADIA,
              "password": console.passwords[NADIA], "code": next_code(console.database, NADIA)},
    )  # fmt: skip
    answer = console.client.get("/inbox", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/password"


def test_a_wrong_code_or_password_is_refused_without_saying_which(console):
    page = console.client.get("/login")
    right_code = next_code(console.database, NADIA)
    for password, code in ((console.passwords[NADIA], "000000"), ("wrong", right_code)):
        page = console.client.post(
            "/login",
            data={
                "csrf": login_csrf(page.text),
                "email": NADIA,
                "password": password,
                "code": code,
            },
        )
        answer = page
        assert answer.status_code == 401
        assert "The e-mail address, password or code is not right." in answer.text
    assert console.client.get("/inbox", follow_redirects=False).status_code == 303


def test_a_code_is_accepted_once(console):
    console.log_in(NADIA)
    with console.database.session() as session:
        row = session.query(ConsoleAccount).filter_by(email=NADIA).one()
        used = pyotp.TOTP(row.totp_secret).at(row.last_totp_step * 30)
    fresh = console.client.__class__(console.client.app, base_url="http://testserver")
    page = fresh.get("/login")
    answer = fresh.post(
        "/login",
        data={"csrf": login_csrf(page.text), "email": NADIA, "password": console.passwords[NADIA],
              "code": used},
    )  # fmt: skip
    assert answer.status_code == 401


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(console):
    page = console.client.get("/login")
    for _ in range(5):
        page = console.client.post(
            "/login",
            data={"csrf": login_csrf(page.text), "email": NADIA, "password": "guess",
                  "code": "123456"},
        )  # fmt: skip
        assert page.status_code == 401
    answer = console.log_in(NADIA)
    assert answer.status_code == 401
    assert "locked" in answer.text
    with console.database.session() as session:
        failures = [e for e in audit_trail(session) if e.action == "login_failed"]
    assert len(failures) == 6


def test_a_login_form_without_its_csrf_token_is_refused(console):
    console.client.get("/login")
    answer = console.client.post(
        "/login",
        data={"email": NADIA, "password": console.passwords[NADIA],
              "code": next_code(console.database, NADIA)},
    )  # fmt: skip
    assert answer.status_code == 403


def test_a_session_cookie_planted_before_login_is_worth_nothing(console):
    """Session fixation: whatever cookie the browser had, login gives a new session."""
    console.client.cookies.set("vm_session", "planted-by-someone-else", domain="testserver.local")
    console.log_in(NADIA)
    assert console.client.cookies.get("vm_session") != "planted-by-someone-else"
    # An earlier real session of this browser ends at login too.
    old = console.client.cookies.get("vm_session")
    console.client.post("/logout", data={"csrf": console.csrf()})
    console.log_in(NADIA)
    new = console.client.cookies.get("vm_session")
    assert new != old
    with console.database.session() as session:
        assert sessions.active_session(session, old) is None
        assert sessions.active_session(session, new) is not None


def test_a_session_ends_after_half_an_hour_without_requests(console):
    console.log_in(NADIA)
    token = console.client.cookies.get("vm_session")
    later = datetime.now(timezone.utc) + timedelta(minutes=31)
    with console.database.session() as session:
        assert sessions.active_session(session, token, now=later) is None
    assert console.client.get("/inbox", follow_redirects=False).status_code == 303


def test_logging_out_needs_the_csrf_token_and_ends_the_session(console):
    console.log_in(NADIA)
    assert console.client.post("/logout", data={}).status_code == 403
    assert console.client.get("/inbox").status_code == 200
    console.client.post("/logout", data={"csrf": console.csrf()})
    assert console.client.get("/inbox", follow_redirects=False).status_code == 303


def test_every_page_carries_the_security_headers(console):
    for path in ("/login", "/static/console.css", "/nothing-here"):
        headers = console.client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert console.client.get("/login").headers["cache-control"] == "no-store"


def test_the_console_speaks_dutch_to_a_dutch_browser(console):
    page = console.client.get("/login", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"})
    assert '<html lang="nl"' in page.text
    assert "Inloggen" in page.text


def test_over_https_the_cookies_are_secure_and_host_only(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("VM_CONSOLE_URL", "https://console.example.org")
    with running_console(tmp_path) as console:
        page = console.client.get("/login")
        assert "__Host-vm_login=" in page.headers["set-cookie"]
        assert "secure" in page.headers["set-cookie"].lower()
        assert page.headers["strict-transport-security"].startswith("max-age=")


def test_many_logins_from_one_place_are_slowed_down(console):
    """Spraying many accounts from one address: after 30 tries in 5 minutes, 429."""
    page = console.client.get("/login")
    statuses = []
    for attempt in range(31):
        page = console.client.post(
            "/login",
            data={"csrf": login_csrf(page.text), "email": f"user{attempt}@example.org",
                  "password": "guess", "code": "123456"},
        )  # fmt: skip
        statuses.append(page.status_code)
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    assert "Too many attempts from here" in page.text
