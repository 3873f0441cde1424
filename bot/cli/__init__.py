"""Command line: `python -m bot.cli <command>`; each concern adds its own commands."""

from __future__ import annotations

import argparse
import sys

from bot import runtime
from bot.cli import (
    accounts,
    assistant,
    cases,
    content,
    database,
    directory,
    handoffs,
    retention,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (assistant, database, cases, directory, handoffs, retention, accounts, content):
        module.add_commands(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    finally:
        runtime.reset()  # a command is a process's whole life: close the database


if __name__ == "__main__":
    sys.exit(main())
