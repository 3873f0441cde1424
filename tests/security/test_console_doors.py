"""Attacks on the advisors' console (issue 12): every form without its CSRF token, forms
posted from another site, and the console offering no way through to the Rasa API. The
console app runs in-process; that a console session cannot call the Rasa API itself is
tried against the real servers in tests/e2e/test_console.py (they are running there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.console import login_csrf, next_code, running_console

NADIA = "nadia@example.org"
POSTS = ["/claim", "/messages", "/hand-back", "/close", "/messages/{message}/retry"]


@pytest.fixture
def console(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(NADIA, "advisor", "rab-nadia-benali")
        console.log_in(NADIA)
        yield console


def test_every_form_without_its_csrf_token_is_refused(console):
    handoff_id = console.handoff(advisor_id="rab-nadia-benali", pool_language=None)
    # Controls: with the token, claiming works.
    assert console.client.post(
        f"/handoffs/{handoff_id}/claim", data={"csrf": "wrong"}
    ).status_code == 403  # fmt: skip
    for tail in POSTS:
        path = f"/handoffs/{handoff_id}" + tail.format(message="0" * 36)
        for data in ({}, {"csrf": ""}, {"csrf": "x" * 43}):
            answer = console.client.post(path, data={**data, "text": "hello"})
            assert answer.status_code == 403, (path, data)
    assert console.client.post("/logout", data={}).status_code == 403
    assert console.client.post("/password", data={"new": "x" * 20}).status_code == 403
    answer = console.client.post(
        f"/handoffs/{handoff_id}/claim", data={"csrf": console.csrf()}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_the_session_token_of_one_advisor_is_not_the_csrf_token_of_another(console):
    handoff_id = console.handoff(advisor_id="rab-nadia-benali", pool_language=None)
    mine = console.csrf()
    other = console.client.__class__(console.client.app, base_url="http://testserver")
    console.add("youssef@example.org", "advisor", "rab-youssef-tazi")
    console.log_in("youssef@example.org", client=other)
    assert other.post(f"/handoffs/{handoff_id}/claim", data={"csrf": mine}).status_code == 403


def test_a_login_posted_from_another_page_without_the_login_cookie_is_refused(console):
    page = console.client.get("/login")
    fresh = console.client.__class__(console.client.app, base_url="http://testserver")
    answer = fresh.post(
        "/login",
        data={"csrf": login_csrf(page.text), "email": NADIA, "password": console.passwords[NADIA],
              "code": next_code(console.database, NADIA)},
    )  # fmt: skip
    assert answer.status_code == 403


def test_the_console_has_no_way_through_to_the_rasa_api(console):
    for path in ("/conversations/x/tracker", "/model/parse", "/status", "/webhooks/rest/webhook"):
        assert console.client.get(path).status_code == 404
        assert console.client.post(path, json={}).status_code in (404, 405)
