"""The conversation scripts' loader: a malformed script is refused with a message that names
the file, the conversation and the field; the project's own scripts all load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.evaluation.conversations import ScriptError, load_directory, load_file, parse_file
from tests.support import ROOT

GOOD = """
language: en
conversations:
  - name: anonymous fraud report
    journey: report
    channel: rest
    user: ["hi", "i want to report fraud", "yes"]
    expect:
      report:
        kind: fraud
        what_happened_contains: ["money"]
        when: null
        spoke_to: neither
        contact: anonymous
      receipt: true
      no_safety: true
"""


def script(**changes: object) -> dict:
    data = yaml.safe_load(GOOD)
    data["conversations"][0].update(changes)
    return data


def refused(data: object) -> str:
    with pytest.raises(ScriptError) as error:
        parse_file(data, "evaluation/conversations/en.yml", expected_language="en")
    return str(error.value)


def test_a_good_script_loads_with_its_expectations():
    (conversation,) = parse_file(yaml.safe_load(GOOD), "en.yml", expected_language="en")
    assert conversation.name == "anonymous fraud report"
    assert conversation.user == ("hi", "i want to report fraud", "yes")
    report = conversation.expect.report
    assert report is not None
    assert report.equals == {"kind": "fraud", "spoke_to": "neither", "contact": "anonymous"}
    assert report.absent == {"when"}
    assert report.contains == {"what_happened": ("money",)}
    assert conversation.expect.receipt and conversation.expect.no_safety
    assert conversation.expected_language == "en"


def test_an_unknown_key_is_named_with_the_file_and_conversation():
    message = refused(script(expected={"receipt": True}))
    assert "evaluation/conversations/en.yml" in message
    assert "conversation 'anonymous fraud report'" in message
    assert "unknown key expected" in message


def test_a_misspelt_report_field_is_refused_not_ignored():
    data = script()
    data["conversations"][0]["expect"]["report"]["when_contain"] = ["monday"]
    message = refused(data)
    assert "unknown key when_contain in `expect.report`" in message


def test_a_payload_in_the_user_messages_is_refused():
    message = refused(script(user=["hi", '/report{"report_choice": "fraud"}']))
    assert "`user` message 2 is a payload" in message


def test_a_missing_name_is_refused_with_the_conversations_position():
    data = script()
    del data["conversations"][0]["name"]
    message = refused(data)
    assert "conversation 1" in message and "`name` is missing" in message


def test_duplicate_names_unknown_journeys_and_choices_are_refused():
    data = yaml.safe_load(GOOD)
    data["conversations"].append(dict(data["conversations"][0]))
    assert "used twice" in refused(data)
    assert "`journey` must be one of" in refused(script(journey="chitchat"))
    bad_kind = script()
    bad_kind["conversations"][0]["expect"]["report"]["kind"] = "theft"
    assert "`expect.report.kind` must be one of" in refused(bad_kind)
    assert "`expect.safety` must be one of" in refused(script(expect={"safety": "fire"}))


def test_contradicting_expectations_are_refused():
    assert "both `report` and `no_report`" in refused(
        script(expect={"report": {"kind": "fraud"}, "no_report": True})
    )
    assert "both `safety` and `no_safety`" in refused(
        script(expect={"safety": "emergency", "no_safety": True})
    )


def test_the_file_language_must_match_its_name(tmp_path: Path):
    path = tmp_path / "nl.yml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ScriptError, match="does not match the file name"):
        load_file(path)


def test_every_script_in_the_project_loads():
    conversations = load_directory(ROOT / "evaluation" / "conversations")
    assert conversations, "there are no conversation scripts"
