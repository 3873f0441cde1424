"""Attachments in the console in a real headless Chromium, against the real console server
(issue 17): a coordinator opens a case with a voice note, the page's player loads it
through the audited file route, and the case's audit trail then has that opening (the page
itself opened nothing). An image opens in the browser under the file's own policy.

Only the console runs here (`python -m bot.console`, as bin/run starts it): a case page
needs no Rasa server, so no trained model either."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from bot import runtime
from bot.cases.model import AuditEntry
from bot.cases.store import CaseStore
from bot.console import accounts
from bot.db import Database
from bot.encryption import bytes_cipher
from bot.evaluation.servers import free_port
from bot.evidence import store
from bot.evidence.limits import MB, EvidenceLimits
from bot.evidence.received import receive
from bot.evidence.store import Evidence
from bot.pseudonym import RECEIPT
from bot.servers import launch
from bot.settings import process_environment
from tests.support import evidence as files
from tests.support.browser import chromium
from tests.support.console import PASSWORD, case_report, next_code

pytestmark = pytest.mark.e2e

COORDINATOR = "evidence-desk@example.org"
A11Y = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}


@dataclass(frozen=True)
class ConsoleServer:
    url: str
    state_dir: str
    database_url: str
    log: Path


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    work = tmp_path_factory.mktemp("e2e-console-evidence")
    port = free_port()
    server = ConsoleServer(
        url=f"http://127.0.0.1:{port}",
        state_dir=str(work / "state"),
        database_url=f"sqlite:///{work / 'veilig-melden.db'}",
        log=work / "console.log",
    )
    env = process_environment(
        {
            "VM_STATE_DIR": server.state_dir,
            "DATABASE_URL": server.database_url,
            "VM_RASA_URL": "http://127.0.0.1:9",  # nothing listens: no case page needs it
            "VM_API_TOKEN": "not-used-by-a-case-page",
            "RASA_TELEMETRY_ENABLED": "false",
        }
    )
    plan = launch.Server(
        name="console",
        command=[sys.executable, "-m", "bot.console", "--port", str(port)],
        env=env,
        ready_url=f"{server.url}/login",
        ready_params={},
    )
    with server.log.open("w") as output:
        processes = launch.start_servers([plan], [output])
        try:
            try:
                launch.wait_for_servers([plan], processes, 120)
            except launch.NotUp:
                pytest.fail(f"the console did not start:\n{server.log.read_text()[-3000:]}")
            yield server
        finally:
            launch.stop(processes)


@pytest.fixture
def state(console_server: ConsoleServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The console server's keys and database, as the CLI on its machine uses them."""
    monkeypatch.setenv("VM_STATE_DIR", console_server.state_dir)
    runtime.reset()
    database = Database(console_server.database_url)
    with runtime.override(database=database):
        yield database
    database.dispose()
    runtime.reset()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def off_the_loop(work: Any) -> Any:
    """Playwright's sync API keeps an event loop running in this thread: use another."""
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(work).result()


def a_case_with(database: Database, *attachments: bytes) -> tuple[int, list[Evidence]]:
    cases = CaseStore(database, lookup_key=runtime.purpose_key(RECEIPT))
    case_id = off_the_loop(lambda: asyncio.run(cases.submit_report(case_report()))).case_id
    held = []
    for data in attachments:
        received = receive(data, case_bytes=0, limits=EvidenceLimits(16 * MB, 50 * MB))
        with database.session() as session:
            held.append(store.store(session, received, bytes_cipher(), case_id=case_id))
    return case_id, held


def openings(database: Database, case_id: int) -> list[AuditEntry]:
    with database.session() as session:
        query = sa.select(AuditEntry).where(
            AuditEntry.case_id == case_id, AuditEntry.action == "case.file_opened"
        )
        entries = list(session.execute(query).scalars())
        session.expunge_all()
        return entries


def log_in_coordinator(page: Page, server: ConsoleServer, database: Database) -> None:
    with database.session() as session:
        password = str(accounts.add_account(session, COORDINATOR, "coordinator").password)
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail address").fill(COORDINATOR)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Code from your authenticator app").fill(next_code(database, COORDINATOR))
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()


def test_a_coordinator_plays_a_voice_note_and_the_opening_is_audited(
    console_server: ConsoleServer, browser: Browser, state: Database
):
    photo = files.jpeg(files.gps_and_camera_exif(), size=(120, 90))
    case_id, (voice, image) = a_case_with(state, files.wav(), photo)
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(30_000)
    log_in_coordinator(page, console_server, state)

    page.goto(f"{console_server.url}/cases/{case_id}")
    section = page.get_by_role("region", name="Attachments")
    expect(section).to_contain_text("Voice note or audio")
    expect(section).to_contain_text("Kept as received: may contain identifying details.")
    expect(section).to_contain_text("Identifying details removed: location, camera")
    item = section.locator("li.file", has=page.locator("audio"))
    audio = item.locator("audio")
    expect(audio).to_have_attribute("preload", "none")
    title = item.locator(".file-title").inner_text()
    assert title.startswith("Voice note or audio, ")
    expect(audio).to_have_attribute("aria-label", f"Play: {title}")
    found = Axe().run(page, options=A11Y)
    assert found.violations_count == 0, found.generate_report()
    assert openings(state, case_id) == [], "showing the page opened no file"

    # The player loads the voice note (as pressing play does) through the audited route.
    audio.evaluate("element => element.load()")
    page.wait_for_function(
        "element => element.readyState >= 1 && element.duration > 0",
        arg=audio.element_handle(),
    )
    assert audio.evaluate("element => element.error") is None
    opened = openings(state, case_id)
    assert opened and {e.detail for e in opened} == {f"file={voice.id}"}
    assert {e.actor for e in opened} == {COORDINATOR}

    page.reload()
    trail = page.locator("table.inbox").last
    expect(trail).to_contain_text(f"case.file_opened · file={voice.id}")

    # An image opens in the browser, under the file's own content security policy.
    before = len(openings(state, case_id))
    section = page.get_by_role("region", name="Attachments")
    link = section.locator(f"a[href$='/files/{image.id}']")
    expect(link).to_have_text("Open")
    link.click()
    page.wait_for_function("document.images.length === 1 && document.images[0].complete")
    assert page.evaluate("document.images[0].naturalWidth") == 120
    assert len(openings(state, case_id)) == before + 1
    page.context.close()
