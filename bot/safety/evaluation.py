"""Measures the danger and self-harm detector on its held-out sets (evaluation/safety/),
which the lexicons were never tuned on: recall on danger and on self-harm, false alarms on
harsh-but-safe messages and on short form answers, per language.

Three measurements:
- the lexicon detector alone, without a model (`detector_scores`);
- the lexicons and the trained safety classifier without a Rasa model
  (`classifier_scores`): the classifier trained from the training files alone
  (data/safety/training/ and data/nlu/, `classifier_from_files`), as `rasa train` would;
- with a trained model (`model_scores`): each message parsed by the model, then the
  intent as the assistant would act on it. A model trained with the SafetyClassifier says
  so itself (`safety` in the parse data, and the classifier's probabilities, so the
  classifier alone and "lexicon or classifier" are measured beside it); for an older model
  the component's decision is applied to its parse result (with the configured
  MODEL_CONFIDENCE), and the model alone, the lexicon alone and "lexicon, or the model's
  own alarm above a confidence" are measured beside it (the figures behind the choice in
  bot/safety/decision.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import yaml

from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.safety.classifier import SafetyModel, Settings, combine
from bot.safety.concern import CONCERN_KEY, concern
from bot.safety.decision import (
    EMERGENCY_INTENT,
    MODEL_CONFIDENCE,
    SELF_HARM_INTENT,
    verdict,
)
from bot.safety.detector import SafetyDetector
from bot.safety.lexicon import DANGER, SELF_HARM
from bot.settings import PROJECT_ROOT

# The languages whose held-out sets the measured figures (and the regression tests) are of;
# languages added later are measured in their own tables (`added_languages`).
LANGUAGES: tuple[str, ...] = ("nl", "en", "fr", "es", "de", "pt", "ar")


def added_languages(directory: Path) -> tuple[str, ...]:
    """The languages of data/languages.yml beyond the first seven that have a held-out set."""
    return tuple(
        code
        for code in SUPPORTED_LANGUAGES
        if code not in LANGUAGES and (directory / f"{code}.yml").is_file()
    )


CATEGORIES: tuple[str, ...] = ("danger", "self_harm", "safe", "short")
TARGET_DANGER_RECALL = 0.98
TARGET_FALSE_ALARMS = 0.01  # on the safe messages
TARGET_SHORT_ALARMS = 0  # on the short form answers
# The hybrid rules measured against the lexicon alone: the model's own alarm counts at or
# above these confidences.
MODEL_CONFIDENCES: tuple[float, ...] = (0.5, 0.7, 0.9, 0.99)

Sets = dict[str, dict[str, list[str]]]  # language -> category -> messages
Verdict = Callable[[str], Optional[str]]
CLASSIFIER = "safety_classifier"  # the parse data's classifier probabilities (component.py)
# Rows that count the line of where to get help (a concern) as found: not the safety answer,
# but what someone in danger reads at once (bot/safety/concern.py).
WITH_LINE = "safety answer or the line of where to get help"


def load_sets(directory: Path, languages: Iterable[str] = LANGUAGES) -> Sets:
    sets: Sets = {}
    for language in languages:
        data = yaml.safe_load((directory / f"{language}.yml").read_text(encoding="utf-8")) or {}
        sets[language] = {c: [str(text) for text in data.get(c) or []] for c in CATEGORIES}
    return sets


@dataclass
class Scores:
    """Counts for one language (or all): hits per category, and the messages missed or
    alarmed on (kept for the tests' messages, never printed by the report)."""

    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    wrong: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})

    def add(self, category: str, text: str, found: Optional[str]) -> None:
        self.total[category] += 1
        expected = {"danger": DANGER, "self_harm": SELF_HARM}.get(category)
        hit = found == expected if expected else found is not None  # an alarm, for the rest
        self.hits[category] += hit
        if hit != bool(expected):
            self.wrong[category].append(text)

    def merge(self, other: Scores) -> None:
        for category in CATEGORIES:
            self.total[category] += other.total[category]
            self.hits[category] += other.hits[category]
            self.wrong[category] += other.wrong[category]

    def rate(self, category: str) -> float:
        return self.hits[category] / self.total[category] if self.total[category] else 0.0

    @property
    def danger_recall(self) -> float:
        return self.rate("danger")

    @property
    def self_harm_recall(self) -> float:
        return self.rate("self_harm")

    @property
    def false_alarm_rate(self) -> float:
        return self.rate("safe")

    @property
    def short_alarms(self) -> int:
        return self.hits["short"]

    @property
    def meets_targets(self) -> bool:
        return (
            self.danger_recall >= TARGET_DANGER_RECALL
            and self.false_alarm_rate <= TARGET_FALSE_ALARMS
            and self.short_alarms <= TARGET_SHORT_ALARMS
        )


def score(sets: Sets, judge: Verdict) -> dict[str, Scores]:
    """Scores per language and for `all`, judging each message with `judge`."""
    result: dict[str, Scores] = {}
    overall = Scores()
    for language, categories in sets.items():
        scores = Scores()
        for category, texts in categories.items():
            for text in texts:
                scores.add(category, text, judge(text))
        result[language] = scores
        overall.merge(scores)
    result["all"] = overall
    return result


def detector_scores(sets: Sets, detector: SafetyDetector) -> dict[str, Scores]:
    return score(sets, detector.detect)


def classifier_scores(
    sets: Sets,
    detector: SafetyDetector,
    classifier: SafetyModel,
    threshold: float,
    concern_at: Optional[float] = None,
    veto: Optional[float] = None,
) -> dict[str, dict[str, Scores]]:
    """The classifier alone and "lexicon or classifier" (with the classifier's `veto`), at
    `threshold`; with `concern_at`, also counting the line of a concern
    (bot/safety/concern.py) as found."""
    texts = list(dict.fromkeys(t for c in sets.values() for ts in c.values() for t in ts))
    alone = dict(zip(texts, classifier.verdicts(texts, threshold), strict=True))
    rows: Any = classifier.probabilities(texts) if texts else []
    labels = classifier.labels
    probabilities = {
        text: {kind: float(row[labels.index(kind)]) for kind in (DANGER, SELF_HARM)}
        for text, row in zip(texts, rows, strict=True)
    }

    def other(text: str) -> float:
        return 1.0 - sum(probabilities[text].values())

    lexicon = {text: detector.detect(text) for text in texts}

    def either(text: str) -> Optional[str]:
        return combine(lexicon[text], alone[text], other(text), veto)

    def or_line(text: str) -> Optional[str]:
        found = either(text)
        return found or concern(
            text, found, probabilities[text], None, concern_at, None, lexicon[text]
        )

    measured = {
        f"the classifier alone (>= {threshold})": score(sets, alone.__getitem__),
        f"lexicon, or the classifier (>= {threshold})": score(sets, either),
    }
    if concern_at is not None:
        measured[f"{WITH_LINE} (classifier >= {concern_at})"] = score(sets, or_line)
    return measured


def configured_component(config_path: Path = PROJECT_ROOT / "config.yml") -> dict[str, Any]:
    """The SafetyClassifier's settings in config.yml (threshold and hyperparameters)."""
    pipeline = yaml.safe_load(config_path.read_text(encoding="utf-8"))["pipeline"]
    entry = next(e for e in pipeline if e["name"].endswith("safety.component.SafetyClassifier"))
    return {k: v for k, v in entry.items() if k != "name"}


def classifier_from_files(config: Mapping[str, Any], detector: SafetyDetector) -> SafetyModel:
    """The classifier `rasa train` would fit, from the training files alone (no Rasa)."""
    from bot.safety.training_data import deduplicated, load_labelled, load_nlu_files

    training_dir = PROJECT_ROOT / str(config.get("training_dir") or "data/safety/training")
    examples = deduplicated([*load_labelled(training_dir), *load_nlu_files()])
    return SafetyModel.fit(examples, Settings.from_config(config), detector.affirmed)


def _alarm_of(intent_name: Optional[str]) -> Optional[str]:
    return {EMERGENCY_INTENT: DANGER, SELF_HARM_INTENT: SELF_HARM}.get(intent_name or "")


def model_scores(
    sets: Sets,
    parsed: Mapping[str, Mapping[str, Any]],
    detector: SafetyDetector,
    classifier_threshold: Optional[float] = None,
    model_confidence: Optional[float] = MODEL_CONFIDENCE,
) -> dict[str, dict[str, Scores]]:
    """Scores on the parse results (text -> parse data) by how the alarm is decided
    (`model_confidence`: from which the model's own alarm counts, None: never alone):
    `assistant` is what the assistant does (a model trained with the SafetyClassifier says
    it itself; for an older model the configured rule is applied); the other rows apply
    other rules to the model's own intent (`safety_model_intent`, or the intent of an older
    model)."""
    with_component = any("safety" in result for result in parsed.values())

    def model_intent(text: str) -> Any:
        result = parsed[text]
        return result.get("safety_model_intent") if with_component else result.get("intent")

    def assistant(text: str) -> Optional[str]:
        if with_component:
            return _alarm_of((parsed[text].get("intent") or {}).get("name"))
        return verdict(detector.detect(text), model_intent(text), model_confidence)

    with_classifier = any(result.get(CLASSIFIER) for result in parsed.values())
    rule = "lexicon or classifier" if with_classifier else "lexicon"
    if model_confidence is not None:
        rule += f", or the model's alarm >= {model_confidence}"
    measured = {f"the assistant ({rule})": score(sets, assistant)}
    if any(CONCERN_KEY in result for result in parsed.values()):
        measured[f"the assistant, {WITH_LINE}"] = score(
            sets, lambda t: assistant(t) or parsed[t].get(CONCERN_KEY)
        )
    measured |= {
        "the model alone": score(sets, lambda t: _alarm_of((model_intent(t) or {}).get("name"))),
    }
    for threshold in MODEL_CONFIDENCES:
        measured[f"lexicon, or the model's alarm >= {threshold}"] = score(
            sets, _hybrid(detector, model_intent, threshold)
        )
    if with_classifier and classifier_threshold is not None:
        measured.update(_classifier_rows(sets, parsed, detector, classifier_threshold))
    return measured


def _classifier_rows(
    sets: Sets, parsed: Mapping[str, Mapping[str, Any]], detector: SafetyDetector, at: float
) -> dict[str, dict[str, Scores]]:
    """The classifier's own alarm, from the probabilities in the parse data."""

    def alone(text: str) -> Optional[str]:
        found = parsed[text].get(CLASSIFIER) or {}
        danger, self_harm = float(found.get(DANGER, 0.0)), float(found.get(SELF_HARM, 0.0))
        if danger + self_harm < at:
            return None
        return SELF_HARM if self_harm > danger else DANGER

    veto = configured_component().get("classifier_veto")

    def other(text: str) -> float:
        found = parsed[text].get(CLASSIFIER) or {}
        return 1.0 - float(found.get(DANGER, 0.0)) - float(found.get(SELF_HARM, 0.0))

    return {
        f"the classifier alone (>= {at})": score(sets, alone),
        f"lexicon, or the classifier (>= {at})": score(
            sets, lambda t: combine(detector.detect(t), alone(t), other(t), veto)
        ),
    }


def _hybrid(
    detector: SafetyDetector, model_intent: Callable[[str], Any], threshold: float
) -> Verdict:
    def judge(text: str) -> Optional[str]:
        return verdict(detector.detect(text), model_intent(text), threshold)

    return judge


def parse_with_model(model_path: Path, texts: Iterable[str]) -> dict[str, dict[str, Any]]:
    from bot.language.evaluation import load_agent

    agent = load_agent(model_path)

    async def parse_all() -> dict[str, dict[str, Any]]:
        results = {}
        for text in dict.fromkeys(texts):
            results[text] = await agent.parse_message(text)  # type: ignore[attr-defined]
        return results

    return asyncio.run(parse_all())


def _table(title: str, scores: Mapping[str, Scores]) -> list[str]:
    lines = [
        f"**{title}**",
        "",
        "| language | danger recall | self-harm recall | false alarms (safe) | short-answer"
        " alarms | targets |",
        "|---|---|---|---|---|---|",
    ]
    for language, s in scores.items():
        lines.append(
            f"| {language} | {s.danger_recall:.3f} ({s.hits['danger']}/{s.total['danger']})"
            f" | {s.self_harm_recall:.3f} ({s.hits['self_harm']}/{s.total['self_harm']})"
            f" | {s.false_alarm_rate:.3f} ({s.hits['safe']}/{s.total['safe']})"
            f" | {s.short_alarms}/{s.total['short']} | {'met' if s.meets_targets else 'NOT met'} |"
        )
    return [*lines, ""]


def report(
    sets_dir: Path,
    detector: SafetyDetector,
    model_path: Optional[Path] = None,
    classifier: Optional[SafetyModel] = None,
) -> str:
    """The "Danger and self-harm" section of docs/evaluation.md (figures only, no text).
    `classifier`: also the lexicons with this classifier, without a Rasa model."""
    sets = load_sets(sets_dir)
    sizes = {c: sum(len(s[c]) for s in sets.values()) for c in CATEGORIES}
    threshold = configured_component().get("classifier_threshold")
    lines = [
        "# Danger and self-harm",
        "",
        f"Held-out set `{sets_dir.name}/` ({sizes['danger']} danger, {sizes['self_harm']}"
        f" self-harm, {sizes['safe']} harsh-but-safe, {sizes['short']} short form answers in"
        f" {len(sets)} languages, Arabizi included), written after the lexicons' last tuning"
        " round and never used to tune them or to train the classifier. Targets: danger"
        f" recall >= {TARGET_DANGER_RECALL}, false alarms <= {TARGET_FALSE_ALARMS:.0%} on the"
        " safe messages, no alarm on a short answer. A danger message counts as found only"
        " when answered as danger, a self-harm message only as self-harm; an alarm on the"
        " rest is either.",
        "",
        *_table(
            "The lexicon detector alone (bot/safety, no model)", detector_scores(sets, detector)
        ),
        "How the held-out set was written, version by version, how the classifier and its"
        " threshold were chosen, and what each round of training examples changed:"
        " docs/safety.md.",
        "",
    ]
    if classifier is not None and threshold is not None:
        configured = configured_component()
        concern_at, veto = configured.get("concern_threshold"), configured.get("classifier_veto")
        measured_alone = classifier_scores(sets, detector, classifier, threshold, concern_at, veto)
        for title, scores in measured_alone.items():
            lines += _table(
                f"Trained from the training files alone, no Rasa model: {title}", scores
            )
    added = load_sets(sets_dir, added_languages(sets_dir))
    if added:
        lines += [
            "## Languages added later",
            "",
            "Their held-out sets were written with the languages (issue 16), by other authors"
            " than their lexicons; not part of the figures above. Each round of their"
            " training examples, with its figures: docs/safety.md.",
            "",
            *_table("The lexicon detector alone", detector_scores(added, detector)),
        ]
    if model_path is not None:
        for measured_sets, where in ((sets, ""), (added, ", languages added later")):
            if not measured_sets:
                continue
            texts = [t for c in measured_sets.values() for ts in c.values() for t in ts]
            parsed = parse_with_model(model_path, texts)
            model_confidence = configured_component().get("model_confidence")
            measured = model_scores(measured_sets, parsed, detector, threshold, model_confidence)
            for title, scores in measured.items():
                lines += _table(f"With the model `{model_path.name}`{where}: {title}", scores)
    return "\n".join(lines) + "\n"
