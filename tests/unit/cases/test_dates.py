"""The words of time a reporter types at "when did it happen?", from each language's
data/content/<language>/dates.yml: every language reads its own yesterday and 'N days ago';
Chinese, written without spaces, inside a sentence."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cases.dates import load_time_words
from bot.cases.intake import _normalise_words, parse_when
from bot.language.catalogue import SUPPORTED_LANGUAGES

TODAY = date(2026, 12, 3)  # a Thursday
CONTENT = Path(__file__).resolve().parents[3] / "data" / "content"


@pytest.fixture(scope="module")
def words():
    return load_time_words(CONTENT, _normalise_words)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_reads_its_own_yesterday_and_days_ago(words, language):
    own = words[language]
    yesterday = next(phrase for phrase, days in own.days_back if days == 1)
    assert parse_when(yesterday, TODAY, language).date == TODAY - timedelta(days=1)
    assert own.days_ago, f"{language}: no '{{n}} days ago'"
    assert own.last_week and own.last_month


def test_days_ago_with_the_number_inside_the_words():
    assert parse_when("il y a 3 jours", TODAY, "fr").date == TODAY - timedelta(days=3)
    assert parse_when("منذ 5 ايام", TODAY, "ar").date == TODAY - timedelta(days=5)


def test_the_conversation_language_only():
    # 'hier' is yesterday in French, here in Dutch.
    assert parse_when("hier", TODAY, "fr").date == TODAY - timedelta(days=1)
    assert parse_when("hier", TODAY, "nl").date is None


def test_chinese_time_words_inside_a_sentence():
    assert parse_when("昨天晚上在办公室", TODAY, "zh").date == TODAY - timedelta(days=1)
    assert parse_when("3天前", TODAY, "zh").date == TODAY - timedelta(days=3)
    assert parse_when("上个月", TODAY, "zh").precision == "month"


def test_the_longest_expression_wins_whatever_it_names():
    # 'minggu kemarin' is last week, though it holds 'kemarin' (yesterday).
    assert parse_when("la semaine derniere", TODAY, "fr").precision == "week"
    assert parse_when("avant hier", TODAY, "fr").date == TODAY - timedelta(days=2)
    assert parse_when("минулого тижня", TODAY, "uk").precision == "week"
