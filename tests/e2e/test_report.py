"""End to end: making a report and following it with the receipt, over the REST channel
against the real Rasa server and action server, in several languages; what is stored is
checked in the database the servers use, and the logs are checked for report text."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot import runtime
from tests.support.replies import receipt_in
from tests.support.servers import ROOT, Servers

pytestmark = pytest.mark.e2e

KIND = '/report{{"report_choice": "{}"}}'
# Sentences that must never appear in a log or, in plain text, in the database.
SECRET = "The deputy head of mission keeps the zebra-7731 visa fees in his desk drawer."


def expected(name: str, language: str, **variables: str) -> str:
    return runtime.renderer().render(name, language, "rest", variables)["text"]


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def new_sender() -> str:
    return f"e2e-report-{uuid.uuid4().hex[:10]}"


def database(servers: Servers) -> Path:
    return Path(servers.env["DATABASE_URL"].removeprefix("sqlite:///"))


def cases_stored(servers: Servers) -> int:
    path = database(servers)
    if not path.exists():
        return 0
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if "cases" not in tables:
            return 0
        return connection.execute("SELECT count(*) FROM cases").fetchone()[0]


def coordinator(servers: Servers, *arguments: str) -> str:
    """A coordinator's command (python -m bot.cli cases ...) on the servers' database."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "cases", *arguments],
        cwd=ROOT,
        env=servers.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def make_report(
    servers: Servers,
    me: str,
    language: str,
    opening: str,
    story: list[str],
    when: str,
    where: str,
    contact: list[str],
) -> tuple[str, str]:
    """The whole form, as a reporter goes through it; returns the receipt."""
    assert texts(servers.say(me, opening)) == [expected("utter_report", language)]
    started = texts(servers.say(me, "/affirm"))
    if started == [expected("utter_ask_report_kind", language)]:
        started = texts(servers.say(me, KIND.format("fraud")))
        assert started == [expected("utter_report_what_happened_first", language)]
    else:  # the opening named it ("a report of fraud"): taken over and said back
        label = (runtime.renderer().phrase("report_kind_fraud", language) or "").split(",")[0]
        assert started == [
            expected("utter_report_understood", language, choice=label.strip()),
            expected("utter_report_what_happened_first", language),
        ]
    for part in story:
        assert texts(servers.say(me, part)) == [
            expected("utter_report_what_happened_more", language)
        ]
    assert texts(servers.say(me, "/skip")) == [expected("utter_ask_report_when", language)]
    assert texts(servers.say(me, when)) == [expected("utter_ask_report_where", language)]
    assert texts(servers.say(me, where)) == [expected("utter_ask_report_involved", language)]
    assert texts(servers.say(me, "/skip")) == [expected("utter_ask_report_witnesses", language)]
    assert texts(servers.say(me, "/skip")) == [expected("utter_ask_report_spoke_to", language)]
    assert texts(servers.say(me, KIND.format("neither"))) == [
        expected("utter_ask_report_contact", language)
    ]
    for answer in contact[:-1]:
        servers.say(me, answer)
    summary = texts(servers.say(me, contact[-1]))
    if contact[-1] == KIND.format("anonymous"):
        # Choosing anonymity is told what it does not protect, before the summary.
        caveat = summary.pop(0)
        assert caveat == expected("utter_report_anonymous_caveat", language), caveat
    assert len(summary) == 1 and story[0][:40] in summary[0], summary
    before = cases_stored(servers)
    received = texts(servers.say(me, KIND.format("send")))
    assert len(received) == 1
    code, passphrase = receipt_in(received[0])
    assert received[0] == expected(
        "utter_report_received",
        language,
        code=" ".join(code[i : i + 4] for i in range(0, 16, 4)),
        passphrase=passphrase,
    )
    assert cases_stored(servers) == before + 1
    assert servers.slot(me, "report_description") is None  # the text is not kept in slots
    return code, passphrase


def test_dutch_anonymous_report_and_the_receipt_opens_it(servers: Servers):
    me = new_sender()
    code, passphrase = make_report(
        servers,
        me,
        "nl",
        "ik wil een melding maken",
        ["Mijn chef neemt geld uit de kas van de visumafdeling.", "Dat doet hij elke vrijdag."],
        "gisteren",
        "Rabat",
        [KIND.format("anonymous")],
    )
    show = coordinator(servers, "show", "1", "--by", "tester")
    assert (
        "Mijn chef neemt geld uit de kas van de visumafdeling.\nDat doet hij elke vrijdag." in show
    )
    assert "RAB" in show

    # Weeks later: the coordinator answered; the reporter reads it and adds something.
    coordinator(servers, "reply", "1", "--by", "A. Jansen", "--text", "Dank je, we kijken ernaar.")
    other_device = new_sender()
    replies = texts(
        servers.say(other_device, "ik heb 3 weken geleden een melding gedaan, is er al nieuws")
    )
    assert replies == [
        expected("utter_check_status", "nl"),
        expected("utter_ask_status_code", "nl"),
    ]
    dashed = "-".join(code[i : i + 4] for i in range(0, 16, 4))
    assert texts(servers.say(other_device, dashed)) == [
        expected("utter_ask_status_passphrase", "nl")
    ]
    status = texts(servers.say(other_device, passphrase))
    assert len(status) == 4, status
    assert status[0] == expected(
        "utter_status_overview", "nl", date=status[0].split("op ")[1][:10], status="ontvangen"
    )
    assert "Dank je, we kijken ernaar." in status[2]
    assert status[-1] == expected("utter_status_offer_information", "nl")
    assert servers.slot(other_device, "status_passphrase") is None
    assert texts(servers.say(other_device, "/affirm")) == [
        expected("utter_ask_status_information", "nl")
    ]
    assert texts(servers.say(other_device, "Hij deed het vandaag weer.")) == [
        expected("utter_status_information_added", "nl")
    ]
    assert "Hij deed het vandaag weer." in coordinator(servers, "show", "1", "--by", "tester")


def test_spanish_report_with_email_contact(servers: Servers):
    me = new_sender()
    make_report(
        servers,
        me,
        "es",
        "quiero poner una denuncia",
        ["El cónsul cobra dinero extra por cada visado que firma."],
        "la semana pasada",
        "en el consulado de Madrid",
        [KIND.format("email"), "testigo.demo@example.org"],
    )
    show = coordinator(servers, "show", str(cases_stored(servers)), "--by", "tester")
    assert "testigo.demo@example.org" in show and "email" in show


def test_arabic_report_with_phone_contact(servers: Servers):
    me = new_sender()
    make_report(
        servers,
        me,
        "ar",
        "اريد تقديم بلاغ عن احتيال",
        ["المدير يأخذ رسوم التأشيرات لنفسه كل أسبوع."],
        "رمضان الماضي",
        "السفارة في الرباط",
        [KIND.format("phone"), "+212 6 12 34 56 78"],
    )
    show = coordinator(servers, "show", str(cases_stored(servers)), "--by", "tester")
    assert "+212612345678" in show


def test_german_cancel_half_way_stores_nothing(servers: Servers):
    me = new_sender()
    before = cases_stored(servers)
    assert texts(servers.say(me, "ich möchte eine offizielle meldung machen")) == [
        expected("utter_report", "de")
    ]
    servers.say(me, "/affirm")
    servers.say(me, KIND.format("intimidation"))
    assert texts(servers.say(me, "Mein Vorgesetzter droht mir jeden Tag mit Kündigung.")) == [
        expected("utter_report_what_happened_more", "de")
    ]
    assert texts(servers.say(me, "abbrechen")) == [expected("utter_report_cancelled", "de")]
    assert cases_stored(servers) == before
    assert servers.slot(me, "report_description") is None
    assert servers.tracker(me)["active_loop"] in ({}, None) or not servers.tracker(me)[
        "active_loop"
    ].get("name")


def test_a_question_in_between_is_answered_and_the_form_goes_on(servers: Servers):
    me = new_sender()
    servers.say(me, "i want to file a report")
    servers.say(me, "/affirm")
    servers.say(me, KIND.format("bullying"))
    servers.say(me, "My manager mocks my accent in every meeting.")
    assert texts(servers.say(me, "/skip")) == [expected("utter_ask_report_when", "en")]
    assert texts(servers.say(me, "can I report without giving my name?")) == [
        expected("utter_anonymity", "en"),
        expected("utter_ask_report_when", "en"),
    ]
    assert texts(servers.say(me, "last Ramadan")) == [expected("utter_ask_report_where", "en")]
    assert texts(servers.say(me, "Qwxzyville")) == [
        expected("utter_report_unknown_post", "en"),
        expected("utter_ask_report_involved", "en"),
    ]
    assert texts(servers.say(me, "cancel")) == [expected("utter_report_cancelled", "en")]


def test_bad_input_gets_a_clear_answer_and_a_long_story_is_kept_whole(servers: Servers):
    me = new_sender()
    before = cases_stored(servers)
    servers.say(me, "i want to file a report")
    servers.say(me, "/affirm")
    servers.say(me, KIND.format("unsure"))
    junk = "".join(chr(c) for c in range(1, 32)) * 20 + "\ufffd" * 100
    assert texts(servers.say(me, junk)) == [
        expected("utter_report_problem_not_text", "en"),
        expected("utter_report_what_happened_first", "en"),
    ]
    long_story = (SECRET + " ") * 256  # about 20,000 characters
    assert 19_900 < len(long_story) <= 20_000
    assert texts(servers.say(me, long_story)) == [expected("utter_report_what_happened_more", "en")]
    assert texts(servers.say(me, "done")) == [expected("utter_ask_report_when", "en")]
    assert texts(servers.say(me, "yesterday")) == [expected("utter_ask_report_where", "en")]
    servers.say(me, "/skip")
    servers.say(me, "/skip")
    servers.say(me, "/skip")
    servers.say(me, "/skip")
    summary = texts(servers.say(me, KIND.format("anonymous")))
    assert len(summary[-1]) < 2_000  # the summary shows the start; the case keeps it all
    assert cases_stored(servers) == before
    servers.say(me, KIND.format("send"))
    assert cases_stored(servers) == before + 1
    show = coordinator(servers, "show", str(before + 1), "--by", "tester")
    assert long_story.strip() in show

    # Nothing of it in plain text in the database file or in any log.
    path = database(servers)
    for stored in path.parent.glob(path.name + "*"):  # the file and its write-ahead log
        assert SECRET.encode() not in stored.read_bytes(), stored.name
    assert "zebra-7731" not in servers.log_text()


def test_wrong_passphrase_is_refused_without_saying_which_and_five_lock(servers: Servers):
    me = new_sender()
    code, passphrase = make_report(
        servers,
        me,
        "en",
        "I want to file a formal report of fraud",
        ["The driver sells fuel from the embassy cars."],
        "2024-03-05",
        "Dakar",
        [KIND.format("anonymous")],
    )
    guesser = new_sender()

    def attempt(code_text: str, words: str) -> list[str]:
        servers.say(guesser, "/check_status")
        servers.say(guesser, code_text)
        return texts(servers.say(guesser, words))

    wrong_words = attempt(code, "apple river stone cloud lamp")
    wrong_code = attempt("1111 2222 3333 4444", passphrase)
    assert wrong_words == wrong_code == [expected("utter_status_invalid", "en")]
    for _ in range(3):
        attempt(code, "apple river stone cloud lamp")
    locked = attempt(code, passphrase)  # the right passphrase, but too late
    assert len(locked) == 1 and "UTC" in locked[0]
    assert locked[0].startswith(expected("utter_status_locked", "en", time="")[:30])
    assert "apple river" not in servers.log_text() and passphrase not in servers.log_text()


def test_unreadable_code_is_asked_again(servers: Servers):
    me = new_sender()
    servers.say(me, "/check_status")
    assert texts(servers.say(me, "my code is twelve")) == [
        expected("utter_status_code_unreadable", "en"),
        expected("utter_ask_status_code", "en"),
    ]
    assert texts(servers.say(me, "cancel")) == [expected("utter_status_cancelled", "en")]
