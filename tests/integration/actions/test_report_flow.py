"""The report form and the status check, run as the action server runs them: rasa_sdk
trackers in, messages and slot events out, against a real case store on a temporary
SQLite database."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import func, select

from actions.language import ActionTrackLanguage
from actions.report import (
    ActionAskReportConfirm,
    ActionAskReportWhatHappened,
    ActionCancelReport,
    ActionStartReport,
    ActionSubmitReport,
)
from actions.report_form import AskReportKind, ValidateReportForm
from actions.status import (
    ActionAddInformation,
    ActionCheckStatus,
    ValidateInformationForm,
    ValidateStatusForm,
)
from bot import runtime
from bot.cases.coordinator import reply
from bot.cases.followup import SEALED_CODE_VALIDITY, open_sealed_code, seal_code
from bot.cases.model import Case, CaseMessage
from bot.cases.receipts import parse_code
from bot.cases.store import CaseStore
from bot.db import Database
from bot.report.form import (
    DONE,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_CONTACT_DETAILS,
    REPORT_DESCRIPTION,
    REPORT_INVOLVED,
    REPORT_KIND,
    REPORT_POST_CODE,
    REPORT_POST_COUNTRY,
    REPORT_SLOTS,
    REPORT_SPOKE_TO,
    REPORT_START,
    REPORT_SUBMITTED,
    REPORT_WHAT_HAPPENED,
    REPORT_WHEN,
    REPORT_WHERE,
    REPORT_WITNESSES,
    SEND,
    SKIPPED,
    STARTED,
)
from bot.report.status import (
    GAVE_UP,
    STATUS_CODE,
    STATUS_FOLLOW_UP,
    STATUS_INFORMATION,
    STATUS_PASSPHRASE,
)
from bot.security.redaction import RECEIPT, SECRET_MARK, is_sealed
from tests.support.servers import free_port
from tests.support.tracker import build_tracker, run_action
from tests.support.tracker import run_for_slots as run  # messages and the slots set

SENDER = "whatsapp:+212612345678"
DISTINCT = "the attaché took the visa fees home in a brown envelope"


@pytest.fixture()
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'cases.db'}")
    # The case store and the directory service are built around this database.
    with runtime.override(database=database):
        yield database
    database.dispose()


def cases_stored(database: Database) -> int:
    with database.session() as session:
        return session.execute(select(func.count(Case.id))).scalar_one()


def tracker(
    slots: Optional[dict] = None,
    text: str = "",
    intent: str = "inform",
    language: str = "en",
    form: Optional[str] = "report_form",
    **details: Any,
) -> Tracker:
    """A WhatsApp message in `language` while `form` runs; `slots` are the answers so far,
    `new_slots` the values the form just extracted from the message (what a validation
    action validates)."""
    if form == "report_form":
        # Past "shall we start?" unless a test says otherwise.
        slots = {REPORT_START: STARTED, **(slots or {})}
    return build_tracker(
        text,
        intent,
        slots=slots,
        language=language,
        detected={"code": language, "confidence": 0.9},
        sender=SENDER,
        channel="whatsapp",
        active_loop=form,
        **details,
    )


def said(messages: list[dict]) -> list[str]:
    return [m["response"] for m in messages]


def validate(domain: DomainDict, slot: str, value: Any, slots: Optional[dict] = None, **kw: Any):
    text = kw.pop("text", value if isinstance(value, str) else "")
    t = tracker(slots, text=text, new_slots={slot: value}, **kw)
    return run(ValidateReportForm(), t, domain)


def complete_report(**overrides: Any) -> dict:
    slots = {
        REPORT_KIND: "fraud",
        REPORT_WHAT_HAPPENED: DONE,
        REPORT_DESCRIPTION: DISTINCT,
        REPORT_WHEN: "last Ramadan",
        REPORT_WHERE: "Rabat",
        REPORT_POST_CODE: "RAB",
        REPORT_POST_COUNTRY: "MA",
        REPORT_INVOLVED: SKIPPED,
        REPORT_WITNESSES: "my colleague saw it",
        REPORT_SPOKE_TO: "neither",
        REPORT_CONTACT: "anonymous",
        REPORT_CONFIRM: SEND,
    }
    return {**slots, **overrides}


# --- asking and checking answers ------------------------------------------------------------


class TestKind:
    def test_a_button_is_taken_as_it_is(self, domain):
        _, slots = validate(domain, REPORT_KIND, "fraud")
        assert slots[REPORT_KIND] == "fraud"

    @pytest.mark.parametrize(
        "typed, language, kind",
        [
            ("Bullying", "en", "bullying"),
            ("acoso sexual", "es", "sexual_harassment"),
            ("weet ik niet", "nl", "unsure"),
            ("Fraude ou corruption", "fr", "fraud"),
            ("التمييز", "ar", "discrimination"),
        ],
    )
    def test_typed_labels_in_the_users_language_are_understood(self, domain, typed, language, kind):
        _, slots = validate(domain, REPORT_KIND, typed, language=language)
        assert slots[REPORT_KIND] == kind

    def test_words_that_fit_no_kind_are_kept_as_something_else(self, domain):
        messages, slots = validate(domain, REPORT_KIND, "purple elephants")
        assert slots[REPORT_KIND] == "other"
        assert slots[REPORT_DESCRIPTION] == "purple elephants"
        assert said(messages) == ["utter_report_kind_kept_as_other"]

    def test_the_question_offers_every_kind(self):
        messages, _ = run(AskReportKind(), tracker())
        assert said(messages) == ["utter_ask_report_kind"]
        buttons = runtime.content_store().response("utter_ask_report_kind", "en").buttons
        assert len(buttons) == 10 and buttons[-1].payload.endswith('"unsure"}')


class TestSaidBefore:
    def test_a_story_told_first_the_wish_for_anonymity_and_the_post_are_taken_over(self):
        events = [
            {
                "event": "user",
                "text": "o meu chefe pede-me dinheiro para renovar o meu contrato",
                "parse_data": {"intent": {"name": "share_experience"}},
            },
            {
                "event": "user",
                "text": "quero denunciar anonimamente",
                "parse_data": {"intent": {"name": "report"}},
            },
        ]
        t = tracker({"known_post": "RAB"}, language="pt", form=None, events=events)
        _, slots = run(ActionStartReport(), t)
        assert slots[REPORT_DESCRIPTION].startswith("o meu chefe pede-me dinheiro")
        assert slots[REPORT_CONTACT] == "anonymous"
        assert slots[REPORT_POST_CODE] == "RAB" and "Rabat" in slots[REPORT_WHERE]
        # Said back when the reporter says yes, and the story question asks for more.
        start = tracker({**slots, REPORT_START: None, "requested_slot": "report_start"},
                        text="sim", intent="affirm", language="pt",
                        new_slots={REPORT_START: "sim"})  # fmt: skip
        messages, started = run(ValidateReportForm(), start)
        assert started[REPORT_START] == STARTED
        assert "utter_report_story_kept" in said(messages)
        assert "utter_report_anonymous_kept" in said(messages)
        assert "utter_report_post_kept" in said(messages)

    def test_a_post_found_in_the_report_is_kept_for_an_advisor_search(self, domain):
        _, slots = validate(domain, REPORT_WHERE, "Rabat")
        assert slots[REPORT_POST_CODE] == "RAB" and slots["known_post"] == "RAB"


class TestWhatHappened:
    def test_several_messages_make_one_description_until_done(self, domain):
        kind = {REPORT_KIND: "bullying"}
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, "He shouted at me.", slots=kind)
        assert slots == {
            REPORT_WHAT_HAPPENED: None,
            REPORT_DESCRIPTION: "He shouted at me.",
            "requested_slot": REPORT_WHAT_HAPPENED,
        }
        so_far = {REPORT_KIND: "bullying", REPORT_DESCRIPTION: "He shouted at me."}
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, "Twice.", slots=so_far)
        assert slots[REPORT_DESCRIPTION] == "He shouted at me.\nTwice."
        so_far[REPORT_DESCRIPTION] = slots[REPORT_DESCRIPTION]
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, "klaar", slots=so_far, language="nl")
        assert slots[REPORT_WHAT_HAPPENED] == DONE
        assert REPORT_DESCRIPTION not in slots  # "done" is not part of the story
        assert slots["requested_slot"] == REPORT_WHEN

    def test_the_done_button_finishes(self, domain):
        so_far = {REPORT_DESCRIPTION: "Something happened."}
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, "/skip", slots=so_far, intent="skip")
        assert slots[REPORT_WHAT_HAPPENED] == DONE

    def test_done_before_anything_was_written_asks_again(self, domain):
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, "done")
        assert slots[REPORT_WHAT_HAPPENED] is None
        assert not slots.get(REPORT_DESCRIPTION)

    def test_a_long_description_is_kept_whole(self, domain):
        long_text = ("x" * 99 + " ") * 200  # 20,000 characters
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, long_text)
        assert slots[REPORT_DESCRIPTION] == long_text.strip()
        assert len(slots[REPORT_DESCRIPTION]) == 19_999

    def test_binary_junk_is_refused_and_nothing_is_added(self, domain):
        junk = bytes(range(256)).decode("latin-1") * 4
        so_far = {REPORT_DESCRIPTION: "First part."}
        messages, slots = validate(domain, REPORT_WHAT_HAPPENED, junk, slots=so_far)
        assert said(messages) == ["utter_report_problem_not_text"]
        assert REPORT_DESCRIPTION not in slots

    def test_a_question_steps_aside_once_and_the_form_then_asks_again(self, domain):
        question = {"requested_slot": REPORT_WHAT_HAPPENED}
        asked = tracker(question, text="is this anonymous?", intent="ask_anonymity",
                        new_slots={REPORT_WHAT_HAPPENED: "is this anonymous?"})  # fmt: skip
        _, events = run_action(ValidateReportForm(), asked, domain)
        assert events[-1]["event"] == "action_execution_rejected"
        # Back in the form after the answer: the same message is not an interruption again.
        back = tracker(question, text="is this anonymous?", intent="ask_anonymity")
        _, events = run_action(ValidateReportForm(), back, domain)
        assert "action_execution_rejected" not in [e["event"] for e in events]

    def test_a_short_cancel_leaves_the_form(self, domain):
        t = tracker(
            {"requested_slot": REPORT_WHAT_HAPPENED},
            text="stop",
            intent="cancel",
            new_slots={REPORT_WHAT_HAPPENED: "stop"},
        )
        _, events = run_action(ValidateReportForm(), t, domain)
        # The form steps aside (the cancel rule runs) and "stop" is not kept as the answer.
        assert [e["event"] for e in events] == ["slot", "action_execution_rejected"]
        assert events[0]["name"] == REPORT_WHAT_HAPPENED and events[0]["value"] is None

    @pytest.mark.parametrize(
        ("language", "typed"), [("nl", "verstuur"), ("en", "send it"), ("es", "enviar")]
    )
    def test_send_after_the_story_is_the_answer_even_when_read_as_cancel(
        self, domain, language, typed
    ):
        # "verstuur" was read as cancel (0.83) and dropped the whole report.
        t = tracker(
            {"requested_slot": REPORT_WHAT_HAPPENED, REPORT_DESCRIPTION: "mijn baas scheldt"},
            text=typed,
            intent="cancel",
            language=language,
            new_slots={REPORT_WHAT_HAPPENED: typed},
        )
        _, events = run_action(ValidateReportForm(), t, domain)
        assert "action_execution_rejected" not in [e["event"] for e in events]
        assert {"event": "slot", "name": REPORT_WHAT_HAPPENED, "value": DONE} in [
            {k: e.get(k) for k in ("event", "name", "value")} for e in events
        ]

    @pytest.mark.parametrize(
        ("language", "typed"),
        [("de", "seit anfang jahr"), ("en", "since january"), ("ar", "من بداية السنة")],
    )
    def test_a_date_read_as_cancel_is_the_answer_not_a_cancel(self, domain, language, typed):
        # "seit anfang jahr" at the question when it happened was read as cancel (0.91) and
        # threw the whole report away: a typed cancel must say a word of stopping.
        before = {"requested_slot": REPORT_WHEN, REPORT_KIND: "discrimination"}
        t = tracker(before, text=typed, intent="cancel", language=language,
                    new_slots={REPORT_WHEN: typed})  # fmt: skip
        _, events = run_action(ValidateReportForm(), t, domain)
        assert "action_execution_rejected" not in [e["event"] for e in events]
        assert {"event": "slot", "name": REPORT_WHEN, "value": typed} in [
            {k: e.get(k) for k in ("event", "name", "value")} for e in events
        ]

    @pytest.mark.parametrize(
        ("language", "typed"),
        [("de", "abbrechen bitte"), ("nl", "laat maar"), ("ar", "توقف"), ("fr", "stop")],
    )
    def test_a_typed_word_of_stopping_leaves_the_form(self, domain, language, typed):
        before = {"requested_slot": REPORT_WHEN, REPORT_KIND: "discrimination"}
        t = tracker(before, text=typed, intent="cancel", language=language,
                    new_slots={REPORT_WHEN: typed})  # fmt: skip
        _, events = run_action(ValidateReportForm(), t, domain)
        assert events[-1]["event"] == "action_execution_rejected"

    def test_a_story_that_reads_like_cancel_is_kept(self, domain):
        story = "he cancelled my leave and told everyone I was lying"
        before = {"requested_slot": REPORT_WHAT_HAPPENED, REPORT_KIND: "bullying"}
        _, slots = validate(domain, REPORT_WHAT_HAPPENED, story, before, intent="cancel")
        assert slots[REPORT_DESCRIPTION] == story

    def test_danger_in_the_story_gets_safety_information_and_the_words_are_kept(self, domain):
        story = "he is outside my door now and threatens to hit me"
        messages, slots = validate(
            domain,
            REPORT_WHAT_HAPPENED,
            story,
            {REPORT_KIND: "intimidation"},
            intent="emergency",
        )
        assert said(messages) == ["utter_emergency"]
        assert slots[REPORT_DESCRIPTION] == story

    def test_the_question_changes_once_something_was_written(self):
        first, _ = run(ActionAskReportWhatHappened(), tracker())
        more, _ = run(ActionAskReportWhatHappened(), tracker({REPORT_DESCRIPTION: "x"}))
        assert said(first) == ["utter_report_what_happened_first"]
        assert said(more) == ["utter_report_what_happened_more"]


class TestWhenAndWhere:
    @pytest.mark.parametrize("words", ["last Ramadan", "yesterday", "during the reception"])
    def test_when_keeps_the_reporters_words(self, domain, words):
        _, slots = validate(domain, REPORT_WHEN, words)
        assert slots[REPORT_WHEN] == words

    @pytest.mark.parametrize("slot", [REPORT_WHEN, REPORT_WHERE, REPORT_INVOLVED])
    def test_words_the_model_barely_read_as_skip_are_the_answer(self, domain, slot):
        # "la semana pasada" was read as skip (0.44) and the summary said "not given".
        typed = "la semana pasada"
        _, slots = validate(
            domain, slot, SKIPPED, text=typed, intent="skip", confidence=0.44, language="es"
        )
        assert slots[slot] == typed

    @pytest.mark.parametrize("slot", [REPORT_WHEN, REPORT_WHERE])
    @pytest.mark.parametrize(("typed", "language"), [("no", "es"), ("nee", "nl"), ("no", "en")])
    def test_a_short_no_to_when_or_where_gives_nothing(self, domain, slot, typed, language):
        _, slots = validate(
            domain, slot, typed, text=typed, intent="deny", confidence=0.97, language=language
        )
        assert slots[slot] == SKIPPED  # "not given" in the summary, not the word "no"

    @pytest.mark.parametrize("slot", [REPORT_WHEN, REPORT_WHERE])
    @pytest.mark.parametrize(
        ("typed", "language"), [("yes", "en"), ("iya", "id"), ("Ndiyo", "sw"), ("так", "uk")]
    )
    def test_a_bare_yes_to_when_or_where_asks_again_then_moves_on(
        self, domain, slot, typed, language
    ):
        messages, slots = validate(
            domain, slot, typed, text=typed, intent="affirm", confidence=0.98, language=language
        )
        assert slots[slot] is None  # not the word "yes" as the time or the place
        assert messages == []  # the form asks the question again
        tries = {"form_tries": slots["form_tries"]}
        messages, slots = validate(
            domain, slot, typed, tries, text=typed, intent="affirm", language=language
        )
        assert slots[slot] == SKIPPED and said(messages) == ["utter_report_moved_on"]

    def test_a_yes_with_a_time_is_the_answer(self, domain):
        typed = "iya, minggu lalu"
        _, slots = validate(domain, REPORT_WHEN, typed, text=typed, intent="affirm", language="id")
        assert slots[REPORT_WHEN] == typed

    def test_a_no_with_more_words_is_kept_as_written(self, domain):
        typed = "no idea, months ago"
        _, slots = validate(domain, REPORT_WHEN, typed, text=typed, intent="deny", confidence=0.9)
        assert slots[REPORT_WHEN] == typed
        _, slots = validate(domain, REPORT_WITNESSES, "no", text="no", intent="deny")
        assert slots[REPORT_WITNESSES] == "no"  # nobody saw it: that is an answer

    @pytest.mark.parametrize(("text", "confidence"), [("/skip", 1.0), ("saltar", 0.95)])
    def test_a_button_or_a_sure_skip_skips(self, domain, text, confidence):
        _, slots = validate(
            domain, REPORT_WHEN, SKIPPED, text=text, intent="skip", confidence=confidence
        )
        assert slots[REPORT_WHEN] == SKIPPED

    def test_a_button_of_another_question_is_no_answer(self, domain):
        stale = '/report{"report_choice": "change_when"}'
        for slot in (REPORT_WHEN, REPORT_WHERE, REPORT_INVOLVED):
            _, slots = validate(domain, slot, stale)
            assert slots[slot] is None

    def test_when_can_be_skipped(self, domain):
        _, slots = validate(domain, REPORT_WHEN, SKIPPED, text="/skip", intent="skip")
        assert slots[REPORT_WHEN] == SKIPPED

    def test_a_known_post_keeps_its_code_and_the_words(self, domain, database):
        messages, slots = validate(domain, REPORT_WHERE, "at the embassy in Rabat")
        assert slots[REPORT_WHERE] == "at the embassy in Rabat"
        assert slots[REPORT_POST_CODE] == "RAB" and slots[REPORT_POST_COUNTRY] == "MA"
        assert messages == []

    def test_a_post_the_model_surely_reads_as_skip_is_the_place(self, domain, database):
        # "piter", St Petersburg as Russians call it, was read as skip at 0.85.
        _, slots = validate(
            domain, REPORT_WHERE, SKIPPED, text="piter", intent="skip", confidence=0.85,
            language="ru",
        )  # fmt: skip
        assert slots[REPORT_WHERE] == "piter" and slots[REPORT_POST_CODE] == "PET"
        _, slots = validate(domain, REPORT_WHERE, SKIPPED, text="пропустить", intent="skip")
        assert slots[REPORT_WHERE] == SKIPPED  # a skip that names no place still skips

    def test_an_unknown_post_keeps_the_words_and_says_so(self, domain, database):
        messages, slots = validate(domain, REPORT_WHERE, "Qwxzyville")
        assert slots[REPORT_WHERE] == "Qwxzyville"
        assert slots[REPORT_POST_CODE] is None
        assert said(messages) == ["utter_report_unknown_post"]


class TestContact:
    @pytest.mark.parametrize(
        "contact, asked",
        [("anonymous", False), ("this_channel", False), ("email", True), ("phone", True)],
    )
    def test_details_are_asked_only_for_email_and_phone(self, domain, contact, asked):
        t = tracker({REPORT_CONTACT: contact})
        required = asyncio.run(
            ValidateReportForm().required_slots([], CollectingDispatcher(), t, domain)
        )
        assert (REPORT_CONTACT_DETAILS in required) is asked
        assert required[-1] == REPORT_CONFIRM  # the summary always comes last

    def test_typed_choice_is_understood(self, domain):
        _, slots = validate(domain, REPORT_CONTACT, "per telefoon", language="nl")
        assert slots[REPORT_CONTACT] == "phone"

    def test_a_bad_email_address_is_asked_again(self, domain):
        before = {REPORT_CONTACT: "email"}
        messages, slots = validate(domain, REPORT_CONTACT_DETAILS, "me at home", before)
        assert slots[REPORT_CONTACT_DETAILS] is None
        assert said(messages) == ["utter_report_problem_invalid_email"]

    def test_a_local_phone_number_is_read_with_the_posts_country(self, domain):
        before = {REPORT_CONTACT: "phone", REPORT_POST_COUNTRY: "MA"}
        _, slots = validate(domain, REPORT_CONTACT_DETAILS, "0612345678", before)
        assert slots[REPORT_CONTACT_DETAILS] == "+212612345678"


class TestSummary:
    def test_shows_every_part_in_the_users_language(self):
        slots = complete_report(report_confirm=None)
        messages, _ = run(ActionAskReportConfirm(), tracker(slots, language="es"))
        summary = messages[0]
        assert summary["response"] == "utter_report_summary"
        assert summary["kind"] == "Fraude o corrupción"
        assert summary["what_happened"] == DISTINCT
        assert summary["involved"] == "(sin indicar)"
        assert summary["spoke_to"] == "Ninguno"
        assert summary["contact"] == "Seguir anónimo"

    def test_a_long_description_is_shortened_in_the_summary_only(self):
        slots = complete_report(report_description="y" * 5000, report_confirm=None)
        messages, _ = run(ActionAskReportConfirm(), tracker(slots))
        assert len(messages[0]["what_happened"]) < 500

    def test_change_asks_which_part_and_only_that_part_is_asked_again(self, domain):
        slots = complete_report(report_confirm=None)
        _, changed = validate(domain, REPORT_CONFIRM, "change", slots)
        assert changed[REPORT_CHANGING] is True and changed[REPORT_CONFIRM] is None
        slots[REPORT_CHANGING] = True
        messages, _ = run(ActionAskReportConfirm(), tracker(slots))
        assert said(messages) == ["utter_report_which_part"]
        _, changed = validate(domain, REPORT_CONFIRM, "When", slots)
        assert changed[REPORT_WHEN] is None
        assert changed["requested_slot"] == REPORT_WHEN
        assert changed.get(REPORT_DESCRIPTION, DISTINCT) == DISTINCT


# --- sending, cancelling -------------------------------------------------------------------


class TestSubmit:
    def test_stores_once_and_gives_a_receipt_that_opens_the_report(self, database):
        messages, slots = run(ActionSubmitReport(), tracker(complete_report(), form=None))
        assert said(messages) == ["utter_report_received"]
        receipt = messages[0]
        # Marked, so the conversation store keeps it without the receipt.
        assert receipt[SECRET_MARK] == RECEIPT
        assert parse_code(receipt["code"]) and len(receipt["passphrase"].split()) == 5
        assert cases_stored(database) == 1
        assert all(slots[name] is None for name in REPORT_SLOTS)
        assert slots[REPORT_SUBMITTED] is True
        with database.session() as session:
            case = session.execute(select(Case)).scalar_one()
            assert case.what_happened == DISTINCT and case.post_code == "RAB"
            assert case.kind == "fraud" and case.involved is None
            assert case.channel == "whatsapp" and case.language == "en"
            assert case.conversation_reference is None  # anonymous

        # Sending again (a double tap, a retried request) stores nothing more.
        again = complete_report(report_submitted=True)
        messages, slots = run(ActionSubmitReport(), tracker(again, form=None))
        assert said(messages) == ["utter_report_already_sent"] and slots == {}
        assert cases_stored(database) == 1

    def test_storage_trouble_keeps_the_answers_for_another_try(self):
        # A PostgreSQL server that is not there: the connection is refused.
        down = f"postgresql://nobody:secret@127.0.0.1:{free_port()}/cases"
        broken = CaseStore(Database(down, migrate=False), lookup_key=b"k" * 32)
        with runtime.override(case_store=broken):
            messages, slots = run(ActionSubmitReport(), tracker(complete_report(), form=None))
        assert said(messages) == ["utter_report_storage_unavailable"]
        assert slots == {}  # nothing cleared

    def test_cancel_stores_nothing_and_forgets_the_answers(self, database):
        messages, slots = run(ActionCancelReport(), tracker(complete_report(), form=None))
        assert said(messages) == ["utter_report_cancelled"]
        assert all(slots[name] is None for name in REPORT_SLOTS)
        assert cases_stored(database) == 0

    def test_a_new_report_starts_empty(self):
        _, slots = run(ActionStartReport(), tracker(complete_report(report_submitted=True)))
        assert all(slots[name] is None for name in REPORT_SLOTS)
        assert slots[REPORT_SUBMITTED] is None


# --- following a report -------------------------------------------------------------------


def submit(database: Database, **overrides: Any) -> tuple[str, str]:
    messages, _ = run(ActionSubmitReport(), tracker(complete_report(**overrides), form=None))
    return messages[0]["code"], messages[0]["passphrase"]


def check(code: str, passphrase: str, language: str = "en") -> tuple[list[dict], dict]:
    slots = {STATUS_CODE: parse_code(code), STATUS_PASSPHRASE: passphrase}
    return run(ActionCheckStatus(), tracker(slots, language=language, form=None))


def at_the_passphrase(domain: Any, typed: str, intent: str) -> tuple[list, dict]:
    """The status form's validation of `typed`, read as `intent`, at the passphrase."""
    t = tracker(
        {"requested_slot": STATUS_PASSPHRASE, STATUS_CODE: "4821093755126604"},
        text=typed,
        intent=intent,
        new_slots={STATUS_PASSPHRASE: typed},
        form="status_form",
    )
    return run(ValidateStatusForm(), t, domain)


class TestStatus:
    def test_code_with_spaces_or_dashes_is_read(self, domain):
        t = tracker(text="4821-0937 5512-6604", new_slots={STATUS_CODE: "4821-0937 5512-6604"})
        _, slots = run(ValidateStatusForm(), t, domain)
        # Kept only sealed: the conversation is stored between the two questions.
        assert is_sealed(slots[STATUS_CODE]) and "4821" not in slots[STATUS_CODE]

    def test_the_sealed_code_opens_the_report_at_the_passphrase(self, database, domain):
        code, passphrase = submit(database)
        t = tracker(text=code, new_slots={STATUS_CODE: code})
        _, slots = run(ValidateStatusForm(), t, domain)
        sealed = slots[STATUS_CODE]
        assert code.replace(" ", "") not in sealed
        checked = {STATUS_CODE: sealed, STATUS_PASSPHRASE: passphrase}
        messages, _ = run(ActionCheckStatus(), tracker(checked, form=None))
        assert said(messages)[0] == "utter_status_overview"

    def test_a_code_typed_as_the_first_message_is_the_first_answer(self, database, domain):
        code, _ = submit(database)
        opening = tracker(text=code, intent="check_status", form=None)
        messages, slots = run(ValidateStatusForm(), opening, domain)
        assert is_sealed(slots[STATUS_CODE]) and messages == []

    def test_a_first_message_without_a_code_asks_for_it(self, domain):
        opening = tracker(text="any news on my report?", intent="check_status", form=None)
        _, slots = run(ValidateStatusForm(), opening, domain)
        assert slots.get(STATUS_CODE) is None

    def test_a_stale_sealed_code_opens_nothing(self, database):
        code, passphrase = submit(database)
        sealed = seal_code(parse_code(code) or "", runtime.case_store().lookup_key)
        later = time.time() + SEALED_CODE_VALIDITY.total_seconds() + 60
        assert open_sealed_code(sealed, later) is None
        assert open_sealed_code(sealed.replace("sealed:g", "sealed:h"), time.time()) is None

    def test_the_english_words_of_a_passphrase_do_not_switch_the_language(self):
        passphrase = "river candle orbit maple honest"
        t = tracker({"requested_slot": STATUS_PASSPHRASE}, text=passphrase, language="nl")
        t.latest_message["language"] = {"code": "en", "confidence": 0.99}
        _, slots = run(ActionTrackLanguage(), t)
        assert slots == {}

    def test_something_else_is_not_taken_for_a_code(self, domain):
        t = tracker(text="hello", new_slots={STATUS_CODE: "hello"})
        messages, slots = run(ValidateStatusForm(), t, domain)
        assert slots[STATUS_CODE] is None
        assert said(messages) == ["utter_status_code_unreadable"]

    def test_two_answers_that_are_no_code_end_the_check_politely(self, domain):
        first = tracker(text="hello", new_slots={STATUS_CODE: "hello"}, form="status_form")
        _, slots = run(ValidateStatusForm(), first, domain)
        again = tracker(
            slots, text="no idea", new_slots={STATUS_CODE: "no idea"}, form="status_form"
        )
        _, slots = run(ValidateStatusForm(), again, domain)
        assert slots[STATUS_CODE] == GAVE_UP
        messages, _ = run(ActionCheckStatus(), tracker(slots, form=None))
        assert said(messages) == ["utter_status_code_gave_up"]

    @pytest.mark.parametrize(
        "typed, leaves", [("cancel", True), ("stop cancel quit abort exit", False)]
    )
    def test_only_a_short_cancel_stops_at_the_passphrase(self, domain, typed, leaves):
        messages, slots = at_the_passphrase(domain, typed, "cancel")
        if leaves:
            # The form steps aside for the cancel rule; the word is not kept as a passphrase.
            assert slots == {STATUS_PASSPHRASE: None} and messages == []
        else:
            assert slots[STATUS_PASSPHRASE] == typed

    def test_a_passphrase_of_alarming_words_is_a_passphrase_not_an_alarm(self, domain):
        # Its words are drawn by chance: "bridge" and "jump" read together as self-harm.
        passphrase = "river bridge jump rope lamp"
        _, slots = at_the_passphrase(domain, passphrase, "self_harm")
        assert slots[STATUS_PASSPHRASE] == passphrase  # checked, not stepped aside from
        _, slots = at_the_passphrase(domain, "i want to jump from the bridge", "self_harm")
        assert slots == {STATUS_PASSPHRASE: None}  # said, not drawn: the safety rule answers

    def test_the_right_passphrase_shows_status_and_the_coordinators_message(self, database):
        code, passphrase = submit(database)
        with database.session() as session:
            reply(session, 1, "Thank you, we are looking into it.", "A. Jansen", _now())
        messages, slots = check(code, passphrase.upper(), language="fr")
        assert said(messages) == [
            "utter_status_overview",
            "utter_status_due_acknowledgement",
            "utter_status_message",
            "utter_status_offer_information",
        ]
        assert messages[0]["status"] == "reçu"
        assert messages[2]["message"] == "Thank you, we are looking into it."
        assert slots[STATUS_CODE] is None and slots[STATUS_PASSPHRASE] is None
        assert slots[STATUS_FOLLOW_UP]
        # Read once: the next check says there is nothing new.
        again, _ = check(code, passphrase)
        assert "utter_status_no_messages" in said(again)

    def test_wrong_code_or_passphrase_are_refused_alike(self, database):
        code, passphrase = submit(database)
        wrong_pass, slots = check(code, "apple apple apple apple apple")
        wrong_code, _ = check("1111 2222 3333 4444", passphrase)
        assert said(wrong_pass) == said(wrong_code) == ["utter_status_invalid"]
        assert slots[STATUS_FOLLOW_UP] is None
        assert slots[STATUS_PASSPHRASE] is None

    def test_five_wrong_tries_lock_even_the_right_passphrase(self, database):
        code, passphrase = submit(database)
        for _ in range(5):
            check(code, "wrong words are wrong here")
        messages, _ = check(code, passphrase)
        assert said(messages) == ["utter_status_locked"]
        assert ":" in messages[0]["time"]

    def test_information_is_added_to_the_report(self, database):
        code, passphrase = submit(database)
        _, slots = check(code, passphrase)
        token = slots[STATUS_FOLLOW_UP]
        state = {STATUS_FOLLOW_UP: token, STATUS_INFORMATION: "He did it again today."}
        messages, slots = run(ActionAddInformation(), tracker(state, form=None))
        assert said(messages) == ["utter_status_information_added"]
        assert slots[STATUS_INFORMATION] is None
        with database.session() as session:
            bodies = session.execute(select(CaseMessage.body)).scalars().all()
        assert bodies == ["He did it again today."]

    def test_without_a_recent_check_nothing_is_added(self, database):
        state = {STATUS_FOLLOW_UP: None, STATUS_INFORMATION: "More."}
        messages, _ = run(ActionAddInformation(), tracker(state, form=None))
        assert said(messages) == ["utter_status_expired"]

    def test_a_yes_after_a_refused_check_asks_for_nothing_to_add(self, database, domain):
        # "vale, lo busco luego" to "I cannot open a report with that code": no report is
        # open, so the information form asks nothing and the assistant leaves it there.
        t = tracker({STATUS_FOLLOW_UP: None}, text="vale, lo busco luego", form="information_form")
        _, slots = run(ValidateInformationForm(), t, domain)
        assert slots.get("requested_slot") is None
        messages, _ = run(ActionAddInformation(), tracker({STATUS_FOLLOW_UP: None}, form=None))
        assert said(messages) == ["utter_no_pressure"]

    def test_empty_information_is_asked_again(self, domain):
        t = tracker(
            {STATUS_FOLLOW_UP: "token-of-a-check"},
            text="   ",
            new_slots={STATUS_INFORMATION: "   "},
            form="information_form",
        )
        messages, slots = run(ValidateInformationForm(), t, domain)
        assert slots[STATUS_INFORMATION] is None
        assert said(messages) == ["utter_report_problem_empty"]


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
