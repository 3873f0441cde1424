"""End to end: "delete my data", typed, over the REST channel against the real servers and
the trained model. The assistant asks first; yes deletes this conversation's events from the
tracker store (read here in its database), a report the conversation sent stays in the case
store; no keeps everything."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.encryption import TextCipher, load_keys
from tests.e2e.test_report import KIND, cases_stored, expected, make_report, texts
from tests.support.servers import Servers

pytestmark = pytest.mark.e2e


def stored_rows(servers: Servers) -> dict[str, int]:
    """Events per stored sender id, as the tracker store's database holds them."""
    path = servers.work / "conversations.db"
    if not path.exists():
        return {}
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT sender_id, count(*) FROM events GROUP BY sender_id")
        return dict(rows.fetchall())


def stored_events(servers: Servers, sender_id: str) -> list[dict]:
    cipher = TextCipher(load_keys(Path(servers.env["VM_STATE_DIR"])))
    with sqlite3.connect(servers.work / "conversations.db") as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender_id,)
        ).fetchall()
    return [json.loads(cipher.decrypt(data)) for (data,) in rows]


def start(servers: Servers, me: str, opening: str) -> tuple[str, list[dict]]:
    """The first message of a conversation, and the sender id it is stored under (the
    channel's pseudonym of `me`: found as the one new id)."""
    before = set(stored_rows(servers))
    replies = servers.say(me, opening)
    new = set(stored_rows(servers)) - before
    assert len(new) == 1, new
    return new.pop(), replies


def test_dutch_yes_deletes_the_conversation_and_the_report_stays(servers: Servers):
    me = "e2e-deletion-nl"
    stored_id, _ = start(servers, me, "hallo, ik wil graag iets vragen")
    # The report takes the conversation on from here (make_report checks every answer).
    story = "De consul verkoopt visumafspraken voor 200 euro per stuk."
    make_report(
        servers,
        me,
        "nl",
        "ik wil een melding maken",
        [story],
        "vorige week",
        "Rabat",
        [KIND.format("anonymous")],
    )
    cases = cases_stored(servers)
    assert stored_rows(servers)[stored_id] > 10

    assert texts(servers.say(me, "verwijder mijn gegevens")) == [
        expected("utter_delete_data", "nl")
    ]
    assert texts(servers.say(me, "ja")) == [expected("utter_delete_data_done", "nl")]

    left = stored_events(servers, stored_id) if stored_id in stored_rows(servers) else []
    # What follows the restart in the same save: the new session's bookkeeping only.
    assert [e.get("event") for e in left] == ["action", "session_started", "action"], left
    assert not [e for e in left if e.get("event") in ("user", "bot")], "no message is left"
    assert story not in json.dumps(left)
    assert cases_stored(servers) == cases, "the report stays with the coordinator"


def test_english_no_keeps_everything_and_a_later_yes_deletes(servers: Servers):
    me = "e2e-deletion-en"
    stored_id, _ = start(servers, me, "hello, what are my options if my boss shouts at me?")
    assert texts(servers.say(me, "please delete my data")) == [expected("utter_delete_data", "en")]
    kept_before = stored_rows(servers)[stored_id]
    assert texts(servers.say(me, "no")) == [expected("utter_delete_data_kept", "en")]
    assert stored_rows(servers)[stored_id] > kept_before, "nothing was deleted, and it goes on"

    assert texts(servers.say(me, "delete my data")) == [expected("utter_delete_data", "en")]
    assert texts(servers.say(me, "yes")) == [expected("utter_delete_data_done", "en")]
    left = stored_events(servers, stored_id) if stored_id in stored_rows(servers) else []
    assert not [e for e in left if e.get("event") in ("user", "bot")]
    # The conversation starts again from the beginning, in whatever language comes next.
    assert texts(servers.say(me, "hello"))


def test_in_the_middle_of_a_report_nothing_is_deleted_and_the_report_goes_on(servers: Servers):
    me = "e2e-deletion-form"
    stored_id, _ = start(servers, me, "I want to make a report")
    assert texts(servers.say(me, "/affirm")) == [expected("utter_ask_report_kind", "en")]
    before = stored_rows(servers)[stored_id]
    replies = texts(servers.say(me, "delete my data"))
    assert replies == [
        expected("utter_delete_data_in_form", "en"),
        expected("utter_ask_report_kind", "en"),
    ]
    assert stored_rows(servers)[stored_id] > before
