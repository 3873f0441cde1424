"""The advisor's inbox and conversations: each advisor sees exactly the handoffs addressed
to them or to the pools of their posts and languages, and nothing else exists for them;
claiming is first come, first served; transcripts are shown as text, in their direction;
views and actions are audited without content; nothing an advisor writes is lost."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from bot.console.audit import audit_trail
from bot.handoffs.messages import messages_of
from bot.handoffs.store import TranscriptEntry
from tests.support.console import running_console

NADIA, YOUSSEF, COORDINATOR, ADMIN = (
    "nadia@example.org",
    "youssef@example.org",
    "coordinator@example.org",
    "admin@example.org",
)
SCRIPT = '<script>alert("x")</script><b>bold</b>'


@pytest.fixture
def console(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(NADIA, "advisor", "rab-nadia-benali")  # RAB; Arabic and French
        console.add(YOUSSEF, "advisor", "rab-youssef-tazi")  # RAB; Arabic, French, English
        console.add(COORDINATOR, "coordinator")
        console.add(ADMIN, "admin")
        yield console


def handoffs(console) -> dict[str, str]:
    """One handoff of each kind an advisor of Rabat might meet."""
    return {
        "to_nadia": console.handoff(advisor_id="rab-nadia-benali", pool_language=None),
        "pool_rab_fr": console.handoff(pool_language="fr"),
        "pool_rab_ar": console.handoff(pool_language="ar", language="ar"),
        "pool_rab_en": console.handoff(pool_language="en", language="en"),
        "pool_kai_ar": console.handoff(post_code="KAI", pool_language="ar", language="ar"),
        "to_youssef": console.handoff(advisor_id="rab-youssef-tazi", pool_language=None),
    }


VISIBLE_TO = {
    NADIA: {"to_nadia", "pool_rab_fr", "pool_rab_ar"},
    YOUSSEF: {"to_youssef", "pool_rab_fr", "pool_rab_ar", "pool_rab_en"},
    COORDINATOR: set(),
    ADMIN: set(),
}


def paths(handoff_id: str) -> list[tuple[str, str]]:
    base = f"/handoffs/{handoff_id}"
    gets = [("GET", base), ("GET", base + "/live")]
    posts = ["/claim", "/messages", "/hand-back", "/close", "/messages/0000/retry"]
    return gets + [("POST", base + tail) for tail in posts]


def test_each_account_sees_exactly_its_own_handoffs_and_nothing_else_exists(console, tmp_path):
    made = handoffs(console)
    for email, visible in VISIBLE_TO.items():
        client = TestClient(console.client.app, base_url="http://testserver")
        console.log_in(email, client=client)
        inbox = client.get("/inbox").text
        listed = {name for name, handoff_id in made.items() if handoff_id in inbox}
        assert listed == visible, email
        csrf = console.csrf(client=client)
        for name, handoff_id in made.items():
            if name in visible:
                assert client.get(f"/handoffs/{handoff_id}").status_code == 200
                continue
            for method, path in paths(handoff_id):
                answer = client.request(method, path, data={"csrf": csrf, "text": "hello"})
                assert answer.status_code == 404, (email, name, method, path)


def test_a_claimed_pool_handoff_is_the_claimants_alone(console):
    made = handoffs(console)
    console.log_in(NADIA)
    other = TestClient(console.client.app, base_url="http://testserver")
    console.log_in(YOUSSEF, client=other)
    answer = console.client.post(
        f"/handoffs/{made['pool_rab_fr']}/claim", data={"csrf": console.csrf()}
    )
    assert answer.status_code == 200  # the page of the conversation, now Nadia's
    assert "Your message to the user" in answer.text
    assert made["pool_rab_fr"] not in other.get("/inbox").text
    assert other.get(f"/handoffs/{made['pool_rab_fr']}").status_code == 404


def test_two_advisors_claiming_at_once_one_wins(console):
    made = handoffs(console)
    second = TestClient(console.client.app, base_url="http://testserver")
    console.log_in(NADIA)
    console.log_in(YOUSSEF, client=second)
    target = f"/handoffs/{made['pool_rab_ar']}/claim"
    claims = [(console.client, console.csrf()), (second, console.csrf(client=second))]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda c: c[0].post(target, data={"csrf": c[1]}), claims))
    assert sorted(a.status_code for a in answers) in ([200, 409], [200, 404])
    with console.database.session() as session:
        claimed = [e for e in audit_trail(session) if e.action == "handoff_claimed"]
    assert len(claimed) == 1


def test_new_handoffs_come_first_with_how_long_they_waited(console):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    older = console.handoff(advisor_id="rab-nadia-benali", pool_language=None,
                            now=now - timedelta(hours=3, minutes=5))  # fmt: skip
    taken = console.handoff(advisor_id="rab-nadia-benali", pool_language=None,
                            now=now - timedelta(days=1))  # fmt: skip
    console.set_handoff(taken, status="in_progress")
    newer = console.handoff(advisor_id="rab-nadia-benali", pool_language=None,
                            now=now - timedelta(minutes=7))  # fmt: skip
    console.log_in(NADIA)
    inbox = console.client.get("/inbox").text
    order = sorted((inbox.index(i), i) for i in (older, newer, taken))
    assert [i for _, i in order] == [older, newer, taken]
    assert "3 h 5 min" in inbox and "7 min" in inbox


def test_a_transcript_is_shown_as_text_in_its_own_direction(console):
    handoff_id = console.handoff(
        advisor_id="rab-nadia-benali",
        pool_language=None,
        language="ar",
        transcript=[TranscriptEntry("user", SCRIPT), TranscriptEntry("user", "مديري يصرخ علي")],
    )
    console.log_in(NADIA)
    page = console.client.get(f"/handoffs/{handoff_id}").text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    assert re.search(r'<ol id="transcript"[^>]*lang="ar" dir="rtl"', page)
    assert "مديري يصرخ علي" in page


def test_the_phone_number_is_shown_only_when_the_user_shared_it(console):
    shared = console.handoff(advisor_id="rab-nadia-benali", pool_language=None,
                             phone="+212612345678")  # fmt: skip
    kept = console.handoff(advisor_id="rab-nadia-benali", pool_language=None)
    console.log_in(NADIA)
    assert "+212612345678" in console.client.get(f"/handoffs/{shared}").text
    assert "did not share a phone number" in console.client.get(f"/handoffs/{kept}").text


def test_views_and_actions_are_audited_without_content(console):
    handoff_id = console.handoff(advisor_id="rab-nadia-benali", pool_language=None,
                                 transcript=[TranscriptEntry("user", SCRIPT)])  # fmt: skip
    console.log_in(NADIA)
    console.client.get(f"/handoffs/{handoff_id}")
    with console.database.session() as session:
        trail = audit_trail(session, handoff_id)
        dump = " ".join(str(row) for row in session.execute(sa.text("SELECT * FROM console_audit")))
    assert [e.action for e in trail] == ["handoff_viewed"]
    assert trail[0].account_id
    assert "script" not in dump and NADIA not in dump


def test_a_message_that_cannot_be_sent_is_kept_with_the_reason_and_a_retry(console):
    """The assistant's server is down here: the message is kept, shown as not delivered."""
    handoff_id = console.handoff(
        advisor_id="rab-nadia-benali", pool_language=None, conversation_id="whatsapp:" + "a" * 32
    )
    console.log_in(NADIA)
    console.client.post(f"/handoffs/{handoff_id}/claim", data={"csrf": console.csrf()})
    csrf = console.csrf(f"/handoffs/{handoff_id}")
    page = console.client.post(
        f"/handoffs/{handoff_id}/messages",
        data={"csrf": csrf, "text": "Bonjour, je suis là pour vous aider.", "signature": "Nadia"},
    )
    assert "not delivered: the assistant server did not answer" in page.text
    assert "Bonjour, je suis là pour vous aider." in page.text
    assert "Send again" in page.text
    with console.database.session() as session:
        kept = messages_of(session, handoff_id)
        stored = session.execute(sa.text("SELECT text FROM advisor_messages")).scalar_one()
    assert [m.status for m in kept] == ["failed"] and kept[0].reason == "assistant_down"
    assert "Bonjour" not in stored  # encrypted at rest


def test_an_empty_message_is_refused_with_a_clear_message(console):
    handoff_id = console.handoff(advisor_id="rab-nadia-benali", pool_language=None)
    console.log_in(NADIA)
    console.client.post(f"/handoffs/{handoff_id}/claim", data={"csrf": console.csrf()})
    csrf = console.csrf(f"/handoffs/{handoff_id}")
    page = console.client.post(f"/handoffs/{handoff_id}/messages", data={"csrf": csrf, "text": " "})
    assert "Write a message first." in page.text


def test_an_advisor_whose_session_ended_keeps_the_unsent_message(console):
    handoff_id = console.handoff(advisor_id="rab-nadia-benali", pool_language=None)
    console.log_in(NADIA)
    console.client.post(f"/handoffs/{handoff_id}/claim", data={"csrf": console.csrf()})
    csrf = console.csrf(f"/handoffs/{handoff_id}")
    console.client.cookies.clear()  # the session is gone (idle timeout, another tab, ...)
    draft = "Je vous rappelle demain <à 10h>."
    page = console.client.post(
        f"/handoffs/{handoff_id}/messages", data={"csrf": csrf, "text": draft}
    )
    assert page.status_code == 401
    assert "Your session ended" in page.text
    after = console.log_in(NADIA, draft=draft, next=f"/handoffs/{handoff_id}")
    assert after.status_code == 200
    assert "Your unsent message" in after.text
    assert "Je vous rappelle demain &lt;à 10h&gt;." in after.text
