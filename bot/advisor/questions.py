"""The "find a confidential advisor" conversation and the consented handoff: what each
answer means and what to show, independent of Rasa.

The actions in actions/advisor.py and actions/handoff.py only move values between the
tracker and these functions. Everything a user typed is treated as data: it is matched,
never logged, and an answer that cannot be used becomes a question back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from bot import runtime
from bot.directory.names import place_names
from bot.directory.records import Directory, PostRecord
from bot.directory.resolution import (
    EMPTY,
    NO_POST_IN_COUNTRY,
    TOO_LONG,
    UNKNOWN,
    Resolution,
    normalize,
    pick_post,
    resolve_country,
    resolve_post,
    resolve_sender,
)
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.names import LanguageNames
from bot.language.segmentation import contains_phrase

# An optional question left unanswered (the user said "skip" or "I'd rather not say").
SKIPPED = "skipped"
NO_PREFERENCE = "none"
POOL = "pool"

# What the post question shows next (slot `advisor_post_state`).
ASK = "ask"
PHONE = "phone"  # proposed from the phone number, to confirm
PHONE_CHANNELS = ("sms", "whatsapp")  # the channels whose address is a phone number
CONFIRM = "confirm"  # one post found in what they typed, to confirm
CHOOSE = "choose"  # several posts, to pick from
POST_PROBLEMS = (EMPTY, TOO_LONG, UNKNOWN, NO_POST_IN_COUNTRY)

MAX_LANGUAGE_CHOICES = 6
MAX_ANSWER_CHARS = 300


# Languages advisors speak beyond the supported seven: their own name, and names users
# may type for them (English and a few others), lower case.
OTHER_LANGUAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "am": ("አማርኛ", ("amharic", "amhaars", "amharique", "amhárico", "amharisch")),
    "he": ("עברית", ("hebrew", "hebreeuws", "hébreu", "hebreo", "hebräisch", "hebraico")),
    "hi": ("हिन्दी", ("hindi",)),
    "id": ("Bahasa Indonesia", ("indonesian", "indonesisch", "indonésien", "indonesio")),
    "ig": ("Igbo", ("igbo",)),
    "it": ("Italiano", ("italian", "italiaans", "italien", "italiano", "italienisch")),
    "ja": ("日本語", ("japanese", "japans", "japonais", "japonés", "japanisch", "japonês")),
    "ln": ("Lingála", ("lingala",)),
    "pl": ("Polski", ("polish", "pools", "polonais", "polaco", "polnisch", "polonês")),
    "ru": ("Русский", ("russian", "russisch", "russe", "ruso", "russo", "الروسية")),
    "sw": ("Kiswahili", ("swahili", "suahili", "swahilisch")),
    "ta": ("தமிழ்", ("tamil", "tamoul")),
    "tl": ("Tagalog", ("tagalog", "filipino")),
    "tr": ("Türkçe", ("turkish", "turks", "turc", "turco", "türkisch", "التركية")),
    "uk": ("Українська", ("ukrainian", "oekraïens", "ukrainien", "ucraniano", "ukrainisch")),
    "wo": ("Wolof", ("wolof",)),
    "zh": ("中文", ("chinese", "chinees", "chinois", "chino", "chinesisch", "chinês", "mandarin")),
}

# The preference question's answers and the content phrases that list their words in each
# language ("woman, female, lady"), read in the conversation language and in English.
PREFERENCE_PHRASES: dict[str, str] = {
    "woman": "advisor_woman_words",
    "man": "advisor_man_words",
    "outside_post": "advisor_outside_words",
    "external": "advisor_external_words",
}


@dataclass(frozen=True)
class PostStep:
    """The outcome of one answer to the post question: slot values to set."""

    post: Optional[str] = None  # the confirmed post code, SKIPPED, or None: ask again
    state: str = ASK
    candidates: tuple[str, ...] = ()
    country: Optional[str] = None

    def slots(self) -> dict[str, Any]:
        return {
            "advisor_post": self.post,
            "advisor_post_state": None if self.post else self.state,
            "advisor_post_candidates": list(self.candidates) if not self.post else None,
            "advisor_country": self.country,
        }


def _from_resolution(resolution: Resolution, proposed_state: str) -> PostStep:
    if resolution.problem or not resolution.found:
        return PostStep(state=resolution.problem or UNKNOWN, country=resolution.country)
    codes = tuple(post.code for post in resolution.posts)
    # A proposal from the phone number says so, whether it is one post or several.
    state = CHOOSE if len(codes) > 1 and proposed_state != PHONE else proposed_state
    return PostStep(state=state, candidates=codes, country=resolution.country)


def chosen_post(value: object) -> Optional[str]:
    """The post code the search is for (slot `advisor_post`): None when skipped or not yet
    answered."""
    return value if isinstance(value, str) and value != SKIPPED else None


# The post last settled in the conversation, by a report or an earlier search (a slot).
KNOWN_POST = "known_post"


def propose_known_post(code: object, directory: Directory) -> Optional[PostStep]:
    """The post the user already named in this conversation, to confirm rather than ask."""
    post = directory.post(code) if isinstance(code, str) else None
    if post is None:
        return None
    return PostStep(state=CONFIRM, candidates=(post.code,), country=post.country)


def propose_named_post(text: object, directory: Directory) -> Optional[PostStep]:
    """The one post the message that started the search names exactly, to confirm."""
    if not isinstance(text, str) or text.startswith("/"):
        return None
    resolution = resolve_post(text, directory)
    if resolution.problem or not resolution.exact or len(resolution.candidates) != 1:
        return None
    post = resolution.candidates[0].post
    return PostStep(state=CONFIRM, candidates=(post.code,), country=post.country)


def propose_post_from_channel(
    sender_id: object, channel: object, metadata: Optional[Mapping[str, Any]], directory: Directory
) -> Optional[PostStep]:
    """On SMS/WhatsApp the country of the number suggests the post: a proposal to confirm.
    The number is in the message metadata only (the sender id is a pseudonym), and counts
    only when it belongs to this conversation (bot.runtime.verified_address); the
    channel's `country` counts first. Web chat, Telegram and REST have no number. None when
    nothing tells the country."""
    address = runtime.verified_address(sender_id, metadata)
    if address is None or address[0] not in PHONE_CHANNELS:
        return None
    country = (metadata or {}).get("country")
    if isinstance(country, str) and country.strip():
        resolution = resolve_country(country, directory)
    else:
        resolution = resolve_sender(address[1], directory)
        if not resolution.found and not resolution.country:
            return None  # an unknown country code
    if not resolution.found and resolution.problem != NO_POST_IN_COUNTRY:
        return None
    return _from_resolution(resolution, PHONE)


def answer_post(
    text: object,
    intent: Optional[str],
    choice: Optional[str],
    offered: Sequence[str],
    directory: Directory,
) -> PostStep:
    """What an answer to the post question means. `offered`: the post codes just proposed
    (to confirm or to pick from); `choice`: a button's value."""
    offered_posts = [post for code in offered if (post := directory.post(code)) is not None]
    if intent == "skip":
        return PostStep(post=SKIPPED)
    if choice and directory.post(choice) is not None:
        return PostStep(post=directory.post(choice).code)  # type: ignore[union-attr]
    if offered_posts:
        if intent == "affirm" and len(offered_posts) == 1:
            return PostStep(post=offered_posts[0].code)
        if intent == "deny":
            return PostStep(state=ASK)
        picked = pick_post(text, offered_posts, directory)
        if picked is not None:
            return PostStep(post=picked.code)
    if not isinstance(text, str):
        return PostStep(state=EMPTY)
    return _from_resolution(resolve_post(text, directory), CONFIRM)


def country_name(country: Optional[str], language: str) -> str:
    """A country's name in the user's language: CLDR's (babel), else phonenumbers' territory
    names, which give many only in English (Arabic "Nigeria" for نيجيريا)."""
    from babel import Locale, UnknownLocaleError
    from phonenumbers.geodata.locale import LOCALE_DATA

    try:
        cldr = Locale.parse(language).territories.get((country or "").upper())
    except (UnknownLocaleError, ValueError):
        cldr = None
    if cldr:
        return str(cldr)
    names = LOCALE_DATA.get((country or "").upper())
    if not names:
        return country or ""
    name = names.get(language) or names.get("en") or "*aa"
    # '*de' means "as in German"; follow at most a few such references.
    for _ in range(4):
        if not name.startswith("*"):
            return name
        name = names.get(name[1:]) or names.get("aa") or country or ""
    return country or ""


def post_label(post: PostRecord, language: str, hq_name: Optional[str] = None) -> str:
    """'Rabat (Maroc)', '内罗毕 (肯尼亚)'; headquarters by its name in the user's language."""
    if post.kind == "hq":
        return hq_name or post.city
    city = place_names().city(post.code, language) or post.city
    return f"{city} ({country_name(post.country, language)})"


def post_choices(
    codes: Sequence[str], directory: Directory, language: str, hq_name: Optional[str] = None
) -> list[dict]:
    posts = [post for code in codes if (post := directory.post(code)) is not None]
    labels = [post_label(post, language, hq_name) for post in posts]
    for index, post in enumerate(posts):
        if labels.count(labels[index]) > 1:
            labels[index] += _distinction(post, [p for p in posts if p is not post])
    return [
        {"title": label, "payload": choice_payload(post.code)}
        for post, label in zip(posts, labels, strict=True)
    ]


def _distinction(post: PostRecord, others: Sequence[PostRecord]) -> str:
    """' – UNESCO' for one of several posts in one city: the organisation names (acronyms)
    only this post is known by, else the first such name ('Conference on Disarmament');
    nothing for the one without (usually the embassy)."""
    taken = {name for other in others for name in other.city_names}
    own = [name for name in post.city_names if name not in taken]
    acronyms = [name for name in own if name.isupper()]
    return f" – {' · '.join(acronyms[:3])}" if acronyms else f" – {own[0]}" if own else ""


# --- language --------------------------------------------------------------------------


def language_options(offered: Sequence[str], conversation_language: str) -> list[str]:
    """Languages for buttons: the conversation language first (the default), then the most
    widely spoken at the post."""
    ordered = [conversation_language] if conversation_language in offered else []
    ordered += [code for code in offered if code != conversation_language]
    return ordered[:MAX_LANGUAGE_CHOICES]


def answer_language(
    text: object,
    intent: Optional[str],
    choice: Optional[str],
    offered: Sequence[str],
    conversation_language: str,
    lexicon: LanguageNames,
) -> Optional[str]:
    """The ISO 639-1 code the user chose; None when the answer names no language."""
    if intent == "skip":
        return conversation_language
    if isinstance(choice, str) and (choice in SUPPORTED_LANGUAGES or choice in OTHER_LANGUAGES):
        return choice
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        return None
    raw = text.strip()
    if raw.isdigit() and 1 <= int(raw) <= len(offered):
        return offered[int(raw) - 1]
    lowered = raw.lower()
    if lowered in SUPPORTED_LANGUAGES or lowered in OTHER_LANGUAGES:
        return lowered
    found = lexicon.find(raw)
    if found:
        return found
    words = set(normalize(raw).split())
    for code, (own, names) in OTHER_LANGUAGES.items():
        if normalize(own) in words or words & {normalize(name) for name in names}:
            return code
    return None


def language_name(code: str, phrase: Callable[[str], Optional[str]]) -> str:
    """A language's name in the user's language where the content has it, else its own."""
    named = phrase(f"language_{code}")
    if named:
        return named
    if code in OTHER_LANGUAGES:
        return OTHER_LANGUAGES[code][0]
    return code


# --- preferences -----------------------------------------------------------------------


def answer_preference(
    text: object,
    intent: Optional[str],
    choice: Optional[str],
    words: Mapping[str, Sequence[str]],
) -> str:
    """'woman', 'man+outside_post', 'external' ...; NO_PREFERENCE when none is named.
    `words` lists each answer's words (PREFERENCE_PHRASES). An optional question: whatever
    the answer, the search goes on."""
    if intent in ("skip", "deny"):
        return NO_PREFERENCE
    if isinstance(choice, str) and choice in PREFERENCE_PHRASES:
        return choice
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        return NO_PREFERENCE
    folded = normalize(text)
    chosen = [
        name
        for name in PREFERENCE_PHRASES
        if any(contains_phrase(folded, normalize(word)) for word in words.get(name, ()))
    ]
    if "woman" in chosen and "man" in chosen:
        # Both named ("a man or a woman, either"): no preference between them.
        chosen = [name for name in chosen if name not in ("woman", "man")]
    return "+".join(chosen) or NO_PREFERENCE


def preference_values(preference: object) -> dict[str, Any]:
    """The preference slot as arguments for bot.matching.Preferences.from_values."""
    parts = set(preference.split("+")) if isinstance(preference, str) else set()
    gender = next((name for name in ("woman", "man") if name in parts), None)
    return {
        "gender": gender,
        "outside_post": "outside_post" in parts,
        "external": "external" in parts,
    }


def payload(intent: str, choice: str) -> str:
    return f'/{intent}{{"advisor_choice": "{choice}"}}'


def choice_payload(choice: str) -> str:
    """A button that answers a question with a value, whatever the NLU would make of it."""
    return payload("affirm", choice)
