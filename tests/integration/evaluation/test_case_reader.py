"""The evaluation reads back the cases a conversation stored: those linked to its reference,
and the anonymous ones (never linked to the conversation) through the receipt it was shown;
another conversation's case is never among them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import runtime
from bot.cases.views import Report
from bot.db import Database
from bot.evaluation.runner import read_cases_from_store


def submit(sender: str, **fields: str) -> str:
    report = Report(
        kind=fields.pop("kind", "fraud"),
        what_happened=fields.pop("what_happened", "The cashier keeps part of the visa fees."),
        language="en",
        channel="rest",
        conversation_reference=runtime.reference_for(runtime.sender_id_for("rest", sender)),
        **fields,
    )
    return asyncio.run(runtime.case_store().submit_report(report)).code


def test_linked_and_anonymous_cases_are_found_and_others_are_not(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'cases.db'}")
    with runtime.override(database=database, pseudonym_key=b"k" * 32):
        submit("eval-me", contact="email", contact_details="me.demo@example.org", when="today")
        anonymous_code = submit("eval-me", kind="bullying", contact="anonymous")
        other_code = submit("eval-other", kind="discrimination", contact="anonymous")
        submit(
            "eval-other", kind="intimidation", contact="phone", contact_details="+31 70 555 0100"
        )

        linked_only = read_cases_from_store("eval-me")
        assert [case["kind"] for case in linked_only] == ["fraud"]
        assert linked_only[0]["contact_details"] == "me.demo@example.org"
        assert linked_only[0]["when"] == "today" and linked_only[0]["where"] is None

        both = read_cases_from_store("eval-me", [anonymous_code])
        assert [case["kind"] for case in both] == ["fraud", "bullying"]
        assert both[1]["what_happened"] == "The cashier keeps part of the visa fees."

        assert [c["kind"] for c in read_cases_from_store("eval-nobody", [other_code])] == [
            "discrimination"
        ]
        assert read_cases_from_store("eval-nobody", ["0000000000000000"]) == []
    database.dispose()
