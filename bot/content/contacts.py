"""Contact details are configuration that coordinators maintain (contacts.yml), not content."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import yaml


@dataclass(frozen=True)
class Contacts:
    values: Mapping[str, str]
    demo: bool  # fictional values: every text that shows them says so


def load_contacts(path: Path) -> Contacts:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    demo = bool(data.pop("demo", False))
    return Contacts(values={k: str(v) for k, v in data.items()}, demo=demo)
