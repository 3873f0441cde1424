"""Files in the dialogue, run as the action server runs the actions, on a temporary SQLite
database: a file a channel holds is answered where the user is (outside a form: held while
they choose; in the report: added, listed in the summary, removable, sent with it; while
adding information: given to the case; with an open handoff: given to the advisor), and
nothing of it is kept when the report is cancelled or the user deletes it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from rasa_sdk.types import DomainDict
from sqlalchemy import select

from actions.evidence import ActionShareFile
from actions.handoff import ActionCreateHandoff
from actions.report import ActionAskReportConfirm, ActionCancelReport, ActionSubmitReport
from actions.report_form import ValidateReportForm
from actions.status import ActionAddInformation, ActionCheckStatus, ValidateInformationForm
from bot import runtime
from bot.cases.model import Case
from bot.cases.receipts import parse_code
from bot.db import Database
from bot.evidence import store
from bot.evidence.dialogue import KEEP, OFFERED, ORIGINALS, REMOVE
from bot.evidence.store import Evidence
from bot.handoffs.store import Handoff, HandoffStore
from bot.report.form import (
    DONE,
    FILES,
    REPORT_CHANGING,
    REPORT_CONFIRM,
    REPORT_CONTACT,
    REPORT_DESCRIPTION,
    REPORT_KIND,
    REPORT_START,
    REPORT_WHAT_HAPPENED,
    REPORT_WITNESSES,
    SEND,
    SKIPPED,
    STARTED,
)
from bot.report.status import STATUS_CODE, STATUS_FOLLOW_UP, STATUS_INFORMATION, STATUS_PASSPHRASE
from tests.support import evidence as files
from tests.support.tracker import build_tracker, run_action
from tests.support.tracker import run_for_slots as run

SENDER = "whatsapp:" + "5e" * 16
OTHER = "telegram:" + "7a" * 16


@pytest.fixture()
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'evidence.db'}")
    with runtime.override(database=database):
        yield database
    database.dispose()


def hold(data: bytes, sender: str = SENDER) -> Evidence:
    return asyncio.run(runtime.evidence_desk().take(sender, data))


def held(sender: str = SENDER) -> list[Evidence]:
    return asyncio.run(runtime.evidence_desk().held(sender))


def sent(file: Optional[Evidence] = None, **kw: Any):
    """The message a channel passes on for a file it holds (or the delete button)."""
    entities = [{"entity": "file_id", "value": file.id}] if file else kw.pop("entities", [])
    text = f'/share_file{{"file_id": "{file.id}"}}' if file else kw.pop("text", "/share_file")
    return build_tracker(
        text, "share_file", entities=entities, sender=kw.pop("sender", SENDER),
        channel="whatsapp", language=kw.pop("language", "en"), confidence=1.0, **kw,
    )  # fmt: skip


def said(messages: list[dict]) -> list[str]:
    return [m["response"] for m in messages]


def report_so_far(overrides: Optional[dict] = None) -> dict:
    return {
        REPORT_START: STARTED,
        REPORT_KIND: "fraud",
        REPORT_WHAT_HAPPENED: DONE,
        REPORT_DESCRIPTION: "The attaché kept the visa fees.",
        REPORT_WITNESSES: SKIPPED,
        REPORT_CONTACT: "anonymous",
        **(overrides or {}),
    }


def test_a_photo_outside_a_form_is_held_and_the_user_told_what_was_removed(database):
    photo = hold(files.jpeg(files.gps_and_camera_exif()))
    messages, _ = run_action(ActionShareFile(), sent(photo))
    assert said(messages) == ["utter_file_received", "utter_file_offer_original"]
    assert messages[0]["file"].startswith("photo, ") and messages[0]["file"].endswith(" KB")
    privacy = runtime.renderer().phrase("file_privacy_removed", "en")
    assert messages[0]["privacy"] == privacy
    assert [file.id for file in held()] == [photo.id]


def test_a_voice_note_is_answered_honestly_in_the_users_language(database):
    note = hold(files.ogg_opus())
    messages, _ = run_action(ActionShareFile(), sent(note, language="nl"))
    assert said(messages) == ["utter_file_received_voice"]
    assert messages[0]["file"].endswith(" KB")  # the text names the kind: only the size
    text = runtime.content_store().response("utter_file_received_voice", "nl").text
    assert "niet beluisteren" in text


def test_another_conversations_file_is_not_taken(database):
    theirs = hold(files.wav(), sender=OTHER)
    messages, _ = run_action(ActionShareFile(), sent(theirs))
    assert said(messages) == ["utter_file_gone"]
    assert [file.id for file in held(OTHER)] == [theirs.id]


def test_words_about_a_screenshot_say_how_to_send_it(database):
    typed = build_tracker("I have a screenshot of his message", "share_file", language="en")
    messages, _ = run_action(ActionShareFile(), typed)
    assert said(messages) == ["utter_file_how_to_send"] and messages[0]["max_mb"] == 16
    in_form = build_tracker("can I send a screenshot?", "share_file", language="en",
                            active_loop="report_form")  # fmt: skip
    messages, _ = run_action(ActionShareFile(), in_form)
    assert said(messages) == ["utter_file_send_now"]


def test_the_delete_button_deletes_the_held_files(database):
    hold(files.wav())
    discard = [{"entity": "file_choice", "value": "discard"}]
    messages, _ = run_action(ActionShareFile(), sent(entities=discard))
    assert said(messages) == ["utter_files_discarded"] and held() == []


def test_keeping_originals_is_offered_once_and_the_next_files_are_kept_as_sent(database):
    photo = hold(files.jpeg(files.gps_and_camera_exif()))
    messages, slots = run(ActionShareFile(), sent(photo, language="nl"))
    assert said(messages) == ["utter_file_received", "utter_file_offer_original"]
    assert slots == {ORIGINALS: OFFERED}
    offer = runtime.content_store().response("utter_file_offer_original", "nl")
    assert [button.payload for button in offer.buttons] == [
        '/share_file{"file_choice": "keep_original"}'
    ]
    again = hold(files.jpeg(files.gps_and_camera_exif()))
    messages, _ = run(ActionShareFile(), sent(again, slots={ORIGINALS: OFFERED}))
    assert said(messages) == ["utter_file_received"], "offered once in a conversation"
    keep = [{"entity": "file_choice", "value": "keep_original"}]
    messages, slots = run(ActionShareFile(), sent(entities=keep, slots={ORIGINALS: OFFERED}))
    assert said(messages) == ["utter_files_kept_original"] and slots == {ORIGINALS: KEEP}
    original = asyncio.run(runtime.evidence_desk().take(SENDER, files.jpeg(
        files.gps_and_camera_exif()), keep_original=True))  # fmt: skip
    messages, _ = run(ActionShareFile(), sent(original, slots={ORIGINALS: KEEP}))
    kept_said = runtime.renderer().phrase("file_privacy_original", "en")
    assert said(messages) == ["utter_file_received"] and messages[0]["privacy"] == kept_said
    back = [{"entity": "file_choice", "value": "remove_details"}]
    messages, slots = run(ActionShareFile(), sent(entities=back, slots={ORIGINALS: KEEP}))
    assert said(messages) == ["utter_files_details_removed_again"]
    assert slots == {ORIGINALS: REMOVE}


def test_keeping_originals_is_not_offered_in_a_report_already_anonymous(database):
    photo = hold(files.jpeg(files.gps_and_camera_exif()))
    anonymous = report_so_far({REPORT_WITNESSES: None})
    in_report = sent(photo, slots=anonymous, active_loop="report_form")
    messages, slots = run(ActionShareFile(), in_report)
    assert said(messages) == ["utter_file_added_to_report"] and slots == {}


def test_an_anonymous_report_cleans_the_originals_and_says_so(database):
    desk = runtime.evidence_desk()
    asyncio.run(desk.take(SENDER, files.jpeg(files.gps_and_camera_exif()), keep_original=True))
    messages, _ = run(ActionSubmitReport(), sent(slots=report_so_far({REPORT_CONFIRM: SEND})))
    assert said(messages) == [
        "utter_report_received",
        "utter_report_files_sent",
        "utter_report_files_cleaned",
    ]
    with database.session() as session:
        (photo,) = store.of_case(session, _case_of(database, messages[0]["code"]))
    assert photo.scrubbed and "location" in photo.removed


def test_a_named_report_keeps_the_originals(database):
    desk = runtime.evidence_desk()
    asyncio.run(desk.take(SENDER, files.jpeg(files.gps_and_camera_exif()), keep_original=True))
    named = report_so_far({REPORT_CONFIRM: SEND, REPORT_CONTACT: "this_channel"})
    messages, _ = run(ActionSubmitReport(), sent(slots=named))
    assert said(messages) == ["utter_report_received", "utter_report_files_sent"]
    with database.session() as session:
        (photo,) = store.of_case(session, _case_of(database, messages[0]["code"]))
    assert not photo.scrubbed and photo.removed == ()


def test_in_the_report_a_file_steps_aside_is_added_and_the_question_comes_back(
    database, domain: DomainDict
):
    photo = hold(files.jpeg())
    at_witnesses = {**report_so_far({REPORT_WITNESSES: None}), "requested_slot": REPORT_WITNESSES}
    payload = f'/share_file{{"file_id": "{photo.id}"}}'
    arriving = sent(photo, slots=at_witnesses, active_loop="report_form",
                    new_slots={REPORT_WITNESSES: payload})  # fmt: skip
    _, events = run_action(ValidateReportForm(), arriving, domain)
    assert {"event": "action_execution_rejected", "name": "report_form"}.items() <= {
        **next(e for e in events if e["event"] == "action_execution_rejected")
    }.items()
    assert {"event": "slot", "name": REPORT_WITNESSES, "value": None} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events if e["event"] == "slot"
    ]  # the payload is no answer to "witnesses or evidence?"
    messages, _ = run_action(ActionShareFile(), sent(photo, active_loop="report_form"))
    assert said(messages) == ["utter_file_added_to_report"]


def test_a_typed_statement_about_evidence_is_the_answer_it_gives(database, domain: DomainDict):
    at_witnesses = {**report_so_far({REPORT_WITNESSES: None}), "requested_slot": REPORT_WITNESSES}
    typed = "I have screenshots of the chat"
    answer = build_tracker(typed, "share_file", slots=at_witnesses, active_loop="report_form",
                           new_slots={REPORT_WITNESSES: typed}, language="en")  # fmt: skip
    _, slots = run(ValidateReportForm(), answer, domain)
    assert slots[REPORT_WITNESSES] == typed


def test_the_summary_lists_the_files_and_the_report_takes_them(database):
    photo, note = hold(files.jpeg()), hold(files.ogg_opus())
    summary_slots = report_so_far()
    messages, _ = run_action(ActionAskReportConfirm(), sent(slots=summary_slots, text="x"))
    listed = messages[0]["files"]
    assert listed.startswith("photo, ") and "; voice note, " in listed
    messages, _ = run(ActionSubmitReport(), sent(slots=report_so_far({REPORT_CONFIRM: SEND})))
    assert said(messages) == ["utter_report_received", "utter_report_files_sent"]
    case_id = _case_of(database, messages[0]["code"])
    with database.session() as session:
        fingerprints = {file.received_sha256 for file in store.of_case(session, case_id)}
    assert fingerprints == {photo.received_sha256, note.received_sha256}
    assert held() == []


def test_files_are_removed_from_the_summary_by_name(database, domain: DomainDict):
    hold(files.jpeg())
    at_summary = {**report_so_far(), REPORT_CONFIRM: None, "requested_slot": REPORT_CONFIRM}
    typed = build_tracker("files", "inform", slots=at_summary, active_loop="report_form",
                          new_slots={REPORT_CONFIRM: "files"}, sender=SENDER)  # fmt: skip
    messages, slots = run(ValidateReportForm(), typed, domain)
    assert "utter_files_discarded" in said(messages) and held() == []
    assert slots[REPORT_CONFIRM] is None  # the summary comes back, now without files
    messages, _ = run_action(ActionAskReportConfirm(), sent(slots=report_so_far(), text="x"))
    assert messages[0]["files"] == "none"


def _at_summary(answer: str, intent: str = "inform", changing: Optional[str] = None, **kw):
    at_summary = {**report_so_far(), REPORT_CONFIRM: None, "requested_slot": REPORT_CONFIRM,
                  REPORT_CHANGING: changing}  # fmt: skip
    return build_tracker(answer, intent, slots=at_summary, active_loop="report_form",
                         new_slots={REPORT_CONFIRM: answer}, sender=SENDER, **kw)  # fmt: skip


def test_of_several_files_the_summary_asks_which_to_remove(database, domain: DomainDict):
    photo, note = hold(files.jpeg()), hold(files.ogg_opus())
    messages, slots = run(ValidateReportForm(), _at_summary("files"), domain)
    assert (slots[REPORT_CONFIRM], slots[REPORT_CHANGING], messages) == (None, FILES, [])
    assert len(held()) == 2, "nothing is removed before the user says which"
    asking = {**report_so_far(), REPORT_CHANGING: FILES}
    messages, _ = run(ActionAskReportConfirm(), sent(slots=asking, text="x", language="nl"))
    assert said(messages) == ["utter_report_which_file"]
    titles = [choice["title"] for choice in messages[0]["choices"]]
    assert titles[0].startswith("foto, ") and titles[1].startswith("spraakbericht, ")
    assert titles[2:] == ["Alle bestanden", "Houden"]
    # "the voice note", typed: that one goes, and the summary comes back with the photo.
    typed = _at_summary("het spraakbericht", changing=FILES, language="nl")
    messages, slots = run(ValidateReportForm(), typed, domain)
    assert said(messages) == ["utter_file_removed"]
    assert messages[0]["file"].startswith("spraakbericht, ")
    assert slots[REPORT_CONFIRM] is None and slots[REPORT_CHANGING] is None
    assert [file.id for file in held()] == [photo.id] and note.id != photo.id


def test_a_file_to_remove_is_chosen_by_number_by_button_or_all_at_once(
    database, domain: DomainDict
):
    first, _, third = hold(files.jpeg()), hold(files.wav()), hold(files.ogg_opus())
    run(ValidateReportForm(), _at_summary("2", changing=FILES), domain)  # typed on SMS
    assert [file.id for file in held()] == [first.id, third.id]
    chosen = [{"entity": "report_choice", "value": "remove_file_2"}]
    button = _at_summary("remove_file_2", "report", changing=FILES, entities=chosen)
    run(ValidateReportForm(), button, domain)
    assert [file.id for file in held()] == [first.id]
    hold(files.wav())
    messages, _ = run(ValidateReportForm(), _at_summary("keep them", changing=FILES), domain)
    assert messages == [] and len(held()) == 2
    messages, _ = run(ValidateReportForm(), _at_summary("all of them", changing=FILES), domain)
    assert said(messages) == ["utter_files_discarded"] and held() == []


def test_an_answer_naming_no_file_is_asked_again_once_then_nothing_is_removed(
    database, domain: DomainDict
):
    hold(files.jpeg()), hold(files.jpeg())
    unclear = _at_summary("the one from yesterday", changing=FILES)
    messages, slots = run(ValidateReportForm(), unclear, domain)
    assert slots.get(REPORT_CHANGING, FILES) == FILES and slots[REPORT_CONFIRM] is None
    again = build_tracker(
        "the blue one", "inform", active_loop="report_form", sender=SENDER,
        slots={**report_so_far(), REPORT_CONFIRM: None, "requested_slot": REPORT_CONFIRM,
               REPORT_CHANGING: FILES, **{k: v for k, v in slots.items() if k == "form_tries"}},
        new_slots={REPORT_CONFIRM: "the blue one"},
    )  # fmt: skip
    _, slots = run(ValidateReportForm(), again, domain)
    assert slots[REPORT_CHANGING] is None and len(held()) == 2  # back to the summary
    # "photo" names both photos: no choice; "photo (2)" names one.
    run(ValidateReportForm(), _at_summary("photo", changing=FILES), domain)
    assert len(held()) == 2


def test_a_cancelled_report_keeps_no_file(database):
    hold(files.jpeg())
    messages, _ = run(ActionCancelReport(), sent(slots=report_so_far()))
    assert said(messages) == ["utter_report_cancelled"] and held() == []


def test_files_sent_while_adding_information_go_to_the_case(database, domain: DomainDict):
    messages, _ = run(ActionSubmitReport(), sent(slots=report_so_far({REPORT_CONFIRM: SEND})))
    code, passphrase = messages[0]["code"], messages[0]["passphrase"]
    check = {STATUS_CODE: parse_code(code), STATUS_PASSPHRASE: passphrase}
    _, slots = run(ActionCheckStatus(), sent(slots=check))
    note = hold(files.ogg_opus())
    asking = {STATUS_FOLLOW_UP: slots[STATUS_FOLLOW_UP], "requested_slot": STATUS_INFORMATION}
    payload = f'/share_file{{"file_id": "{note.id}"}}'
    arriving = sent(note, slots=asking, active_loop="information_form",
                    new_slots={STATUS_INFORMATION: payload})  # fmt: skip
    _, events = run_action(ValidateInformationForm(), arriving, domain)
    assert any(e["event"] == "action_execution_rejected" for e in events)
    messages, _ = run_action(ActionShareFile(), sent(note, active_loop="information_form"))
    assert said(messages) == ["utter_file_added_to_information"]
    state = {STATUS_FOLLOW_UP: slots[STATUS_FOLLOW_UP], STATUS_INFORMATION: "A voice note."}
    messages, _ = run(ActionAddInformation(), sent(slots=state))
    assert said(messages) == ["utter_status_information_added", "utter_report_files_sent"]
    with database.session() as session:
        (kept,) = store.of_case(session, _case_of(database, code))
    assert kept.received_sha256 == note.received_sha256


def test_files_go_with_a_handoff_and_later_ones_to_its_advisor(database):
    first = hold(files.jpeg())
    consent = {"handoff_consent": True, "handoff_phone_consent": False,
               "handoff_language": "en", "handoff_post": None}  # fmt: skip
    messages, _ = run_action(ActionCreateHandoff(), sent(slots=consent))
    assert "utter_files_given_to_advisor" in said(messages)
    later = hold(files.wav())
    messages, _ = run_action(ActionShareFile(), sent(later))
    assert said(messages) == ["utter_file_given_to_advisor"]
    with database.session() as session:
        (handoff_id,) = session.execute(select(Handoff.id)).scalars().all()
        assert {file.id for file in store.of_handoff(session, handoff_id)} == {first.id, later.id}
    assert held() == []


def test_a_handoff_kept_while_the_database_was_away_takes_the_files_once_stored(
    database, tmp_path: Path
):
    photo = hold(files.jpeg())
    down = tmp_path / "down" / "t.db"
    down.mkdir(parents=True)  # a database that cannot be opened

    async def no_wait(_seconds: float) -> None:
        return None

    spool = runtime.handoff_store().spool_dir  # the one the running store flushes
    away = HandoffStore(Database(f"sqlite:///{down}"), spool_dir=spool, sleep=no_wait)
    consent = {"handoff_consent": True, "handoff_phone_consent": False,
               "handoff_language": "en", "handoff_post": None}  # fmt: skip
    with runtime.override(handoff_store=away):
        messages, _ = run_action(ActionCreateHandoff(), sent(slots=consent))
    assert said(messages) == ["utter_handoff_kept"]
    assert [file.id for file in held()] == [photo.id]  # held while the handoff waits
    assert asyncio.run(runtime.handoff_store().flush_spool()) == 1
    assert held() == []
    with database.session() as session:
        (handoff_id,) = session.execute(select(Handoff.id)).scalars().all()
        assert [file.id for file in store.of_handoff(session, handoff_id)] == [photo.id]


def _case_of(database: Database, code: str) -> int:
    """The case of the receipt code (the tests store one case each)."""
    assert parse_code(code)
    with database.session() as session:
        return int(session.execute(select(Case.id)).scalar_one())


def test_a_voice_note_at_the_story_question_is_the_account_of_what_happened(database):
    note = hold(files.ogg_opus())
    at_story = {
        REPORT_START: STARTED,
        REPORT_KIND: "bullying",
        "requested_slot": REPORT_WHAT_HAPPENED,
    }
    arriving = sent(note, slots=at_story, active_loop="report_form", language="nl")
    messages, slots = run(ActionShareFile(), arriving)
    assert said(messages) == ["utter_file_voice_as_story"]
    assert slots[REPORT_WHAT_HAPPENED] == DONE
    told = runtime.renderer().phrase("report_story_in_voice_note", "nl")
    assert slots[REPORT_DESCRIPTION] == told and "spraakbericht" in told
    written = {**at_story, REPORT_DESCRIPTION: "Hij schreeuwde."}
    messages, slots = run(ActionShareFile(), sent(note, slots=written, active_loop="report_form"))
    assert said(messages) == ["utter_file_added_to_report"] and slots == {}  # beside the story


def test_keep_my_originals_typed_beside_a_question_steps_aside_and_keeps_them(
    database, domain: DomainDict
):
    """On SMS a tap is typed: "bewaar mijn originelen" under the form's question is read
    as the offer's button (bot.servers.typed_buttons), so the form steps aside, the choice
    is kept, and the question is not answered with those words."""
    at_witnesses = {**report_so_far({REPORT_WITNESSES: None, REPORT_CONTACT: None}),
                    "requested_slot": REPORT_WITNESSES, ORIGINALS: OFFERED}  # fmt: skip
    typed = "bewaar mijn originelen"
    keep = [{"entity": "file_choice", "value": "keep_original"}]
    choosing = build_tracker(typed, "share_file", entities=keep, slots=at_witnesses,
                             active_loop="report_form", new_slots={REPORT_WITNESSES: typed},
                             language="nl")  # fmt: skip
    _, events = run_action(ValidateReportForm(), choosing, domain)
    assert any(e["event"] == "action_execution_rejected" for e in events)
    assert {"event": "slot", "name": REPORT_WITNESSES, "value": None} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events if e["event"] == "slot"
    ]
    messages, slots = run(ActionShareFile(), choosing)
    assert said(messages) == ["utter_files_kept_original"] and slots == {ORIGINALS: KEEP}
