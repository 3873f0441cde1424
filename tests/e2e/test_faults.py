"""Faults in the production shape (bin/cluster's code: two Rasa servers, the action server,
PostgreSQL and Redis, nginx in front; tests/support/cluster.py), as users meet them:

- the action server killed (kill -9) in the middle of a report: the user is told to send
  the message again, and once it is back the report goes on and is stored once; killed
  after it stored a report but before its answer arrived: sending again stores nothing
  more, and the receipt then given opens the report;
- PostgreSQL restarted in the middle of a report and of a handoff, and stopped while a
  report and a handoff are being stored: nothing is lost, nothing is stored twice;
- Redis restarted: every conversation goes on;
- a Rasa server killed after it answered a Twilio delivery, and in the middle of the next:
  Twilio's retries reach the other server; the first is not processed again (the
  de-duplication is in the database), the second is processed, once, since its claim is
  no longer renewed; every conversation goes on with its history.

Every message sent is counted, with what the conversation must keep of it, and every
report and handoff the users were told about; the last test checks the totals against the
conversations and the database, and reads every log for what users wrote.

The tests share one cluster and run in this order; the Twilio test kills a Rasa server."""

from __future__ import annotations

import asyncio
import string
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bot import runtime
from bot.cases.views import StatusView
from tests.support.cluster import RunningCluster, running_test_cluster
from tests.support.fakes.twilio_api import FakeTwilioApi
from tests.support.messaging import PUBLIC_URL, new_number, twilio_message
from tests.support.replies import receipt_in

pytestmark = pytest.mark.e2e

# A report as people type it (evaluation/conversations/en.yml), each message with the
# response that answers it first.
REPORT = (
    ("hey", "utter_welcome"),  # "hey" tells no language: a line in each
    ("i need to report my team leader", "utter_report"),
    ("yes lets start", "utter_ask_report_kind"),
    ("bulying", "utter_report_what_happened_first"),
    ("he shouts at me in meetings and calls me useless in front of everyone",
     "utter_report_what_happened_more"),
    ("also he gives me all the weekend shifts as punishment", "utter_report_what_happened_more"),
    ("no thats all", "utter_ask_report_when"),
    ("it started in september", "utter_ask_report_where"),
    ("consulate in istanbul", "utter_ask_report_involved"),
    ("my team leader, the head of the visa desk", "utter_ask_report_witnesses"),
    ("two colleagues from my unit heard it", "utter_ask_report_spoke_to"),
    ("nobody yet", "utter_ask_report_contact"),
    ("stay anonymous", "utter_report_anonymous_caveat"),
)  # fmt: skip
SEND = ("send", "utter_report_received")
HANDOFF = (
    ("can i talk to a confidential advisor", None),
    ("accra in ghana", None),
    ("yes thats right", None),
    ("english is fine", None),
    ("doesnt matter", None),
    ("yes please", "utter_handoff_consent_question"),
)
CONSENT = ("yes, go ahead", "utter_handoff_done")
TRY_AGAIN = "channel_try_again"
# The Rasa server writes its calls as compact JSON (bot/servers/action_calls.py).
SUBMIT = b'"next_action":"action_submit_report"'  # the call that stores a report
ACKNOWLEDGE = b'"next_action":"action_acknowledge_experience"'  # the answer to a story
STORY = "my manager humiliates me in front of the whole team"
HOLD_SECONDS = 600  # how long a held insert sleeps: PostgreSQL goes down long before


@dataclass
class Ledger:
    """Every message sent, what each conversation must keep, what the users were told was
    stored."""

    sent: int = 0
    answered: int = 0  # messages with an answer that is not "send it again"
    again: int = 0  # messages answered with "send it again"
    kept: dict[str, list[str]] = field(default_factory=dict)  # by sender id
    receipts: list[tuple[str, str]] = field(default_factory=list)  # (code, passphrase)
    handoffs: list[str] = field(default_factory=list)  # conversation references
    secrets: list[str] = field(default_factory=list)  # what no log may contain


@pytest.fixture(scope="module")
def cluster(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, twilio_api: FakeTwilioApi
) -> Iterator[RunningCluster]:
    work = tmp_path_factory.mktemp("faults")
    env = twilio_api.channel_env(PUBLIC_URL)
    with running_test_cluster(trained_model, work, env=env, relay=True) as running:
        yield running


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return Ledger()


# --- what users see ---------------------------------------------------------------------


def shaped(name: str, text: str) -> bool:
    """Whether `text` is the English response `name`, whatever its variables hold."""
    response = runtime.content_store().response(name, "en")
    assert response is not None, name
    names = {field for _, field, _, _ in string.Formatter().parse(response.text) if field}
    rendered = runtime.renderer().render(name, "en", "rest", dict.fromkeys(names, "\0"))
    assert rendered is not None, name
    pieces = str(rendered["text"]).split("\0")
    if len(pieces) == 1:
        return text == pieces[0]
    if not (text.startswith(pieces[0]) and text.endswith(pieces[-1])):
        return False
    at = len(pieces[0])
    for piece in pieces[1:-1]:
        found = text.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return at <= len(text) - len(pieces[-1])


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def sender(cluster: RunningCluster, me: str) -> str:
    return cluster.sender_id("rest", me)


def turn(
    cluster: RunningCluster, ledger: Ledger, me: str, text: str, first: str | None = None
) -> list[str]:
    """A message that is answered (`first`: the response answering it first): the
    conversation keeps it."""
    replies = texts(cluster.say(me, text))
    ledger.sent += 1
    assert replies and not any(shaped(TRY_AGAIN, r) for r in replies), (text, replies)
    if first is not None:
        assert shaped(first, replies[0]), (text, first, replies)
    ledger.answered += 1
    ledger.kept.setdefault(sender(cluster, me), []).append(text)
    return replies


def refused(cluster: RunningCluster, ledger: Ledger, replies: list[str]) -> None:
    """A message answered with "send it again", last: the conversation does not keep it."""
    ledger.sent += 1
    assert replies and shaped(TRY_AGAIN, replies[-1]), replies
    ledger.again += 1


def talk(
    cluster: RunningCluster, ledger: Ledger, me: str, turns: tuple[tuple[str, str | None], ...]
) -> None:
    for text, first in turns:
        turn(cluster, ledger, me, text, first)


def send_report(cluster: RunningCluster, ledger: Ledger, me: str) -> tuple[str, str]:
    """'send' on the summary: the receipt, which opens the report."""
    (received,) = turn(cluster, ledger, me, *SEND)
    code, passphrase = receipt_in(received)
    assert opens_a_report(cluster, code, passphrase)
    ledger.receipts.append((code, passphrase))
    ledger.secrets += [code, " ".join(code[i : i + 4] for i in range(0, 16, 4)), passphrase]
    return code, passphrase


def consent(cluster: RunningCluster, ledger: Ledger, me: str) -> None:
    turn(cluster, ledger, me, *CONSENT)
    ledger.handoffs.append(reference(cluster, me))


# --- what is stored -----------------------------------------------------------------------


def reference(cluster: RunningCluster, me: str) -> str:
    with cluster.as_servers():
        return runtime.reference_for(sender(cluster, me))


def opens_a_report(cluster: RunningCluster, code: str, passphrase: str) -> bool:
    """What the status check does with a receipt (bot.cases.store.CaseStore)."""
    with cluster.as_servers():
        found = asyncio.run(runtime.case_store().check_status(code, passphrase, None))
    return isinstance(found, StatusView)


def count(cluster: RunningCluster, table: str, where: str = "", **values: str) -> int:
    engine = sa.create_engine(cluster.shared.database_url, future=True)
    try:
        with engine.connect() as connection:
            query = f"SELECT count(*) FROM {table} {where}"
            return int(connection.execute(sa.text(query), values).scalar_one())
    finally:
        engine.dispose()


def handoffs_of(cluster: RunningCluster, me: str) -> int:
    return count(cluster, "handoffs", "WHERE conversation_ref = :ref", ref=reference(cluster, me))


class HeldInserts:
    """Inserts into `table` wait inside their transaction (a trigger sleeps) until
    PostgreSQL goes down under them: a fault in the middle of storing, at a moment a test
    can wait for. A sleep, not a lock another session holds: a shutdown ends that session
    too, and an insert could take the freed lock and commit in the moment before its own
    session ended."""

    def __init__(self, cluster: RunningCluster, table: str) -> None:
        self.url, self.table = cluster.shared.database_url, table
        self.engine = sa.create_engine(self.url, future=True, isolation_level="AUTOCOMMIT")
        self.holder = self.engine.connect()
        self.holder.execute(sa.text(
            "CREATE FUNCTION vm_test_hold() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_sleep({HOLD_SECONDS}); RETURN NEW; END $$"
        ))  # fmt: skip
        self.holder.execute(sa.text(
            f"CREATE TRIGGER vm_test_hold BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vm_test_hold()"
        ))  # fmt: skip

    def wait_for_an_insert(self) -> None:
        deadline = time.monotonic() + 120
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
            "AND query ILIKE :insert"
        )
        insert = {"insert": f"INSERT INTO {self.table}%"}
        while not self.holder.execute(query, insert).scalar_one():
            if time.monotonic() > deadline:
                pytest.fail(f"no insert into {self.table} came")
            time.sleep(0.05)

    def remove(self) -> None:
        """Once PostgreSQL is back (its restart ended the holder's session)."""
        self.engine.dispose()
        engine = sa.create_engine(self.url, future=True, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(f"DROP TRIGGER vm_test_hold ON {self.table}"))
                connection.execute(sa.text("DROP FUNCTION vm_test_hold()"))
        finally:
            engine.dispose()


def while_sending(cluster: RunningCluster, me: str, text: str) -> Future[list[dict[str, Any]]]:
    pool = ThreadPoolExecutor(1)
    sent = pool.submit(cluster.say, me, text)
    pool.shutdown(wait=False)
    return sent


def new_user(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


# --- the action server ----------------------------------------------------------------------


def test_the_action_server_killed_in_the_middle_of_a_report(cluster, ledger):
    me = new_user("actions-killed")
    cases = count(cluster, "cases")
    talk(cluster, ledger, me, REPORT[:6])
    cluster.cluster.kill("actions")

    text, first = REPORT[6]
    refused(cluster, ledger, texts(cluster.say(me, text)))  # "please send it again"
    cluster.cluster.restart("actions")
    turn(cluster, ledger, me, text, first)  # sent again: the report goes on from there
    talk(cluster, ledger, me, REPORT[7:])
    send_report(cluster, ledger, me)
    assert count(cluster, "cases") == cases + 1


def test_the_action_server_killed_after_storing_a_report_before_it_answered(cluster, ledger):
    me = new_user("answer-lost")
    talk(cluster, ledger, me, REPORT)
    cases = count(cluster, "cases")
    relay = cluster.relay
    assert relay is not None
    relay.lose_answer_to(SUBMIT, lambda: cluster.cluster.kill("actions"))

    refused(cluster, ledger, texts(cluster.say(me, SEND[0])))  # no receipt came
    assert relay.lost.is_set()  # the report was stored and the answer lost with the server
    assert count(cluster, "cases") == cases + 1
    cluster.cluster.restart("actions")

    send_report(cluster, ledger, me)  # sent again: a receipt that opens it...
    assert count(cluster, "cases") == cases + 1  # ...and the report stored once


# --- PostgreSQL -----------------------------------------------------------------------------


def test_postgres_restarted_in_the_middle_of_a_report_and_of_a_handoff(cluster, ledger):
    reporter, asker = new_user("pg-report"), new_user("pg-handoff")
    cases = count(cluster, "cases")
    talk(cluster, ledger, reporter, REPORT[:8])
    talk(cluster, ledger, asker, HANDOFF[:3])

    cluster.restart_postgres()
    talk(cluster, ledger, reporter, REPORT[8:])  # each goes on where it was
    talk(cluster, ledger, asker, HANDOFF[3:])
    send_report(cluster, ledger, reporter)
    consent(cluster, ledger, asker)
    assert count(cluster, "cases") == cases + 1
    assert handoffs_of(cluster, asker) == 1


def test_postgres_down_while_a_report_is_stored(cluster, ledger):
    me = new_user("pg-down-report")
    talk(cluster, ledger, me, REPORT)
    cases = count(cluster, "cases")
    held = HeldInserts(cluster, "cases")
    sending = while_sending(cluster, me, SEND[0])
    held.wait_for_an_insert()
    cluster.database_server.stop()  # the insert and every session end
    replies = texts(sending.result(timeout=300))
    cluster.database_server.start(durable=False)
    held.remove()

    # "I couldn't store your report", and the turn could not be saved: "send it again".
    assert shaped("utter_report_storage_unavailable", replies[0]), replies
    refused(cluster, ledger, replies)
    assert count(cluster, "cases") == cases
    send_report(cluster, ledger, me)
    assert count(cluster, "cases") == cases + 1


def test_postgres_down_while_a_handoff_is_stored(cluster, ledger):
    me = new_user("pg-down-handoff")
    talk(cluster, ledger, me, HANDOFF)
    held = HeldInserts(cluster, "handoffs")
    sending = while_sending(cluster, me, CONSENT[0])
    held.wait_for_an_insert()
    cluster.database_server.stop()  # down for all the handoff store's tries
    replies = texts(sending.result(timeout=300))
    cluster.database_server.start(durable=False)
    held.remove()

    # Kept on the server to be stored later; the turn could not be saved: "send it again".
    assert shaped("utter_handoff_kept", replies[0]), replies
    refused(cluster, ledger, replies)
    assert handoffs_of(cluster, me) == 0
    consent(cluster, ledger, me)  # said again: the same handoff, stored now, and once
    assert handoffs_of(cluster, me) == 1


# --- Redis ------------------------------------------------------------------------------------


def test_redis_restarted_every_conversation_goes_on(cluster, ledger):
    reporter, asker = new_user("redis-report"), new_user("redis-handoff")
    talk(cluster, ledger, reporter, REPORT[:5])
    talk(cluster, ledger, asker, HANDOFF[:2])

    cluster.restart_redis()  # every lock gone, every server's connections dead
    talk(cluster, ledger, reporter, REPORT[5:])
    talk(cluster, ledger, asker, HANDOFF[2:])
    send_report(cluster, ledger, reporter)
    consent(cluster, ledger, asker)
    assert handoffs_of(cluster, asker) == 1


# --- a Rasa server ----------------------------------------------------------------------------


@dataclass
class Url:
    url: str


def test_a_twilio_delivery_retried_after_its_server_died_is_processed_once(
    cluster, ledger, twilio_api
):
    number = new_number("whatsapp:+3162")
    me = number.removeprefix("whatsapp:")
    first, _ = cluster.cluster.rasa_urls
    talking = [new_user("rest-survivor") for _ in range(3)]
    for user in talking:  # conversations in the middle of a report, on both servers
        talk(cluster, ledger, user, REPORT[:4])

    def deliver(text: str, sid: str, url: str) -> int:
        """Twilio delivers a message; the number of answers the user has had since."""
        reply = twilio_message(Url(url), number, text, sid=sid)
        assert reply.status_code == 200 and "<Response/>" in reply.text, reply.status_code
        return len(twilio_api.bodies_to(number))

    question, story = "can I report without giving my name?", STORY
    greeted = deliver("hello", "SM" + uuid.uuid4().hex, first)
    sid = "SM" + uuid.uuid4().hex
    answered = deliver(question, sid, first)  # taken and answered by the first server...
    assert 0 < greeted < answered
    relay = cluster.relay
    assert relay is not None
    relay.lose_answer_to(ACKNOWLEDGE, lambda: cluster.cluster.kill("rasa-1"))
    story_sid = "SM" + uuid.uuid4().hex
    with pytest.raises(requests.ConnectionError):  # ...which dies in the middle of the next
        twilio_message(Url(first), number, story, sid=story_sid)
    assert relay.lost.wait(10) and len(twilio_api.bodies_to(number)) == answered

    assert deliver(question, sid, cluster.url) == answered  # Twilio's retry: nothing more
    # The retry of the message the dead server was handling: the other server sees that
    # nobody is at it any more, and answers it.
    told = deliver(story, story_sid, cluster.url)
    assert told > answered
    assert deliver(story, story_sid, cluster.url) == told  # and only once
    assert deliver("thank you", "SM" + uuid.uuid4().hex, cluster.url) > told
    conversation = cluster.sender_id("whatsapp", me)
    said = [e["text"] for e in cluster.tracker(conversation, 1)["events"] if e["event"] == "user"]
    assert said == ["hello", question, story, "thank you"]  # each retried delivery once
    ledger.sent += 4
    ledger.answered += 4
    ledger.kept[conversation] = said
    ledger.secrets += [me, question, story]

    for user in talking:  # every conversation goes on, with its history
        talk(cluster, ledger, user, REPORT[4:])
        send_report(cluster, ledger, user)


def test_the_totals(cluster, ledger, twilio_api):
    """Every message sent was answered once, or answered with "send it again" and not
    kept; every conversation holds exactly what was kept; every report and handoff the
    users were told about is stored, once; no log holds what users wrote."""
    assert ledger.sent == ledger.answered + ledger.again
    # 15 + 15 + 21 + 15 + 8 + 21 + 46 messages in the tests above, in that order; one
    # answered "send it again" in each of the first two and the two "PostgreSQL down".
    assert (ledger.sent, ledger.again) == (141, 4)
    kept = 0
    for conversation, texts_kept in ledger.kept.items():
        events = cluster.tracker(conversation, 1)["events"]  # the server left
        assert [e["text"] for e in events if e["event"] == "user"] == texts_kept
        kept += len(texts_kept)
    assert kept == ledger.answered

    assert len(ledger.receipts) == 8
    assert count(cluster, "cases") == len(ledger.receipts)
    assert all(opens_a_report(cluster, code, passphrase) for code, passphrase in ledger.receipts)
    assert len(ledger.handoffs) == 3 == len(set(ledger.handoffs))
    assert count(cluster, "handoffs") == len(ledger.handoffs)

    logs = cluster.log_text()
    words = [text for text, _ in (*REPORT, *HANDOFF) if len(text) > 20]
    for secret in (*words, *ledger.secrets):
        assert secret not in logs
