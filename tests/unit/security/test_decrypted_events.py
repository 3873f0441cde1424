"""The process's memory of decrypted events: bounded in size and in idle time, keyed by
the ciphertext, and it forgets on request."""

from __future__ import annotations

from bot.decrypted_events import ENTRY_OVERHEAD, DecryptedEvents
from tests.support.clock import Clock


def _decrypting(calls: list[str]):
    def decrypt(stored: str) -> str:
        calls.append(stored)
        return stored.upper()

    return decrypt


def test_a_ciphertext_is_decrypted_once_then_remembered():
    memory, calls = DecryptedEvents(), []
    assert memory.text("abc", _decrypting(calls)) == "ABC"
    assert memory.text("abc", _decrypting(calls)) == "ABC"
    assert calls == ["abc"]
    memory.remember("def", "written")  # what the store wrote: never decrypted
    assert memory.text("def", _decrypting(calls)) == "written" and calls == ["abc"]


def test_the_least_recently_used_go_first_when_over_budget():
    entry = 2 + ENTRY_OVERHEAD  # one character each way
    memory, calls = DecryptedEvents(budget=3 * entry), []
    for key in "abc":
        memory.text(key, _decrypting(calls))
    memory.text("a", _decrypting(calls))  # used again: b is now the oldest
    memory.text("d", _decrypting(calls))
    assert len(memory) == 3 and memory.size == 3 * entry
    calls.clear()
    for key in "acd":
        memory.text(key, _decrypting(calls))
    assert calls == []
    memory.text("b", _decrypting(calls))
    assert calls == ["b"]


def test_an_entry_larger_than_the_budget_is_not_kept():
    memory, calls = DecryptedEvents(budget=10), []
    memory.text("abc", _decrypting(calls))
    memory.text("abc", _decrypting(calls))
    assert calls == ["abc", "abc"] and len(memory) == 0 and memory.size == 0


def test_entries_unused_for_the_idle_time_are_dropped_at_the_next_use():
    clock = Clock()
    memory, calls = DecryptedEvents(idle_seconds=60, clock=clock), []
    memory.text("old", _decrypting(calls))
    clock.now = 50
    memory.text("kept", _decrypting(calls))
    clock.now = 100
    memory.text("kept", _decrypting(calls))  # 'old' was idle 100 s: gone
    assert len(memory) == 1
    memory.text("old", _decrypting(calls))
    assert calls == ["old", "kept", "old"]


def test_forgotten_and_cleared_entries_are_decrypted_again():
    memory, calls = DecryptedEvents(), []
    for key in ("a", "b"):
        memory.text(key, _decrypting(calls))
    memory.forget(["a", "unknown"])
    memory.text("a", _decrypting(calls))
    memory.clear()
    memory.text("b", _decrypting(calls))
    assert calls == ["a", "b", "a", "b"]
    assert len(memory) == 1 and memory.size == 2 + ENTRY_OVERHEAD
