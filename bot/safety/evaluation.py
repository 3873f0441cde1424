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

# How the held-out set came to be: each version was measured as held-out before it was
# used for tuning, and a new one written.
HISTORY: tuple[str, ...] = (
    "History of the held-out set (lexicon alone, all languages; each version was measured as"
    " held-out, then used for tuning or training and replaced; versions 1-5 are in"
    " data/safety/training/, now also the classifier's training data):",
    "",
    "- version 1, written together with the first lexicons: danger 0.966, self-harm 0.943,"
    " false alarms 0.019, short-answer alarms 0;",
    "- version 2, written before a tuning round: danger 0.673, self-harm 0.557, false"
    " alarms 0.026, short-answer alarms 0;",
    "- version 3, more varied (indirect wording, typos, third parties): danger 0.503,"
    " self-harm 0.421, false alarms 0.064, short-answer alarms 0;",
    "- version 4, chat style (broken grammar, shouting, mixed registers): danger 0.524,"
    " self-harm 0.643, false alarms 0.045, short-answer alarms 0 (lexicon or classifier:"
    " 0.735, 0.757, 0.055, 0; the assistant with its model: 0.79, 0.76, 0.10-0.11, 0-4);",
    "- version 5, written without sight of the training data or of earlier versions: danger"
    " 0.616, self-harm 0.493, false alarms 0.057, short-answer alarms 0 (lexicon or"
    " classifier, first measured: 0.867, 0.814, 0.031, 0; the assistant with its model: 0.864,"
    " 0.814, 0.033, 0); its figures were seen while choosing the model's part (config.yml,"
    " bot/safety/decision.py);",
    "- version 6 (this one), written on 5 December without sight of the training data or of"
    " earlier versions, then measured before anything was changed: the table above. Lines"
    ' that repeated a training line (13, common ones such as "he has a knife") were'
    " replaced before measuring. Version 5 and a third round of written examples"
    " (written_v3/) joined the training data at the same time.",
    "",
)

# How the classifier's settings and threshold were chosen: grouped 5-fold cross-validation
# on its training data only (python -m bot.safety.crossval prints the full table).
CROSS_VALIDATION: tuple[str, ...] = (
    "The safety classifier (bot/safety/classifier.py) was chosen without the held-out set:"
    " 5-fold cross-validation on its training data (data/safety/training/ and data/nlu/,"
    " 27,221 examples since the evening of December 5; 23,224 and 16,386 before), each fold"
    " holding out whole files. TF-IDF character n-grams (1-5, within words) and word n-grams"
    " (1-2) with a logistic regression did as well as fastText at every false-alarm rate;"
    " C=30, the harsh-but-safe and short examples weighing 8 (4 and 16 lay on the same"
    " curve), and the text read with every lexicon's negations blanked did best. The"
    " classifier alone, cross-validated on the 27,221 examples (the lexicons were tuned on"
    ' some of these files, so "lexicon or classifier" says little here):',
    "",
    "| threshold | danger recall | self-harm recall | false alarms (safe) | short-answer alarms |",
    "|---|---|---|---|---|",
    "| 0.5 (the line of a concern) | 0.887 | 0.769 | 0.089 | 13 |",
    "| 0.7 | 0.819 | 0.702 | 0.052 | 4 |",
    "| 0.8 | 0.773 | 0.657 | 0.035 | 2 |",
    "| 0.88 | 0.712 | 0.600 | 0.022 | 0 |",
    "| 0.92 (the alarm) | 0.662 | 0.551 | 0.015 | 0 |",
    "| 0.96 | 0.568 | 0.467 | 0.008 | 0 |",
    "| 0.98 | 0.476 | 0.383 | 0.004 | 0 |",
    "",
    "0.92 was the lowest threshold within the false-alarm targets (<= 1 % on safe, none on a"
    " short answer) on the 16,386 examples; on the 27,221 it is 0.96, at a sixth less danger"
    " found. The alarm stays at 0.92: a danger missed costs more than a safety text shown to"
    " someone who is not in danger, and the targets ask for both. From 0.5 a concern adds"
    " the line of where to get help to the reply (bot/safety/concern.py). A lexicon finding"
    " the classifier is sure is neither (P(other) >= 0.9) is a concern, not an alarm: on the"
    " files the lexicons were not tuned on, false alarms 8.9 % -> 6.5 %, danger answered"
    " 0.737 -> 0.732 (23,224 examples). No threshold reaches a danger recall of 0.98.",
    "",
    "On 7 December the first training examples of the eight languages added later joined"
    " (written_v4/: 110 danger, 50 self-harm, 160 harsh-but-safe and 50 short answers in"
    " each; 50,609 examples in all). Cross-validated again: at 0.92 the classifier alone"
    " finds 0.601 of danger and 0.516 of self-harm at 1.7 % false alarms and no short-answer"
    " alarm; the lowest threshold within the targets is 0.96 again (0.521, 0.440, 0.9 %). The"
    " alarm stays at 0.92, for the reason above.",
    "",
    "Pretrained multilingual sentence encoders did not help here. A logistic regression on"
    " multilingual-e5-small vectors found 0.45-0.48 of held-out version 5's danger messages"
    " at 1.2-1.4 % false alarms (the TF-IDF classifier 0.56 at 1.0 %). On Universal"
    " Sentence Encoder multilingual v3 vectors (the intent model's third opinion,"
    " bot/language/meaning.py), cross-validated as above on the 27,221 examples, at <= 1 %"
    " false alarms and no short-answer alarm: alone 0.31 of danger, averaged with the"
    " TF-IDF classifier 0.59, the TF-IDF classifier alone 0.60.",
    "",
)

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
        *HISTORY,
        *CROSS_VALIDATION,
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
            " than their lexicons; not part of the figures above. Until 7 December the"
            " classifier had no training examples in these languages (only their NLU"
            " examples); with written_v4/ the assistant found danger 0.482 -> 0.734,"
            " self-harm 0.472 -> 0.648, false alarms 0.006 -> 0.004, short answers alarmed"
            " 0 -> 2 of 318 (the model before and after, both trained on 7 December). A"
            " fifth round (written_v5/: 80 danger, 40 self-harm, mostly indirect, 20 safe"
            " and 10 short in each) with 80 more harsh-but-safe lines and 30 more short"
            " answers in each took them to danger 0.767, self-harm 0.730, false alarms"
            " 0.004, short answers alarmed 1 of 318; the fifth round without those safe"
            " lines found more (0.787, 0.742) at 0.017 false alarms, over the target. With"
            " harmless 'myself' and 'still going on' lines beside them (the fifth round had"
            " taught the classifier those words): 0.770, 0.736, 0.006, none of 318. A sixth"
            " round (written_v6/: harmless endings of a chat in all 15 languages, 30 safe and"
            " 8 short in each; a French 'I'll close the window, bye' had the self-harm"
            " answer): 0.767, 0.711, 0.002, none. With it (54,924 examples), cross-validated,"
            " the classifier alone at 0.92 finds 0.597 of danger and 0.446 of self-harm at"
            " 2.5 % false alarms and one short-answer alarm; its rule picks 0.98 (0.417,"
            " 0.308, 0.8 %). The alarm stays at 0.92 (a missed danger costs more). A"
            " seventh round (written_v7/: 45 indirect self-harm lines each in other words"
            " than goodbyes, 25 harsh-but-safe lines sharing their words, 10 danger, 5"
            " short): 0.761, 0.774, 0.006, none.",
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
