"""Process-wide services, built on first use from the settings (never at import time)."""

from __future__ import annotations

from functools import lru_cache

from bot.cases.store import CaseStore
from bot.content.behaviour import BehaviourLexicon, load_behaviour_lexicon
from bot.content.contacts import load_contacts
from bot.content.rendering import Renderer
from bot.content.store import ContentStore
from bot.directory.service import DirectoryService
from bot.handoffs.store import HandoffStore
from bot.language.names import LanguageNames, load_languages
from bot.pseudonym import conversation_reference, pseudonym_key
from bot.settings import settings


@lru_cache(maxsize=1)
def languages() -> tuple[dict[str, str], LanguageNames]:
    return load_languages(settings().languages_file)


@lru_cache(maxsize=1)
def content_store() -> ContentStore:
    return ContentStore(settings().content_dir)


@lru_cache(maxsize=1)
def renderer() -> Renderer:
    own_names, _ = languages()
    return Renderer(content_store(), load_contacts(settings().contacts_file), own_names)


@lru_cache(maxsize=1)
def behaviour_lexicon() -> BehaviourLexicon:
    return load_behaviour_lexicon(settings().behaviour_dir)


@lru_cache(maxsize=1)
def _pseudonym_key() -> bytes:
    return pseudonym_key(settings().state_dir)


def reference_for(sender_id: str) -> str:
    return conversation_reference(sender_id, _pseudonym_key())


@lru_cache(maxsize=1)
def case_store() -> CaseStore:
    """The case store (DATABASE_URL, keys and lockout settings from the environment)."""
    return CaseStore()


@lru_cache(maxsize=1)
def directory_service() -> DirectoryService:
    """Posts and advisors, from the case store's database, seeded from the directory files."""
    return DirectoryService(case_store().database, settings().directory_dir)


@lru_cache(maxsize=1)
def handoff_store() -> HandoffStore:
    """Handoffs, in the same database as cases and the directory."""
    return HandoffStore(case_store().database)
