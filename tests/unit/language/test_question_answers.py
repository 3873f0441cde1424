"""The answers a question split between two of ours gets (bot/language/reading.ANSWERS,
used by actions/fallback.py) are the ones the rules give each question alone
(data/rules/options.yml): the two cannot drift apart."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.language.reading import ANSWERS

RULES = Path(__file__).resolve().parents[3] / "data" / "rules" / "options.yml"


def _direct_answers() -> dict[str, str]:
    """intent -> action for every rule that answers one intent with one action."""
    answers: dict[str, str] = {}
    for rule in yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]:
        steps = rule.get("steps") or []
        if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
            answers[steps[0]["intent"]] = steps[1]["action"]
    return answers


def test_every_question_answered_as_its_rule_answers_it():
    direct = _direct_answers()
    assert {intent: direct.get(intent) for intent in ANSWERS} == ANSWERS


def test_every_question_the_rules_answer_directly_can_be_tied():
    questions = {intent for intent in _direct_answers() if intent.startswith("ask_")}
    assert questions == set(ANSWERS)
