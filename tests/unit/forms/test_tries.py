"""No question is asked a third time: the second refusal moves on."""

from __future__ import annotations

from bot.forms.answer import Answer
from bot.forms.tries import settle

REFUSED = Answer({"q": None}, ("utter_problem",), refused=True)
MOVED_ON = Answer({"q": "skipped"}, ("utter_moved_on",))


def test_the_first_refusal_asks_again_and_the_second_moves_on():
    answer, tries = settle(REFUSED, "q", {}, lambda: MOVED_ON)
    assert answer is REFUSED and tries == {"q": 1}
    answer, tries = settle(REFUSED, "q", tries, lambda: MOVED_ON)
    assert answer is MOVED_ON and tries == {}


def test_an_accepted_answer_forgets_the_count_and_questions_count_apart():
    _, tries = settle(REFUSED, "q", {"other": 1}, lambda: MOVED_ON)
    assert tries == {"other": 1, "q": 1}
    answer, tries = settle(Answer({"q": "fine"}), "q", tries, lambda: MOVED_ON)
    assert answer.slots == {"q": "fine"} and tries == {"other": 1}
