"""Splits long replies into messages a channel accepts: SMS by segments, WhatsApp and
Telegram by characters.

Cuts fall, in order of preference, between paragraphs, lines, sentences and words, and
never inside a user-perceived character (emoji sequences joined with ZWJ, skin-tone
modifiers, flags, combining accents) or, when avoidable, inside a left-to-right isolate
of Arabic text. A right-to-left line cut in two keeps its right-to-left mark on both
halves."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

# GSM 03.38: the basic set costs one septet per character, the extension set two.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SMS_GSM7_SINGLE, SMS_GSM7_PART = 160, 153
SMS_UCS2_SINGLE, SMS_UCS2_PART = 70, 67
# More parts than this arrive out of order or not at all on some networks abroad.
SMS_MAX_SEGMENTS = 3
# Twilio accepts a message body of at most 1,600 characters, WhatsApp included.
TWILIO_MAX_CHARACTERS = 1600
TELEGRAM_MAX_CHARACTERS = 4096

RLM = "\u200f"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
ZWJ = "\u200d"

_SENTENCE_END = re.compile(r"[.!?؟。…](?=\s)")


def utf16_units(text: str) -> int:
    """What Twilio and UCS-2 SMS count: characters outside the BMP count twice."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def gsm7_septets(text: str) -> int | None:
    """Septets the text needs in the GSM-7 alphabet, or None when it needs UCS-2."""
    septets = 0
    for char in text:
        if char in _GSM7_BASIC:
            septets += 1
        elif char in _GSM7_EXTENSION:
            septets += 2
        else:
            return None
    return septets


def sms_segments(text: str) -> int:
    """How many SMS segments the text is billed and delivered as."""
    septets = gsm7_septets(text)
    if septets is not None:
        single, part, size = SMS_GSM7_SINGLE, SMS_GSM7_PART, septets
    else:
        single, part, size = SMS_UCS2_SINGLE, SMS_UCS2_PART, utf16_units(text)
    if size <= single:
        return 1
    return -(-size // part)


def _is_extender(char: str) -> bool:
    """A character that belongs to the character before it."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char == ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (text / emoji presentation)
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def is_safe_cut(text: str, position: int) -> bool:
    """True when cutting before text[position] does not split a user-perceived character."""
    if position <= 0 or position >= len(text):
        return True
    before, after = text[position - 1], text[position]
    if _is_extender(after) or before == ZWJ:
        return False
    if before == "\r" and after == "\n":
        return False
    if _is_regional_indicator(after) and _is_regional_indicator(before):
        run = 0
        index = position - 1
        while index >= 0 and _is_regional_indicator(text[index]):
            run += 1
            index -= 1
        return run % 2 == 0  # flags are pairs: never cut inside one
    return True


def _isolate_depths(text: str) -> list[int]:
    """Directional isolate nesting depth before each position."""
    depths, depth = [], 0
    for char in text:
        depths.append(depth)
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI and depth:
            depth -= 1
    depths.append(depth)
    return depths


def _longest_fitting_prefix(text: str, fits: Callable[[str], bool]) -> int:
    """The largest n with fits(text[:n]); fits is monotone in the prefix length."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def _best_cut(text: str, limit: int) -> int:
    """Where to cut text[:limit]: the preferred boundary that leaves a useful first part."""
    window = text[:limit]
    depths = _isolate_depths(text)
    floor = max(1, limit // 3)  # a boundary earlier than this makes a uselessly small part

    def usable(position: int) -> bool:
        return floor <= position <= limit and depths[position] == 0

    candidates: list[list[int]] = [
        [m.end() for m in re.finditer(r"\n\s*\n", window)],  # after a blank line
        [m.end() for m in re.finditer(r"\n", window)],
        [m.end() for m in _SENTENCE_END.finditer(window)],
        [m.end() for m in re.finditer(r"\s", window)],
    ]
    for positions in candidates:
        good = [p for p in positions if usable(p)]
        if good:
            return good[-1]
    for position in range(limit, 0, -1):
        if is_safe_cut(text, position) and depths[position] == 0:
            return position
    for position in range(limit, 0, -1):
        if is_safe_cut(text, position):
            return position
    return limit  # one unbreakable character sequence longer than the limit


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Splits `text` into parts that each satisfy `fits`, preferring natural boundaries."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if fits(rest):
            parts.append(rest)
            break
        limit = _longest_fitting_prefix(rest, fits)
        cut = _best_cut(rest, limit)
        head, tail = rest[:cut], rest[cut:].lstrip(" \t\n")
        within_line = not head.rstrip(" \t").endswith("\n")
        line_start = rest.rfind("\n", 0, cut) + 1
        if within_line and rest.startswith(RLM, line_start) and not tail.startswith(RLM):
            tail = RLM + tail  # the rest of a right-to-left line stays right-to-left
        head = head.rstrip()
        if head:
            parts.append(head)
        if len(tail) >= len(rest):  # nothing was taken off: keep the rest whole, never loop
            parts.append(rest)
            break
        rest = tail
    return parts


def split_for_sms(text: str, max_segments: int = SMS_MAX_SEGMENTS) -> list[str]:
    return split_text(text, lambda part: sms_segments(part) <= max_segments)


def split_for_whatsapp(text: str) -> list[str]:
    return split_text(text, lambda part: utf16_units(part) <= TWILIO_MAX_CHARACTERS)


def split_for_telegram(text: str) -> list[str]:
    # Telegram counts UTF-16 code units too.
    return split_text(text, lambda part: utf16_units(part) <= TELEGRAM_MAX_CHARACTERS)
