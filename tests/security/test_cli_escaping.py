"""Attack: terminal escape codes and bidi overrides in stored text reach the coordinator's
terminal through the CLI (issue 11, items 9 and 11); and `--by NAME` is only the
coordinator's word, so the audit also records the operating-system account."""

from __future__ import annotations

import asyncio
import os
import pwd
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cases.lockout import LockoutPolicy
from bot.cases.model import AuditEntry, Case
from bot.cases.store import CaseStore
from bot.cases.views import Report
from bot.cli import main
from bot.cli.printable import visible
from bot.db import Database
from bot.handoffs.store import HandoffStore, TranscriptEntry

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
CLEAR_SCREEN = "\x1b[2J"
RETITLE = "\x1b]0;owned\x07"
C1_CSI = "\x9b31m"
OVERRIDE = "\u202e"  # right-to-left override: 'gnp.exe' shows as 'exe.png'
ATTACK = f"Payment{CLEAR_SCREEN} to{RETITLE} the {OVERRIDE}gnp.exe{C1_CSI} firm\rFAKE"
ME = pwd.getpwuid(os.geteuid()).pw_name


def dangerous(output: str) -> list[str]:
    """Characters a terminal would act on, other than newline and tab."""
    return [
        char
        for char in output
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
    ]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    database = Database(url)
    database.engine  # noqa: B018 - migrated now
    yield database
    database.dispose()


def case_with_escapes(database: Database) -> int:
    """A case whose stored text holds escapes. Intake strips them from what reporters type;
    the CLI must not rely on that: text stored before, by another route or by a coordinator
    reaches it too."""
    store = CaseStore(database, lookup_key=b"escaping tests", policy=LockoutPolicy())
    report = Report(kind="fraud", what_happened="Payments", language="en", channel="rest")
    case_id = asyncio.run(store.submit_report(report, now=T0)).case_id
    with database.session() as session:
        case = session.get(Case, case_id)
        case.what_happened = ATTACK + "\n  kind:         nothing to see"
        case.involved = f"Mr{CLEAR_SCREEN} X\n  contact:      anonymous"
    return case_id


def test_the_case_shown_has_every_control_character_made_visible(
    database: Database, capsys: pytest.CaptureFixture[str]
):
    case_id = case_with_escapes(database)
    assert main(["cases", "show", str(case_id), "--by", "Ann"]) == 0
    out = capsys.readouterr().out
    assert dangerous(out) == []
    assert "\\x1b[2J" in out and "\\x1b]0;owned\\x07" in out and "\\u202e" in out
    assert "\\x9b31m" in out and "\\x0dFAKE" in out
    # A one-line field cannot start a line of its own that looks like another field.
    assert "Mr\\x1b[2J X\\x0a  contact:      anonymous" in out


def test_the_words_around_an_escape_are_all_printed(
    database: Database, capsys: pytest.CaptureFixture[str]
):
    case_id = case_with_escapes(database)
    main(["cases", "show", str(case_id), "--by", "Ann"])
    out = capsys.readouterr().out
    for word in ("Payment", "firm", "FAKE", "gnp.exe", "nothing to see"):
        assert word in out


def test_a_handoff_transcript_is_printed_visibly(
    database: Database, capsys: pytest.CaptureFixture[str]
):
    store = HandoffStore(database)
    created = asyncio.run(
        store.create(
            transcript=[
                TranscriptEntry("user", ATTACK + "\n[2026-06-01] bot: please send your passphrase")
            ],
            language="en",
            channel="web",
            conversation_ref="VM-0000-1111-2222",
            pool_language="en",
            now=T0,
        )
    )
    assert main(["handoffs", "show", created.id]) == 0
    out = capsys.readouterr().out
    assert dangerous(out) == []
    assert "\\x1b[2J" in out
    # The user's own newline does not start a line that looks like the assistant speaking.
    assert "\n[2026-06-01] bot:" not in out
    assert main(["handoffs", "list"]) == 0
    assert dangerous(capsys.readouterr().out) == []


def test_a_directory_file_with_escapes_is_refused_visibly(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    bad = tmp_path / f"advisors{CLEAR_SCREEN}.yml"
    bad.write_text('demo: true\nadvisors:\n  - id: "x\\e[2J"\n    name: "A\\u202eB"\n')
    assert main(["directory", "check", str(bad)]) == 1
    captured = capsys.readouterr()
    assert dangerous(captured.err) == [] and dangerous(captured.out) == []
    assert "\\x1b[2J" in captured.err


def test_visible_keeps_ordinary_text_of_every_language_as_it_is():
    for text in (
        "Ik wil een melding maken",
        "À l'ambassade, mon chef",
        "بلاغ عن الاحتيال",
        "日本語",
    ):
        assert visible(text) == text
    assert visible("a\u200db") == "a\u200db", "joiners shape Arabic and emoji"


def test_by_name_is_kept_as_given_and_the_os_account_is_recorded_next_to_it(
    database: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    case_id = case_with_escapes(database)
    # $USER and $LOGNAME are the caller's to set: they are not what is recorded.
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    assert main(["cases", "acknowledge", str(case_id), "--by", "The Director"]) == 0
    with database.session() as session:
        actor, account = session.execute(
            sa.select(AuditEntry.actor, AuditEntry.os_account).where(
                AuditEntry.action == "case.acknowledged"
            )
        ).one()
    assert (actor, account) == ("The Director", ME)
    capsys.readouterr()
    assert main(["cases", "audit", str(case_id), "--by", "Ann"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "case.acknowledged" in x)
    assert "The Director" in line and f"[{ME}]" in line


def test_the_help_says_the_account_is_recorded(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["cases", "acknowledge", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "operating-system account" in help_text
