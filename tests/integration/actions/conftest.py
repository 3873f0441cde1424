"""The real domain for the form tests (tests/support/tracker.py)."""

from tests.support.tracker import domain

__all__ = ["domain"]
