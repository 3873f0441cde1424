"""The console in tests: its app over a database of the test's own, accounts made as the
CLI makes them, and logging in as a person does (password, then the code an authenticator
app shows for the moment)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import pyotp
from starlette.testclient import TestClient

from bot import runtime
from bot.cases.views import Report
from bot.console import accounts
from bot.console.accounts import ConsoleAccount
from bot.console.app import create_app
from bot.console.assistant import Assistant
from bot.db import Database
from bot.handoffs.store import Handoff, TranscriptEntry, _insert, _values

PASSWORD = "a long enough passphrase"
# Nothing listens here: the console's calls to the assistant fail as when it is down.
NO_ASSISTANT = "http://127.0.0.1:9"


def next_code(database: Database, email: str, now: Optional[datetime] = None) -> str:
    """The TOTP code an authenticator shows, for a time step not used yet (a code is
    accepted once; the console allows one step of clock drift either way). When this
    window's codes are used up, it waits for the next one, as a person would."""
    with database.session() as session:
        secret = accounts.totp_secret_of(session, email)
        row = session.query(ConsoleAccount).filter_by(email=email).one()
        last = row.last_totp_step
    totp = pyotp.TOTP(secret)
    while True:
        moment = now or datetime.now(timezone.utc)
        step = int(moment.timestamp()) // totp.interval
        candidate = step if last is None else max(last + 1, step)
        if candidate <= step + 1 or now is not None:
            return totp.at(candidate * totp.interval)
        time.sleep(totp.interval - moment.timestamp() % totp.interval + 0.1)


def login_csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


@dataclass
class Console:
    database: Database
    client: TestClient
    passwords: dict[str, str] = field(default_factory=dict)

    def add(self, email: str, role: str = "advisor", advisor: Optional[str] = None) -> str:
        with self.database.session() as session:
            enrolment = accounts.add_account(session, email, role, advisor)
        assert enrolment.password is not None
        self.passwords[email] = enrolment.password
        return enrolment.password

    def log_in(self, email: str, client: Optional[TestClient] = None, **form: str) -> Any:
        """Logs in (and, the first time, changes the one-time password) as a person would."""
        client = client or self.client
        page = client.get("/login")
        answer = client.post(
            "/login",
            data={
                "csrf": login_csrf(page.text),
                "email": email,
                "password": self.passwords[email],
                "code": next_code(self.database, email),
                "next": "/",
                **form,
            },
            follow_redirects=False,
        )
        if answer.status_code == 303 and answer.headers["location"] == "/password":
            changed = client.post(
                "/password",
                data={
                    "csrf": login_csrf(client.get("/password").text),
                    "current": self.passwords[email],
                    "new": PASSWORD,
                    "again": PASSWORD,
                },
                follow_redirects=False,
            )
            assert changed.status_code == 303, changed.text
            self.passwords[email] = PASSWORD
        return answer

    def csrf(self, path: str = "/inbox", client: Optional[TestClient] = None) -> str:
        return login_csrf((client or self.client).get(path).text)

    def handoff(self, **changes: Any) -> str:
        return store_handoff(self.database, **changes)

    def set_handoff(self, handoff_id: str, **columns: Any) -> None:
        with self.database.session() as session:
            row = session.get(Handoff, handoff_id)
            for name, value in columns.items():
                setattr(row, name, value)


def store_handoff(database: Database, **changes: Any) -> str:
    """A handoff as the dialogue stores it (a French user of Rabat, to the pool, unless
    `changes` say otherwise); returns its id."""
    values: dict[str, Any] = {
        "handoff_id": str(uuid.uuid4()),
        "transcript": [TranscriptEntry("user", "mon chef me crie dessus")],
        "language": "fr",
        "channel": "twilio",
        "conversation_ref": "VM-3F9A-C21B-77D0",
        "post_code": "RAB",
        "advisor_id": None,
        "pool_language": "fr",
        "phone": None,
        "now": datetime.now(timezone.utc),
        "reply_address": None,
        "conversation_id": None,
    }
    values.update(changes)
    row = _values(**values)
    with database.session() as session:
        _insert(session, row)
    return str(row["id"])


@contextmanager
def running_console(tmp_path: Path, rasa_url: str = NO_ASSISTANT) -> Iterator[Console]:
    database = Database(f"sqlite:///{tmp_path}/console.db")
    runtime.use_content_edits()  # as the console process does
    try:
        with runtime.override(database=database):
            app = create_app(Assistant(rasa_url, token="test-token"))
            with TestClient(app, base_url="http://testserver") as client:
                yield Console(database, client)
    finally:
        runtime.use_content_edits(False)
        database.dispose()


STORY = "Mijn chef vraagt <b>geld</b> voor verlenging van mijn contract."


def case_report(**fields: object) -> Report:
    """A report as the report form hands it in (a Dutch fraud report, anonymous)."""
    values: dict = dict(
        kind="fraud", what_happened=STORY, language="nl", channel="whatsapp", when="vorige week",
        where="Rabat", post_code="RAB", involved="mijn chef", witnesses=None, spoke_to="neither",
        contact="anonymous", contact_details=None, conversation_reference=None,
    )  # fmt: skip
    values.update(fields)
    return Report(**values)


# A year of cases for the annual overview: (kind, post, language, channel, contact,
# quarter, how many, days to acknowledgement, days to feedback or None, how it ended).
OVERVIEW_YEAR = 2025
OVERVIEW_PLAN = (
    ("fraud", "HQ", "nl", "twilio", "anonymous", 1, 6, 2, 30, "referred"),
    ("fraud", "HQ", "nl", "twilio", "anonymous", 2, 6, 3, 40, None),
    ("fraud", "HQ", "en", "webchat", "anonymous", 3, 5, 4, None, None),
    ("fraud", "HQ", "nl", "twilio", "email", 4, 6, 1, None, None),
    ("bullying", "WEN", "en", "webchat", "email", 1, 5, 5, 60, "under_investigation"),
    ("bullying", "WEN", "de", "webchat", "email", 3, 6, 2, None, None),
    ("bullying", "WEN", "en", "telegram", "anonymous", 4, 5, 2, None, None),
    ("discrimination", "RAB", "fr", "telegram", "anonymous", 2, 3, 10, None, None),
)


def seed_overview_year(database: Database, year: int = OVERVIEW_YEAR) -> list[int]:
    """Stores the cases of OVERVIEW_PLAN in `year` as the report form and the coordinator
    would (the directory too, if the database has none); returns the ids of those closed
    that year (Q1's: a retention run after 2030 deletes them)."""
    from datetime import timedelta

    from bot.cases.coordinator import change_status, reply
    from bot.cases.intake import prepare_case, store_case
    from bot.directory.service import seed_directory
    from bot.directory.tables import directory_is_empty
    from bot.settings import settings

    closed = []
    with database.session() as session:
        if directory_is_empty(session):
            seed_directory(session, settings().directory_dir)
    for (
        kind,
        post,
        language,
        channel,
        contact,
        quarter,
        number,
        ack,
        feedback,
        end,
    ) in OVERVIEW_PLAN:
        for index in range(number):
            received = datetime(year, 3 * quarter - 1, 3 + index, 10, tzinfo=timezone.utc)
            details = "melder@example.org" if contact == "email" else None
            report = case_report(kind=kind, post_code=post, language=language, channel=channel,
                                 contact=contact, contact_details=details)  # fmt: skip
            with database.session() as session:
                case = prepare_case(report, received)
                store_case(session, case, "not-a-passphrase", b"overview", received)
                acknowledged = case.received_at + timedelta(days=ack, hours=1)
                change_status(session, case.id, "acknowledged", "Ann", acknowledged)
                if feedback is not None:
                    at = case.received_at + timedelta(days=feedback)
                    reply(session, case.id, "Terugkoppeling.", "Ann", at, feedback=True)
                if end is not None:
                    for step, status in enumerate(("in_assessment", end, "closed")):
                        at = acknowledged + timedelta(days=1 + step * 30)
                        change_status(session, case.id, status, "Ann", at)
                    closed.append(case.id)
    return closed
