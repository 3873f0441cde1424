"""The answers as files (DATABASE_URL holds the coordinators' published edits; data/content,
or VM_CONTENT_DIR, is the seed):

    content export FOLDER    every answer as users get it now, one file per language
    content import FOLDER    publish what differs (all or nothing, checked like the console)
    content diff             the answers whose published text differs from the seed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import runtime
from bot.cli.printable import line, say
from bot.content import edits
from bot.content.files import ImportRefused, differences, export, import_tree
from bot.content.store import Content, load_content, with_edits
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.settings import settings


def _seed() -> Content:
    return load_content(settings().content_dir)


def _export(args: argparse.Namespace) -> int:
    seed = _seed()
    with runtime.database().session() as session:
        content = with_edits(seed, edits.published(session))
    for path in export(content, args.folder):
        say(f"wrote {line(str(path))}")
    return 0


def _import(args: argparse.Namespace) -> int:
    try:
        with runtime.database().session() as session:
            count = import_tree(session, args.folder, _seed(), SUPPORTED_LANGUAGES)
    except ImportRefused as refused:
        say(f"content import: refused, nothing published ({len(refused.problems)} problems)",
            file=sys.stderr)  # fmt: skip
        for problem in refused.problems:
            say(f"  {line(problem)}", file=sys.stderr)
        return 1
    say(f"published {count} answer{'s' if count != 1 else ''}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    with runtime.database().session() as session:
        found = differences(_seed(), session)
    for language, name in found:
        say(f"{language}  {line(name)}")
    if not found:
        say("the published answers are the seed's")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("content", help="the answers as files", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    actions = parser.add_subparsers(dest="action", required=True)
    for name, handler, text in (
        ("export", _export, "every answer as users get it now"),
        ("import", _import, "publish what differs, all or nothing"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("folder", type=Path)
        action.set_defaults(handler=handler)
    actions.add_parser("diff", help="what differs from the seed").set_defaults(handler=_diff)
