"""What a coordinator may publish, and how a draft looks on each channel before it is.

A draft is checked against the seed text of the same response: the same placeholders
(the dialogue fills exactly those), button payloads that name intents of the domain, a
text in the language (not empty), and the channels' limits (a whole answer within
Telegram's 4,096 characters; the SMS variant within 3 segments). Every problem is listed;
nothing is published until there are none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import yaml

from bot.content.rendering import placeholders_in
from bot.content.store import Button, Response
from bot.settings import PROJECT_ROOT
from channels.splitting import SMS_MAX_SEGMENTS, TELEGRAM_MAX_CHARACTERS, sms_segments

PREVIEW_CHANNELS = ("sms", "whatsapp", "telegram", "webchat")
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w-]*)(\{.*\})?$", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    key: str  # the console text that says it (data/console)
    detail: str = ""


@lru_cache(maxsize=1)
def domain_intents() -> frozenset[str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return frozenset(str(intent) for intent in domain.get("intents") or ())


def draft_from_form(text: str, sms: str, buttons: list[tuple[str, str]]) -> Response:
    kept = tuple(Button(t.strip(), p.strip()) for t, p in buttons if t.strip() or p.strip())
    return Response(text=text.replace("\r\n", "\n").strip(), buttons=kept,
                    sms=sms.replace("\r\n", "\n").strip() or None)  # fmt: skip


def problems(draft: Response, seed: Optional[Response]) -> list[Problem]:
    found: list[Problem] = []
    if not draft.text:
        found.append(Problem("edit_empty"))
    expected = placeholders_in(seed.text) if seed else set()
    used = placeholders_in(draft.text)
    if used != expected:
        missing, extra = sorted(expected - used), sorted(used - expected)
        changes = [f"-{{{name}}}" for name in missing] + [f"+{{{name}}}" for name in extra]
        found.append(Problem("edit_placeholders", ", ".join(changes)))
    if draft.sms:
        allowed = expected | (placeholders_in(seed.sms) if seed and seed.sms else set())
        strange = sorted(placeholders_in(draft.sms) - allowed)
        if strange:
            found.append(Problem("edit_placeholders", ", ".join(f"+{{{n}}}" for n in strange)))
        if sms_segments(draft.sms) > SMS_MAX_SEGMENTS:
            found.append(Problem("edit_sms_too_long", str(sms_segments(draft.sms))))
    if len(draft.text) > TELEGRAM_MAX_CHARACTERS:
        found.append(Problem("edit_too_long", str(len(draft.text))))
    for button in draft.buttons:
        match = _PAYLOAD.match(button.payload)
        if not button.title or match is None or match["intent"] not in domain_intents():
            found.append(Problem("edit_button", f"{button.title} → {button.payload}"))
    return found
