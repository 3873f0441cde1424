"""The content store: every text the assistant says, by name and language.

Seed content lives in data/content/<language>/*.yml. Each file holds `utterances` (what an
utter_* action says, with optional buttons and a short `sms` variant) and `phrases` (named
snippets used inside responses). Files are re-read when they change, so edited text is
used by the next message without retraining.

In the servers, the responses coordinators published in the console (bot.content.edits)
lie over the seed: a thread looks for a newer version every `check_interval` seconds, so
a published text reaches every server's next user, and no message waits on the database.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Optional, Protocol

import yaml

logger = logging.getLogger(__name__)


class ContentError(ValueError):
    """A content file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Response:
    text: str
    buttons: tuple[Button, ...] = ()
    sms: Optional[str] = None


@dataclass(frozen=True)
class Content:
    responses: Mapping[str, Mapping[str, Response]]  # language -> name -> response
    phrases: Mapping[str, Mapping[str, str]]  # language -> name -> text


def _parse_response(name: str, raw: object, where: Path) -> Response:
    if isinstance(raw, str):
        return Response(text=raw.strip())
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise ContentError(f"{where}: response '{name}' needs a `text`")
    buttons = []
    for i, button in enumerate(raw.get("buttons") or []):
        if not isinstance(button, dict) or not button.get("title") or not button.get("payload"):
            raise ContentError(
                f"{where}: response '{name}', button {i + 1} needs title and payload"
            )
        buttons.append(Button(title=str(button["title"]), payload=str(button["payload"])))
    sms = raw.get("sms")
    return Response(
        text=raw["text"].strip(), buttons=tuple(buttons), sms=sms.strip() if sms else None
    )


def load_content(root: Path) -> Content:
    responses: dict[str, dict[str, Response]] = {}
    phrases: dict[str, dict[str, str]] = {}
    for path in sorted(root.glob("*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = data.get("language")
        if language != path.parent.name:
            raise ContentError(f"{path}: `language: {language}` does not match its folder")
        for name, raw in (data.get("utterances") or {}).items():
            if name in responses.setdefault(language, {}):
                raise ContentError(f"{path}: response '{name}' is defined twice for {language}")
            responses[language][name] = _parse_response(name, raw, path)
        for name, text in (data.get("phrases") or {}).items():
            if name in phrases.setdefault(language, {}):
                raise ContentError(f"{path}: phrase '{name}' is defined twice for {language}")
            phrases[language][name] = str(text).strip()
    return Content(responses=responses, phrases=phrases)


class EditSource(Protocol):
    """Where published edits come from (bot.content.edits.DatabaseEdits)."""

    def revision(self) -> int: ...

    def published(self) -> Mapping[tuple[str, str], Response]: ...


def with_edits(seed: Content, edits: Mapping[tuple[str, str], Response]) -> Content:
    """The seed with each published response in place of its own."""
    responses = {language: dict(named) for language, named in seed.responses.items()}
    for (language, name), response in edits.items():
        responses.setdefault(language, {})[name] = response
    return replace(seed, responses=responses)


class ContentStore:
    """Serves content from the seed files (and, given `edits`, the published edits over
    them) and picks up their changes.

    File changes are looked for at most once per `check_interval` seconds, so a busy server
    does not stat every file on every message; edits are looked for by a thread."""

    def __init__(self, root: Path, check_interval: float = 2.0, edits: Optional[EditSource] = None):
        self._root = root
        self._check_interval = check_interval
        self._edits = edits
        self._lock = threading.Lock()
        self._seed: Optional[Content] = None
        self._content: Optional[Content] = None
        self._signature: tuple = ()
        self._checked_at = 0.0
        self._revision = -1
        self._published: Mapping[tuple[str, str], Response] = {}
        self._watcher: Optional[threading.Thread] = None
        self._stopped = threading.Event()

    def _current_signature(self) -> tuple:
        return tuple((str(p), p.stat().st_mtime_ns) for p in sorted(self._root.glob("*/*.yml")))

    def _load_edits(self) -> bool:
        """Reads the published edits when there are newer ones; True when they changed."""
        assert self._edits is not None
        try:
            revision = self._edits.revision()
            if revision == self._revision:
                return False
            self._published, self._revision = self._edits.published(), revision
            return True
        except Exception as error:  # noqa: BLE001 - keep serving what we have
            logger.error("Published content not read (%s); serving the last known.",
                         type(error).__name__)  # fmt: skip
            return False

    def _watch(self) -> None:
        while not self._stopped.wait(self._check_interval):
            if self._load_edits():
                with self._lock:
                    if self._seed is not None:
                        self._content = with_edits(self._seed, self._published)

    def content(self) -> Content:
        now = time.monotonic()
        if self._content is not None and now - self._checked_at < self._check_interval:
            return self._content
        with self._lock:
            if self._edits is not None and self._watcher is None:
                self._load_edits()  # once, before the first answer; then the thread
                self._watcher = threading.Thread(
                    target=self._watch, name="content-edits", daemon=True
                )
                self._watcher.start()
            signature = self._current_signature()
            if self._content is None or signature != self._signature:
                self._seed = load_content(self._root)
                self._content = with_edits(self._seed, self._published)
                self._signature = signature
            self._checked_at = now
            return self._content

    def refresh(self) -> None:
        """Reads the published edits now (the console, right after publishing), rather
        than at the watcher's next look."""
        if self._edits is not None and self._load_edits():
            with self._lock:
                if self._seed is not None:
                    self._content = with_edits(self._seed, self._published)

    def close(self) -> None:
        """Stops looking for edits (a store replaced by another, the end of a test)."""
        self._stopped.set()

    def seed(self) -> Content:
        """The files alone, without the published edits."""
        self.content()
        assert self._seed is not None
        return self._seed

    def response(self, name: str, language: str) -> Optional[Response]:
        return self.content().responses.get(language, {}).get(name)

    def phrase(self, name: str, language: str) -> Optional[str]:
        return self.content().phrases.get(language, {}).get(name)
