"""The case store, as reporters and the coordinator meet it: reports stored encrypted, the
lifecycle and the legal clock, follow-up with a receipt and its lockout, bad input, and the
coordinator's commands."""

from __future__ import annotations

import asyncio
import io
import logging
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot import encryption, runtime
from bot.cases.coordinator import acknowledge, case_detail, change_status, list_cases, reply
from bot.cases.intake import InvalidReport, append_description, contact_details, parse_when
from bot.cases.lockout import LockoutPolicy
from bot.cases.model import (
    AuditEntry,
    CaseStoreError,
    Deadline,
    InvalidTransition,
    StorageUnavailable,
    add_months,
)
from bot.cases.store import CaseStore
from bot.cases.views import Receipt, Refused, Report, StatusView
from bot.cli import main
from bot.db import Database

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
SENTENCE = "The deputy head of mission takes the embassy Land Cruiser to his beach house in Kribi"
NAME = "Evert Scholten-Brinkman"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cases.db"


@pytest.fixture
def database(db_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{db_path}"
    monkeypatch.setenv("DATABASE_URL", url)  # the CLI finds the same database
    database = Database(url)
    database.engine  # noqa: B018 - creates the schema now, so the raw checks find the tables
    yield database
    database.dispose()


@pytest.fixture
def store(database: Database) -> CaseStore:
    return CaseStore(database, lookup_key=b"lookup key for tests", policy=LockoutPolicy())


def report(**fields) -> Report:
    values = dict(
        kind="misuse_of_power",
        what_happened=SENTENCE,
        language="en",
        channel="rest",
        when="last Ramadan",
        where="the residence in Yaounde",
        post_code="YAO",
        involved=NAME,
        witnesses="the driver saw it",
        spoke_to="advisor",
        contact="email",
        contact_details="reporter.private@example.org",
        conversation_reference="VM-0A1B-2C3D-4E5F",
    )
    values.update(fields)
    return Report(**values)


def submit(store: CaseStore, now: datetime = T0, **fields) -> Receipt:
    return asyncio.run(store.submit_report(report(**fields), now=now))


def check(store: CaseStore, code: str, passphrase: str, sender: str | None, now: datetime):
    return asyncio.run(store.check_status(code, passphrase, sender, now=now))


def coordinator(database: Database, work):
    with database.session() as session:
        return work(session)


def cli(*argv: str, capsys: pytest.CaptureFixture, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- storing a report -----------------------------------------------------------------------


def test_a_report_is_stored_before_the_receipt_is_given_and_reads_back_whole(store, database):
    receipt = submit(store)
    # A new connection sees the case: it was committed before the receipt came back.
    with sqlite3.connect(database.url.removeprefix("sqlite:///")) as raw:
        assert raw.execute("SELECT status FROM cases WHERE id = ?", (receipt.case_id,)).fetchone()
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.what_happened == SENTENCE
    assert case.involved == NAME
    assert case.when_words == "last Ramadan" and case.occurred_on is None
    assert case.post_code == "YAO" and case.where_words == "the residence in Yaounde"
    assert case.contact_details == "reporter.private@example.org"
    assert case.status == "received" and case.status_times["received"] == T0
    assert case.conversation_reference == "VM-0A1B-2C3D-4E5F"


def test_the_receipt_is_a_grouped_code_and_five_words(store):
    receipt = submit(store)
    assert len(receipt.code) == 16 and receipt.code.isdigit()
    assert receipt.display_code.count(" ") == 3
    assert len(receipt.passphrase.split()) == 5


def test_a_report_sent_again_after_its_receipt_was_lost_is_stored_once(store, database):
    """The action server stored it and died before it answered: the same sending again
    keeps that case and gives it a new receipt, the one the reporter will have."""
    lost = asyncio.run(store.submit_report(report(), now=T0, submission="rest:a\n1.5\nm1"))
    again = asyncio.run(
        store.submit_report(report(), now=T0 + timedelta(minutes=1), submission="rest:a\n1.5\nm1")
    )
    assert again.case_id == lost.case_id
    with sqlite3.connect(database.url.removeprefix("sqlite:///")) as raw:
        assert raw.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    later = T0 + timedelta(days=1)
    assert isinstance(check(store, again.code, again.passphrase, None, later), StatusView)
    assert not isinstance(check(store, lost.code, lost.passphrase, None, later), StatusView)
    audit = coordinator(database, lambda s: s.query(AuditEntry.action).all())
    assert [a for (a,) in audit if a.startswith("report.")] == [
        "report.submitted",
        "report.receipt_renewed",
    ]
    # Another report of the same conversation (started later) is another case.
    other = asyncio.run(store.submit_report(report(), now=T0, submission="rest:a\n9.5\nm7"))
    assert other.case_id != lost.case_id


def test_an_anonymous_report_keeps_no_contact_and_no_link_to_the_conversation(store, database):
    receipt = submit(store, contact="anonymous", contact_details="someone@example.org")
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.contact == "anonymous"
    assert case.contact_details is None
    assert case.conversation_reference is None


def test_an_unknown_place_keeps_the_words_without_a_post(store, database):
    receipt = submit(store, where="the consulate in Atlantis", post_code=None)
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert (case.where_words, case.post_code) == ("the consulate in Atlantis", None)


def test_when_the_date_can_be_read_it_is_kept_next_to_the_words(store, database):
    receipt = submit(store, when="yesterday around noon")
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.when_words == "yesterday around noon"
    assert (case.occurred_on, case.occurred_precision) == (date(2026, 3, 1), "day")


def test_a_20000_character_description_is_stored_whole(store, database):
    long_text = ("Every week the same thing happens at the post. " * 450)[:20_000]
    assert len(long_text) == 20_000
    receipt = submit(store, what_happened=long_text + "END")
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.what_happened == (long_text + "END").strip()
    assert len(case.what_happened) == 20_003


@pytest.mark.parametrize(
    "junk",
    [
        bytes(range(256)).decode("latin-1"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(200, 256)) * 8).decode("utf-8", "replace"),
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08",
    ],
    ids=["all-bytes", "png-as-utf8", "controls"],
)
def test_binary_junk_is_refused_and_nothing_is_stored(store, database, junk):
    with pytest.raises(InvalidReport) as refused:
        submit(store, what_happened=junk)
    assert (refused.value.field, refused.value.reason) == ("what_happened", "not_text")
    with sqlite3.connect(database.url.removeprefix("sqlite:///")) as raw:
        assert raw.execute("SELECT count(*) FROM cases").fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM audit_entries").fetchone() == (0,)


def test_stray_control_characters_are_cleaned_from_an_otherwise_good_text(store, database):
    receipt = submit(store, what_happened="He shouted\x00 at me\x07 in front of\r\neveryone")
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.what_happened == "He shouted at me in front of\neveryone"


@pytest.mark.parametrize(
    "fields, field, reason",
    [
        ({"what_happened": "   "}, "what_happened", "empty"),
        ({"what_happened": "x" * 50_001}, "what_happened", "too_long"),
        ({"kind": "murder"}, "kind", "unknown_choice"),
        ({"contact": "pigeon"}, "contact", "unknown_choice"),
        (
            {"contact": "email", "contact_details": "not an address"},
            "contact_details",
            "invalid_email",
        ),
        ({"contact": "phone", "contact_details": "12"}, "contact_details", "invalid_phone"),
        ({"spoke_to": "my cat"}, "spoke_to", "unknown_choice"),
        ({"language": "ha"}, "language", "unknown_choice"),
        ({"involved": b"\x00\x01"}, "involved", "not_text"),
    ],
)
def test_bad_answers_are_refused_with_the_field_and_reason(store, database, fields, field, reason):
    with pytest.raises(InvalidReport) as refused:
        submit(store, **fields)
    assert (refused.value.field, refused.value.reason) == (field, reason)
    assert coordinator(database, lambda s: list_cases(s, "Ann", T0)) == []


def test_the_database_being_unavailable_is_a_clear_error_not_a_half_stored_case(tmp_path):
    # A database without the schema: every write fails.
    broken = Database(f"sqlite:///{tmp_path / 'empty.db'}", migrate=False)
    store = CaseStore(broken, lookup_key=b"k", policy=LockoutPolicy())
    with pytest.raises(StorageUnavailable):
        submit(store)
    broken.dispose()


# --- encryption at rest and in logs -----------------------------------------------------------


def _raw_database_bytes(db_path: Path) -> bytes:
    """The database file and its write-ahead log, as they lie on disk."""
    return b"".join(
        path.read_bytes()
        for path in (db_path, db_path.with_name(db_path.name + "-wal"))
        if path.exists()
    )


def test_no_report_text_is_in_the_database_file(store, database, db_path):
    receipt = submit(store, when="during the national day reception")
    view = check(store, receipt.code, receipt.passphrase, "VM-0A1B-2C3D-4E5F", T0)
    asyncio.run(
        store.add_information(view.follow_up, "He also used the fuel card", "VM-0A1B-2C3D-4E5F", T0)
    )
    coordinator(
        database,
        lambda s: reply(s, receipt.case_id, "Thank you, we are looking into the car", "Ann", T0),
    )
    database.dispose()
    stored = _raw_database_bytes(db_path)
    assert b"Land Cruiser" in SENTENCE.encode()  # the check below looks for real words
    for secret in (
        SENTENCE,
        "Land Cruiser",
        "beach house",
        NAME,
        "Scholten",
        "national day reception",
        "the residence in Yaounde",
        "the driver saw it",
        "reporter.private@example.org",
        "fuel card",
        "looking into the car",
        receipt.code,
        receipt.passphrase,
    ):
        assert secret.encode("utf-8") not in stored, f"{secret!r} is readable in the database"
    with sqlite3.connect(db_path) as raw:
        token = raw.execute("SELECT what_happened FROM cases").fetchone()[0]
    assert token.startswith("gAAAA"), "a Fernet token"


def test_no_report_text_reaches_the_logs(store, database, caplog):
    caplog.set_level(logging.DEBUG)
    receipt = submit(store)
    view = check(store, receipt.display_code, receipt.passphrase, "VM-0A1B-2C3D-4E5F", T0)
    check(store, receipt.display_code, "wrong words here", "VM-0A1B-2C3D-4E5F", T0)
    asyncio.run(store.add_information(view.follow_up, "He also used the fuel card", "VM-1", T0))
    coordinator(database, lambda s: reply(s, receipt.case_id, "We read it", "Ann", T0))
    assert "case" in caplog.text, "the store does log what it does"
    for secret in (SENTENCE, NAME, "reporter.private", "fuel card", "We read it"):
        assert secret not in caplog.text
    assert receipt.passphrase not in caplog.text
    assert receipt.code not in caplog.text.replace(" ", "")


def test_key_rotation_old_text_stays_readable_and_reencrypt_frees_the_old_key(
    store, database, monkeypatch, capsys
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def use_keys(*keys: str) -> None:
        monkeypatch.setenv("VM_ENCRYPTION_KEYS", ",".join(keys))
        runtime.reset()
        database.dispose()

    def what_happened(case_id: int) -> str:
        return coordinator(database, lambda s: case_detail(s, case_id, "Ann", T0)).what_happened

    use_keys(old)
    first = submit(store)
    use_keys(new, old)  # step 1: the new key first, the old one kept
    assert what_happened(first.case_id) == SENTENCE
    second = submit(store, what_happened="Written after the new key came")
    assert what_happened(second.case_id) == "Written after the new key came"

    # No conversation store here (tests/security/test_key_rotation.py rotates one too).
    none = "no-endpoints.yml"
    code, out, err = cli("db", "reencrypt", "--endpoints", none, capsys=capsys)  # step 2
    assert code == 0, err
    assert "cases.what_happened: 2 rewritten" in out

    use_keys(new)  # step 3: the old key removed
    assert what_happened(first.case_id) == SENTENCE
    assert what_happened(second.case_id) == "Written after the new key came"
    use_keys(old)  # and the old key alone no longer opens anything
    with pytest.raises(encryption.EncryptionKeyError):
        what_happened(first.case_id)


def test_reencrypt_without_the_old_key_says_what_to_do(store, database, monkeypatch, capsys):
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runtime.reset()
    submit(store)
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runtime.reset()
    code, _out, err = cli("db", "reencrypt", "--endpoints", "no-endpoints.yml", capsys=capsys)
    assert code == 1
    assert "put the old key back" in err


# --- the lifecycle and the legal clock ------------------------------------------------------


def test_the_lifecycle_with_a_time_for_each_step(store, database):
    receipt = submit(store)
    steps = [
        ("acknowledged", T0 + timedelta(days=2)),
        ("in_assessment", T0 + timedelta(days=3)),
        ("under_investigation", T0 + timedelta(days=10)),
        ("closed", T0 + timedelta(days=60)),
    ]
    for status, at in steps:
        coordinator(
            database,
            lambda s, status=status, at=at: change_status(s, receipt.case_id, status, "Ann", at),
        )
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.status == "closed"
    for status, at in steps:
        assert case.status_times[status] == at
    assert case.status_times["referred"] is None


@pytest.mark.parametrize(
    "path, refused",
    [
        ([], "closed"),
        ([], "in_assessment"),
        (["acknowledged"], "referred"),
        (["acknowledged"], "received"),
        (["acknowledged", "in_assessment", "referred"], "under_investigation"),
        (["acknowledged", "in_assessment", "referred", "closed"], "in_assessment"),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(store, database, path, refused):
    receipt = submit(store)
    for status in path:
        coordinator(
            database,
            lambda s, status=status: change_status(s, receipt.case_id, status, "Ann", T0),
        )
    with pytest.raises(InvalidTransition) as error:
        coordinator(database, lambda s: change_status(s, receipt.case_id, refused, "Ann", T0))
    assert f"cannot become '{refused}'" in str(error.value)
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.status == (path[-1] if path else "received")


def test_acknowledgement_is_due_seven_days_after_receipt_and_overdue_after(store, database):
    receipt = submit(store)

    def deadline(now: datetime) -> Deadline:
        [summary] = coordinator(database, lambda s: list_cases(s, "Ann", now))
        return summary.deadline

    assert deadline(T0 + timedelta(days=6)) == Deadline(
        "acknowledgement", T0 + timedelta(days=7), overdue=False
    )
    assert deadline(T0 + timedelta(days=7, minutes=1)).overdue
    assert "OVERDUE by 2 days" in deadline(T0 + timedelta(days=9)).describe(T0 + timedelta(days=9))
    assert (
        coordinator(
            database,
            lambda s: list_cases(s, "Ann", T0 + timedelta(days=6), overdue_only=True),
        )
        == []
    )
    [late] = coordinator(
        database, lambda s: list_cases(s, "Ann", T0 + timedelta(days=8), overdue_only=True)
    )
    assert late.id == receipt.case_id


def test_feedback_is_due_three_months_after_acknowledgement(store, database):
    receipt = submit(store)
    acknowledged = T0 + timedelta(days=3)  # 5 March
    coordinator(database, lambda s: acknowledge(s, receipt.case_id, "Ann", acknowledged))
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.feedback_due == datetime(2026, 6, 5, 9, 0, tzinfo=timezone.utc)
    assert case.deadline == Deadline("feedback", case.feedback_due, overdue=False)
    later = case.feedback_due + timedelta(hours=1)
    detail = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", later))
    assert detail.deadline.overdue
    # The feedback itself stops the clock.
    coordinator(
        database,
        lambda s: reply(s, receipt.case_id, "We referred it", "Ann", later, feedback=True),
    )
    detail = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", later))
    assert detail.deadline is None and detail.feedback_given_at == later


def test_without_acknowledgement_feedback_runs_from_the_end_of_the_seven_days(store, database):
    receipt = submit(store)
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.feedback_due == datetime(2026, 6, 9, 9, 0, tzinfo=timezone.utc)


def test_three_months_later_is_the_end_of_a_shorter_month():
    end_of_november = datetime(2026, 11, 30, tzinfo=timezone.utc)
    assert add_months(end_of_november, 3) == datetime(2027, 2, 28, tzinfo=timezone.utc)


def test_a_closed_case_has_no_running_deadline(store, database):
    receipt = submit(store)
    for status in ("acknowledged", "in_assessment", "referred", "closed"):
        coordinator(
            database,
            lambda s, status=status: change_status(s, receipt.case_id, status, "Ann", T0),
        )
    far = T0 + timedelta(days=400)
    [summary] = coordinator(database, lambda s: list_cases(s, "Ann", far))
    assert summary.deadline is None


def test_feedback_before_acknowledgement_is_refused(store, database):
    receipt = submit(store)
    with pytest.raises(CaseStoreError, match="acknowledge"):
        coordinator(database, lambda s: reply(s, receipt.case_id, "Hi", "Ann", T0, feedback=True))


# --- follow-up with the receipt ---------------------------------------------------------------


def test_the_right_code_and_passphrase_show_status_deadline_and_messages(store, database):
    receipt = submit(store)
    coordinator(database, lambda s: acknowledge(s, receipt.case_id, "Ann", T0 + timedelta(days=1)))
    coordinator(
        database,
        lambda s: reply(
            s, receipt.case_id, "Could you tell us which car?", "Ann", T0 + timedelta(days=1)
        ),
    )
    typed = "-".join(receipt.display_code.split())  # as written down: 4821-0937-...
    view = check(store, typed, receipt.passphrase.upper(), "VM-A", T0 + timedelta(days=2))
    assert isinstance(view, StatusView)
    assert view.status == "acknowledged"
    assert view.next_deadline.kind == "feedback"
    assert view.language == "en"
    assert [(m.text, m.new) for m in view.messages] == [("Could you tell us which car?", True)]
    again = check(store, receipt.code, receipt.passphrase, "VM-A", T0 + timedelta(days=3))
    assert [(m.text, m.new) for m in again.messages] == [("Could you tell us which car?", False)]
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.messages[0].read_by_reporter_at == T0 + timedelta(days=2)


def test_checking_a_receipt_leaves_the_event_loop_free(store):
    receipt = submit(store)

    async def ticks_during_check() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        await store.check_status(receipt.code, receipt.passphrase, "VM-A", T0)
        task.cancel()
        return ticks

    # scrypt takes a tenth of a second or more: a blocked loop would not tick at all.
    assert asyncio.run(ticks_during_check()) >= 5


def test_a_code_in_arabic_indic_digits_works(store):
    receipt = submit(store, language="ar")
    arabic = receipt.display_code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    view = check(store, arabic, receipt.passphrase, "VM-A", T0)
    assert isinstance(view, StatusView) and view.language == "ar"


def test_a_wrong_passphrase_and_a_wrong_code_get_the_same_answer(store):
    receipt = submit(store)
    other_code = f"{(int(receipt.code) + 1) % 10**16:016d}"
    wrong_passphrase = check(store, receipt.code, "maple tunnel quiz pebble orbit", "VM-A", T0)
    wrong_code = check(store, other_code, receipt.passphrase, "VM-B", T0)
    assert wrong_passphrase == wrong_code == Refused("invalid")


@pytest.mark.parametrize(
    "code",
    ["", "1234", "\x00\xff" * 40, "٤٨٢١ ٠٩٣٧", "x" * 20_000],
    ids=["empty", "short", "binary", "half-arabic", "huge"],
)
def test_junk_instead_of_a_code_is_refused_without_a_crash(store, code):
    submit(store)
    assert check(store, code, "\x00 junk", "VM-A", T0) == Refused("invalid")


def test_five_wrong_tries_on_a_code_lock_it_even_for_the_right_passphrase(store):
    receipt = submit(store)
    for attempt in range(4):  # from different senders: the code itself is counted
        answer = check(
            store, receipt.code, "wrong", f"VM-{attempt}", T0 + timedelta(minutes=attempt)
        )
        assert answer == Refused("invalid")
    fifth = T0 + timedelta(minutes=4)
    assert check(store, receipt.code, "wrong", "VM-4", fifth) == Refused(
        "locked", fifth + timedelta(minutes=30)
    )
    during = fifth + timedelta(minutes=29)
    assert check(store, receipt.code, receipt.passphrase, "VM-new", during).reason == "locked"
    after = fifth + timedelta(minutes=30, seconds=1)
    assert isinstance(check(store, receipt.code, receipt.passphrase, "VM-new", after), StatusView)


def test_five_wrong_tries_from_one_sender_lock_that_sender(store):
    mine = submit(store)
    for attempt in range(5):  # guessing other people's codes
        guess = f"{attempt:016d}"
        answer = check(store, guess, "some words", "VM-GUESSER", T0 + timedelta(minutes=attempt))
    assert answer.reason == "locked"
    # Now even the sender's own, right receipt is refused...
    during = T0 + timedelta(minutes=10)
    assert check(store, mine.code, mine.passphrase, "VM-GUESSER", during).reason == "locked"
    # ...while the code itself is not locked for anyone else,
    assert isinstance(check(store, mine.code, mine.passphrase, "VM-OTHER", during), StatusView)
    # and the sender may try again after the period.
    after = T0 + timedelta(minutes=35)
    assert isinstance(check(store, mine.code, mine.passphrase, "VM-GUESSER", after), StatusView)


def test_a_right_answer_does_not_clear_the_senders_count(store):
    mine = submit(store)
    for attempt in range(4):
        check(store, f"{attempt:016d}", "x", "VM-GUESSER", T0 + timedelta(minutes=attempt))
    assert isinstance(
        check(store, mine.code, mine.passphrase, "VM-GUESSER", T0 + timedelta(minutes=5)),
        StatusView,
    )
    assert check(store, "9" * 16, "x", "VM-GUESSER", T0 + timedelta(minutes=6)).reason == "locked"


def test_the_owner_answering_right_clears_the_count_on_their_code(store):
    receipt = submit(store)
    for attempt in range(4):  # typos from different devices
        check(store, receipt.code, "wrong", f"VM-{attempt}", T0 + timedelta(minutes=attempt))
    right = check(store, receipt.code, receipt.passphrase, "VM-X", T0 + timedelta(minutes=5))
    assert isinstance(right, StatusView)
    one_more = check(store, receipt.code, "wrong", "VM-Y", T0 + timedelta(minutes=6))
    assert one_more == Refused("invalid")


def test_wrong_tries_are_forgotten_after_the_period(store):
    receipt = submit(store)
    for attempt in range(4):
        check(store, receipt.code, "wrong", "VM-A", T0 + timedelta(minutes=attempt))
    later = T0 + timedelta(minutes=40)
    assert check(store, receipt.code, "wrong", "VM-A", later) == Refused("invalid")


def test_the_lock_survives_a_restart(store, database):
    receipt = submit(store)
    for attempt in range(5):
        check(store, receipt.code, "wrong", "VM-A", T0 + timedelta(minutes=attempt))
    database.dispose()
    restarted = CaseStore(Database(database.url), lookup_key=b"lookup key for tests")
    answer = check(restarted, receipt.code, receipt.passphrase, "VM-B", T0 + timedelta(minutes=6))
    assert answer.reason == "locked"
    restarted.database.dispose()


def test_the_lockout_period_is_configurable(monkeypatch):
    monkeypatch.setenv("VM_RECEIPT_LOCKOUT_MINUTES", "90")
    monkeypatch.setenv("VM_RECEIPT_MAX_FAILURES", "3")
    assert LockoutPolicy.from_environment() == LockoutPolicy(3, timedelta(minutes=90))


def test_the_reporter_adds_information_within_the_follow_up(store, database):
    receipt = submit(store)
    view = check(store, receipt.code, receipt.passphrase, "VM-A", T0)
    added = asyncio.run(
        store.add_information(view.follow_up, "It happened again today", "VM-A", T0)
    )
    assert added.sent_at == T0
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert [(m.author, m.text) for m in case.messages] == [("reporter", "It happened again today")]
    [summary] = coordinator(database, lambda s: list_cases(s, "Ann", T0))
    assert summary.reporter_messages == 1


def test_the_follow_up_is_for_that_sender_and_runs_out(store, database):
    receipt = submit(store)
    view = check(store, receipt.code, receipt.passphrase, "VM-A", T0)
    other_sender = asyncio.run(store.add_information(view.follow_up, "Hello", "VM-B", T0))
    too_late = asyncio.run(
        store.add_information(view.follow_up, "Hello", "VM-A", T0 + timedelta(minutes=31))
    )
    forged = asyncio.run(store.add_information("1.99999999999.abc", "Hello", "VM-A", T0))
    assert other_sender == too_late == forged == Refused("expired")
    case = coordinator(database, lambda s: case_detail(s, receipt.case_id, "Ann", T0))
    assert case.messages == ()


def test_added_information_that_is_junk_is_refused(store):
    receipt = submit(store)
    view = check(store, receipt.code, receipt.passphrase, "VM-A", T0)
    with pytest.raises(InvalidReport):
        asyncio.run(store.add_information(view.follow_up, "\x00\x01\x02\x03", "VM-A", T0))


# --- reading the answers to the form --------------------------------------------------------

TODAY = date(2026, 3, 12)  # a Thursday


@pytest.mark.parametrize(
    "words, language, parsed, precision",
    [
        ("yesterday", "en", date(2026, 3, 11), "day"),
        ("gisteren rond de lunch", "nl", date(2026, 3, 11), "day"),
        ("ayer por la tarde", "es", date(2026, 3, 11), "day"),
        ("vorgestern", "de", date(2026, 3, 10), "day"),
        ("avant-hier", "fr", date(2026, 3, 10), "day"),
        ("أمس", "ar", date(2026, 3, 11), "day"),
        ("أول أمس", "ar", date(2026, 3, 10), "day"),
        ("last week", "en", date(2026, 3, 2), "week"),
        ("la semana pasada", "es", date(2026, 3, 2), "week"),
        ("الأسبوع الماضي", "ar", date(2026, 3, 2), "week"),
        ("el mes pasado", "es", date(2026, 2, 1), "month"),
        ("2026-03-05", "en", date(2026, 3, 5), "day"),
        ("on 05/03/2026 at the party", "en", date(2026, 3, 5), "day"),
        ("٠٥/٠٣/٢٠٢٦", "ar", date(2026, 3, 5), "day"),
        ("hace 4 días", "es", date(2026, 3, 8), "day"),
        ("last Ramadan", "en", None, None),
        ("hier op kantoor", "nl", None, None),  # 'hier' is 'here' in Dutch
        ("31/02/2026", "en", None, None),
        ("12/12/2030", "en", None, None),  # in the future
    ],
)
def test_when_keeps_the_words_and_reads_the_date_it_can(words, language, parsed, precision):
    when = parse_when(words, TODAY, language)
    assert when.words == words
    assert (when.date, when.precision) == (parsed, precision)


def test_a_description_over_several_messages_is_joined():
    text = append_description(None, "He shouts at me.")
    text = append_description(text, "Every morning, in front of the team.")
    assert text == "He shouts at me.\nEvery morning, in front of the team."
    with pytest.raises(InvalidReport):
        append_description("x" * 49_990, "y" * 20)


def test_contact_details_are_checked_for_the_chosen_way():
    assert contact_details("phone", "+31 6 1234 5678") == "+31612345678"
    assert contact_details("phone", "0031 6 1234 5678") == "+31612345678"
    assert contact_details("phone", "0712 345678", region="KE") == "+254712345678"
    assert contact_details("email", "a.person@example.org") == "a.person@example.org"
    assert contact_details("anonymous", "a.person@example.org") is None
    with pytest.raises(InvalidReport):
        contact_details("phone", "0712 345678")  # which country?


# --- the coordinator's commands ----------------------------------------------------------------


def _audit_actions(database: Database, case_id: int) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(database.url.removeprefix("sqlite:///")) as raw:
        return raw.execute(
            "SELECT actor, action, detail FROM audit_entries WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()


def test_cli_lists_cases_with_their_deadline_state(store, capsys):
    first = submit(store, now=T0)
    second = submit(store, now=T0 + timedelta(days=5))
    code, out, _ = cli("cases", "list", "--by", "Ann", "--now", "2026-03-11T09:00", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert "OVERDUE by 2 days" in next(
        line for line in lines if line.split()[0] == str(first.case_id)
    )
    assert "due in 3 days" in next(line for line in lines if line.split()[0] == str(second.case_id))
    code, out, _ = cli("cases", "list", "--overdue", "--now", "2026-03-11T09:00", capsys=capsys)
    ids = [line.split()[0] for line in out.splitlines()[1:]]
    assert ids == [str(first.case_id)]
    assert SENTENCE not in out, "a list shows no report text"


def test_cli_shows_a_case_decrypted_and_audits_the_reading(store, database, capsys):
    receipt = submit(store)
    code, out, _ = cli("cases", "show", str(receipt.case_id), "--by", "Ann", capsys=capsys)
    assert code == 0
    assert SENTENCE in out and NAME in out and "reporter.private@example.org" in out
    assert "last Ramadan" in out and "YAO" in out
    assert ("Ann", "case.viewed", None) in _audit_actions(database, receipt.case_id)


def test_cli_acknowledge_status_reply_and_audit(store, database, capsys, monkeypatch):
    receipt = submit(store)
    case_id = str(receipt.case_id)
    assert cli("cases", "acknowledge", case_id, "--by", "Ann", capsys=capsys)[0] == 0
    code, out, _ = cli("cases", "status", case_id, "in assessment", "--by", "Bram", capsys=capsys)
    assert code == 0 and "in_assessment" in out
    code, _, err = cli("cases", "status", case_id, "closed", "--by", "Bram", capsys=capsys)
    assert code == 1 and "cannot become 'closed'" in err
    code, _, _ = cli(
        "cases",
        "reply",
        case_id,
        "--by",
        "Ann",
        "--text",
        "We have started an assessment.",
        capsys=capsys,
    )
    assert code == 0
    code, _, _ = cli(
        "cases",
        "reply",
        case_id,
        "--by",
        "Ann",
        "--feedback",
        capsys=capsys,
        stdin="It was referred to the director.\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    view = check(store, receipt.code, receipt.passphrase, "VM-A", T0 + timedelta(days=1))
    assert [m.text for m in view.messages] == [
        "We have started an assessment.",
        "It was referred to the director.",
    ]
    assert view.next_deadline is None, "feedback was given"

    assert _audit_actions(database, receipt.case_id) == [
        ("reporter", "report.submitted", "kind=misuse_of_power"),
        ("Ann", "case.acknowledged", "received->acknowledged"),
        ("Bram", "case.status_changed", "acknowledged->in_assessment"),
        ("Ann", "message.sent", None),
        ("Ann", "message.sent", "feedback"),
        ("reporter", "status.checked", "new_messages=2"),
    ]
    code, out, _ = cli("cases", "audit", case_id, "--by", "Carla", capsys=capsys)
    assert code == 0
    assert "Bram" in out and "acknowledged->in_assessment" in out
    assert "assessment." not in out, "the audit log holds no message text"
    assert _audit_actions(database, receipt.case_id)[-1] == ("Carla", "audit.viewed", None)


def test_cli_refuses_clearly(store, capsys):
    receipt = submit(store)
    code, _, err = cli("cases", "show", "999", "--by", "Ann", capsys=capsys)
    assert code == 1 and "no case 999" in err
    code, _, err = cli(
        "cases", "reply", str(receipt.case_id), "--by", "Ann", "--text", "  ", capsys=capsys
    )
    assert code == 1 and "empty" in err
    code, _, err = cli(
        "cases", "acknowledge", str(receipt.case_id), "--by", "reporter", capsys=capsys
    )
    assert code == 1 and "reserved" in err
    with pytest.raises(SystemExit):  # argparse: --by is required for changes
        main(["cases", "acknowledge", str(receipt.case_id)])
