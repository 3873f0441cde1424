"""What one answer to a form's question does, as the validators hand it to Rasa."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional


@dataclass(frozen=True)
class Answer:
    """The responses to say, in order, and the slot values to set. `refused`: the answer
    could not be taken, so the question is asked again (at most once, see bot/forms/tries)."""

    slots: Mapping[str, Any]
    say: tuple[str, ...] = ()
    # The where question: words to look up as a post (the directory is the caller's I/O).
    post_words: Optional[str] = None
    refused: bool = False
    # Values for the responses' placeholders ("I noted it as {choice}").
    variables: Mapping[str, str] = field(default_factory=dict)
