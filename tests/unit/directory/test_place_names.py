"""Posts named the way speakers of each language write them (data/directory/names/ and
CLDR's country names): in Cyrillic, in Chinese without spaces, inside a sentence."""

from __future__ import annotations

import pytest

from bot.advisor.questions import post_label
from bot.directory.files.importing import load_directory_files
from bot.directory.names import place_names
from bot.directory.records import Directory
from bot.directory.resolution import resolve_post
from bot.language.catalogue import SUPPORTED_LANGUAGES
from tests.support import ROOT


@pytest.fixture(scope="module")
def directory() -> Directory:
    loaded = load_directory_files([ROOT / "data" / "directory"])
    return Directory(loaded.posts, loaded.advisors)


@pytest.mark.parametrize(
    "answer, post",
    [
        ("в москве", "MOS"),
        ("посольство в Алматы", "ALM"),
        ("我在北京的大使馆工作", "PEK"),
        ("上海", "SHA"),
        ("nairobi", "NAI"),
    ],
)
def test_a_post_named_in_the_users_language(directory: Directory, answer: str, post: str):
    resolution = resolve_post(answer, directory)
    assert post in [p.code for p in resolution.posts], (answer, resolution)


def test_a_chinese_country_name_inside_a_sentence(directory: Directory):
    posts = resolve_post("我在肯尼亚工作", directory).posts
    assert [p.country for p in posts] and {p.country for p in posts} == {"KE"}


def test_the_city_is_shown_in_the_users_language(directory: Directory):
    post = directory.post("PEK")
    assert post is not None
    assert post_label(post, "zh").startswith("北京")
    assert post_label(post, "en").startswith("Beijing")


def test_every_new_language_names_every_post(directory: Directory):
    """A language with its own names file (not the first seven, whose names are in
    posts.yml) names every post."""
    names = place_names()
    for language in SUPPORTED_LANGUAGES:
        cities = names.cities.get(language) or {}
        if language in ("nl", "en", "fr", "es", "de", "pt", "ar"):
            continue
        missing = [p.code for p in directory.posts if p.code not in cities]
        assert not missing, (language, missing)
