"""The content editor: a coordinator publishes the Spanish answer about anonymity, the
next user gets it; a broken draft is refused with every problem and kept; a stale edit is
refused; a version can be reverted; the other languages become "to review" until someone
confirms them; a native speaker's review is recorded, shown, counted per language, and
cleared by a later edit of that language without it. Advisors get 403."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import runtime
from tests.support.console import running_console

COORDINATOR, OTHER = "coord@example.org", "coord2@example.org"
PAGE = "/content/es/utter_anonymity"
NEW = "Sí, puede informar sin dar su nombre. Nadie le preguntará quién es."


@pytest.fixture
def editor(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(COORDINATOR, "coordinator")
        console.add("nadia@example.org", "advisor", "rab-nadia-benali")
        console.log_in(COORDINATOR)
        yield console


def form_of(page: str, **changes: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="/content/\w+/\w+" class="stack" .*?</form>',
                     page, re.DOTALL)  # fmt: skip
    page = form.group(0) if form else page  # the edit form, not the confirmation's
    inputs = re.findall(r"<input[^>]*>", page)
    sent = [i for i in inputs if 'type="checkbox"' not in i or " checked" in i]  # as a browser
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', "".join(sent)))
    text = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    fields["text"] = text.group(1) if text else ""
    fields.update(changes)
    return fields


def test_a_published_answer_is_what_the_next_user_gets(editor):
    page = editor.client.get(PAGE).text
    seed = runtime.content_store().seed().responses["es"]["utter_anonymity"].text
    assert runtime.content_store().response("utter_anonymity", "es").text == seed
    answer = editor.client.post(PAGE, data=form_of(page, text=NEW, action="publish"))
    assert "Published." in answer.text
    assert runtime.renderer().render("utter_anonymity", "es", "rest")["text"] == NEW
    listing = editor.client.get("/content?language=fr&review=1").text
    assert "utter_anonymity" in listing  # French is to review now
    confirm = editor.client.post("/content/fr/utter_anonymity/confirm",
                                 data={"csrf": editor.csrf(PAGE)})  # fmt: skip
    assert "to review" not in confirm.text
    assert "utter_anonymity" not in editor.client.get("/content?language=fr&review=1").text


def test_a_draft_with_a_broken_placeholder_is_refused_with_the_reason_and_kept(editor):
    page = editor.client.get("/content/es/utter_handoff_done").text
    broken = "Hecho. Su referencia es {referencia}."
    answer = editor.client.post("/content/es/utter_handoff_done",
                                data=form_of(page, text=broken, action="publish"))  # fmt: skip
    assert answer.status_code == 400
    assert "The placeholders must be those of the seed text" in answer.text
    assert "+{referencia}" in answer.text and "-{reference}" in answer.text
    assert broken in answer.text  # the draft is kept


def test_the_preview_shows_each_channel_without_publishing(editor):
    page = editor.client.get(PAGE).text
    answer = editor.client.post(PAGE, data=form_of(page, text=NEW, action="preview"))
    assert answer.text.count(NEW) >= 5  # the form and four channels
    assert "SMS segment(s)" in answer.text
    assert runtime.content_store().response("utter_anonymity", "es").text != NEW


def test_a_second_editor_who_opened_the_old_text_cannot_overwrite(editor, tmp_path):
    other = editor.client.__class__(editor.client.app, base_url="http://testserver")
    editor.add(OTHER, "coordinator")
    editor.log_in(OTHER, client=other)
    mine, theirs = editor.client.get(PAGE).text, other.get(PAGE).text
    editor.client.post(PAGE, data=form_of(mine, text=NEW, action="publish"))
    late = other.post(PAGE, data=form_of(theirs, text="Otra cosa.", action="publish"))
    assert late.status_code == 409 and "Someone published this answer" in late.text
    assert "Otra cosa." in late.text
    assert runtime.content_store().response("utter_anonymity", "es").text == NEW


def test_a_version_can_be_reverted(editor):
    seed = runtime.content_store().seed().responses["es"]["utter_anonymity"].text
    page = editor.client.get(PAGE).text
    editor.client.post(PAGE, data=form_of(page, text=seed + " (1)", action="publish"))
    page = editor.client.get(PAGE).text
    editor.client.post(PAGE, data=form_of(page, text=NEW, action="publish"))
    page = editor.client.get(PAGE).text
    first = re.search(r'action="(/content/es/utter_anonymity/revert/\d+)"', page)
    assert first
    assert f"+{NEW}" in page  # each version shows what changed
    editor.client.post(first.group(1), data=form_of(page))
    assert runtime.content_store().response("utter_anonymity", "es").text == seed + " (1)"


def native_audit(editor) -> list[str]:
    from bot.console.audit import audit_trail

    with editor.database.session() as session:
        return [e.action for e in audit_trail(session) if "native" in e.action]


def test_a_native_speakers_review_is_recorded_shown_and_cleared_by_a_non_native_edit(editor):
    page = editor.client.get(PAGE).text
    assert "I am a native speaker of Spanish" in page
    assert "a translation awaiting review by a native speaker of Spanish" in page
    answer = editor.client.post(PAGE, data=form_of(page, text=NEW, action="publish", native="1"))
    assert "Published." in answer.text
    assert f"reviewed by a native speaker ({COORDINATOR}," in answer.text
    listing = editor.client.get("/content?language=es&native=reviewed").text
    assert "utter_anonymity" in listing and "1 answer(s) shown." in listing
    assert "utter_anonymity" not in editor.client.get("/content?language=es&native=awaiting").text
    # An edit in French, not as a native speaker, leaves the Spanish review.
    french = editor.client.get("/content/fr/utter_anonymity").text
    edit = form_of(french, text="Oui, sans votre nom.", action="publish")
    editor.client.post("/content/fr/utter_anonymity", data=edit)
    assert f"reviewed by a native speaker ({COORDINATOR}," in editor.client.get(PAGE).text
    # An edit in Spanish without the tick clears it.
    page = editor.client.get(PAGE).text
    answer = editor.client.post(PAGE, data=form_of(page, text=NEW + " Gracias.",
                                                   action="publish"))  # fmt: skip
    assert "a translation awaiting review by a native speaker of Spanish" in answer.text
    assert "utter_anonymity" in editor.client.get("/content?language=es&native=awaiting").text
    assert native_audit(editor) == ["content_native_reviewed", "content_native_cleared"]


def test_a_native_speaker_confirms_a_text_and_each_language_is_counted(editor):
    counts = re.compile(r'href="/content\?language=(\w+)&amp;native=reviewed">(\d+)</a>')
    before = dict(counts.findall(editor.client.get("/content").text))
    assert set(before) == {"nl", "en", "fr", "es", "de", "pt", "ar"}
    assert before["ar"] == "0"
    page = "/content/ar/utter_anonymity"
    answer = editor.client.post(page + "/confirm", data={"csrf": editor.csrf(page), "native": "1"})
    assert "reviewed by a native speaker" in answer.text
    after = dict(counts.findall(editor.client.get("/content").text))
    assert after["ar"] == "1" and after["es"] == before["es"]
    arabic = editor.client.get("/content?language=ar&native=reviewed").text
    assert "utter_anonymity" in arabic and "1 answer(s) shown." in arabic
    assert native_audit(editor) == ["content_native_reviewed"]


def test_a_confirmation_without_the_csrf_token_is_refused(editor):
    answer = editor.client.post("/content/ar/utter_anonymity/confirm", data={"native": "1"})
    assert answer.status_code == 403
    assert native_audit(editor) == []


def test_advisors_cannot_edit(editor):
    other = editor.client.__class__(editor.client.app, base_url="http://testserver")
    editor.log_in("nadia@example.org", client=other)
    assert other.get("/content").status_code == 403
    assert other.get(PAGE).status_code == 403
    answer = other.post(PAGE, data={"csrf": editor.csrf(client=other), "text": "x"})
    assert answer.status_code == 403
    confirm = other.post(PAGE + "/confirm", data={"csrf": editor.csrf(client=other),
                                                  "native": "1"})  # fmt: skip
    assert confirm.status_code == 403


def test_the_editors_store_stops_looking_for_edits_when_the_console_stops(tmp_path):
    """A store left looking would read (and migrate) the databases of whatever runs next."""
    import threading
    import time

    with running_console(tmp_path / "one"):
        runtime.content_store().content()
        assert any(t.name == "content-edits" and t.is_alive() for t in threading.enumerate())
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(
        t.name == "content-edits" and t.is_alive() for t in threading.enumerate()
    ):
        time.sleep(0.05)
    assert not any(t.name == "content-edits" and t.is_alive() for t in threading.enumerate())
