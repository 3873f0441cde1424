"""Contact details are configuration that coordinators maintain (contacts.yml), not content."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

import yaml

# Crisis lines depend on the country: `crisis_lines` in contacts.yml maps ISO 3166-1 codes
# (and `default`) to a line; texts show the one for the conversation's country as
# {crisis_line}.
CRISIS_LINE = "crisis_line"
DEFAULT_CRISIS_LINE = "default"
# What the sources only announce or consider, with the states a coordinator may set; each
# state has its wording in every language (bot/content/rendering.py, `configured_texts`).
STATUSES: Mapping[str, tuple[str, ...]] = {
    "external_reporting_point_status": ("announced", "open"),
    "coordinating_advisor_status": ("considered", "appointed"),
}


@dataclass(frozen=True)
class Contacts:
    values: Mapping[str, str]
    demo: bool  # fictional values: every text that shows them says so
    crisis_lines: Mapping[str, str] = field(default_factory=dict)

    def crisis_line(self, country: Optional[str]) -> Optional[str]:
        """The crisis line for a country (ISO code), else the default one."""
        found = self.crisis_lines.get((country or "").strip().upper())
        return found or self.crisis_lines.get(DEFAULT_CRISIS_LINE)


def load_contacts(path: Path) -> Contacts:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    demo = bool(data.pop("demo", False))
    raw_lines = data.pop("crisis_lines", None) or {}
    if not isinstance(raw_lines, dict):
        raise ValueError(f"{path}: crisis_lines must map country codes to a line")
    crisis_lines = {
        (DEFAULT_CRISIS_LINE if str(k).lower() == DEFAULT_CRISIS_LINE else str(k).upper()): str(v)
        for k, v in raw_lines.items()
    }
    values = {k: str(v) for k, v in data.items()}
    for key, states in STATUSES.items():
        values.setdefault(key, states[0])  # the honest default: as the sources say
        if values[key] not in states:
            raise ValueError(f"{path}: {key} must be one of {', '.join(states)}")
    if DEFAULT_CRISIS_LINE in crisis_lines:
        values[CRISIS_LINE] = crisis_lines[DEFAULT_CRISIS_LINE]
    return Contacts(values=values, demo=demo, crisis_lines=crisis_lines)
