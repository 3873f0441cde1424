"""Anonymity against the database itself: anonymous reports made over WhatsApp (the real
servers, Twilio faked on loopback), each with a photo, followed with their receipt and
handed to an advisor, who gets the same photo; then both databases are read raw, without
keys, table by table, and the conversation store again with the key. No path leads from a
case to a phone number.

Attacks: find the phone number in any cell (any formatting); join a case's plain values
(ids, digests, times) with the conversation, handoff or delivery tables; join a case's file
with the advisor's copy (id, fingerprints, size); read an anonymous case's exact time, in a
column or in the time Fernet writes into a token; decrypt the conversation store and find
the receipt; read the receipt or a case's file id in a handoff transcript."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sqlite3
import stat
import struct
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot import runtime
from bot.cases.receipts import format_code
from bot.db import Database
from bot.encryption import TextCipher, load_keys
from bot.handoffs.inbox import list_handoffs
from bot.settings import overridden
from tests.support import evidence as files
from tests.support.fakes.http_fake import wait_until
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.replies import receipt_in
from tests.support.servers import Servers, running_servers

pytestmark = pytest.mark.e2e

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "anonymity-twilio-auth-token"
PUBLIC_URL = "https://veilig-melden.example.org"
OUR_WHATSAPP = "whatsapp:+14155550100"
STORY = "The head of finance books invoices for a company his brother owns."
# The photo each reporter sends with the report and again to the advisor.
PHOTO = files.jpeg(files.gps_and_camera_exif())
# Tables on the case side; every other table belongs to conversations, handoffs, deliveries.
CASE_SIDE = (
    "cases",
    "case_files",
    "case_messages",
    "audit_entries",
    "case_counts",
    "overview_counts",
    "receipt_attempts",
    "alembic_version",
    "posts",
    "advisors",
)


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN)
    with api:
        yield api


@pytest.fixture(scope="module")
def servers(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, twilio_api: FakeTwilioApi
) -> Iterator[Servers]:
    env = {**twilio_api.channel_env(PUBLIC_URL), "TWILIO_WHATSAPP_NUMBER": OUR_WHATSAPP}
    work = tmp_path_factory.mktemp("anonymity")
    with running_servers(trained_model, work, env=env) as running:
        yield running


class WhatsApp:
    """One reporter on WhatsApp: what they type, and what reaches their phone."""

    def __init__(self, servers: Servers, api: FakeTwilioApi) -> None:
        self.servers, self.api = servers, api
        self.national = f"6{uuid.uuid4().int % 10**8:08d}"  # a Dutch mobile number
        self.address = f"whatsapp:+31{self.national}"
        self.shown = ""  # what the phone showed last

    def says(self, body: str, **media: str) -> str:
        """Sends `body`; returns what came back, joined."""
        before = len(self.api.bodies_to(self.address))
        fields = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": self.address,
            "To": OUR_WHATSAPP,
            "Body": body,
            "NumMedia": "1" if media else "0",
            **media,
        }
        path = "/webhooks/twilio/webhook"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, fields)
        reply = requests.post(
            self.servers.url + path,
            data=fields,
            headers={"X-Twilio-Signature": signature},
            timeout=120,
        )
        assert reply.status_code == 200, reply.status_code
        self.shown = "\n".join(self.api.bodies_to(self.address)[before:])
        return self.shown

    def sends_photo(self, until: str) -> str:
        """Sends PHOTO; its answers come after Twilio is answered: awaited `until` one
        starts with that."""
        before = len(self.api.bodies_to(self.address))
        url = self.api.add_media(PHOTO)
        self.says("", MediaUrl0=url, MediaContentType0="image/jpeg")

        def answers() -> list[str]:
            return self.api.bodies_to(self.address)[before:]

        assert wait_until(lambda: any(a.startswith(until) for a in answers()), 60), answers()
        self.shown = "\n".join(answers())
        return self.shown

    def picks(self, response: str, payload: str) -> str:
        """Types the number the phone shows for the button with `payload` of `response`
        (a turn's choices are numbered on across its messages: after a photo, "2. Skip")."""
        content = runtime.content_store().response(response, "en")
        assert content is not None, response
        title = next(button.title for button in content.buttons if button.payload == payload)
        numbers = re.findall(rf"^(\d+)\. {re.escape(title)}$", self.shown, re.MULTILINE)
        assert numbers, (title, self.shown)
        return self.says(numbers[-1])


def first_line(name: str, **variables: str) -> str:
    rendered = runtime.renderer().render(name, "en", "whatsapp", variables)
    assert rendered is not None, name
    return str(rendered["text"]).strip().split("\n")[0]


def choice(value: str) -> str:
    return f'/report{{"report_choice": "{value}"}}'


def report_anonymously(me: WhatsApp) -> tuple[str, str]:
    assert first_line("utter_report") in me.says("I want to make a report")
    assert first_line("utter_ask_report_kind") in me.picks("utter_report", "/affirm")
    me.picks("utter_ask_report_kind", choice("fraud"))
    assert first_line("utter_report_what_happened_more") in me.says(STORY)
    assert first_line("utter_ask_report_when") in me.picks(
        "utter_report_what_happened_more", "/skip"
    )
    assert first_line("utter_ask_report_where") in me.says("yesterday")
    assert first_line("utter_ask_report_involved") in me.says("Rabat")
    me.picks("utter_ask_report_involved", "/skip")
    witnesses = first_line("utter_ask_report_witnesses")
    assert "Added to your report" in me.sends_photo(until=witnesses[:30])
    me.picks("utter_ask_report_witnesses", "/skip")
    me.picks("utter_ask_report_spoke_to", choice("neither"))
    summary = me.picks("utter_ask_report_contact", choice("anonymous"))
    assert STORY[:40] in summary, summary
    return receipt_in(me.picks("utter_report_summary", choice("send")))


def check_status(me: WhatsApp, code: str, passphrase: str) -> str:
    me.says("I made a report last week, is there any news?")
    assert first_line("utter_ask_status_passphrase") in me.says(format_code(code))
    return me.says(passphrase)


def hand_over(me: WhatsApp) -> None:
    asked = me.says("I want to talk to a real person now")
    assert "?" in asked, asked
    me.says("yes")  # the consent
    me.says("no")  # no phone number for the advisor
    me.sends_photo(until="I passed your")  # the same photo, to the advisor


# --- reading the databases raw ----------------------------------------------------------


def tables(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        found = {}
        for name in names:
            cursor = db.execute(f'select * from "{name}"')
            found[name] = ([d[0] for d in cursor.description], cursor.fetchall())
    return found


def cells(found: dict[str, tuple[list[str], list[tuple]]]) -> Iterator[tuple[str, str, str]]:
    for table, (columns, rows) in found.items():
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    yield table, column, value.hex() if isinstance(value, bytes) else str(value)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.fixture(scope="module")
def reporters(servers: Servers, twilio_api: FakeTwilioApi) -> list[tuple[WhatsApp, str, str]]:
    done = []
    for _ in range(2):
        me = WhatsApp(servers, twilio_api)
        code, passphrase = report_anonymously(me)
        hand_over(me)  # the transcript covers the receipt message
        status = check_status(me, code, passphrase)
        assert first_line("utter_status_offer_information") in status, status
        done.append((me, code, passphrase))
    return done


def _databases(servers: Servers) -> list[Path]:
    main = Path(servers.env["DATABASE_URL"].removeprefix("sqlite:///"))
    return [main, servers.work / "conversations.db"]


def test_no_cell_of_either_database_holds_the_phone_number(servers, reporters):
    for path in _databases(servers):
        for table, column, value in cells(tables(path)):
            for me, _code, _passphrase in reporters:
                assert me.national not in digits(value), f"{path.name} {table}.{column}"


def test_no_plain_value_of_a_case_appears_on_the_conversation_side(servers, reporters):
    main, conversations = _databases(servers)
    found = tables(main)
    columns, rows = found["cases"]
    assert len(rows) == len(reporters)
    linking = {"id", "code_digest", "passphrase_hash", "conversation_reference", "received_at"}
    values = {
        str(value)
        for row in rows
        for column, value in zip(columns, row, strict=True)
        if column in linking and value is not None
    }
    other = {t: v for t, v in found.items() if t not in CASE_SIDE}
    other.update(tables(conversations))
    for table, (other_columns, _rows) in other.items():
        assert not any("case" in column for column in other_columns), table
    for table, column, value in cells(other):
        if column == "id":
            continue  # a row number of its own table
        assert value not in values or value.isdigit() and len(value) < 3, f"{table}.{column}"


def test_no_conversation_value_appears_on_the_case_side(servers, reporters):
    """The other way round: a handoff's conversation reference or a conversation's sender id
    in a case-side table (cases, audit, the receipt tries) would join the two."""
    main, conversations = _databases(servers)
    found = tables(main)
    handoff_columns, handoff_rows = found["handoffs"]
    at = handoff_columns.index("conversation_ref")
    linking = {str(row[at]) for row in handoff_rows if row[at]}
    events_columns, event_rows = tables(conversations)["events"]
    sender_at = events_columns.index("sender_id")
    linking |= {str(row[sender_at]) for row in event_rows}
    assert linking
    case_side = {t: v for t, v in found.items() if t in CASE_SIDE}
    for table, column, value in cells(case_side):
        for link in linking:
            assert link not in value, f"{table}.{column} holds a conversation's reference"


def test_the_photo_with_the_report_and_the_advisors_copy_do_not_join(servers, reporters):
    main, conversations = _databases(servers)
    found = tables(main)
    case_columns, case_files = found["case_files"]
    assert len(case_files) == len(reporters)
    columns, rows = found["evidence_files"]
    handed = [dict(zip(columns, row, strict=True)) for row in rows]
    assert len(handed) == len(reporters) and all(f["handoff_id"] for f in handed)
    kept = [dict(zip(case_columns, row, strict=True)) for row in case_files]
    assert {f["received_sha256"] for f in kept} == {hashlib.sha256(PHOTO).hexdigest()}
    # The advisor's copy: no fingerprint, and of its size only the power of two it is
    # stored at, which the case's exact sizes are not.
    for copy in handed:
        assert copy["received_sha256"] is None and copy["stored_sha256"] is None
        assert copy["received_size"] == copy["stored_size"] == 4096
    linking = ("id", "received_sha256", "stored_sha256", "received_size", "stored_size")
    values = {str(f[c]) for f in kept for c in linking if f[c] is not None}
    other = {t: v for t, v in found.items() if t not in CASE_SIDE and t != "evidence_chunks"}
    other.update(tables(conversations))
    for table, column, value in cells(other):
        assert value not in values, f"{table}.{column}"
    # The chunks name their file only; those of both copies look alike.
    chunk_columns, chunks = found["evidence_chunks"]
    lengths: dict[str, list[int]] = {}
    for row in chunks:
        chunk = dict(zip(chunk_columns, row, strict=True))
        lengths.setdefault(chunk["file_id"], []).append(len(chunk["token"]))
    assert len({tuple(sizes) for sizes in lengths.values()}) == 1


def fernet_times(found: dict[str, tuple[list[str], list[tuple]]]) -> Iterator[tuple[str, int]]:
    """The time in every Fernet token of these tables (urlsafe base64 of: version byte
    0x80, then the time)."""
    for table, (columns, rows) in found.items():
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
                if not (isinstance(text, str) and text.startswith("gAAAAA")):
                    continue
                try:
                    raw = base64.urlsafe_b64decode(text)
                except (binascii.Error, ValueError):
                    continue
                if len(raw) > 9 and raw[0] == 0x80:
                    yield f"{table}.{column}", struct.unpack(">Q", raw[1:9])[0]


def test_no_token_in_either_database_says_when_it_was_written(servers, reporters):
    """Fernet writes the moment of encryption into each token: a case's report would give
    the second it was sent, to be matched with the conversation's."""
    main, conversations = _databases(servers)
    times = [*fernet_times(tables(main)), *fernet_times(tables(conversations))]
    places = {place for place, _ in times}
    assert {"cases.what_happened", "events.data", "evidence_chunks.token"} <= places, places
    assert [(place, at) for place, at in times if at != 0] == []


def test_anonymous_cases_keep_days_only(servers, reporters):
    main, _ = _databases(servers)
    with sqlite3.connect(main) as db:
        times = db.execute("select received_at, acknowledgement_due from cases").fetchall()
        times += db.execute(
            "select at, null from audit_entries where actor = 'reporter'"
        ).fetchall()
    stamps = [str(t) for row in times for t in row if t is not None]
    assert len(stamps) >= 2 * len(reporters)
    assert all(re.search(r"\b00:00:00(\.0+)?\b", t) for t in stamps), stamps


def test_the_files_are_owner_only(servers, reporters):
    for path in _databases(servers):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    state = Path(servers.env["VM_STATE_DIR"])
    assert stat.S_IMODE(state.stat().st_mode) == 0o700


def test_with_the_key_the_conversations_and_transcripts_hold_no_receipt(servers, reporters):
    state = Path(servers.env["VM_STATE_DIR"])
    with overridden({"VM_STATE_DIR": str(state)}):
        cipher = TextCipher(load_keys(state))
        with sqlite3.connect(servers.work / "conversations.db") as db:
            events = [cipher.decrypt(row[0]) for row in db.execute("select data from events")]
        runtime.reset()
        database = Database(servers.env["DATABASE_URL"], migrate=False)
        try:
            with database.session() as session:
                handoffs = list_handoffs(session, statuses=("new",))
        finally:
            database.dispose()
            runtime.reset()
    assert len(handoffs) >= len(reporters)
    transcripts = [json.dumps([e.text for e in h.transcript]) for h in handoffs]
    stored = "\n".join(events + transcripts)
    assert "[receipt shown]" in stored  # the message was there, without its content
    for me, code, passphrase in reporters:
        assert code not in digits(stored)
        assert passphrase not in stored and passphrase.replace(" ", "") not in stored
        assert me.address not in stored and me.national not in digits(stored)
    assert STORY in "\n".join(events)  # what the reporter wrote is kept, encrypted
    # The photo was sent in the conversation, but the case's copy is not named there.
    assert "/share_file" in stored
    columns, case_files = tables(_databases(servers)[0])["case_files"]
    ids = [str(row[columns.index("id")]) for row in case_files]
    assert ids and not any(file_id in stored for file_id in ids)
