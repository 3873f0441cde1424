"""Which post does the user mean? From what they typed, or from their phone number.

Everything here proposes; the dialogue always asks the user to confirm. Answers are matched
on post codes, city and country names in any supported language (accents, Arabic
diacritics and the article optional), then with a typo-tolerant comparison (RapidFuzz).
A country with several posts, or a name shared by several posts, gives several candidates.
Nothing here raises on what a user types."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Optional

from rapidfuzz import fuzz, process

from bot.directory.names import place_names
from bot.directory.phones import country_from_phone, phone_from_sender
from bot.directory.records import POST_KINDS, Directory, PostRecord
from bot.directory.spelling import keys, normalize, without_articles
from bot.language.scripts import script_of
from bot.language.segmentation import has_han

# A post name is a few words; longer answers are a story, not a place: ask again.
MAX_ANSWER_CHARS = 300
MAX_CANDIDATES = 8
# Only this many words of an answer are searched for names, to bound the work.
MAX_WORDS = 40
# Names take case endings in many of our languages: Turkish writes them on ('ankaradaki',
# 'lefkoşa'da'), Russian changes the last vowel ('в москве', 'в астане'). A word is a name
# with an ending when it starts with a name of at least INFLECTED_MIN_CHARS letters and adds
# at most INFLECTED_MAX_ENDING letters, or differs from it only in the name's last letter.
INFLECTED_MIN_CHARS = 5
INFLECTED_MAX_ENDING = 4
# A name read through its ending is less certain than one typed as it is, and less than
# another name spelt nearly as typed ('dakkar' is Dakar misspelt, not Dakka with an 'r').
INFLECTED_SCORE = 95.0
CLOSE_SPELLING = 90.0
# A short answer's last word may be a short name ('ubalozi wa dar'); in a longer sentence
# short words ('dar', 'ira', 'oma') are too often ordinary words.
SHORT_NAME_LAST_WORD_MAX_WORDS = 4
HOW_ORDER = ("code", "phone", "city", "country")

# Problems the dialogue answers with a question back.
EMPTY = "empty"  # nothing readable: blank, emoji, punctuation
TOO_LONG = "too_long"
UNKNOWN = "unknown"  # no post matches
NO_POST_IN_COUNTRY = "no_post_in_country"  # phone number from a country without a post
NOT_A_PHONE_NUMBER = "not_a_phone_number"  # the sender id is no phone number (web, Telegram)


@dataclass(frozen=True)
class PostCandidate:
    post: PostRecord
    how: str  # code, phone, city or country
    matched: str  # the name or code that matched, as written in the directory
    score: float  # 100 for exact matches


@dataclass(frozen=True)
class Resolution:
    candidates: tuple[PostCandidate, ...] = ()
    problem: Optional[str] = None  # EMPTY, TOO_LONG, UNKNOWN, NO_POST_IN_COUNTRY, ...
    country: Optional[str] = None  # from a phone number, even when it has no post

    @property
    def found(self) -> bool:
        return bool(self.candidates)

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def posts(self) -> list[PostRecord]:
        return [candidate.post for candidate in self.candidates]

    @property
    def exact(self) -> bool:
        return bool(self.candidates) and all(c.score >= 100 for c in self.candidates)


@dataclass(frozen=True)
class _Entry:
    key: str
    name: str
    how: str  # city or country
    posts: tuple[PostRecord, ...]


class PostResolver:
    """An index of a directory's post names; build once per directory snapshot."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._codes: dict[str, PostRecord] = {}
        self._aliases: dict[str, PostRecord] = {}
        entries: dict[tuple[str, str], _Entry] = {}
        places = place_names()
        for post in directory.posts:
            self._codes[post.code] = post
            for alias in post.aliases:
                if len(alias) >= 2:
                    self._aliases.setdefault(alias, post)
            for how, names in (
                ("city", (post.city, *post.city_names, *places.city_names(post.code))),
                ("country", (*post.country_names, *places.country_names(post.country))),
            ):
                for name in names:
                    for key in keys(name):
                        entry = entries.get((how, key))
                        posts = entry.posts if entry else ()
                        if post not in posts:
                            entries[(how, key)] = _Entry(key, name, how, (*posts, post))
        self._entries = entries
        self._by_key: dict[str, list[_Entry]] = {}
        for entry in entries.values():
            self._by_key.setdefault(entry.key, []).append(entry)
        self._fuzzy_keys = [key for key in self._by_key if len(key) >= 4]
        # The cities' own names (posts.yml), preferred when a misspelling is as near to
        # another language's spelling of another city ('dakkar': Dakar, not Dakka).
        self._own_city_keys = {key for post in directory.posts for key in keys(post.city)}
        # One-word names by their first letters, for the words with endings.
        self._by_start: dict[str, list[str]] = {}
        for key in self._by_key:
            if " " not in key and len(key) >= INFLECTED_MIN_CHARS and not has_han(key):
                self._by_start.setdefault(key[:3], []).append(key)
        # Chinese names are found inside the answer: Chinese writes no spaces between words.
        self._han_keys = sorted(
            (key for key in self._by_key if has_han(key)), key=len, reverse=True
        )

    # -- typed answers -------------------------------------------------------------------

    def resolve(self, text: object) -> Resolution:
        """Post candidates for what the user typed in answer to 'which post?'."""
        if not isinstance(text, str):
            return Resolution(problem=EMPTY)
        raw = text.strip()
        if len(raw) > MAX_ANSWER_CHARS:
            return Resolution(problem=TOO_LONG)
        query = normalize(raw)
        if not query:
            return Resolution(problem=EMPTY)
        if re.fullmatch(r"\+?[\d\s().-]{6,}", raw) and raw.lstrip().startswith(("+", "00")):
            by_phone = self.from_phone(raw)
            if by_phone.found or by_phone.country:
                return by_phone
        steps = (
            self._by_code,
            self._by_whole_name,
            self._by_words,
            self._by_han,
            self._by_inflected_or_close,
            self._by_short_last_word,
            self._by_fuzzy,
        )
        for step in steps:
            candidates = step(raw, query)
            if candidates:
                return Resolution(candidates=_ordered(_city_before_its_country(candidates)))
        return Resolution(problem=UNKNOWN)

    def _by_code(self, raw: str, query: str) -> list[PostCandidate]:
        whole = raw.strip().upper()
        if whole in self._codes:
            return [PostCandidate(self._codes[whole], "code", whole, 100.0)]
        # Aliases are short department codes: only as written, in capitals.
        if raw.strip() in self._aliases:
            return [PostCandidate(self._aliases[raw.strip()], "code", raw.strip(), 100.0)]
        found = []
        for token in re.findall(r"[A-Z0-9][A-Z0-9-]*[A-Z0-9]", raw):
            if len(token) < 3:
                continue
            post = self._codes.get(token) or self._aliases.get(token)
            if post is not None:
                found.append(PostCandidate(post, "code", token, 100.0))
        return found

    def _candidates(self, entries: Iterable[_Entry], score: float) -> list[PostCandidate]:
        return [
            PostCandidate(post, entry.how, entry.name, score)
            for entry in entries
            for post in entry.posts
        ]

    def _lookup(self, key: str) -> list[_Entry]:
        return self._by_key.get(key, []) or self._by_key.get(without_articles(key), [])

    def _by_whole_name(self, raw: str, query: str) -> list[PostCandidate]:
        return self._candidates(self._lookup(query), 100.0)

    def _by_words(self, raw: str, query: str) -> list[PostCandidate]:
        """Names inside a sentence: 'I work at the embassy in Nairobi'."""
        words = query.split()[:MAX_WORDS]
        found: list[PostCandidate] = []
        covered: set[int] = set()
        for size in range(min(5, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                span = set(range(start, start + size))
                if span & covered:
                    continue
                key = " ".join(words[start : start + size])
                three_devanagari = len(key) == 3 and script_of(key[0]) == "DEVANAGARI"
                if size == 1 and len(key) < 4 and not three_devanagari:
                    # Short words ('rio', 'un', Arabic 'كيف': how, and Kyiv) are names only as
                    # the whole answer; Devanagari writes names in three letters ('कतर', 'चीन').
                    continue
                entries = self._lookup(key)
                if entries:
                    covered |= span
                    found.extend(self._candidates(entries, 100.0))
        return found

    def _by_han(self, raw: str, query: str) -> list[PostCandidate]:
        """'我在内罗毕的大使馆工作': the longest Chinese names inside the answer, none inside
        another found ('南非' is not also '非')."""
        if not has_han(query):
            return []
        text = query.replace(" ", "")
        found: list[str] = []
        for key in self._han_keys:
            if key.replace(" ", "") in text and not any(key in longer for longer in found):
                found.append(key)
        return [c for key in found for c in self._candidates(self._by_key[key], 100.0)]

    def _by_inflected(self, raw: str, query: str) -> list[PostCandidate]:
        """Names with a case ending: 'ankaradaki elçilik', 'v moskve'."""
        found: list[PostCandidate] = []
        for word in query.split()[:MAX_WORDS]:
            keys = [key for key in self._by_start.get(word[:3], []) if inflected(word, key)]
            if keys:
                longest = max(len(key) for key in keys)  # 'lefkosadaki' is not also 'lefk..'
                for key in keys:
                    if len(key) == longest:
                        found.extend(self._candidates(self._by_key[key], INFLECTED_SCORE))
        return found

    def _by_inflected_or_close(self, raw: str, query: str) -> list[PostCandidate]:
        inflected = self._by_inflected(raw, query)
        if not inflected:
            return []
        close = [c for c in self._by_fuzzy(raw, query) if c.score >= CLOSE_SPELLING]
        return close or inflected

    def _by_short_last_word(self, raw: str, query: str) -> list[PostCandidate]:
        words = query.split()
        if not 1 < len(words) <= SHORT_NAME_LAST_WORD_MAX_WORDS or len(words[-1]) != 3:
            return []
        return self._candidates(self._lookup(words[-1]), 100.0)

    def _by_fuzzy(self, raw: str, query: str) -> list[PostCandidate]:
        if not self._fuzzy_keys:
            return []
        phrases = {query} if len(query) >= 4 else set()
        words = query.split()[:MAX_WORDS]
        if len(words) > 1:
            for size in (1, 2, 3):
                for start in range(len(words) - size + 1):
                    phrase = " ".join(words[start : start + size])
                    if len(phrase) >= 5:
                        phrases.add(phrase)
        best: dict[str, float] = {}
        for phrase in phrases:
            # Whole answers may be a little further off than words picked from a sentence.
            cutoff = _cutoff(phrase) if phrase == query else max(_cutoff(phrase), 88.0)
            matches = process.extract(
                phrase, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
            )
            for key, score, _index in matches:
                best[key] = max(best.get(key, 0.0), score)
        if not best:
            return []
        top = max(best.values())
        # Near-equal scores are equally likely: offer them all.
        keys = [key for key, score in best.items() if score >= top - 3.0]
        own = [key for key in keys if key in self._own_city_keys]
        if own and max(best[key] for key in own) == top:
            keys = own
        return [
            candidate
            for key in keys
            for candidate in self._candidates(self._by_key[key], round(best[key], 1))
        ]

    # -- phone numbers -------------------------------------------------------------------

    def from_phone(self, sender: object) -> Resolution:
        """The posts in the country of a phone number or WhatsApp/SMS sender id
        ('whatsapp:+212612345678', '+33 6 12 34 56 78')."""
        country = country_from_phone(sender)
        if country is None:
            return Resolution(problem=NOT_A_PHONE_NUMBER)
        return self.from_country(country, phone_from_sender(sender) or "")

    def from_country(self, country: object, matched: str = "") -> Resolution:
        """The posts in a country given as an ISO 3166-1 code (e.g. the `country` the
        SMS/WhatsApp channel puts in the message metadata)."""
        if not isinstance(country, str) or not country.strip():
            return Resolution(problem=NOT_A_PHONE_NUMBER)
        code = country.strip().upper()
        posts = self.directory.posts_in_country(code)
        if not posts:
            return Resolution(problem=NO_POST_IN_COUNTRY, country=code)
        return Resolution(
            candidates=_ordered(
                PostCandidate(post, "phone", matched or code, 100.0) for post in posts
            ),
            country=code,
        )

    # -- choosing among candidates -------------------------------------------------------

    def pick(self, text: object, candidates: Sequence[PostRecord]) -> Optional[PostRecord]:
        """Which of the offered posts the user chose: its number in the list ('2'), its
        code, or a name that points to exactly one of them. None if unclear."""
        if not isinstance(text, str) or not candidates:
            return None
        raw = text.strip()
        if raw.isdigit() and 1 <= int(raw) <= len(candidates):
            return candidates[int(raw) - 1]
        codes = {post.code for post in candidates}
        resolution = self.resolve(raw)
        chosen = {post.code for post in resolution.posts} & codes
        if len(chosen) == 1:
            return next(post for post in candidates if post.code in chosen)
        return None


def inflected(word: str, name: str) -> bool:
    """Whether `word` is the one-word `name` with a case ending (see INFLECTED_MIN_CHARS)."""
    if word == name or len(name) < INFLECTED_MIN_CHARS:
        return False
    ending = len(word) - len(name)
    if word.startswith(name):
        return ending <= INFLECTED_MAX_ENDING
    # The name's last letter changed ('москва' -> 'москве', 'москвы'), at most one added.
    return len(name) >= 5 and 0 <= ending <= 1 and word[: len(name) - 1] == name[:-1]


def _cutoff(phrase: str) -> float:
    length = len(phrase)
    if length <= 5:
        return 85.0
    if length <= 8:
        return 80.0
    return 78.0


def _city_before_its_country(candidates: list[PostCandidate]) -> list[PostCandidate]:
    """'Istanbul, Turkey', '中国上海': the city says where in the country; the country's
    other posts are no candidates."""
    city_countries = {c.post.country for c in candidates if c.how == "city"}
    return [c for c in candidates if c.how != "country" or c.post.country not in city_countries]


def _ordered(candidates: Iterable[PostCandidate]) -> tuple[PostCandidate, ...]:
    """Best first; one candidate per post; embassies before consulates before the rest."""
    best: dict[str, PostCandidate] = {}
    for candidate in candidates:
        kept = best.get(candidate.post.code)
        if kept is None or _rank(candidate) < _rank(kept):
            best[candidate.post.code] = candidate
    ordered = sorted(best.values(), key=_rank)
    return tuple(ordered[:MAX_CANDIDATES])


def _rank(candidate: PostCandidate) -> tuple[float, int, int, str]:
    return (
        -candidate.score,
        HOW_ORDER.index(candidate.how),
        POST_KINDS.index(candidate.post.kind) if candidate.post.kind in POST_KINDS else 99,
        candidate.post.code,
    )


_last: Optional[tuple[Directory, PostResolver]] = None


def resolver_for(directory: Directory) -> PostResolver:
    """The resolver of this directory snapshot, built once while the snapshot lasts."""
    global _last
    cached = _last
    if cached is not None and cached[0] is directory:
        return cached[1]
    resolver = PostResolver(directory)
    _last = (directory, resolver)
    return resolver


def resolve_post(text: object, directory: Directory) -> Resolution:
    return resolver_for(directory).resolve(text)


def names_a_post(typed: str, directory: Directory) -> bool:
    """Typed words that name a post ("piter", read by the model as 'skip'): an answer to a
    question about the place, whatever the intent model made of them."""
    return bool(resolve_post(typed, directory).posts)


def resolve_sender(sender: object, directory: Directory) -> Resolution:
    return resolver_for(directory).from_phone(sender)


def resolve_country(country: object, directory: Directory) -> Resolution:
    return resolver_for(directory).from_country(country)


def pick_post(
    text: object, candidates: Sequence[PostRecord], directory: Directory
) -> Optional[PostRecord]:
    return resolver_for(directory).pick(text, candidates)
