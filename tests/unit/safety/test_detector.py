"""The danger and self-harm detector: clear cases in every language, negations, and every
message it was tuned on still classified as it was labelled."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety.detector import SafetyDetector, detector_for
from bot.safety.lexicon import LexiconError, fold, load_lexicon

HERE = Path(__file__).parent
# The lexicons' former tuning sets, now also the safety classifier's training data.
TRAINING = HERE.parents[2] / "data" / "safety" / "training"
LANGUAGES = ("nl", "en", "fr", "es", "de", "pt", "ar")
EXPECTED = {"danger": "danger", "self_harm": "self_harm", "safe": None, "short": None}


@pytest.fixture(scope="module")
def detector() -> SafetyDetector:
    return detector_for()


def _cases(data: dict) -> list[tuple[str, str, str]]:
    if "language" in data:  # one language per file (tuning_v*/<lang>.yml)
        data = {data["language"]: {k: v for k, v in data.items() if k != "language"}}
    return [
        (language, category, str(text))
        for language, categories in data.items()
        for category, texts in categories.items()
        for text in texts
    ]


def _load(*paths: Path) -> list[tuple[str, str, str]]:
    return [c for p in paths for c in _cases(yaml.safe_load(p.read_text(encoding="utf-8")))]


CLEAR = _load(TRAINING / "dev.yml")
# The written/ examples are the classifier's alone: the lexicons were never tuned on them.
TUNING = _load(TRAINING / "tuning.yml", *sorted(TRAINING.glob("tuning_v*/*.yml")))


def test_the_clear_cases_cover_every_language_and_category():
    assert {(lang, cat) for lang, cat, _ in CLEAR} == {
        (lang, cat) for lang in LANGUAGES for cat in EXPECTED
    }


@pytest.mark.parametrize(("language", "category", "text"), CLEAR)
def test_clear_cases(detector, language: str, category: str, text: str):
    assert detector.detect(text) == EXPECTED[category], (language, category)


def test_every_tuning_message_is_still_classified_as_labelled(detector):
    wrong = [
        (language, category, text)
        for language, category, text in TUNING
        if detector.detect(text) != EXPECTED[category]
    ]
    assert len(TUNING) > 2000
    assert not wrong, f"{len(wrong)} of {len(TUNING)}: {wrong[:10]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm not in danger", None),
        ("i am not in danger but he has a knife", "danger"),
        ("he threatened me with a bad evaluation", None),
        ("he threatened to kill me", "danger"),
        ("it's urgent", None),
        ("my boss yells at me every day", None),
        ("he touches me at the office", None),
        ("I'm scared to lose my job", None),
        # the negation of one language is honoured by every lexicon
        ("no tengo ideas suicidas, solo estoy cansada", None),
        ("ik ben niet suïcidaal", None),
        ("I want to kill myself", "self_harm"),
        # self-harm wins over danger: its answer also gives the emergency number
        ("he beat me and now i want to die", "self_harm"),
    ],
)
def test_negative_context_and_precedence(detector, text: str, expected: str | None):
    assert detector.detect(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ana khayfa howa ma3ah sekeena",
        "howa bara el bab w ana khayfa",
        "2afalo 3alaya el oda",
        "hay2telni el leila",
        "el7a2ooni",
    ],
)
def test_arabizi_danger(detector, text: str):
    assert detector.detect(text) == "danger"


@pytest.mark.parametrize("text", ["ana 3ayez amoot", "msh 3ayza a3eesh", "bafakar fel enti7ar"])
def test_arabizi_self_harm(detector, text: str):
    assert detector.detect(text) == "self_harm"


@pytest.mark.parametrize(
    "text", ["ana khayfa a5sar shoghli", "3ayez a3raf 7aga 3an el ta2reer", "aywa", "la2"]
)
def test_arabizi_harsh_or_short_is_no_alarm(detector, text: str):
    assert detector.detect(text) is None


def test_any_language_is_checked_whatever_the_message_mixes(detector):
    finding = detector.find("bonjour, help he has a gun, s'il vous plaît")
    assert finding.kind == "danger"
    assert "en" in finding.danger_in


def test_empty_and_odd_input(detector):
    for text in ("", "   ", "🙂", "\x00\x01", "a" * 20_000):
        assert detector.detect(text) is None


def test_folding_ignores_case_accents_punctuation_and_letter_variants():
    assert fold("  Ik  ben IN GEVÁÁR!!! ") == fold("ik ben in gevaar") == "ik ben in gevar"
    assert fold("draußen") == fold("draussen") == fold("drausen")
    assert fold("don't") == "don t"
    assert fold("he has a GUNN") == fold("he has a gun")
    assert fold("أنا في خطرٍ") == fold("انا في خطر")
    assert fold("مكتبة") == "مكتبه"


def test_patterns_are_folded_like_the_text():
    from bot.safety.lexicon import fold_pattern

    assert fold_pattern(r"\bkill (me|us)\b") == r"\bkil (me|us)\b"
    assert fold_pattern(r"\bbeat\b") == r"\bbeat\b"  # an escape is never merged
    assert fold_pattern(r"cut(ting)? my wrists") == r"cut(ing)? my wrists"


def test_a_broken_lexicon_names_its_file_and_entry(tmp_path: Path):
    bad = tmp_path / "xx.yml"
    bad.write_text("danger:\n  - '(unclosed'\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"xx\.yml danger: '\(unclosed'"):
        load_lexicon(bad)
    bad.write_text("dangers:\n  - 'knife'\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown keys"):
        load_lexicon(bad)


def test_every_language_has_a_lexicon_with_both_lists():
    lexicons = {
        p.stem: load_lexicon(p) for p in (HERE.parents[2] / "data" / "safety").glob("*.yml")
    }
    assert set(LANGUAGES) | {"arabizi"} == set(lexicons)
    for name, lexicon in lexicons.items():
        assert lexicon.danger is not None and lexicon.self_harm is not None, name
