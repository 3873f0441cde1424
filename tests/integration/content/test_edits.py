"""Answers edited in the console: published versions lie over the seed files, reach the
content store within its check interval, keep their history, refuse a stale edit, can be
reverted, and mark the other languages to review. Drafts are checked before publishing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.console.editing import draft_from_form, problems
from bot.content import edits
from bot.content.edits import DatabaseEdits, EditConflict
from bot.content.store import ContentStore, Response
from bot.db import Database
from bot.settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "data" / "content"
LANGUAGES = ("nl", "en", "fr", "es", "de", "pt", "ar")
NEW = "Sí: puede informar sin dar su nombre. Nadie le pedirá quién es."


@pytest.fixture
def database(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path}/content.db")
    yield database
    database.dispose()


def publish(database: Database, text: str, base: int | None, language: str = "es") -> int:
    with database.session() as session:
        return edits.publish(session, "utter_anonymity", language, Response(text=text),
                             "account-1", base, LANGUAGES)  # fmt: skip


def wait_for(store: ContentStore, text: str, language: str = "es") -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        response = store.response("utter_anonymity", language)
        if response is not None and response.text == text:
            return
        time.sleep(0.05)
    raise AssertionError("the published text did not arrive")


def test_a_published_text_reaches_a_running_store_and_the_seed_stays(database):
    store = ContentStore(SEED, check_interval=0.1, edits=DatabaseEdits(lambda: database))
    seed_text = store.response("utter_anonymity", "es").text
    version = publish(database, NEW, None)
    try:
        wait_for(store, NEW)
    finally:
        store.close()
    assert store.seed().responses["es"]["utter_anonymity"].text == seed_text
    assert store.response("utter_anonymity", "en").text != NEW  # other languages unchanged
    with database.session() as session:
        states = edits.review_states(session)
        (current,) = edits.history(session, "utter_anonymity", "es")
    assert states[("es", "utter_anonymity")] == ("reviewed", "account-1")
    assert {states[(lang, "utter_anonymity")][0] for lang in LANGUAGES if lang != "es"} == {
        "to_review"
    }
    assert current.id == version and current.author_id == "account-1"


def test_a_stale_edit_is_refused_and_a_revert_brings_the_old_text_back(database):
    first = publish(database, NEW, None)
    second = publish(database, NEW + " Gracias.", first)
    with pytest.raises(EditConflict):
        publish(database, "otra cosa", first)  # opened before the second was published
    with database.session() as session:
        old = edits.get_version(session, first)
        assert old is not None
        third = edits.publish(session, "utter_anonymity", "es", old.response, "account-2",
                              second, LANGUAGES, reverted_to=first)  # fmt: skip
        history = edits.history(session, "utter_anonymity", "es")
    assert [v.id for v in history] == [third, second, first]
    assert history[0].response.text == NEW and history[0].reverted_to == first


def test_a_native_review_holds_until_a_non_native_edit_of_that_language(database):
    with database.session() as session:
        edits.publish(session, "utter_anonymity", "es", Response(text=NEW), "ana", None,
                      LANGUAGES, native=True)  # fmt: skip
        edits.confirm(session, "utter_anonymity", "fr", "marc", native=True)
    with database.session() as session:
        marks = edits.native_reviews(session)
        assert marks[("es", "utter_anonymity")].account_id == "ana"
        assert marks[("fr", "utter_anonymity")].account_id == "marc"
        # A confirmation without the tick leaves the review: the text did not change.
        edits.confirm(session, "utter_anonymity", "es", "bob")
        # An edit in another language leaves it too (French is to review, still native).
        edits.publish(session, "utter_anonymity", "en", Response(text="Yes."), "bob", None,
                      LANGUAGES)  # fmt: skip
    with database.session() as session:
        assert edits.native_review(session, "utter_anonymity", "es") is not None
        assert edits.native_review(session, "utter_anonymity", "fr") is not None
        assert edits.native_review(session, "utter_anonymity", "en") is None
        version = edits.current_version(session, "utter_anonymity", "es")
        edits.publish(session, "utter_anonymity", "es", Response(text=NEW + " Bien."), "bob",
                      version, LANGUAGES)  # fmt: skip
    with database.session() as session:
        assert edits.native_review(session, "utter_anonymity", "es") is None
        assert edits.native_review(session, "utter_anonymity", "fr") is not None


def test_a_draft_with_other_placeholders_or_unknown_payloads_is_refused():
    seed = Response(text="Your reference is {reference}. {when}")
    draft = draft_from_form("Your reference is {referenc}.", "", [("Yes", "/affirm")])
    found = {(p.key, p.detail) for p in problems(draft, seed)}
    assert ("edit_placeholders", "-{reference}, -{when}, +{referenc}") in found
    bad = draft_from_form("Your reference is {reference}. {when}", "x" * 500,
                          [("Go", "/no_such_intent")])  # fmt: skip
    keys = {p.key for p in problems(bad, seed)}
    assert keys == {"edit_sms_too_long", "edit_button"}
    assert problems(draft_from_form(" ", "", []), Response(text="x"))[0].key == "edit_empty"
    good = draft_from_form("Uw referentie is {reference}. {when}", "", [("Ja", "/affirm")])
    assert problems(good, seed) == []


def test_the_content_commands_export_import_all_or_nothing_and_diff(
    database, tmp_path, monkeypatch, capsys
):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("VM_STATE_DIR", str(tmp_path / "state"))
    assert main(["content", "diff"]) == 0
    assert "the published answers are the seed's" in capsys.readouterr().out
    assert main(["content", "export", str(tmp_path / "out")]) == 0
    exported = tmp_path / "out" / "es" / "content.yml"
    text = exported.read_text(encoding="utf-8")
    seed = ContentStore(SEED).response("utter_anonymity", "es").text
    assert "utter_anonymity" in text
    # One good change and one broken placeholder: nothing is published.
    import yaml

    data = yaml.safe_load(text)
    data["utterances"]["utter_anonymity"]["text"] = NEW
    data["utterances"]["utter_handoff_done"]["text"] = "Hecho: {referencia}"
    exported.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert main(["content", "import", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "refused, nothing published" in err and "es/utter_handoff_done" in err
    assert main(["content", "diff"]) == 0
    assert "the published answers are the seed's" in capsys.readouterr().out
    del data["utterances"]["utter_handoff_done"]  # left out of the file: stays as it is
    exported.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert main(["content", "import", str(tmp_path / "out")]) == 0
    assert "published 1 answer" in capsys.readouterr().out
    assert main(["content", "diff"]) == 0
    assert "es  utter_anonymity" in capsys.readouterr().out
    assert seed != NEW
