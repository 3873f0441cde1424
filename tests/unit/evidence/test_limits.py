"""A file over the per-file limit, or one that would take a case over its limit, is refused
before anything looks at its content; the limits come from the environment."""

from __future__ import annotations

import pytest

from bot.evidence.limits import MB, EvidenceLimits, room_left, size_refusal
from bot.evidence.received import receive
from bot.evidence.refusals import Refusal, RefusedFile
from bot.settings import settings
from tests.support import evidence as files


def test_the_defaults_are_16_mb_a_file_and_50_mb_a_case(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("VM_EVIDENCE_MAX_FILE_MB", raising=False)
    monkeypatch.setenv("VM_EVIDENCE_MAX_CASE_MB", "")
    limits = EvidenceLimits.from_settings()
    assert (limits.max_file_bytes, limits.max_case_bytes) == (16 * MB, 50 * MB)


def test_the_limits_follow_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VM_EVIDENCE_MAX_FILE_MB", "5")
    monkeypatch.setenv("VM_EVIDENCE_MAX_CASE_MB", "8")
    limits = EvidenceLimits.from_settings(settings())
    assert size_refusal(5 * MB, 0, limits) is None
    assert size_refusal(5 * MB + 1, 0, limits) is Refusal.FILE_TOO_LARGE
    assert size_refusal(4 * MB, 4 * MB, limits) is None
    assert size_refusal(4 * MB, 4 * MB + 1, limits) is Refusal.CASE_FULL


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_limit_of_nothing_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv("VM_EVIDENCE_MAX_FILE_MB", value)
    with pytest.raises(ValueError):
        EvidenceLimits.from_settings()


def test_an_empty_file_is_refused():
    assert size_refusal(0, 0, EvidenceLimits(MB, MB)) is Refusal.EMPTY


def test_room_left_is_the_largest_file_the_case_takes_now():
    limits = EvidenceLimits(max_file_bytes=10, max_case_bytes=25)
    assert [room_left(stored, limits) for stored in (0, 20, 25, 30)] == [10, 5, 0, 0]


def test_size_is_checked_before_content():
    # An oversized program is refused for its size: nothing looked at what it is.
    limits = EvidenceLimits(max_file_bytes=100, max_case_bytes=1000)
    program = files.windows_program()
    assert len(program) > 100
    with pytest.raises(RefusedFile) as refused:
        receive(program, case_bytes=0, limits=limits)
    assert refused.value.reason is Refusal.FILE_TOO_LARGE


def test_a_photo_that_would_overfill_the_case_is_refused():
    photo = files.jpeg()
    limits = EvidenceLimits(max_file_bytes=MB, max_case_bytes=len(photo) + 10)
    assert receive(photo, case_bytes=10, limits=limits).received_size == len(photo)
    with pytest.raises(RefusedFile) as refused:
        receive(photo, case_bytes=11, limits=limits)
    assert refused.value.reason is Refusal.CASE_FULL
