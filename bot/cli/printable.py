"""Text from users and from the database, made safe to print on a terminal.

A report, a transcript or a directory file can hold terminal escape sequences ('\\x1b[2J'
clears the coordinator's screen, others retitle the window or rewrite what was printed),
carriage returns that overwrite a line, and bidirectional overrides that show text in
another order than it is stored. Every such character is printed as a visible escape
('\\x1b', '\\u202e'), so what the coordinator reads is what is stored."""

from __future__ import annotations

import sys
import unicodedata
from typing import Any, TextIO

# Joiners shape Arabic, Persian and emoji: harmless on a terminal, and escaping them would
# garble legitimate text.
_KEPT_FORMAT = {"\u200c", "\u200d"}


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: object, keep_newlines: bool = True) -> str:
    """`text` with every control, format and separator character escaped: C0 and C1
    controls (ESC, CR, BEL...), DEL, bidi embeddings, overrides, isolates and marks,
    zero-width and line/paragraph separators. Tabs stay; newlines stay if `keep_newlines`
    (a multi-line report), else are escaped too (a one-line field cannot fake a line)."""
    out = []
    for char in str(text):
        if char == "\t" or (char == "\n" and keep_newlines) or char in _KEPT_FORMAT:
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def line(text: object) -> str:
    """A one-line value: newlines escaped as well."""
    return visible(text, keep_newlines=False)


def say(*parts: Any, file: TextIO | None = None, sep: str = " ") -> None:
    """print(), with everything printed made visible."""
    print(visible(sep.join(str(part) for part in parts)), file=file or sys.stdout)
