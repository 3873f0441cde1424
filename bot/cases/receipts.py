"""Receipts for reports: a receipt code to find the case and a passphrase to prove it is yours.

- The receipt code is 16 random decimal digits (`secrets`, about 53 bits), shown in groups of
  four ('4821 0937 5512 6604'). Digits because every keyboard and every phone has them; the
  parser accepts spaces, dashes or any other separators and non-Latin digits (Arabic-Indic
  '٤٨٢١', Persian, Devanagari...), since people copy it the way they wrote it down.
- The passphrase is five words drawn with `secrets` from data/receipts/words.txt (about 51
  bits). Only a slow scrypt hash of it is stored, with a per-case salt; the parameters are
  stored with the hash so they can be raised later without breaking older receipts.
- The database never holds the code itself: it holds an HMAC of the code under a server key
  (see `code_digest`). A keyed hash, not a slow salted one, because the case must be found by
  its code with an index lookup; keyed, because 10^16 codes could be enumerated against a plain
  hash if the database alone leaked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import threading
import unicodedata
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import AsyncIterator, Optional

from bot.settings import PROJECT_ROOT

CODE_DIGITS = 16
CODE_GROUP = 4
PASSPHRASE_WORDS = 5
WORD_LIST = PROJECT_ROOT / "data" / "receipts" / "words.txt"

# A number inside a message: digits with optional separators between them (spaces, dashes of
# any kind, dots, slashes, underscores). The receipt code is such a number with 16 digits.
_NUMBER = re.compile(r"\d(?:[\s\-\u2010-\u2015\u2212._/\\·]*\d)*")


@dataclass(frozen=True)
class ScryptParameters:
    """scrypt cost: n=2**15, r=8 uses 32 MiB and about 0.1-0.2 s per hash on one core here;
    with 51 bits of passphrase, offline guessing is out of reach, and online guessing is capped
    by the lockout."""

    n: int = 2**15
    r: int = 8
    p: int = 1
    salt_bytes: int = 16
    length: int = 32

    @property
    def maxmem(self) -> int:
        return 128 * self.n * self.r * self.p + 1024 * 1024


DEFAULT_SCRYPT = ScryptParameters()


def new_code() -> str:
    """A fresh receipt code: 16 digits, leading zeros allowed."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def format_code(code: str) -> str:
    """'4821093755126604' -> '4821 0937 5512 6604' (for reading aloud and copying)."""
    return " ".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def _ascii_digits(text: str) -> str:
    """Every decimal digit of any script as its ASCII digit; format characters (such as the
    right-to-left marks around numbers in Arabic text) removed."""
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "Cf":
            continue
        value = unicodedata.decimal(char, None)
        out.append(str(value) if value is not None else char)
    return "".join(out)


def parse_code(text: str) -> str | None:
    """The receipt code in what someone typed ('4821-0937 5512 6604', '٤٨٢١ ٠٩٣٧ ...', 'my code
    is 4821 0937 5512 6604'), or None when there is not exactly one 16-digit code in it."""
    if not isinstance(text, str):
        return None
    numbers = [re.sub(r"\D", "", number) for number in _NUMBER.findall(_ascii_digits(text))]
    codes = [number for number in numbers if len(number) == CODE_DIGITS]
    return codes[0] if len(codes) == 1 else None


def code_digest(code: str, key: bytes) -> str:
    """The keyed hash the case is found by (hex, 64 characters)."""
    return hmac.new(key, b"receipt-code:" + code.encode("ascii"), hashlib.sha256).hexdigest()


def submission_digest(submission: str, key: bytes) -> str:
    """The keyed hash a report's sending is recognised by when it comes again (hex, 64
    characters): `submission` is what is the same on every try (actions/report.py)."""
    return hmac.new(key, b"submission:" + submission.encode("utf-8"), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def load_words(path: Path = WORD_LIST) -> tuple[str, ...]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    if len(set(words)) != len(words):
        raise ValueError(f"{path}: a word appears twice")
    return tuple(words)


def new_passphrase(words: tuple[str, ...] | None = None, count: int = PASSPHRASE_WORDS) -> str:
    """Five words separated by spaces, e.g. 'maple tunnel quiz pebble orbit'."""
    pool = words if words is not None else load_words()
    return " ".join(secrets.choice(pool) for _ in range(count))


def normalise_passphrase(text: str) -> str:
    """What is compared: lowercase words separated by single spaces, whatever the user typed
    between them ('Maple-Tunnel, quiz  pebble.orbit' -> 'maple tunnel quiz pebble orbit')."""
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"[a-z]+", folded))


def is_passphrase(text: object) -> bool:
    """Whether `text` is a passphrase as the assistant hands them out: PASSPHRASE_WORDS words,
    each from the word list, however typed. Its words are chosen by chance, not by the
    person ("river bridge jump ..."): they say nothing about them."""
    if not isinstance(text, str):
        return False
    words = normalise_passphrase(text).split()
    return len(words) == PASSPHRASE_WORDS and set(words) <= _word_set()


@lru_cache(maxsize=1)
def _word_set() -> frozenset[str]:
    return frozenset(load_words())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_passphrase(passphrase: str, parameters: ScryptParameters = DEFAULT_SCRYPT) -> str:
    """'scrypt$<n>$<r>$<p>$<salt>$<hash>' (base64), from the normalised passphrase."""
    salt = secrets.token_bytes(parameters.salt_bytes)
    digest = hashlib.scrypt(
        normalise_passphrase(passphrase).encode("utf-8"),
        salt=salt,
        n=parameters.n,
        r=parameters.r,
        p=parameters.p,
        maxmem=parameters.maxmem,
        dklen=parameters.length,
    )
    return f"scrypt${parameters.n}${parameters.r}${parameters.p}${_b64(salt)}${_b64(digest)}"


def verify_passphrase(passphrase: str, stored: str) -> bool:
    """Whether `passphrase` matches the stored hash; the comparison takes constant time."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        parameters = ScryptParameters(n=int(n), r=int(r), p=int(p))
        salt_bytes = base64.b64decode(salt)
        expected_bytes = base64.b64decode(expected)
    except ValueError:
        return False
    digest = hashlib.scrypt(
        normalise_passphrase(passphrase).encode("utf-8"),
        salt=salt_bytes,
        n=parameters.n,
        r=parameters.r,
        p=parameters.p,
        maxmem=parameters.maxmem,
        dklen=len(expected_bytes),
    )
    return hmac.compare_digest(digest, expected_bytes)


_decoy: list[str] = []
_decoy_lock = threading.Lock()


def _decoy_hash() -> str:
    """One hash per process, made once even when the first checks arrive together (an
    lru_cache would let each of them run scrypt to make it)."""
    with _decoy_lock:
        if not _decoy:
            _decoy.append(hash_passphrase(secrets.token_hex(16)))
        return _decoy[0]


def spend_verification_time(passphrase: str) -> None:
    """Does the work of one verification for a code that matches no case, so the time an
    answer takes does not tell whether the code exists."""
    verify_passphrase(passphrase, _decoy_hash())


class VerificationBusy(Exception):
    """More passphrase checks are waiting than the queue holds: try again shortly."""


class VerificationGate:
    """Bounds the scrypt work running at once (each check holds 32 MiB for a tenth of a
    second or more) and how many checks may wait for a turn; a check beyond that is refused
    at once (`VerificationBusy`), so a burst costs neither memory nor an ever-growing queue.
    One gate per process; its semaphore belongs to the event loop that uses it."""

    def __init__(self, concurrent: int = 2, waiting: int = 8) -> None:
        if concurrent < 1 or waiting < 0:
            raise ValueError("a gate lets at least one check run and holds no negative queue")
        self.concurrent = concurrent
        self.waiting = waiting
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._semaphore: Optional[asyncio.Semaphore] = None
        self._inside = 0  # running plus waiting, on this gate's loop

    def _for_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            # A new loop (tests run one per test): the old semaphore cannot be awaited here.
            self._loop, self._semaphore, self._inside = loop, asyncio.Semaphore(self.concurrent), 0
        return self._semaphore

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Waits for a free turn, or raises `VerificationBusy` at once when the queue is full.
        The caller reserves its try and runs scrypt inside the turn."""
        semaphore = self._for_this_loop()
        if self._inside >= self.concurrent + self.waiting:
            raise VerificationBusy()
        self._inside += 1
        try:
            async with semaphore:
                yield
        finally:
            self._inside -= 1


# The action server's gate: two checks at once (64 MiB), eight more may wait.
GATE = VerificationGate()
