"""What the tests share: the checkout's root, tracker and domain helpers, servers and fakes."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
