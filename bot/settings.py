"""Where the assistant finds its content and configuration.

Everything is read from the environment when asked for, never at import time, with
defaults inside this checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else default


@dataclass(frozen=True)
class Settings:
    content_dir: Path
    contacts_file: Path
    languages_file: Path
    behaviour_dir: Path
    state_dir: Path
    directory_dir: Path


def settings() -> Settings:
    return Settings(
        content_dir=_path("VM_CONTENT_DIR", PROJECT_ROOT / "data" / "content"),
        contacts_file=_path("VM_CONTACTS_FILE", PROJECT_ROOT / "contacts.yml"),
        languages_file=_path("VM_LANGUAGES_FILE", PROJECT_ROOT / "data" / "languages.yml"),
        behaviour_dir=_path("VM_BEHAVIOUR_DIR", PROJECT_ROOT / "data" / "behaviour"),
        state_dir=_path("VM_STATE_DIR", PROJECT_ROOT / "var"),
        directory_dir=_path("VM_DIRECTORY_DIR", PROJECT_ROOT / "data" / "directory"),
    )
