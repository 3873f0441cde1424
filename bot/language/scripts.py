"""What the letters of a message say before any model is asked: its script, how many words it
has when its script writes no spaces, and the letters that tell languages sharing a script
apart.

All functions take text already cleaned by `bot.language.text.clean_text` (lower case,
letters, apostrophes and Arabizi digits only), not folded: the letters that matter here
(ی ک ے ї й ...) are exactly those accent folding would change.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Optional

from bot.language.catalogue import OUR_SCRIPTS

# Scripts whose words are not separated by spaces: a "word" there is about two letters.
UNSPACED_SCRIPTS = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN"}
)
UNSPACED_LETTERS_PER_WORD = 2

# Languages written in Arabic script that are not Arabic (as lid.176 names them).
ARABIC_SCRIPT_OTHERS = frozenset({"fa", "ur", "ps", "ckb", "ug", "sd", "azb", "mzn", "pnb", "glk"})
# Letters no Arabic keyboard produces and Arabic spelling never uses...
URDU_LETTERS = frozenset("ٹڈڑںےۓہ")
PASHTO_LETTERS = frozenset("ټډړښږځڅڼۍېګ")
PERSIAN_LETTERS = frozenset("ژکی")  # ژ, keheh and Farsi yeh (Arabic writes ك and ي)
# ...and letters some Arabic dialects borrow for g, ch and p ('گال', 'چذي' in Iraq and the
# Gulf): half a vote each.
BORROWED_LETTERS = frozenset("پچگ")
# Letters only Arabic spelling uses (Persian, Urdu and Pashto write ه, ی and ک instead).
ARABIC_ONLY_LETTERS = frozenset("ةيكى")

# Cyrillic letters that name a language other than Russian.
UKRAINIAN_LETTERS = frozenset("їєґ")
SERBIAN_LETTERS = frozenset("ђћ")
SERBIAN_OR_MACEDONIAN_LETTERS = frozenset("џљњј")
MACEDONIAN_LETTERS = frozenset("ѓќѕ")
BELARUSIAN_LETTERS = frozenset("ў")
# Letters of the Cyrillic alphabets of Central Asia, none of them Russian or Ukrainian:
# Kazakh (ә ұ ғ қ һ, and ң ө ү і), Tajik (ӣ ӯ ҷ), Kyrgyz and Mongolian (ө ү ң only).
KAZAKH_LETTERS = frozenset("әұғқһ")
TAJIK_LETTERS = frozenset("ӣӯҷ")
CENTRAL_ASIAN_LETTERS = frozenset("ғқңөүһҳ") | KAZAKH_LETTERS | TAJIK_LETTERS
# Russian (and Belarusian) letters Ukrainian, Bulgarian and Serbian do not have.
RUSSIAN_LETTERS = frozenset("ыэё")

# Arabizi writes the Arabic sounds Latin lacks with digits: 2 hamza, 3 ain, 5 kha, 6 ta,
# 7 ha, 9 sad/qaf. A digit against a vowel inside a word ('3ayez', 'a3mel', '7aga',
# 'bi9ayi9ni') is Arabizi; English shorthand puts it against a consonant ('2nd', '3rd', '5th',
# '2morrow'). 8 ('gr8') is left out on purpose.
_ARABIZI_WORD = re.compile(r"[a-z0-9']*(?:[aeiouy][235679]|[235679][aeiouy])[a-z0-9']*")


# The Indic scripts (Devanagari to Sinhala) write vowels and nasals as combining marks:
# without them 'हाँ' (yes) is 'ह'. Accent folding leaves their marks, and takes Latin,
# Greek, Cyrillic and Arabic ones.
_INDIC = ("\u0900", "\u0dff")


def is_accent(char: str) -> bool:
    """A combining mark folding may drop: not one of the Indic scripts' vowel signs."""
    return bool(unicodedata.combining(char) or unicodedata.category(char) == "Mn") and not (
        _INDIC[0] <= char <= _INDIC[1]
    )


def script_of(char: str) -> str:
    """'CJK', 'LATIN', 'ARABIC', 'CYRILLIC', 'HANGUL', ...: the first word of the Unicode
    name, which for letters is their script."""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


@dataclass(frozen=True)
class Letters:
    """The script profile of a cleaned message."""

    script: Optional[str]  # the script most letters are in; None without letters
    share: float  # that script's share of the letters
    ours: float  # share of letters in the scripts of our languages
    count: int  # letters (combining marks not counted)
    per_script: Mapping[str, int] = field(default_factory=dict)  # letters by script

    @property
    def foreign(self) -> bool:
        """Written mostly in a script none of our languages uses: whatever language it is,
        it is not one of ours."""
        return self.count > 0 and self.ours < 0.5


def letters_of(cleaned: str) -> Letters:
    scripts = Counter(script_of(c) for c in cleaned if c.isalpha())
    count = sum(scripts.values())
    if not count:
        return Letters(script=None, share=0.0, ours=0.0, count=0)
    script, most = scripts.most_common(1)[0]
    ours = sum(n for s, n in scripts.items() if s in OUR_SCRIPTS)
    return Letters(
        script=script, share=most / count, ours=ours / count, count=count, per_script=scripts
    )


def count_words(cleaned: str) -> int:
    """Words, counting a run of Chinese, Japanese or Thai (written without spaces) as one
    word per two letters: '我怕丢掉工作' is a sentence, not one word."""
    words = 0
    for token in cleaned.split():
        unspaced = sum(1 for c in token if c.isalpha() and script_of(c) in UNSPACED_SCRIPTS)
        if unspaced * 2 > len(token):
            words += max(1, -(-unspaced // UNSPACED_LETTERS_PER_WORD))
        else:
            words += 1
    return words


# Latin letters none of our Latin-script languages writes (Polish, Czech and Slovak, the
# South Slavic languages, Romanian, Hungarian; Turkish ş and ç and the Romance accents are
# ours). A message with at least this many, in at least a quarter of its words, is in none
# of our languages: 'chcę złożyć skargę na kolegę' was read as Persian in Latin letters.
OTHER_LATIN_LETTERS = frozenset("ąęłńśźżřěůťďňľĺŕčćšžđőűășț")
OTHER_LATIN_MIN_LETTERS = 2


def latin_letters_not_ours(cleaned: str) -> bool:
    """Whether a Latin-script message's letters rule out all our languages (see above); a
    name in a sentence of ours ('mijn collega Łukasz') does not."""
    words = cleaned.split()
    marked = [w for w in words if any(c in OTHER_LATIN_LETTERS for c in w)]
    letters = sum(1 for c in cleaned if c in OTHER_LATIN_LETTERS)
    return letters >= OTHER_LATIN_MIN_LETTERS and len(marked) * 4 >= len(words)


# Chinese characters in a mostly Latin message make it Chinese from this many on: a Chinese
# speaker's sentence with English words in it. Japanese writes kana beside them.
CHINESE_AMONG_LATIN = 2
_KANA = frozenset({"HIRAGANA", "KATAKANA"})


def chinese_among_latin(letters: Letters) -> bool:
    """A mixed message whose Chinese characters ('切换成English') name its language."""
    scripts = letters.per_script
    if letters.script == "CJK" or scripts.get("CJK", 0) < CHINESE_AMONG_LATIN:
        return False
    return not any(scripts.get(kana) for kana in _KANA)


def is_arabizi_word(token: str) -> bool:
    """'3ayez', 'a3mel', '7aga', 'ma3': a lower-case Latin word written with Arabizi digits;
    not a house number or a class ('5a', '2b')."""
    letters = sum(1 for c in token if c.isalpha())
    return letters >= 2 and bool(_ARABIZI_WORD.fullmatch(token))


def arabizi_words(cleaned: str) -> int:
    """Words written in Arabizi digits in a cleaned message."""
    return sum(1 for token in cleaned.split() if is_arabizi_word(token))


def arabic_script_language(cleaned: str) -> Optional[str]:
    """'ur', 'ps' or 'fa' when the letters show an Arabic-script message is not Arabic, else
    None (no evidence either way, or Arabic). 'fa' stands for "Persian or another language
    writing Persian letters"; the caller may prefer the models' choice among those."""
    letters = Counter(c for c in cleaned if c in _ARABIC_SCRIPT_EVIDENCE)
    urdu = sum(letters[c] for c in URDU_LETTERS)
    pashto = sum(letters[c] for c in PASHTO_LETTERS)
    persian = sum(letters[c] for c in PERSIAN_LETTERS)
    borrowed = sum(letters[c] for c in BORROWED_LETTERS)
    arabic = sum(letters[c] for c in ARABIC_ONLY_LETTERS)
    not_arabic = urdu + pashto + persian + borrowed / 2
    # One borrowed letter ('گلتله', Iraqi "I told him") is not enough.
    if not_arabic < 1 or not_arabic <= arabic:
        return None
    if pashto > urdu:
        return "ps"
    if urdu:
        return "ur"
    return "fa"


_ARABIC_SCRIPT_EVIDENCE = (
    URDU_LETTERS | PASHTO_LETTERS | PERSIAN_LETTERS | BORROWED_LETTERS | ARABIC_ONLY_LETTERS
)


def cyrillic_language(cleaned: str) -> Optional[str]:
    """The Cyrillic language a message's letters point to, or None when they could be
    Russian or Ukrainian (then the models decide)."""
    present = set(cleaned)
    russian = bool(present & RUSSIAN_LETTERS)
    ukrainian = bool(present & UKRAINIAN_LETTERS) or "і" in present
    if present & BELARUSIAN_LETTERS:
        return "be"
    if present & CENTRAL_ASIAN_LETTERS:
        if present & TAJIK_LETTERS:
            return "tg"
        return "kk" if present & KAZAKH_LETTERS or "і" in present else "ky"
    if ukrainian and russian:
        return None  # a mixed message, or a Ukrainian typing on a Russian keyboard: the vote
    if ukrainian:
        return "uk"
    if present & SERBIAN_LETTERS:
        return "sr"
    if present & MACEDONIAN_LETTERS:
        return "mk"
    if present & SERBIAN_OR_MACEDONIAN_LETTERS:
        return "sr"
    if "ъ" in present and not russian:
        return "bg"
    return "ru" if russian else None
