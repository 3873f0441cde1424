"""The coordinators' case desk: overdue cases first, filters, the case with its report,
messages and audit trail, acknowledging and writing to the reporter, audited with the
logged-in account; advisors and admins never see case text (403)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cases.lockout import LockoutPolicy
from bot.cases.model import AuditEntry
from bot.cases.store import CaseStore
from tests.support.console import STORY, case_report, running_console

COORDINATOR, ADVISOR, ADMIN = "coord@example.org", "nadia@example.org", "admin@example.org"


@pytest.fixture
def desk(tmp_path: Path):
    with running_console(tmp_path) as console:
        store = CaseStore(console.database, lookup_key=b"desk tests", policy=LockoutPolicy())
        now = datetime.now(timezone.utc)
        fresh = asyncio.run(store.submit_report(case_report(), now=now - timedelta(days=1)))
        late = asyncio.run(
            store.submit_report(case_report(kind="bullying"), now=now - timedelta(days=9))
        )
        console.add(COORDINATOR, "coordinator")
        console.add(ADVISOR, "advisor", "rab-nadia-benali")
        console.add(ADMIN, "admin")
        yield console, fresh.case_id, late.case_id


def test_the_overdue_case_comes_first_with_its_deadline(desk):
    console, fresh, late = desk
    console.log_in(COORDINATOR)
    page = console.client.get("/cases").text
    assert page.index(f"/cases/{late}") < page.index(f"/cases/{fresh}")
    assert "acknowledgement OVERDUE by 2 days" in page
    assert "acknowledgement due in 5 days" in page
    assert STORY not in page  # the list shows no case text
    only_late = console.client.get("/cases?overdue=1").text
    assert f"/cases/{late}" in only_late and f"/cases/{fresh}" not in only_late
    bullying = console.client.get("/cases?kind=bullying").text
    assert f"/cases/{late}" in bullying and f"/cases/{fresh}" not in bullying


def test_acknowledging_and_replying_are_audited_with_the_account(desk):
    console, fresh, _ = desk
    console.log_in(COORDINATOR)
    page = console.client.get(f"/cases/{fresh}").text
    assert "Mijn chef vraagt &lt;b&gt;geld&lt;/b&gt;" in page  # shown as text
    csrf = console.csrf(f"/cases/{fresh}")
    console.client.post(f"/cases/{fresh}/acknowledge", data={"csrf": csrf})
    console.client.post(
        f"/cases/{fresh}/reply", data={"csrf": csrf, "text": "Dank u, wij kijken ernaar."}
    )
    page = console.client.get(f"/cases/{fresh}").text
    assert "acknowledged" in page and "Dank u, wij kijken ernaar." in page
    with console.database.session() as session:
        entries = session.query(AuditEntry).filter_by(case_id=fresh).all()
    acted = {(e.action, e.actor) for e in entries}
    assert ("case.acknowledged", COORDINATOR) in acted and ("message.sent", COORDINATOR) in acted
    mine = [e for e in entries if e.actor == COORDINATOR]
    assert all(e.os_account and e.os_account.startswith("console:") for e in mine)


def test_a_step_the_lifecycle_does_not_allow_is_refused_with_the_reason(desk):
    console, fresh, _ = desk
    console.log_in(COORDINATOR)
    csrf = console.csrf(f"/cases/{fresh}")
    answer = console.client.post(f"/cases/{fresh}/status", data={"csrf": csrf, "status": "closed"})
    assert answer.status_code == 400 and "Not done:" in answer.text
    answer = console.client.post(
        f"/cases/{fresh}/reply", data={"csrf": csrf, "text": "x", "feedback": "1"}
    )
    assert (
        answer.status_code == 400 and "acknowledge the case before giving feedback" in answer.text
    )


def test_advisors_and_admins_never_see_cases(desk):
    console, fresh, _ = desk
    for email in (ADVISOR, ADMIN):
        client = console.client.__class__(console.client.app, base_url="http://testserver")
        console.log_in(email, client=client)
        for path in ("/cases", f"/cases/{fresh}"):
            answer = client.get(path)
            assert answer.status_code == 403 and STORY not in answer.text
        csrf = console.csrf(client=client)
        assert client.post(f"/cases/{fresh}/acknowledge", data={"csrf": csrf}).status_code == 403


def test_an_unknown_case_is_not_found(desk):
    console, _, _ = desk
    console.log_in(COORDINATOR)
    assert console.client.get("/cases/999999").status_code == 404
    assert console.client.get("/cases/abc").status_code == 404


def test_a_coordinator_starts_at_the_cases(desk):
    console, _, _ = desk
    answer = console.log_in(COORDINATOR)
    assert answer.headers["location"] in ("/", "/password")
    assert console.client.get("/", follow_redirects=False).headers["location"] == "/cases"
