"""Retention (DATABASE_URL and the tracker store in endpoints.yml):

    retention run [--dry-run] [--tracker-store URL] [--endpoints FILE]

deletes what is past retention (VM_RETENTION_CONVERSATION_DAYS, VM_RETENTION_HANDOFF_DAYS,
VM_RETENTION_CASE_YEARS) and prints how many of each, counts only; --dry-run deletes
nothing and prints what would go.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot import runtime
from bot.cli.printable import line, say
from bot.retention.conversations import ENDPOINTS
from bot.retention.policy import RetentionPolicy
from bot.retention.run import run_retention
from bot.timestamps import utc


def _run(args: argparse.Namespace) -> int:
    try:
        policy = RetentionPolicy.from_environment()
    except ValueError as error:
        say(f"error: {line(error)}", file=sys.stderr)
        return 1
    now = utc(datetime.fromisoformat(args.now)) if args.now else utc()
    report = run_retention(
        runtime.database(),
        now=now,
        policy=policy,
        dry_run=args.dry_run,
        tracker_store_url=args.tracker_store,
        endpoints=args.endpoints,
    )
    for text in report.lines():
        say(line(text))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("retention", help="delete what is past retention")
    actions = parser.add_subparsers(dest="retention_command", required=True)
    running = actions.add_parser(
        "run", help="delete conversations, handoffs and cases past retention (counts only)"
    )
    running.add_argument("--dry-run", action="store_true", help="delete nothing; say what would go")
    running.add_argument(
        "--tracker-store", help="the tracker store's database URL (default: from --endpoints)"
    )
    running.add_argument(
        "--endpoints", type=Path, default=ENDPOINTS, help="Rasa's endpoints.yml (its tracker_store)"
    )
    # For tests and for a run as of another day; default: now.
    running.add_argument("--now", help=argparse.SUPPRESS)
    running.set_defaults(handler=_run)
