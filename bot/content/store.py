"""The content store: every text the assistant says, by name and language.

Seed content lives in data/content/<language>/*.yml. Each file holds `utterances` (what an
utter_* action says, with optional buttons and a short `sms` variant) and `phrases` (named
snippets used inside responses). Files are re-read when they change, so edited text is
used by the next message without retraining.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

import yaml


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


class ContentStore:
    """Serves content from the seed files and picks up their changes.

    Changes are looked for at most once per `check_interval` seconds, so a busy server
    does not stat every file on every message."""

    def __init__(self, root: Path, check_interval: float = 2.0):
        self._root = root
        self._check_interval = check_interval
        self._lock = threading.Lock()
        self._content: Optional[Content] = None
        self._signature: tuple = ()
        self._checked_at = 0.0

    def _current_signature(self) -> tuple:
        return tuple((str(p), p.stat().st_mtime_ns) for p in sorted(self._root.glob("*/*.yml")))

    def content(self) -> Content:
        now = time.monotonic()
        if self._content is not None and now - self._checked_at < self._check_interval:
            return self._content
        with self._lock:
            signature = self._current_signature()
            if self._content is None or signature != self._signature:
                self._content = load_content(self._root)
                self._signature = signature
            self._checked_at = now
            return self._content

    def response(self, name: str, language: str) -> Optional[Response]:
        return self.content().responses.get(language, {}).get(name)

    def phrase(self, name: str, language: str) -> Optional[str]:
        return self.content().phrases.get(language, {}).get(name)
