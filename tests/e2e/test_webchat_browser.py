"""The web chat widget in a real headless Chromium (Debian's), on the demo page served by
the real Rasa server: a conversation in French with a button, a switch to Arabic, a first
"hallo" answered in the language the widget shows, a file sent with the keyboard alone,
and the quick exit, by button and by keyboard."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot import runtime
from bot.settings import settings
from channels.webchat.sessions import SessionTokens
from tests.support import evidence as files
from tests.support.browser import chromium
from tests.support.servers import Servers, free_port, running_servers

pytestmark = pytest.mark.e2e

# The neutral page answers slowly, so the test can look at the chat's page between the
# quick exit and the arrival of the neutral page.
NEUTRAL_DELAY_SECONDS = 3.0
REPLY_TIMEOUT_MS = 90_000
AFTER_EXIT = "after-quick-exit "
SECRET = "browser-test-secret"


class NeutralSite(ThreadingHTTPServer):
    """A stand-in for the weather site the quick exit leaves to, on loopback."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _NeutralPage)
        self.referers: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _NeutralPage(BaseHTTPRequestHandler):
    server: NeutralSite

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path.startswith("/weather"):
            self.server.referers.append(self.headers.get("Referer"))
            time.sleep(NEUTRAL_DELAY_SECONDS)
            body = "<!doctype html><title>Weather</title><h1>Weather today: sunny</h1>"
        else:
            body = "<!doctype html><title>Intranet</title><h1>Intranet home</h1>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def neutral_site() -> Iterator[NeutralSite]:
    site = NeutralSite()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()


@pytest.fixture(scope="module")
def servers(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, neutral_site: NeutralSite
) -> Iterator[Servers]:
    work = tmp_path_factory.mktemp("webchat-browser")
    credentials = work / "credentials.yml"
    credentials.write_text(
        f"channels.webchat.channel.WebChatInput:\n  quick_exit_url: {neutral_site.url}/weather\n"
    )
    env = {"VM_WEBCHAT_SECRET": SECRET}
    with running_servers(trained_model, work, credentials=credentials, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR")  # the widget follows the browser
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    yield page
    context.close()


def label(name: str, language: str) -> str:
    return runtime.renderer().phrase(f"webchat_{name}", language)


def paragraphs(name: str, language: str) -> list[str]:
    return runtime.renderer().render(name, language, "socketio")["text"].strip().split("\n\n")


CONNECT_TIMEOUT_MS = 60_000


def open_chat(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.url}/webchat/demo")
    # Generous: the first page of a run loads while the other worker's servers start.
    expect(page.locator("#vm-webchat")).to_have_attribute(
        "data-state", "connected", timeout=CONNECT_TIMEOUT_MS
    )


def bot_messages(page: Page):
    return page.locator(".vmw-message--bot p")


def storage(page: Page) -> dict:
    return page.evaluate(
        "() => ({local: Object.keys(localStorage), session: Object.keys(sessionStorage)})"
    )


def test_french_conversation_with_a_button_then_arabic_right_to_left(page: Page, servers: Servers):
    open_chat(page, servers)
    widget = page.locator("#vm-webchat")
    expect(widget).to_have_attribute("lang", "fr")
    expect(widget).to_have_attribute("dir", "ltr")
    # Named for screen readers, in French: the region, the log, the field and the buttons.
    expect(page.get_by_role("region", name=label("region", "fr"))).to_be_visible()
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    field = page.get_by_label(label("input_label", "fr"))
    expect(page.get_by_role("button", name=label("quick_exit", "fr"))).to_be_visible()

    field.fill("bonjour")
    field.press("Enter")
    expect(bot_messages(page)).to_have_text(paragraphs("utter_greet", "fr"))

    button = runtime.renderer().render("utter_greet", "fr", "socketio")["buttons"][1]
    assert button["payload"] == "/ask_options"
    page.get_by_role("button", name=button["title"]).click()
    expect(bot_messages(page)).to_have_text(
        paragraphs("utter_greet", "fr") + paragraphs("utter_options", "fr")
    )
    expect(page.locator(".vmw-message--user p")).to_have_text(["bonjour", button["title"]])
    expect(field).to_be_focused()  # the clicked button is gone; typing goes on
    # Only the latest answer's buttons are offered, each reachable with the keyboard.
    expect(page.get_by_role("button", name=button["title"])).to_have_count(0)
    choices = page.locator(".vmw-choices button")
    expect(choices).to_have_count(
        len(runtime.renderer().render("utter_options", "fr", "socketio")["buttons"])
    )
    field.focus()
    page.keyboard.press("Shift+Tab")  # back from the field lands on the last choice
    expect(choices.last).to_be_focused()

    # The picker relabels itself in each language chosen: hold on to the element.
    picker = page.get_by_label(label("language", "fr")).element_handle()
    picker.select_option("de")  # passing German on the way ...
    picker.select_option("ar")  # ... to Arabic: only Arabic is asked for
    expect(widget).to_have_attribute("dir", "rtl")
    expect(widget).to_have_attribute("lang", "ar")
    assert widget.evaluate("node => getComputedStyle(node).direction") == "rtl"
    expect(page.get_by_role("button", name=label("send", "ar"))).to_be_visible()
    expect(page.get_by_role("button", name=label("quick_exit", "ar"))).to_be_visible()
    expect(bot_messages(page).last).to_have_text(paragraphs("utter_language_changed", "ar")[-1])
    expect(page.locator(".vmw-message--user p")).to_have_text(
        ["bonjour", button["title"], "العربية"]
    )

    arabic_field = page.get_by_label(label("input_label", "ar"))
    arabic_field.fill("هل سيبقى اسمي سريا إذا أبلغت؟")
    page.get_by_role("button", name=label("send", "ar")).click()
    expect(bot_messages(page).last).to_have_text(paragraphs("utter_anonymity", "ar")[-1])

    kept = storage(page)
    assert kept["local"] == []
    assert sorted(kept["session"]) == ["vm-webchat:language", "vm-webchat:token"]


def test_a_first_hallo_is_answered_in_the_language_the_chat_shows(
    browser: Browser, servers: Servers
):
    """ "hallo" alone could be Dutch or German; in a widget shown in Dutch (a Dutch browser)
    the answer is Dutch, and so is the conversation after it."""
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        open_chat(page, servers)
        expect(page.locator("#vm-webchat")).to_have_attribute("lang", "nl")
        field = page.get_by_label(label("input_label", "nl"))
        field.fill("hallo")
        field.press("Enter")
        expect(bot_messages(page)).to_have_text(paragraphs("utter_greet", "nl"))
        field.fill("kan ik anoniem melden?")
        field.press("Enter")
        expect(bot_messages(page).last).to_have_text(paragraphs("utter_anonymity", "nl")[-1])
    finally:
        context.close()


def test_the_widget_follows_the_language_the_person_writes_in(browser: Browser, servers: Servers):
    """A widget shown in English (an English browser) turns its own labels to French once
    the person writes French and the assistant answers in it; a reload keeps French."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        open_chat(page, servers)
        widget = page.locator("#vm-webchat")
        expect(widget).to_have_attribute("lang", "en")
        field = page.get_by_label(label("input_label", "en"))
        field.fill("bonjour, est-ce que je peux signaler quelque chose sans donner mon nom ?")
        field.press("Enter")
        expect(bot_messages(page).last).to_have_text(paragraphs("utter_anonymity", "fr")[-1])
        expect(widget).to_have_attribute("lang", "fr")
        expect(page.get_by_role("button", name=label("send", "fr"))).to_be_visible()
        expect(page.get_by_role("button", name=label("quick_exit", "fr"))).to_be_visible()
        expect(page.get_by_label(label("language", "fr"))).to_have_value("fr")
        page.reload()
        expect(widget).to_have_attribute("data-state", "connected")
        expect(widget).to_have_attribute("lang", "fr")
    finally:
        context.close()


def test_quick_exit_button_leaves_nothing_behind(
    page: Page, servers: Servers, neutral_site: NeutralSite
):
    page.goto(f"{neutral_site.url}/intranet")
    open_chat(page, servers)
    greeting = paragraphs("utter_greet", "fr")[0]
    page.get_by_label(label("input_label", "fr")).fill("bonjour")
    page.get_by_label(label("input_label", "fr")).press("Enter")
    expect(bot_messages(page).first).to_have_text(greeting)
    assert "vm-webchat:token" in storage(page)["session"]

    # What the chat's page holds right after the quick exit, before the neutral page
    # arrives: a listener that runs after the widget's own, reporting on the console.
    after_exit: list[dict] = []
    page.on(
        "console",
        lambda message: (
            after_exit.append(json.loads(message.text[len(AFTER_EXIT) :]))
            if message.text.startswith(AFTER_EXIT)
            else None
        ),
    )
    page.evaluate(
        """prefix => window.addEventListener("click", () => console.log(prefix + JSON.stringify({
            widget: document.getElementById("vm-webchat") !== null,
            text: document.body.innerText,
            local: localStorage.length,
            session: sessionStorage.length,
        })))""",
        AFTER_EXIT,
    )
    page.get_by_role("button", name=label("quick_exit", "fr")).click(no_wait_after=True)
    page.wait_for_url(f"{neutral_site.url}/weather")
    assert len(after_exit) == 1
    assert after_exit[0]["widget"] is False
    assert greeting not in after_exit[0]["text"]
    assert (after_exit[0]["local"], after_exit[0]["session"]) == (0, 0)

    expect(page.locator("h1")).to_have_text("Weather today: sunny")
    assert neutral_site.referers[-1] is None  # the neutral site is not told where from

    page.go_back()  # Back skips the conversation: its page was replaced
    assert page.url == f"{neutral_site.url}/intranet"
    assert greeting not in page.content()

    # The chat's own origin, in the same tab: nothing kept for it.
    page.goto(f"{servers.url}/webchat/")
    assert storage(page) == {"local": [], "session": []}


def test_escape_twice_is_a_quick_exit(page: Page, servers: Servers, neutral_site: NeutralSite):
    open_chat(page, servers)
    field = page.get_by_label(label("input_label", "fr"))
    field.fill("bonjour")
    field.press("Enter")
    expect(bot_messages(page).first).to_have_text(paragraphs("utter_greet", "fr")[0])

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{neutral_site.url}/weather")
    page.goto(f"{servers.url}/webchat/")
    assert storage(page) == {"local": [], "session": []}


def test_a_file_is_sent_with_the_keyboard_alone(browser: Browser, servers: Servers, tmp_path: Path):
    """Tab from the message field reaches the attach button, named in the person's
    language; Enter (and Space) opens the file picker; the file shows as the person's own
    bubble with its name and size (the name never leaves the browser), the assistant
    answers it, and a zip is refused with the reason."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    photo = tmp_path / "whiteboard-after-the-meeting.jpg"
    photo.write_bytes(files.jpeg(files.gps_and_camera_exif()))
    archive = tmp_path / "all-the-photos.zip"
    archive.write_bytes(files.zip_of({"a.jpg": files.jpeg(), "b.jpg": files.jpeg()}))
    # A listener for the whole test keeps Playwright intercepting file pickers: each
    # expect_file_chooser alone turns interception on and off, and a picker opened while
    # it is being turned on again is missed.
    page.on("filechooser", lambda _: None)
    try:
        open_chat(page, servers)
        attach = page.get_by_role("button", name=label("attach", "en"))
        expect(attach).to_be_visible()
        expect(attach).to_have_accessible_name(label("attach", "en"))
        # The picker's own input is out of the tab order and the accessibility tree.
        expect(page.locator(".vmw-file")).to_have_attribute("tabindex", "-1")
        expect(page.locator(".vmw-file")).to_have_attribute("accept", re.compile(r"image/\*"))

        page.get_by_label(label("input_label", "en")).focus()
        page.keyboard.press("Tab")
        expect(attach).to_be_focused()
        with page.expect_file_chooser() as chosen:
            page.keyboard.press("Enter")
        chosen.value.set_files(str(photo))

        shown = f"{photo.name}, {max(1, round(photo.stat().st_size / 1024))} KB"
        bubble = page.get_by_role("log").locator(".vmw-message--file")
        expect(bubble).to_have_count(1)
        expect(bubble).to_contain_text(shown)
        expect(bubble).to_contain_text(f"{label('you', 'en')}: {label('file', 'en')}: ")
        # The assistant's answer to the file, as the conversation on the server has it.
        token = page.evaluate("() => sessionStorage.getItem('vm-webchat:token')")
        session_id = SessionTokens(SECRET.encode()).verify(token)
        assert session_id is not None
        expect(bot_messages(page)).not_to_have_count(0, timeout=REPLY_TIMEOUT_MS)
        expect(attach).not_to_have_attribute("aria-disabled", "true")
        tracker = servers.tracker(session_id, "webchat")
        [shared] = [e for e in tracker["events"] if e["event"] == "user"]
        # Stored without the file's id, which a case's file would keep (redaction).
        assert shared["text"] == "/share_file"
        assert shared["parse_data"]["intent"]["name"] == "share_file"
        answers = [e for e in tracker["events"] if e["event"] == "bot"]
        # Received with its details taken out, then the offer to keep originals from now on.
        said = [answer["metadata"]["utter_action"] for answer in answers[-2:]]
        assert said == ["utter_file_received", "utter_file_offer_original"]
        expect(bot_messages(page).last).to_have_text(answers[-1]["text"].strip().split("\n\n")[-1])
        assert photo.name not in json.dumps(tracker)

        expect(attach).to_be_focused()  # the picker gave the focus back
        with page.expect_file_chooser() as chosen:
            page.keyboard.press("Space")
        chosen.value.set_files(str(archive))
        expect(bubble).to_have_count(2)
        expect(bubble.last).to_contain_text(archive.name)
        refusal = runtime.renderer().render(
            "evidence_refused_archive",
            "en",
            "socketio",
            {"max_mb": settings().evidence_max_file_mb},
        )["text"]
        expect(bot_messages(page).last).to_have_text(refusal.strip().split("\n\n")[-1])
        expect(attach).not_to_have_attribute("aria-disabled", "true")
        assert photo.name not in servers.log_text() and archive.name not in servers.log_text()
    finally:
        context.close()
