"""A web chat session may send PER_MINUTE messages in any minute (channels/webchat/pace.py):
the next is refused until the oldest is a minute old; other sessions are not affected."""

from __future__ import annotations

from channels.webchat.pace import PER_MINUTE, MessagePace
from tests.support.clock import Clock


def test_a_session_sending_too_fast_waits_until_its_oldest_message_is_a_minute_old():
    clock = Clock(1000.0)
    pace = MessagePace(clock=clock)
    allowed = []
    for _ in range(PER_MINUTE + 1):
        allowed.append(pace.allow("session-a"))
        clock.now += 1
    assert allowed == [True] * PER_MINUTE + [False]
    assert pace.allow("session-b")  # someone else is not slowed
    clock.now = 1000.0 + 59.5
    assert not pace.allow("session-a")
    clock.now = 1000.0 + 60.0  # the first message is a minute old
    assert pace.allow("session-a")
    assert not pace.allow("session-a")  # the second one is not yet


def test_a_refused_message_does_not_count():
    clock = Clock()
    pace = MessagePace(per_minute=2, clock=clock)
    assert [pace.allow("s") for _ in range(5)] == [True, True, False, False, False]
    clock.now += 60
    assert [pace.allow("s") for _ in range(3)] == [True, True, False]


def test_only_a_bounded_number_of_sessions_is_remembered():
    pace = MessagePace(per_minute=1, sessions=3, clock=Clock())
    for session in ("a", "b", "c", "d"):
        assert pace.allow(session)
    assert pace.allow("a")  # forgotten: the least recently active went first
    assert not pace.allow("d")
