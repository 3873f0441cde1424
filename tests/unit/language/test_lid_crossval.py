"""The cross-validation of the language vote's weights tests each message once, and never one
written alike in several of our languages (no vote can be right on it)."""

from __future__ import annotations

from pathlib import Path

from bot.language.lid_crossval import labelled_lines

NLU = """version: "3.1"
nlu:
- intent: greet
  metadata:
    language: {code}
  examples: |
{lines}
"""


def write(folder: Path, code: str, *lines: str) -> None:
    body = "\n".join(f"    - {line}" for line in lines)
    (folder / f"{code}.yml").write_text(NLU.format(code=code, lines=body), encoding="utf-8")


def test_lines_two_languages_write_alike_are_left_out_and_each_line_counts_once(tmp_path: Path):
    write(tmp_path, "nl", "hoi", "Ja!", "hallo allemaal", "hallo allemaal?")
    write(tmp_path, "de", "ja", "guten Morgen")

    assert labelled_lines(tmp_path) == [
        ("de", "guten morgen"),
        ("nl", "hallo allemaal"),
        ("nl", "hoi"),
    ]
