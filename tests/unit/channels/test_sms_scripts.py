"""SMS counts what the network bills: GSM-7 segments for plain Latin text, UCS-2 segments of
70 characters (67 when split) for any other script our languages use."""

from __future__ import annotations

import pytest

from channels.splitting import SMS_MAX_SEGMENTS, sms_segments, split_for_sms


@pytest.mark.parametrize("letter", ["ж", "中", "क", "پ", "ع", "ş", "ї"])
def test_any_script_beyond_gsm_costs_a_segment_per_70_characters(letter: str):
    assert sms_segments(letter * 70) == 1
    assert sms_segments(letter * 71) == 2  # split: 67 per part
    assert sms_segments(letter * 134) == 2
    assert sms_segments(letter * 135) == 3


def test_latin_text_keeps_160_characters():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2


def test_a_long_chinese_reply_is_split_into_parts_the_network_sends_whole():
    text = "请写下发生了什么。" * 60  # 540 characters, no spaces
    parts = split_for_sms(text)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
    assert len(parts) > 1 and all(sms_segments(part) <= SMS_MAX_SEGMENTS for part in parts)
