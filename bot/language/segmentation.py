"""Words in scripts written without spaces (Chinese): a message like '我想举报我的经理' is one
"word" to a whitespace tokenizer, so word features and fastText's word n-grams said nothing
about it. Chinese runs are cut into words with jieba's dictionary (MIT licence, shipped with
the package, nothing fetched); other text is left as it is.

jieba is imported and its dictionary built on first use (about 1.5 s), not at import.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

# Han ideographs (CJK Unified Ideographs and extension A, compatibility ideographs).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines say nothing useful
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter


def words_of(token: str) -> list[str]:
    """The words of one whitespace-free token: Chinese runs cut by jieba, the rest kept as
    it is. Their concatenation is the token."""
    if not has_han(token):
        return [token]
    return [piece for piece in _segmenter().cut(token, HMM=True) if piece]


def segment(text: str) -> str:
    """The text with a space between the words of its Chinese runs."""
    if not has_han(text):
        return text
    return " ".join(" ".join(words_of(token)) for token in text.split())


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether `phrase` is in `text` as whole words (both already normalised); in Chinese,
    where no spaces mark the words, anywhere ('匿名' in '我还是匿名吧')."""
    if not phrase:
        return False
    if has_han(phrase):
        return phrase.replace(" ", "") in text.replace(" ", "")
    return f" {phrase} " in f" {text} "
