"""What the web chat widget needs from the core: its own labels in every supported language
(phrases `webchat_*` in the content store) and the language list for its picker."""

from __future__ import annotations

from typing import Mapping

from bot.content.store import ContentStore
from bot.language.catalogue import RTL_LANGUAGES, SUPPORTED_LANGUAGES

LABEL_PREFIX = "webchat_"

# Every label the widget shows; each must exist in every language (tests/e2e/test_webchat.py).
LABELS = (
    "title",
    "subtitle",
    "region",
    "log",
    "input_label",
    "placeholder",
    "send",
    "language",
    "quick_exit",
    "quick_exit_hint",
    "you",
    "assistant",
    "connecting",
    "connection_lost",
    "resumed",
    "too_long",
    "too_fast",
    "refused",
    "minimise",
    "open",
    "attach",
    "attach_busy",
    "file",
    "file_failed",
)


class MissingLabel(LookupError):
    pass


def widget_labels(store: ContentStore) -> dict[str, dict[str, str]]:
    """language -> label -> text, for every supported language."""
    labels: dict[str, dict[str, str]] = {}
    for language in SUPPORTED_LANGUAGES:
        labels[language] = {}
        for name in LABELS:
            text = store.phrase(LABEL_PREFIX + name, language)
            if not text:
                raise MissingLabel(f"phrase '{LABEL_PREFIX}{name}' is missing for {language}")
            labels[language][name] = text
    return labels


def language_choices(own_names: Mapping[str, str]) -> list[dict[str, str]]:
    """The picker's options: each language in its own name, with its writing direction."""
    return [
        {
            "code": code,
            "name": own_names.get(code, code),
            "dir": "rtl" if code in RTL_LANGUAGES else "ltr",
        }
        for code in SUPPORTED_LANGUAGES
    ]
