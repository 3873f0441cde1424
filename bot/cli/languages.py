"""The languages (data/languages.yml; docs/languages.md):

languages check [CODE ...]   what each language's data still lacks (all languages by
                             default); exits 1 when anything does
"""

from __future__ import annotations

import argparse

from bot.cli.printable import say
from bot.content.store import load_content
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.completeness import problems_of
from bot.settings import PROJECT_ROOT


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("languages", help="the languages' data")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="what each language's data still lacks")
    check.add_argument("codes", nargs="*", help="language codes (default: all)")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    content = load_content(PROJECT_ROOT / "data" / "content")
    failed = False
    for code in args.codes or SUPPORTED_LANGUAGES:
        problems = problems_of(PROJECT_ROOT, code, content)
        failed = failed or bool(problems)
        say(f"{code}: {'complete' if not problems else f'{len(problems)} problems'}")
        for problem in problems:
            say(f"  {problem}")
    return 1 if failed else 0
