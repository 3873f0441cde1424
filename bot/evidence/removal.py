"""Taking files out of a report at its summary: "Files" among the parts to change removes the
only file, or asks which one when there are several (actions/report_form.py). The choices are
each file by its label ("photo, 230 KB"), then all of them, then none; a typed number, a
label or a kind ("the voice note") picks one, and a kind two files share picks none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Optional

from bot.evidence.dialogue import Phrase, file_label
from bot.evidence.store import Evidence
from bot.forms.choices import chosen_number, match_choice
from bot.report.form import words_of

# The answers to "which file?" (the values of the summary's `report_choice` buttons).
REMOVE_FILE = "remove_file_"  # then the file's position, from 1
ALL_FILES, KEEP_FILES = "remove_files_all", "remove_files_keep"
# More files than anyone sends with one report: a typed number up to this is an answer.
MOST_FILES = 99
KINDS = ("image", "pdf", "text", "audio", "document")


def _labels(files: Sequence[Evidence], phrase: Phrase) -> list[str]:
    """Each file's label, numbered where two would read the same."""
    labels = [file_label(file, phrase) for file in files]
    return [f"{label} ({i})" if labels.count(label) > 1 else label
            for i, label in enumerate(labels, start=1)]  # fmt: skip


def removal_options(files: Sequence[Evidence], phrase: Phrase) -> dict[str, list[str]]:
    """The choices in the order of the question's buttons, with the words that name each."""
    options = {
        f"{REMOVE_FILE}{i}": [label, phrase(f"file_kind_{file.kind}") or file.kind]
        for i, (file, label) in enumerate(zip(files, _labels(files, phrase), strict=True), start=1)
    }
    options[ALL_FILES] = words_of(phrase, "report_files_all") or [ALL_FILES]
    options[KEEP_FILES] = words_of(phrase, "report_files_keep") or [KEEP_FILES]
    return options


def removal_choices(files: Sequence[Evidence], phrase: Phrase) -> list[dict[str, str]]:
    """The question's buttons: the first words of each choice, as a `report_choice`."""
    return [
        {"title": words[0].strip(), "payload": "/report" + json.dumps({"report_choice": key})}
        for key, words in removal_options(files, phrase).items()
    ]


def chosen_removal(answer: object, files: Sequence[Evidence], phrase: Phrase) -> Optional[str]:
    """What the answer takes out: a file's id, ALL_FILES or KEEP_FILES (nothing); None when
    it names no choice, or more than one."""
    options = removal_options(files, phrase)
    key = answer if isinstance(answer, str) and answer in options else None
    key = key or match_choice(answer, options)
    if key is None or key in (ALL_FILES, KEEP_FILES):
        return key
    position = int(key.removeprefix(REMOVE_FILE))
    return files[position - 1].id


def may_choose_removal(text: object, phrase: Phrase) -> bool:
    """Whether a message reads as an answer to "which file?" rather than something else
    (the files themselves are not at hand where this is asked): a number, all, none, or a
    kind of file."""
    if not isinstance(text, str):
        return False
    if text.startswith("/report") and REMOVE_FILE[:-1] in text:
        return True
    if chosen_number(text, MOST_FILES) is not None:
        return True
    options = {
        ALL_FILES: words_of(phrase, "report_files_all"),
        KEEP_FILES: words_of(phrase, "report_files_keep"),
        **{kind: [phrase(f"file_kind_{kind}") or kind] for kind in KINDS},
    }
    return match_choice(text, options) is not None
