"""Reading the assistant's replies as a user reads them."""

from __future__ import annotations

import unicodedata

from bot.cases.receipts import parse_code


def receipt_in(text: str) -> tuple[str, str]:
    """The code and passphrase in the 'received' message: the code's line, then the next.
    Direction marks (Arabic) are invisible to the user and left out."""
    lines = [
        "".join(c for c in line if unicodedata.category(c) != "Cf") for line in text.split("\n")
    ]
    at = next(i for i, line in enumerate(lines) if parse_code(line))
    code = parse_code(lines[at])
    assert code is not None, text
    return code, lines[at + 1].split(":", 1)[1].strip()
