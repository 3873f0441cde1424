"""Notification mails: a new handoff reaches the advisors who see it, once, with a link
and no content; one nobody claimed within a working day reaches the coordinating advisor."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.console.notify import Notifier, working_days_later
from bot.handoffs.store import TranscriptEntry
from bot.settings import Settings
from tests.support.console import running_console
from tests.support.fakes.smtp import smtp_server

SECRET = "mon chef me menace depuis des semaines"


@pytest.fixture
def mail(tmp_path: Path, monkeypatch):
    with smtp_server() as (inbox, env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("VM_CONSOLE_URL", "https://console.example.org")
        with running_console(tmp_path) as console:
            console.add("nadia@example.org", "advisor", "rab-nadia-benali")
            console.add("youssef@example.org", "advisor", "rab-youssef-tazi")
            console.add("marloes@example.org", "advisor", "coord-marloes-verhagen")
            console.add("karel@example.org", "advisor", "hq-karel-bosman")  # no French
            yield console, inbox


def run(now: datetime | None = None) -> int:
    import os

    return asyncio.run(Notifier(Settings(dict(os.environ))).run_once(now))


def test_a_new_pool_handoff_reaches_its_advisors_once_without_content(mail):
    console, inbox = mail
    handoff_id = console.handoff(transcript=[TranscriptEntry("user", SECRET)], pool_language="fr")
    assert run() == 1
    (message,) = inbox.mails
    assert set(message["To"].split(", ")) == {
        "nadia@example.org", "youssef@example.org", "marloes@example.org"
    }  # fmt: skip
    body = message.get_payload(decode=True).decode()
    assert f"https://console.example.org/handoffs/{handoff_id}" in body
    assert "menace" not in body and "RAB" not in body and "fr" not in message["Subject"].split()
    assert run() == 0 and len(inbox.mails) == 1


def test_a_handoff_to_one_advisor_reaches_that_advisor_only(mail):
    console, inbox = mail
    console.handoff(advisor_id="rab-youssef-tazi", pool_language=None)
    run()
    assert [m["To"] for m in inbox.mails] == ["youssef@example.org"]


def test_a_handoff_nobody_claimed_for_a_working_day_goes_to_the_coordinating_advisor(mail):
    console, inbox = mail
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)  # 16:00 in Rabat... a Friday
    console.handoff(pool_language="fr", now=friday)
    run(friday + timedelta(hours=1))
    inbox.mails.clear()
    assert run(friday + timedelta(days=2)) == 0  # the weekend is no working day
    assert run(friday + timedelta(days=3, hours=1)) == 1  # Monday, after the same hour
    (message,) = inbox.mails
    assert message["To"] == "marloes@example.org"
    assert "waits unclaimed" in message["Subject"]
    assert run(friday + timedelta(days=4)) == 0


def test_a_claimed_handoff_is_not_escalated(mail):
    console, inbox = mail
    then = datetime.now(timezone.utc) - timedelta(days=8)
    handoff_id = console.handoff(pool_language="fr", now=then)
    console.set_handoff(handoff_id, status="in_progress", advisor_id="rab-nadia-benali",
                        notified_at=then)  # fmt: skip
    assert run() == 0


def test_working_days_skip_the_weekend():
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
    assert working_days_later(friday, "UTC", 1).weekday() == 0
    saturday = datetime(2026, 12, 5, 22, 0, tzinfo=timezone.utc)
    tuesday_nine = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)
    assert working_days_later(saturday, "UTC", 1) == tuesday_nine


def test_without_smtp_nothing_is_sent_or_marked(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    with running_console(tmp_path) as console:
        console.handoff(pool_language="fr")
        assert run() == 0


def test_the_coordinators_get_one_digest_a_week_with_numbers_only(mail):
    from bot.cases.lockout import LockoutPolicy
    from bot.cases.store import CaseStore
    from tests.support.console import case_report

    console, inbox = mail
    console.add("coord@example.org", "coordinator")
    store = CaseStore(console.database, lookup_key=b"digest", policy=LockoutPolicy())
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
    asyncio.run(store.submit_report(case_report(), now=monday - timedelta(days=10)))  # overdue
    asyncio.run(store.submit_report(case_report(), now=monday - timedelta(days=2)))  # due this week
    assert run(monday - timedelta(hours=2)) == 0  # before Monday 07:00: last week's was due
    assert run(monday) == 1
    (digest,) = [m for m in inbox.mails if "deadlines" in m["Subject"]]
    assert digest["To"] == "coord@example.org"
    body = digest.get_payload(decode=True).decode()
    assert "Overdue: 1. Due in the next 7 days: 1 acknowledgement(s), 0 feedback." in body
    assert "https://console.example.org/cases" in body and "chef" not in body
    assert run(monday + timedelta(days=3)) == 0  # once a week
    assert run(monday + timedelta(days=7)) == 1
