"""Handoffs, until the advisor console exists (DATABASE_URL):

handoffs list [--status new|in_progress|closed]   newest first, without transcripts
handoffs show ID                                  one handoff with its transcript
handoffs flush                                    store handoffs kept while the database
                                                  was unavailable
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import runtime
from bot.cli.printable import line, say
from bot.handoffs.inbox import list_handoffs
from bot.handoffs.store import STATUSES, HandoffRecord, get_handoff


def _target(handoff: HandoffRecord) -> str:
    target = handoff.advisor_id or f"pool {handoff.post_code or '-'}/{handoff.pool_language}"
    return line(target)


def _list(args: argparse.Namespace) -> int:
    statuses = tuple(args.status) if args.status else ("new", "in_progress")
    with runtime.database().session() as session:
        handoffs = list_handoffs(session, statuses=statuses)
    for handoff in handoffs:
        say(
            f"{line(handoff.id)}  {handoff.created_at:%Y-%m-%d %H:%M}Z  "
            f"{line(handoff.status):<11}  "
            f"{line(handoff.language)}  {line(handoff.post_code or '-'):<7}  "
            f"{line(handoff.channel):<9}  {_target(handoff)}"
        )
    if not handoffs:
        say("no handoffs")
    return 0


def _show(args: argparse.Namespace) -> int:
    with runtime.database().session() as session:
        handoff = get_handoff(session, args.id)
    if handoff is None:
        say(f"no handoff {line(args.id)}", file=sys.stderr)
        return 1
    say(
        f"handoff {line(handoff.id)} ({line(handoff.status)}), {handoff.created_at:%Y-%m-%d %H:%M}Z"
    )
    say(
        f"to {_target(handoff)}; language {line(handoff.language)}; "
        f"post {line(handoff.post_code or '-')}"
    )
    say(f"channel {line(handoff.channel)}; conversation {line(handoff.conversation_ref)}")
    say(f"phone {line(handoff.phone or '(not shared)')}")
    say()
    for entry in handoff.transcript:
        # Each message on its own lines; its own newlines stay, indented, so none fakes a header.
        text = "\n    ".join(str(entry.text).split("\n"))
        say(f"[{line(entry.timestamp or '?')}] {line(entry.sender)}: {text}")
    return 0


def _flush(_args: argparse.Namespace) -> int:
    store = runtime.handoff_store()
    waiting = len(store.pending())
    try:
        stored = asyncio.run(store.flush_spool())
    except Exception as error:  # noqa: BLE001 - the database is still away: say so
        left = len(store.pending())
        say(f"database unavailable ({type(error).__name__}); {left} waiting", file=sys.stderr)
        return 1
    say(f"stored {stored} of {waiting} kept handoffs; {len(store.pending())} waiting")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("handoffs", help="conversations handed to advisors")
    actions = parser.add_subparsers(dest="handoffs_command", required=True)
    listing = actions.add_parser("list", help="open handoffs, newest first")
    listing.add_argument("--status", action="append", choices=STATUSES)
    listing.set_defaults(handler=_list)
    showing = actions.add_parser("show", help="one handoff with its transcript")
    showing.add_argument("id")
    showing.set_defaults(handler=_show)
    flushing = actions.add_parser("flush", help="store handoffs kept while the database was away")
    flushing.set_defaults(handler=_flush)
