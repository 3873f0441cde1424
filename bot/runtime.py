"""The composition root: the process's services, each built once on first use from the
settings (never at import time) and shared: ONE `Database` serves the case store, the
directory, the handoffs and the channels' delivery state (channels/state.py).

Tests and commands change what is built through two calls, never by clearing caches:
`reset()` forgets what was built (after the environment changed), and
`override(database=..., ...)` puts given objects in place for the length of a block."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Optional, TypeVar, cast

from bot import encryption
from bot.cases.store import CaseStore
from bot.content.behaviour import BehaviourLexicon, load_behaviour_lexicon
from bot.content.contacts import load_contacts
from bot.content.edits import DatabaseEdits
from bot.content.rendering import Renderer
from bot.content.store import ContentStore
from bot.db import Database
from bot.directory.service import DirectoryService
from bot.evidence.desk import EvidenceDesk
from bot.handoffs.store import HandoffStore
from bot.language.names import LanguageNames, load_languages
from bot.pseudonym import (
    EVIDENCE,
    RECEIPT,
    REFERENCE,
    SENDER,
    conversation_reference,
    derive_key,
    make_sender_id,
)
from bot.pseudonym import pseudonym_key as load_pseudonym_key
from bot.pseudonym import verified_address as check_address
from bot.settings import settings

T = TypeVar("T")

# Read-only files in the checkout: kept by `reset()` unless asked, since they are slow to
# load and no test changes them between tests.
CONTENT = frozenset({"languages", "content_store", "renderer", "behaviour_lexicon"})
# Built from the state folder and the database: what `reset()` forgets.
STATE = frozenset(
    {
        "database",
        "pseudonym_key",
        "case_store",
        "directory_service",
        "handoff_store",
        "evidence_desk",
    }
)
SERVICES = CONTENT | STATE

_lock = threading.RLock()  # re-entrant: a service's builder asks for the ones it uses
_built: dict[str, Any] = {}
_overrides: list[dict[str, Any]] = []


def _service(name: str, build: Callable[[], T]) -> T:
    with _lock:
        for layer in reversed(_overrides):
            if name in layer:
                return cast(T, layer[name])
        if name not in _built:
            _built[name] = build()
        return cast(T, _built[name])


def reset(*, content: bool = False) -> None:
    """Forgets the services built from the state folder and the database (closing the
    database's connections) and the ciphers, so the next use builds them again from
    the environment as it is then. `content=True` forgets the loaded content too."""
    with _lock:
        names = SERVICES if content else STATE
        database = _built.get("database")
        store = _built.get("content_store") if content else None
        for name in names:
            _built.pop(name, None)
        if isinstance(store, ContentStore):
            store.close()
        if "database" in names and isinstance(database, Database):
            database.dispose()
        encryption.text_cipher.cache_clear()
        encryption.bytes_cipher.cache_clear()


@contextmanager
def override(**services: Any) -> Iterator[None]:
    """Within the block, the named services are the given objects, and every other state
    service is built anew around them (a store uses an overriding database); afterwards
    those are forgotten and the given objects are left to their owner."""
    unknown = set(services) - SERVICES
    if unknown:
        raise TypeError(f"no such service: {', '.join(sorted(unknown))}")
    with _lock:
        saved = dict(_built)
        _built.clear()
        _overrides.append(dict(services))
    try:
        yield
    finally:
        with _lock:
            _overrides.pop()
            database = _built.get("database")
            if isinstance(database, Database):
                database.dispose()
            store = _built.get("content_store")
            if isinstance(store, ContentStore) and store is not saved.get("content_store"):
                store.close()  # its watcher would read the databases of whatever comes next
            _built.clear()
            _built.update(saved)
            encryption.text_cipher.cache_clear()
            encryption.bytes_cipher.cache_clear()


# --- content, from the files in the checkout -------------------------------------------------


def languages() -> tuple[dict[str, str], LanguageNames]:
    return _service("languages", lambda: load_languages(settings().languages_file))


def content_store() -> ContentStore:
    """The content: the seed files, and in the servers (`use_content_edits`) the responses
    coordinators published over them."""
    edits = DatabaseEdits(database) if _edits_in_use.is_set() else None
    return _service("content_store", lambda: ContentStore(settings().content_dir, edits=edits))


_edits_in_use = threading.Event()


def use_content_edits(on: bool = True) -> None:
    """This process serves the published edits (the Rasa server, the action server, the
    console call it at start); commands and unit tests read the seed files only."""
    if on == _edits_in_use.is_set():
        return
    if on:
        _edits_in_use.set()
    else:
        _edits_in_use.clear()
    with _lock:
        store = _built.get("content_store")
        if isinstance(store, ContentStore):
            store.close()
        for name in CONTENT:
            _built.pop(name, None)


def renderer() -> Renderer:
    def build() -> Renderer:
        own_names, _ = languages()
        facts = {"conversation_retention_days": str(settings().retention_conversation_days)}
        return Renderer(content_store(), load_contacts(settings().contacts_file), own_names, facts)

    return _service("renderer", build)


def behaviour_lexicon() -> BehaviourLexicon:
    return _service("behaviour_lexicon", lambda: load_behaviour_lexicon(settings().behaviour_dir))


# --- state: keys and the one database ------------------------------------------------------


def pseudonym_key() -> bytes:
    """The master key: VM_PSEUDONYM_KEY, or the key file in the state folder. Nothing
    hashes with it directly: see `purpose_key`."""
    return _service("pseudonym_key", lambda: load_pseudonym_key(settings().state_dir))


def purpose_key(purpose: str) -> bytes:
    """The key for one purpose (bot.pseudonym.PURPOSES), derived from the master key."""
    return derive_key(pseudonym_key(), purpose)


def reference_for(sender_id: str) -> str:
    """The conversation's reference ('VM-3F9A-C21B-77D0') from its (pseudonymous) sender id."""
    return conversation_reference(sender_id, purpose_key(REFERENCE))


def sender_id_for(channel: str, address: str) -> str:
    """The sender id Rasa sees for a user of a channel ('whatsapp:3f9a…'), the one place
    it is computed: every channel, the tests and the evaluation use it."""
    return make_sender_id(purpose_key(SENDER), channel, address)


def verified_address(sender_id: object, metadata: object) -> Optional[tuple[str, str]]:
    """(channel, address) of a message's metadata when they belong to `sender_id`
    (bot.pseudonym.verified_address): how the action server learns a phone number."""
    return check_address(purpose_key(SENDER), sender_id, metadata)


def database() -> Database:
    """The assistant's database (DATABASE_URL), migrated on first use; every store uses it."""
    return _service("database", Database)


def case_store() -> CaseStore:
    """The reporter's side of cases; receipts are looked up with the pseudonym key."""
    return _service("case_store", lambda: CaseStore(database(), lookup_key=purpose_key(RECEIPT)))


def directory_service() -> DirectoryService:
    """Posts and advisors, seeded from the directory files into an empty database."""
    return _service(
        "directory_service", lambda: DirectoryService(database(), settings().directory_dir)
    )


def evidence_desk() -> EvidenceDesk:
    """Files users send: held for their conversation, then given to a case or a handoff."""
    return _service("evidence_desk", lambda: EvidenceDesk(database(), purpose_key(EVIDENCE)))


def handoff_store() -> HandoffStore:
    # A handoff kept in the spool while the database was away takes the files the user
    # sent once it is stored.
    return _service(
        "handoff_store",
        lambda: HandoffStore(
            database(), stored_later=lambda c, h: evidence_desk().give_to_handoff(c, h)
        ),
    )
