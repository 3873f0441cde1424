"""Attachments in the console (issue 17): a case's page lists its files for the coordinators
and a handoff's page for the advisor who may see it, with what each is, its size, when it
came, its SHA-256 as received and whether identifying details were removed. Listing opens
nothing; opening a file serves its bytes safely and is audited each time; a file of another
case or handoff, or of one the account may not see, does not exist."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from bot.cases.lockout import LockoutPolicy
from bot.cases.model import AuditEntry
from bot.cases.store import CaseStore
from bot.console.audit import ConsoleAudit
from bot.db import Database
from bot.encryption import bytes_cipher
from bot.evidence import store
from bot.evidence.limits import MB, EvidenceLimits
from bot.evidence.received import receive, sha256
from bot.evidence.store import Evidence
from tests.support import evidence as files
from tests.support.console import case_report, running_console

COORDINATOR, NADIA, YOUSSEF, ADMIN = (
    "coord@example.org",
    "nadia@example.org",
    "youssef@example.org",
    "admin@example.org",
)
LIMITS = EvidenceLimits(16 * MB, 50 * MB)
HOSTILE_TEXT = b"<html><script>alert('x')</script></html>\n" + b"notes " * 300_000  # 2 chunks


def attach(database: Database, data: bytes, **holder: object) -> Evidence:
    """A file as the dialogue stores it for a case or a handoff."""
    received = receive(data, case_bytes=0, limits=LIMITS)
    with database.session() as session:
        return store.store(session, received, bytes_cipher(), **holder)  # type: ignore[arg-type]


def stored_bytes(database: Database, file_id: str) -> bytes:
    with database.session() as session:
        opened = store.content(session, file_id, bytes_cipher())
    assert opened is not None
    return opened[1]


def audit_rows(database: Database) -> tuple[list[AuditEntry], list[ConsoleAudit]]:
    with database.session() as session:
        cases = session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        console = session.execute(sa.select(ConsoleAudit).order_by(ConsoleAudit.id)).scalars()
        return list(cases), list(console.all())


def openings(database: Database) -> list[tuple[str, object, str | None]]:
    """Every audited opening of a file: (action, case or handoff, file)."""
    cases, console = audit_rows(database)
    return [(e.action, e.case_id, e.detail) for e in cases if e.action == "case.file_opened"] + [
        (e.action, e.handoff_id, e.file_id) for e in console if e.action == "file_opened"
    ]


@pytest.fixture
def desk(tmp_path: Path):
    with running_console(tmp_path) as console:
        cases = CaseStore(console.database, lookup_key=b"attachments", policy=LockoutPolicy())
        now = datetime.now(timezone.utc) - timedelta(days=1)
        first = asyncio.run(cases.submit_report(case_report(), now=now)).case_id
        second = asyncio.run(cases.submit_report(case_report(kind="bullying"), now=now)).case_id
        database = console.database
        held = {
            "photo": attach(database, files.jpeg(files.gps_and_camera_exif()), case_id=first),
            "voice": attach(database, files.wav(), case_id=first),
            "text": attach(database, HOSTILE_TEXT, case_id=first),
            "pdf": attach(database, files.pdf(), case_id=first),
            "docx": attach(database, files.docx(), case_id=first),
            "other": attach(database, files.png_with_text(), case_id=second),
        }
        console.add(COORDINATOR, "coordinator")
        console.add(NADIA, "advisor", "rab-nadia-benali")
        console.add(ADMIN, "admin")
        yield console, first, second, held


def test_the_case_page_lists_its_attachments_and_opens_none(desk):
    console, first, second, held = desk
    console.log_in(COORDINATOR)
    page = console.client.get(f"/cases/{first}").text
    assert '<h2 id="files-heading">Attachments</h2>' in page
    photo, voice = held["photo"], held["voice"]
    assert "Photo or image, " in page and "Voice note or audio, " in page
    assert "Text file, " in page and "PDF document, " in page and "Office document, " in page
    assert f"received {photo.received_at:%d-%m-%Y}" in page
    assert "Identifying details removed: location, camera" in page  # the photo's EXIF
    assert "Kept as received: may contain identifying details." in page  # the voice note
    assert photo.received_sha256 in page and photo.stored_sha256 in page  # chain of custody
    assert photo.received_sha256 == sha256(files.jpeg(files.gps_and_camera_exif()))
    assert "<details>" in page
    player = f'<audio controls preload="none" src="/cases/{first}/files/{voice.id}"'
    assert player in page and 'aria-label="Play: Voice note or audio, ' in page
    assert f'<a href="/cases/{first}/files/{photo.id}"' in page
    assert "<img" not in page, "a thumbnail would open the file with the page"
    assert held["other"].id not in page, "another case's file"
    assert "No attachments." not in page
    other = console.client.get(f"/cases/{second}").text
    assert held["other"].id in other and photo.id not in other
    cases = CaseStore(console.database, lookup_key=b"attachments", policy=LockoutPolicy())
    empty = asyncio.run(cases.submit_report(case_report())).case_id
    assert "No attachments." in console.client.get(f"/cases/{empty}").text
    assert openings(console.database) == [], "listing is not opening"

    dutch = console.client.get(f"/cases/{first}", headers={"accept-language": "nl"}).text
    assert "Bijlagen" in dutch and "Identificerende gegevens verwijderd: locatie, camera" in dutch


def test_opening_a_file_serves_its_bytes_safely_and_is_audited_each_time(desk):
    console, first, _, held = desk
    console.log_in(COORDINATOR)
    expected = {  # file: (Content-Type, inline)
        "photo": ("image/jpeg", True),
        "voice": ("audio/wav", True),
        "pdf": ("application/pdf", True),
        "text": ("text/plain; charset=utf-8", False),
        "docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
    }
    for name, (content_type, inline) in expected.items():
        before = openings(console.database)
        answer = console.client.get(f"/cases/{first}/files/{held[name].id}")
        assert answer.status_code == 200, name
        assert answer.content == stored_bytes(console.database, held[name].id), name
        assert answer.headers["content-type"] == content_type, name
        disposition = answer.headers["content-disposition"]
        assert disposition.startswith("inline;" if inline else "attachment;"), name
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        (policy,) = answer.headers.get_list("content-security-policy")  # one, the file's
        assert policy.startswith("default-src 'none'") and "script-src" not in policy
        after = openings(console.database)
        assert after[: len(before)] == before
        assert after[len(before) :] == [("case.file_opened", first, f"file={held[name].id}")]
    assert (
        HOSTILE_TEXT[:20] in console.client.get(f"/cases/{first}/files/{held['text'].id}").content
    )
    cases, _ = audit_rows(console.database)
    opened = [e for e in cases if e.action == "case.file_opened"]
    assert len(opened) == len(expected) + 1  # the text file twice: each opening counts
    assert {e.actor for e in opened} == {COORDINATOR}
    assert all(e.os_account and e.os_account.startswith("console:") for e in opened)
    page = console.client.get(f"/cases/{first}").text  # the trail shows who opened what
    assert f"case.file_opened · file={held['photo'].id}" in page
    # The audit holds ids only: no content of any file.
    dump = " ".join(str((e.action, e.detail)) for e in cases)
    assert "alert" not in dump and "notes" not in dump


def test_a_file_of_another_case_or_none_at_all_is_not_found(desk):
    console, first, second, held = desk
    console.log_in(COORDINATOR)
    for path in (
        f"/cases/{second}/files/{held['photo'].id}",  # the first case's file
        f"/cases/{first}/files/{held['other'].id}",  # the second case's file
        f"/cases/{first}/files/{'0' * 32}",
        f"/cases/{first}/files/not-a-file-id",
        f"/cases/999999/files/{held['photo'].id}",
    ):
        answer = console.client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
    assert openings(console.database) == []


def test_advisors_and_admins_open_no_case_file(desk):
    console, first, _, held = desk
    for email in (NADIA, ADMIN):
        client = TestClient(console.client.app, base_url="http://testserver")
        console.log_in(email, client=client)
        answer = client.get(f"/cases/{first}/files/{held['text'].id}")
        assert answer.status_code == 403, email  # as the case page itself
        assert b"alert" not in answer.content
    anonymous = TestClient(console.client.app, base_url="http://testserver")
    answer = anonymous.get(f"/cases/{first}/files/{held['text'].id}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert openings(console.database) == []


@pytest.fixture
def inbox(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(NADIA, "advisor", "rab-nadia-benali")
        console.add(YOUSSEF, "advisor", "rab-youssef-tazi")
        console.add(COORDINATOR, "coordinator")
        yield console


def test_the_advisor_holding_a_handoff_plays_its_voice_note_audited(inbox):
    console = inbox
    mine = console.handoff(advisor_id="rab-nadia-benali", pool_language=None)
    console.set_handoff(mine, status="in_progress")
    theirs = console.handoff(advisor_id="rab-youssef-tazi", pool_language=None)
    voice = attach(console.database, files.wav(), handoff_id=mine)
    photo = attach(console.database, files.jpeg(files.gps_and_camera_exif()), handoff_id=mine)
    elsewhere = attach(console.database, files.wav(), handoff_id=theirs)

    console.log_in(NADIA)
    page = console.client.get(f"/handoffs/{mine}").text
    assert "Attachments" in page and "Voice note or audio" in page
    assert f'<audio controls preload="none" src="/handoffs/{mine}/files/{voice.id}"' in page
    assert "Identifying details removed: location, camera" in page
    assert elsewhere.id not in page
    assert openings(console.database) == [], "listing is not opening"

    answer = console.client.get(f"/handoffs/{mine}/files/{voice.id}")
    assert answer.status_code == 200 and answer.content == files.wav()  # audio is kept as is
    assert answer.headers["content-type"] == "audio/wav"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert openings(console.database) == [("file_opened", mine, voice.id)]
    _, console_audit = audit_rows(console.database)
    (entry,) = [e for e in console_audit if e.action == "file_opened"]
    assert entry.account_id and entry.at is not None

    # Another handoff's file through this one, and a handoff Nadia may not see: none exists.
    assert console.client.get(f"/handoffs/{mine}/files/{elsewhere.id}").status_code == 404
    assert console.client.get(f"/handoffs/{theirs}/files/{elsewhere.id}").status_code == 404
    assert console.client.get(f"/handoffs/{theirs}").status_code == 404  # as its page
    assert len(openings(console.database)) == 1

    for email, status in ((YOUSSEF, 404), (COORDINATOR, 404)):
        client = TestClient(console.client.app, base_url="http://testserver")
        console.log_in(email, client=client)
        assert client.get(f"/handoffs/{mine}").status_code == status, email
        answer = client.get(f"/handoffs/{mine}/files/{photo.id}")
        assert answer.status_code == status and answer.content != stored_bytes(
            console.database, photo.id
        ), email
    assert len(openings(console.database)) == 1
