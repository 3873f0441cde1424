"""docs/evaluation.md is written by several commands, each owning one section: a section is
its heading line and everything up to the next heading of the same or a higher level, and
writing one replaces only it (or appends it), keeping the others."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence

from bot.evaluation.runner import Rate, Result, completion

_HEADING = re.compile(r"^(#{1,6})\s+\S")
TARGET_OVERALL = 0.95
TARGET_PER_LANGUAGE = 0.9
SECTION_TITLE = "# Typed conversations"


def _heading_level(line: str) -> Optional[int]:
    match = _HEADING.match(line)
    return len(match.group(1)) if match else None


def replace_section(document: str, section: str) -> str:
    """`document` with the section headed like `section`'s first line replaced by it, or
    with `section` appended when there is none. Lines inside ``` fences are not headings."""
    heading = section.strip("\n").split("\n", 1)[0].rstrip()
    level = _heading_level(heading)
    if level is None:
        raise ValueError("a section starts with its heading line ('# Title')")
    lines = document.split("\n")
    start = end = None
    fenced = False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        line_level = _heading_level(line)
        if start is None and line.rstrip() == heading:
            start = index
        elif start is not None and line_level is not None and line_level <= level:
            end = index
            break
    body = section.strip("\n") + "\n"
    if start is None:
        kept = document.rstrip("\n")
        return f"{kept}\n\n{body}" if kept else body
    before = "\n".join(lines[:start])
    after = "\n".join(lines[end:]) if end is not None else ""
    parts = [part for part in (before.rstrip("\n"), body.rstrip("\n"), after.strip("\n")) if part]
    return "\n\n".join(parts) + "\n"


def write_section(path: Path, section: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(replace_section(document, section), encoding="utf-8")


def conversations_section(
    results: Sequence[Result], seconds: float, model: str, source: str, produced: str = ""
) -> str:
    """The 'Typed conversations' section: completion per journey and language, the targets,
    and the failed conversations by name with their reasons (no user text)."""
    rates = completion(results)
    languages = sorted({r.conversation.language for r in results}, key=_language_order)
    journeys = sorted({r.conversation.journey for r in results})
    overall = rates.get(("all", "all"), Rate(0, 0))
    lines = [
        SECTION_TITLE,
        "",
        f"Model: `{model}`; scripts: `{source}` ({len(results)} conversations, written "
        "independently of the training data and never trained on), typed as people type and "
        f"sent to the real servers over REST, {seconds:.0f} s. Produced by "
        f"`bin/evaluate conversations`{' on ' + produced if produced else ''}.",
        "",
        "A conversation completes when its outcome is right (the report read back from the "
        "case store with the right fields, the advisors shown for the right post, the safety "
        "text given or not) and nothing went wrong on the way (no HTTP error, every reply in "
        "the expected language, no reply three times in a row, no question in more than two "
        "turns in a row, no form left open).",
        "",
        f"Targets: >= {TARGET_OVERALL} overall, >= {TARGET_PER_LANGUAGE} in each language. "
        f"Overall: {overall}.",
        "",
        "| journey | " + " | ".join(languages) + " | all |",
        "|---" * (len(languages) + 2) + "|",
    ]
    for journey in [*journeys, "all"]:
        cells = [_cell(rates.get((journey, language))) for language in [*languages, "all"]]
        name = "**all**" if journey == "all" else journey
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    failed = [r for r in results if not r.passed]
    lines += ["", f"## Failed conversations ({len(failed)})", ""]
    if not failed:
        lines.append("None.")
    for result in failed:
        conversation = result.conversation
        lines.append(
            f"- {conversation.language} / {conversation.journey} / {conversation.name}: "
            + "; ".join(result.verdict.reasons)
        )
    return "\n".join(lines) + "\n"


def _cell(rate: Optional[Rate]) -> str:
    return "–" if rate is None else str(rate)


def _language_order(language: str) -> int:
    order = ("nl", "en", "fr", "es", "de", "pt", "ar")
    return order.index(language) if language in order else len(order)
