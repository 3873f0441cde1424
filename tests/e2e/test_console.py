"""The advisors' console end to end, in a real headless Chromium, against the real Rasa,
action and console servers, with the Telegram and Twilio channels pointed at their fakes:
users hand their conversation over by typing, an advisor logs in with password and TOTP,
sees only their own handoffs, takes one, answers on the user's channel, reads the user's
replies live, and closes it or the user goes back to the assistant."""

from __future__ import annotations

import asyncio
import csv
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from bot import runtime
from bot.cases.store import CaseStore
from bot.cases.views import Report
from bot.console import accounts
from bot.console.texts import all_texts
from bot.db import Database
from bot.handoffs.inbox import list_handoffs
from bot.handoffs.store import HandoffRecord, TranscriptEntry
from bot.pseudonym import RECEIPT
from tests.support import evidence as files
from tests.support.browser import chromium
from tests.support.console import (
    OVERVIEW_YEAR,
    PASSWORD,
    login_csrf,
    next_code,
    seed_overview_year,
    store_handoff,
)
from tests.support.fakes.telegram_api import FakeTelegramApi
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.messaging import (
    OUR_WHATSAPP,
    channels_env,
    new_chat,
    new_number,
    tap,
    telegram_update,
    text_update,
    twilio_message,
)
from tests.support.servers import Servers, running_servers

pytestmark = pytest.mark.e2e

LIVE_MS = 10_000  # the page polls every 1.5 s; the issue asks for 2 s after arrival


@pytest.fixture(scope="module")
def servers(
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    twilio_api: FakeTwilioApi,
    telegram_api: FakeTelegramApi,
) -> Iterator[Servers]:
    env = {**channels_env(twilio_api, telegram_api), "TWILIO_WHATSAPP_NUMBER": OUR_WHATSAPP}
    work = tmp_path_factory.mktemp("e2e-console")
    with running_servers(trained_model, work, env=env, console=True) as running:
        yield running


@pytest.fixture(autouse=True)
def servers_state(servers: Servers, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Read and write with the servers' keys and database, as the CLI on their machine."""
    monkeypatch.setenv("VM_STATE_DIR", servers.env["VM_STATE_DIR"])
    runtime.reset()
    database = Database(servers.env["DATABASE_URL"])  # migrated, as the first server's use does
    with runtime.override(database=database):
        yield database
    database.dispose()
    runtime.reset()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def console(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def expected(name: str, language: str, channel: str, **variables: str) -> str:
    return str(runtime.renderer().render(name, language, channel, variables)["text"])


def hand_over(say: Callable[[str], object], choose_first: Callable[[], object]) -> None:
    """A French user asks for an advisor at their embassy in Rabat, typing, picks the first
    advisor shown (Telegram: a tap on the button; WhatsApp: its number) and agrees."""
    for text in ("bonjour", "je voudrais parler à une personne de confiance", "Rabat", "oui",
                 "français", "non"):  # fmt: skip
        say(text)
    choose_first()
    say("oui")


def newest_handoff(servers: Servers, sender: str, channel: str) -> HandoffRecord:
    reference = runtime.reference_for(servers.sender_id(sender, channel))
    with runtime.database().session() as session:
        found = [h for h in list_handoffs(session) if h.conversation_ref == reference]
    assert found, "no handoff was stored"
    return found[0]


def advisor_account(database: Database, advisor_id: str) -> str:
    """The advisor's console account, made by the first test that needs it."""
    email = f"{advisor_id}@example.org"
    if email in PASSWORDS:
        return email
    with database.session() as session:
        enrolment = accounts.add_account(session, email, "advisor", advisor_id)
    assert enrolment.password
    PASSWORDS[email] = enrolment.password
    return email


PASSWORDS: dict[str, str] = {}


def log_in(page: Page, servers: Servers, database: Database, email: str) -> None:
    page.goto(f"{servers.console_url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORDS[email])
    page.get_by_label("Code from your authenticator app").fill(next_code(database, email))
    page.get_by_role("button", name="Log in").click()
    if page.url.endswith("/password"):
        page.get_by_label("Current password").fill(PASSWORDS[email])
        page.get_by_label("New password", exact=True).fill(PASSWORD)
        page.get_by_label("New password again").fill(PASSWORD)
        page.get_by_role("button", name="Save password").click()
        PASSWORDS[email] = PASSWORD
    expect(page.get_by_role("heading", name="Handed-off conversations")).to_be_visible()


def session_of(servers: Servers, database: Database, email: str) -> requests.Session:
    """A logged-in console session without a browser (changing a one-time password)."""
    web = requests.Session()
    page = web.get(f"{servers.console_url}/login", timeout=30)
    answer = web.post(
        f"{servers.console_url}/login",
        data={"csrf": login_csrf(page.text), "email": email, "password": PASSWORDS[email],
              "code": next_code(database, email)},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert answer.status_code == 303, answer.status_code
    if answer.headers["location"] == "/password":
        form = web.get(f"{servers.console_url}/password", timeout=30)
        changed = web.post(
            f"{servers.console_url}/password",
            data={"csrf": login_csrf(form.text), "current": PASSWORDS[email], "new": PASSWORD,
                  "again": PASSWORD},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        assert changed.status_code == 303
        PASSWORDS[email] = PASSWORD
    return web


def editor_page(servers: Servers, browser: Any, database: Database) -> Page:
    """A browser page logged in as the content editor, a coordinator made on first use."""
    email = "editor@example.org"
    if email not in PASSWORDS:
        with database.session() as session:
            PASSWORDS[email] = str(accounts.add_account(session, email, "coordinator").password)
    session_of(servers, database, email)  # the first login's password change
    page = browser.new_context(locale="en-GB").new_page()
    log_in_coordinator(page, servers, database, email)
    return page


def log_in_coordinator(page: Page, servers: Servers, database: Database, email: str) -> None:
    page.goto(f"{servers.console_url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORDS[email])
    page.get_by_label("Code from your authenticator app").fill(next_code(database, email))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()


def transcript(page: Page):
    return page.locator("#transcript")


def test_an_advisor_answers_a_telegram_user_who_then_gets_the_assistant_back(
    servers, telegram_api, console, servers_state
):
    chat = new_chat()

    def say(text: str) -> None:
        assert telegram_update(servers, text_update(chat, text)).status_code == 200

    def tap_first() -> None:
        advisors = telegram_api.texts_to(chat)[-1].buttons
        telegram_update(servers, tap(chat, advisors[0]["callback_data"]))

    hand_over(say, tap_first)
    handoff = newest_handoff(servers, str(chat), "telegram")
    assert handoff.advisor_id and handoff.language == "fr"
    mine = advisor_account(servers_state, handoff.advisor_id)
    other = advisor_account(servers_state, "kai-omar-farouk")  # Cairo: not this handoff

    log_in(console, servers, servers_state, other)
    expect(console.get_by_text(handoff.conversation_ref)).to_have_count(0)
    answer = console.goto(f"{servers.console_url}/handoffs/{handoff.id}")
    assert answer is not None and answer.status == 404
    console.context.clear_cookies()

    log_in(console, servers, servers_state, mine)
    console.get_by_role("link", name=handoff.conversation_ref).click()
    expect(transcript(console)).to_contain_text("je voudrais parler à une personne de confiance")
    before = len(telegram_api.texts_to(chat))
    console.get_by_role("button", name="Take this conversation").click()
    expect(
        console.get_by_text("The assistant is paused; you hold this conversation.")
    ).to_be_visible()
    joined = telegram_api.wait_for(chat, before + 1)[-1].text
    word = runtime.content_store().phrase("back_to_assistant_word", "fr")
    assert joined == expected("utter_advisor_joined", "fr", "telegram", back_word=str(word))

    console.get_by_label("Your message to the user").fill(
        "Bonjour, je suis là. Que se passe-t-il ?"
    )
    console.get_by_label("Sign with your first name (optional)").fill("Nadia")
    console.get_by_role("button", name="Send").click()
    expect(console.get_by_text("delivered")).to_be_visible()
    sent = telegram_api.wait_for(chat, before + 2)[-1].text
    assert sent.startswith("Nadia (personne de confiance)") or "Nadia" in sent.split("\n")[0]
    assert sent.endswith("Bonjour, je suis là. Que se passe-t-il ?")

    # The user's answer reaches the console; the assistant says nothing to it.
    count = len(telegram_api.texts_to(chat))
    say("mon chef me crie dessus tous les jours")
    expect(transcript(console)).to_contain_text("mon chef me crie dessus", timeout=LIVE_MS)
    assert len(telegram_api.texts_to(chat)) == count

    # A photo sent meanwhile goes to the advisor's handoff, and the page lists it.
    count = len(telegram_api.texts_to(chat))
    photo = [{**telegram_api.add_file(files.jpeg(), "photos"), "width": 64, "height": 48}]
    update = text_update(chat, "x")
    del update["message"]["text"]
    assert telegram_update(servers, {**update, "message": {**update["message"], "photo": photo}})
    given = telegram_api.wait_for(chat, count + 1)[-1].text
    template = runtime.content_store().response("utter_file_given_to_advisor", "fr").text
    assert given.startswith(template.split("{")[0])
    console.reload()
    expect(console.get_by_text("Photo or image")).to_be_visible(timeout=LIVE_MS)
    expect(transcript(console)).to_contain_text(all_texts()["en"]["user_sent_file"])
    expect(transcript(console)).not_to_contain_text("share_file")
    count = len(telegram_api.texts_to(chat))

    # An emergency is answered at once, and flagged to the advisor.
    say("il est devant ma porte avec un couteau, il va me tuer")
    emergency = telegram_api.wait_for(chat, count + 1)[-1].text
    assert emergency == expected("utter_emergency", "fr", "telegram")
    expect(console.get_by_text("Emergency: the assistant answered")).to_be_visible(timeout=LIVE_MS)

    # The user goes back to the assistant with the word they were given.
    count = len(telegram_api.texts_to(chat))
    say(str(word).lower())
    back = telegram_api.wait_for(chat, count + 1)[-1].text
    assert back == expected("utter_back_to_assistant", "fr", "telegram")
    expect(console.get_by_text("The user went back to the assistant.")).to_be_visible(
        timeout=LIVE_MS
    )
    count = len(telegram_api.texts_to(chat))
    say("c'est quoi une personne de confiance ?")
    assert len(telegram_api.wait_for(chat, count + 1)) > count  # the assistant answers again
    logs = servers.log_text()  # the Rasa, action and console servers' logs
    for written in ("mon chef me crie dessus", "Que se passe-t-il", "couteau"):
        assert written not in logs


def test_an_advisor_answers_a_whatsapp_user_and_closes(servers, twilio_api, console, servers_state):
    me = new_number("whatsapp:+2126")

    def say(text: str) -> None:
        assert twilio_message(servers, me, text).status_code == 200

    hand_over(say, lambda: say("1"))
    if "numéro" in twilio_api.bodies_to(me)[-1]:  # the number question: WhatsApp only
        say("non")
    number = me.removeprefix("whatsapp:")
    handoff = newest_handoff(servers, number, "whatsapp")
    email = advisor_account(servers_state, str(handoff.advisor_id))
    log_in(console, servers, servers_state, email)
    console.goto(f"{servers.console_url}/handoffs/{handoff.id}")
    console.get_by_role("button", name="Take this conversation").click()
    count = len(twilio_api.bodies_to(me))
    console.get_by_label("Your message to the user").fill("Je vous écoute.")
    console.get_by_role("button", name="Send").click()
    expect(console.get_by_text("delivered")).to_be_visible()
    assert twilio_api.wait_for(me, count + 1)[-1].body.endswith("Je vous écoute.")
    assert twilio_api.messages_to(me)[-1].from_ == OUR_WHATSAPP

    say("merci")
    expect(transcript(console)).to_contain_text("merci", timeout=LIVE_MS)

    # The user sends STOP: the next message is kept, not delivered, and sent again later.
    say("STOP")
    count = len(twilio_api.bodies_to(me))
    console.get_by_label("Your message to the user").fill("Êtes-vous toujours là ?")
    console.get_by_role("button", name="Send").click()
    expect(console.get_by_text("not delivered: the user stopped messages")).to_be_visible()
    assert len(twilio_api.bodies_to(me)) == count
    say("START")
    count = len(twilio_api.bodies_to(me))
    console.get_by_role("button", name="Send again").click()
    expect(console.get_by_role("button", name="Send again")).to_have_count(0)
    assert twilio_api.wait_for(me, count + 1)[-1].body.endswith("Êtes-vous toujours là ?")

    count = len(twilio_api.bodies_to(me))
    console.get_by_role("button", name="Close the conversation").click()
    expect(console.get_by_role("heading", name="Handed-off conversations")).to_be_visible()
    closed = twilio_api.wait_for(me, count + 1)[-1].body
    assert closed == expected("utter_advisor_closed", "fr", "whatsapp")
    with runtime.database().session() as session:
        (record,) = [h for h in list_handoffs(session, ("closed",)) if h.id == handoff.id]
    assert record.reply_address is None and record.conversation_id is None

    count = len(twilio_api.bodies_to(me))
    say("bonjour")
    assert len(twilio_api.wait_for(me, count + 1)) > count  # the assistant answers again


def test_an_advisor_answers_a_web_chat_user_in_arabic(servers, browser, console, servers_state):
    user = browser.new_context(locale="ar-MA").new_page()
    user.set_default_timeout(90_000)
    user.goto(f"{servers.url}/webchat/demo")
    expect(user.locator("#vm-webchat")).to_have_attribute("data-state", "connected")
    said = user.locator(".vmw-message--bot p")
    field = user.locator("#vm-webchat textarea, #vm-webchat input[type=text]").first

    def settled(before: int) -> None:
        """Waits for the whole answer: new messages, then none for a moment (an answer of
        several paragraphs arrives as several messages)."""
        expect(said).not_to_have_count(before)
        count = -1
        while count != said.count():
            count = said.count()
            user.wait_for_timeout(800)

    def say(text: str) -> None:
        count = said.count()
        field.fill(text)
        field.press("Enter")
        settled(count)

    for text in ("مرحبا", "أريد التحدث إلى مستشار سري", "الرباط", "نعم", "العربية", "لا"):
        say(text)
    count = said.count()
    user.locator(".vmw-choices button", has_text="Nadia Benali").click()
    settled(count)
    say("نعم")
    with runtime.database().session() as session:
        handoff = [h for h in list_handoffs(session) if h.channel == "webchat"][0]
    assert handoff.language == "ar"

    log_in(console, servers, servers_state, advisor_account(servers_state, str(handoff.advisor_id)))
    console.goto(f"{servers.console_url}/handoffs/{handoff.id}")
    expect(transcript(console)).to_have_attribute("dir", "rtl")
    console.get_by_role("button", name="Take this conversation").click()
    word = str(runtime.content_store().phrase("back_to_assistant_word", "ar"))
    joined = expected("utter_advisor_joined", "ar", "webchat", back_word=word)
    expect(said.last).to_have_text(joined.strip().split("\n\n")[-1])

    console.get_by_label("Your message to the user").fill("مرحبا، أنا هنا لمساعدتك.")
    console.get_by_role("button", name="Send").click()
    expect(console.get_by_text("delivered")).to_be_visible()
    expect(said.last).to_contain_text("مرحبا، أنا هنا لمساعدتك.")

    field.fill("شكرا، مديري يصرخ علي كل يوم")
    field.press("Enter")
    expect(transcript(console)).to_contain_text("مديري يصرخ علي", timeout=LIVE_MS)

    console.get_by_role("button", name="Hand back to the assistant").click()
    handed_back = expected("utter_advisor_handed_back", "ar", "webchat")
    expect(said.last).to_have_text(handed_back.strip().split("\n\n")[-1])

    # The user closed the chat: the advisor's message is kept, not delivered, with a retry.
    user.context.close()
    console.get_by_label("Your message to the user").fill("هل ما زلت هنا؟")
    console.get_by_role("button", name="Send").click()
    expect(console.get_by_text("not delivered: the web chat window is closed")).to_be_visible()
    expect(console.get_by_role("button", name="Send again")).to_be_visible()


def test_a_console_session_cannot_call_the_rasa_api(servers, servers_state):
    """Security: the console's session opens the console only; the Rasa API wants its token."""
    email = advisor_account(servers_state, "rab-youssef-tazi")
    web = session_of(servers, servers_state, email)
    cookie = web.cookies.get("vm_session")
    assert cookie
    tracker = f"{servers.url}/conversations/rest:abc/tracker"
    for headers in ({"Cookie": f"vm_session={cookie}"}, {"Authorization": f"Bearer {cookie}"}):
        assert requests.get(tracker, headers=headers, timeout=30).status_code == 401
    assert requests.get(tracker, params={"token": cookie}, timeout=30).status_code == 401
    assert web.get(f"{servers.console_url}/conversations/rest:abc/tracker").status_code == 404


def test_the_console_works_by_keyboard_and_passes_an_accessibility_check(
    servers, browser, servers_state
):
    """Keyboard only: log in, change the password, open a conversation. axe-core (WCAG 2
    A and AA rules: labels, contrast, landmarks, language) finds nothing on any page."""
    email = advisor_account(servers_state, "tun-salma-trabelsi")
    handoff_id = store_handoff(
        servers_state, advisor_id="tun-salma-trabelsi", pool_language=None, language="ar",
        transcript=[TranscriptEntry("user", "مديري يصرخ علي كل يوم")],
    )  # fmt: skip
    page = browser.new_context(locale="nl-NL").new_page()
    axe = Axe()

    def accessible() -> None:
        options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
        found = axe.run(page, options=options)
        assert found.violations_count == 0, found.generate_report()

    page.goto(f"{servers.console_url}/login")
    accessible()
    expect(page.get_by_label("E-mailadres")).to_be_focused()  # autofocus
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS[email])
    page.keyboard.press("Tab")
    page.keyboard.type(next_code(servers_state, email))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kies een nieuw wachtwoord")).to_be_visible()
    accessible()
    page.get_by_label("Huidig wachtwoord").focus()
    for text in (PASSWORDS[email], PASSWORD, PASSWORD):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    PASSWORDS[email] = PASSWORD
    expect(page.get_by_role("heading", name="Overgedragen gesprekken")).to_be_visible()
    accessible()
    link = page.get_by_role("link", name=re.compile("^VM-"))
    for _ in range(20):  # Tab until the conversation's link has the focus
        page.keyboard.press("Tab")
        if link.evaluate("node => node === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/handoffs/{handoff_id}$"))
    expect(transcript(page)).to_have_attribute("dir", "rtl")
    accessible()
    page.context.close()


def test_a_coordinator_acknowledges_the_overdue_case_first(servers, browser, servers_state):
    """The case desk (issue 13): an overdue case on top; acknowledging it records the
    coordinator's account in the audit trail. An advisor's session gets 403 there."""
    store = CaseStore(servers_state, lookup_key=runtime.purpose_key(RECEIPT))
    now = datetime.now(timezone.utc)
    story = "Mon chef demande de l'argent pour renouveler les contrats."
    fields = dict(
        what_happened=story, language="fr", channel="whatsapp", when=None, where=None,
        post_code="RAB", involved=None, witnesses=None, spoke_to="neither",
        contact="anonymous", contact_details=None, conversation_reference=None,
    )  # fmt: skip

    def submit(report: Report, at: datetime) -> Any:
        # Playwright's sync API keeps an event loop running in this thread: use another.
        with ThreadPoolExecutor(1) as worker:
            return worker.submit(asyncio.run, store.submit_report(report, now=at)).result()

    late = submit(Report(kind="fraud", **fields), now - timedelta(9))
    submit(Report(kind="bullying", **fields), now)
    with servers_state.session() as session:
        enrolment = accounts.add_account(session, "coord@example.org", "coordinator")
    PASSWORDS["coord@example.org"] = str(enrolment.password)

    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{servers.console_url}/login")
    page.get_by_label("E-mail address").fill("coord@example.org")
    page.get_by_label("Password").fill(PASSWORDS["coord@example.org"])
    page.get_by_label("Code from your authenticator app").fill(
        next_code(servers_state, "coord@example.org")
    )
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Current password").fill(PASSWORDS["coord@example.org"])
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    first = page.locator("table.inbox tbody tr").first
    expect(first).to_contain_text(f"Case {late.case_id}")
    expect(first).to_contain_text("acknowledgement OVERDUE by 2 days")
    first.get_by_role("link").click()
    expect(page.get_by_text(story)).to_be_visible()
    page.get_by_role("button", name="Acknowledge receipt").click()
    trail = page.locator("table.inbox").last
    expect(trail).to_contain_text("case.acknowledged")
    expect(trail).to_contain_text("coord@example.org (console:")
    page.context.close()

    email = advisor_account(servers_state, "rab-youssef-tazi")
    advisor = session_of(servers, servers_state, email)
    answer = advisor.get(f"{servers.console_url}/cases/{late.case_id}", timeout=30)
    assert answer.status_code == 403 and story not in answer.text


def test_a_coordinator_edits_the_spanish_answer_and_the_next_user_gets_it(
    servers, browser, servers_state
):
    """Issue 13: published in the console, the Rasa server answers with it, no restart;
    reverted, the seed text is back."""
    page = editor_page(servers, browser, servers_state)
    page.goto(f"{servers.console_url}/content/es/utter_anonymity")
    new = "Sí: puede informar sin dar su nombre, y nadie le pedirá que lo haga."
    page.get_by_label("Text", exact=True).fill(new)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published.")).to_be_visible()

    def answer() -> str:
        sender = f"es-{uuid.uuid4().hex[:8]}"
        replies = servers.say(sender, "¿puedo denunciar sin dar mi nombre?")
        return " ".join(r.get("text") or "" for r in replies)

    deadline = time.monotonic() + 15  # every server looks every 2 seconds
    while new not in answer() and time.monotonic() < deadline:
        time.sleep(1)
    assert new in answer()

    page.get_by_role("button", name="Back to the seed text").click()
    expect(page.get_by_text("Published.")).to_be_visible()
    seed = runtime.content_store().seed().responses["es"]["utter_anonymity"].text
    deadline = time.monotonic() + 15
    while new in answer() and time.monotonic() < deadline:
        time.sleep(1)
    assert seed.split("\n")[0] in answer()
    page.context.close()


def test_publishing_a_broken_placeholder_is_refused_with_the_reason_and_the_draft_kept(
    servers, browser, servers_state
):
    """Issue 13: the English introduction to the report loses its {coordinator_email}; the
    page says why it is refused, keeps the draft, and users still get the seed text."""
    page = editor_page(servers, browser, servers_state)
    page.goto(f"{servers.console_url}/content/en/utter_report")
    field = page.get_by_label("Text", exact=True)
    broken = field.input_value().replace("{coordinator_email}", "{coordinator_mail}")
    field.fill(broken)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The placeholders must be those of the seed text")).to_be_visible()
    assert page.get_by_label("Text", exact=True).input_value() == broken
    replies = servers.say(f"en-{uuid.uuid4().hex[:8]}", "I want to file a report")
    said = " ".join(r.get("text") or "" for r in replies)
    assert "{coordinator_mail}" not in said and "@" in said  # the address, as the seed has it
    page.context.close()


def test_the_overview_shows_small_counts_and_its_csv_matches_the_page(
    servers, browser, servers_state
):
    """Issue 13: the overview of a seeded year shows "<5" where a count is under 5, the CSV
    a coordinator downloads holds the page's cells, and the page passes axe-core. An
    advisor account cannot open it (403)."""
    seed_overview_year(servers_state)  # 42 cases in 2025; 3 discrimination reports in Q2
    email = "annual@example.org"
    with servers_state.session() as session:
        PASSWORDS[email] = str(accounts.add_account(session, email, "coordinator").password)
    session_of(servers, servers_state, email)  # the first login's password change
    page = browser.new_context(locale="en-GB", accept_downloads=True).new_page()
    log_in_coordinator(page, servers, servers_state, email)
    page.get_by_role("link", name="Overview").click()
    page.get_by_label("Year", exact=True).select_option(str(OVERVIEW_YEAR))
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=f"Annual overview {OVERVIEW_YEAR}")).to_be_visible()
    chart = page.get_by_role("img", name=f"By kind of behaviour, {OVERVIEW_YEAR}", exact=True)
    expect(chart).to_have_attribute("aria-describedby", "chart-kind-desc")

    def cells(table: Any) -> list[list[str]]:
        return [
            [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
            for row in table.locator("tr").all()
        ]

    shown = {
        table.get_attribute("id"): cells(table) for table in page.locator("table.figures").all()
    }
    kinds = {row[0]: row[1:] for row in shown["table-kind"]}
    assert kinds["discrimination"] == ["<5"] * 5
    assert kinds["fraud"][-1] == "23" and kinds["Total"] == ["11", "9", "11", "11", "42"]
    assert shown["table-quarters"][1] == ["all cases", "11", "9", "11", "11", "42"]

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    path = download.value.path()
    assert download.value.suggested_filename == f"veilig-melden-overview-{OVERVIEW_YEAR}.csv"
    header, *rows = list(csv.reader(Path(path).read_text(encoding="utf-8-sig").splitlines()))
    headings = page.locator("section.figures h2").all_inner_texts()
    tables = list(shown.values())
    assert len(headings) == len(tables)
    for heading, (columns, *lines) in zip(headings, tables, strict=True):
        assert columns[1:] == header[2:]
        assert [row[1:] for row in rows if row[0] == heading] == lines, heading

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    found = Axe().run(page, options=options)
    assert found.violations_count == 0, found.generate_report()
    page.context.close()

    advisor = session_of(servers, servers_state, advisor_account(servers_state, "rab-youssef-tazi"))
    for path in (f"/overview?year={OVERVIEW_YEAR}", f"/overview.csv?year={OVERVIEW_YEAR}"):
        answer = advisor.get(f"{servers.console_url}{path}", timeout=30)
        assert answer.status_code == 403 and "discrimination" not in answer.text


def test_the_coordinators_review_and_directory_pages_pass_an_accessibility_check(
    servers, browser, servers_state
):
    """Issue 13: a native speaker confirms the Arabic answer about anonymity; an advisor's
    form refused with its problems by field, and a refused link, are announced; every page
    passes axe-core (WCAG 2 A and AA). An advisor account gets 403 on them."""
    email = "desk@example.org"
    with servers_state.session() as session:
        PASSWORDS[email] = str(accounts.add_account(session, email, "coordinator").password)
    session_of(servers, servers_state, email)  # the first login's password change
    page = browser.new_context(locale="en-GB").new_page()
    log_in_coordinator(page, servers, servers_state, email)
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}

    def accessible() -> None:
        found = Axe().run(page, options=options)
        assert found.violations_count == 0, found.generate_report()

    page.goto(f"{servers.console_url}/content?language=ar&native=awaiting")
    expect(page.get_by_role("link", name="utter_anonymity", exact=True)).to_be_visible()
    accessible()
    page.goto(f"{servers.console_url}/content/ar/utter_anonymity")
    confirm = page.locator("form[action$='/confirm']")
    confirm.get_by_label("I am a native speaker of Arabic").check()
    confirm.get_by_role("button", name="Confirm this text as reviewed").click()
    expect(page.locator("#native-state")).to_contain_text(f"reviewed by a native speaker ({email}")
    accessible()

    page.goto(f"{servers.console_url}/directory/advisors/rab-nadia-benali")
    accessible()
    page.get_by_label("Languages").fill("ar, xx")
    page.get_by_role("button", name="Save", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Languages: 'xx' is not an ISO 639-1 language code")
    expect(page.get_by_label("Languages")).to_have_value("ar, xx")
    expect(page.get_by_label("Languages")).to_have_attribute("aria-invalid", "true")
    accessible()
    page.goto(f"{servers.console_url}/directory/advisors/rab-nadia-benali")
    page.get_by_label("E-mail address of an existing advisor account").fill("nobody@example.org")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("No console account has the e-mail")
    accessible()
    page.goto(f"{servers.console_url}/directory/posts/RAB")
    expect(page.get_by_label("City", exact=True)).to_have_value("Rabat")
    accessible()
    page.context.close()

    advisor = session_of(servers, servers_state, advisor_account(servers_state, "rab-youssef-tazi"))
    for path in ("/directory/advisors/rab-nadia-benali", "/directory/posts/RAB"):
        assert advisor.get(f"{servers.console_url}{path}", timeout=30).status_code == 403
