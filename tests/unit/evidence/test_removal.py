"""Which file a user takes out of their report at the summary: by the button, a typed
number, the file's label or its kind; a kind two files share names none."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from bot.evidence.removal import (
    ALL_FILES,
    KEEP_FILES,
    chosen_removal,
    may_choose_removal,
    removal_choices,
)
from bot.evidence.store import Evidence

WORDS = {
    "file_kind_image": "photo",
    "file_kind_audio": "voice note",
    "report_files_all": "All files, all, all of them",
    "report_files_keep": "Keep them, keep, none",
}


def phrase(name: str) -> Optional[str]:
    return WORDS.get(name)


def evidence(file_id: str, kind: str, size: int) -> Evidence:
    return Evidence(file_id, kind, "x/y", size, size, None, None, True, (),
                    datetime(2026, 12, 6, tzinfo=timezone.utc))  # fmt: skip


PHOTO, NOTE, OTHER_PHOTO = (
    evidence("a1", "image", 2048),
    evidence("b2", "audio", 300 * 1024),
    evidence("c3", "image", 2048),
)


def test_the_buttons_name_each_file_then_all_then_none():
    choices = removal_choices([PHOTO, NOTE], phrase)
    assert [c["title"] for c in choices] == ["photo, 2 KB", "voice note, 300 KB", "All files",
                                             "Keep them"]  # fmt: skip
    assert choices[1]["payload"] == '/report{"report_choice": "remove_file_2"}'


def test_two_files_that_read_the_same_are_numbered():
    titles = [c["title"] for c in removal_choices([PHOTO, NOTE, OTHER_PHOTO], phrase)]
    assert titles[:3] == ["photo, 2 KB (1)", "voice note, 300 KB", "photo, 2 KB (3)"]


def test_a_file_is_chosen_by_button_number_label_or_kind():
    files = [PHOTO, NOTE, OTHER_PHOTO]
    assert chosen_removal("remove_file_3", files, phrase) == "c3"
    assert chosen_removal("2", files, phrase) == "b2"
    assert chosen_removal("the voice note", files, phrase) == "b2"
    assert chosen_removal("photo, 2 KB (1)", files, phrase) == "a1"
    assert chosen_removal("all of them", files, phrase) == ALL_FILES
    assert chosen_removal("keep them", files, phrase) == KEEP_FILES


def test_an_answer_that_names_no_single_file_chooses_nothing():
    files = [PHOTO, NOTE, OTHER_PHOTO]
    assert chosen_removal("photo", files, phrase) is None  # two photos
    assert chosen_removal("9", files, phrase) is None
    assert chosen_removal("the one from yesterday", files, phrase) is None


def test_what_reads_as_an_answer_to_which_file():
    for answer in ("2", "all", "the photo", '/report{"report_choice": "remove_file_1"}'):
        assert may_choose_removal(answer, phrase), answer
    assert not may_choose_removal("what happens to my report?", phrase)
