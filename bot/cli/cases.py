"""The integrity coordinator's commands, until the console exists (DATABASE_URL):

    cases list [--overdue] [--status STATUS]      cases with their deadline state
    cases show ID                                 the whole case, decrypted
    cases acknowledge ID --by NAME                received -> acknowledged
    cases status ID NEW_STATUS --by NAME          the next step of the lifecycle
    cases reply ID --by NAME [--feedback] [--text TEXT]   a message to the reporter (or stdin)
    cases audit ID                                who did what to the case

Every command is audited under --by (for reading commands it defaults to the login name)
and under the operating-system account that runs it: --by is the coordinator's own word,
the account is what the machine vouches for. Everything printed is escaped
(bot/cli/printable.py): stored text cannot send the terminal control sequences.
"""

from __future__ import annotations

import argparse
import getpass
import os
import pwd
import sys
from datetime import datetime
from typing import Callable, Optional, TypeVar

from sqlalchemy.orm import Session

from bot import runtime
from bot.cases.coordinator import (
    acknowledge,
    audit_trail,
    case_detail,
    change_status,
    list_cases,
    reply,
)
from bot.cases.intake import InvalidReport
from bot.cases.model import COORDINATOR, STATUSES, CaseStoreError, Deadline
from bot.cli.printable import line, say
from bot.timestamps import utc

T = TypeVar("T")

_TEXT_PROBLEMS = {
    "empty": "the text is empty",
    "too_long": "the text is too long",
    "not_text": "that is not readable text",
}


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def os_account() -> str:
    """The account this process runs as, from its user id (not from $USER or $LOGNAME,
    which the caller sets)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a user id without a name (some containers)
        return f"uid {uid}"


def _moment(value: Optional[str]) -> datetime:
    return utc(datetime.fromisoformat(value)) if value else utc()


def _run(args: argparse.Namespace, work: Callable[[Session, datetime], T]) -> Optional[T]:
    """Runs one command in one transaction; a refusal is printed, not raised."""
    try:
        with runtime.database().session() as session:
            return work(session, _moment(args.now))
    except InvalidReport as error:
        say(f"error: {_TEXT_PROBLEMS.get(error.reason, error.reason)}", file=sys.stderr)
    except CaseStoreError as error:
        say(f"error: {line(error)}", file=sys.stderr)
    return None


def _when(moment: Optional[datetime]) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


def _deadline(deadline: Optional[Deadline], now: datetime) -> str:
    return deadline.describe(now) if deadline else "no deadline running"


def _list(args: argparse.Namespace) -> int:
    def work(session: Session, now: datetime) -> list[str]:
        summaries = list_cases(session, args.by, now, args.overdue, args.status, os_account())
        lines = [f"{'ID':>5}  {'STATUS':<20} {'KIND':<22} {'POST':<6} {'RECEIVED':<16}  DEADLINE"]
        for s in summaries:
            added = f"  [{s.reporter_messages} from reporter]" if s.reporter_messages else ""
            lines.append(
                f"{s.id:>5}  {line(s.status):<20} {line(s.kind):<22} {line(s.post_code or '-'):<6} "
                f"{_when(s.received_at):<16}  {_deadline(s.deadline, now)}{added}"
            )
        if not summaries:
            lines.append("no cases" + (" overdue" if args.overdue else ""))
        return lines

    lines = _run(args, work)
    if lines is None:
        return 1
    say("\n".join(lines))
    return 0


def _show(args: argparse.Namespace) -> int:
    def work(session: Session, now: datetime) -> list[str]:
        case = case_detail(session, args.id, args.by, now, os_account())
        occurred = (
            f" (read as {case.occurred_on:%Y-%m-%d}, {case.occurred_precision})"
            if case.occurred_on
            else ""
        )
        lines = [
            f"Case {case.id}: {case.status}, {_deadline(case.deadline, now)}",
            f"  kind:         {line(case.kind)}",
            f"  when:         {line(case.when_words or '-')}{occurred}",
            f"  where:        {line(case.where_words or '-')} "
            f"(post: {line(case.post_code or 'unknown')})",
            f"  involved:     {line(case.involved or '-')}",
            f"  witnesses:    {line(case.witnesses or '-')}",
            f"  spoke to:     {line(case.spoke_to or 'not answered')}",
            f"  contact:      {line(case.contact)}"
            + (f" ({line(case.contact_details)})" if case.contact_details else ""),
            f"  language:     {line(case.language)}, channel {line(case.channel)}, "
            f"conversation {line(case.conversation_reference or '-')}",
            f"  acknowledge by {_when(case.acknowledgement_due)} UTC, "
            f"feedback by {_when(case.feedback_due)} UTC"
            + (
                f", feedback given {_when(case.feedback_given_at)}"
                if case.feedback_given_at
                else ""
            ),
            "  history:      "
            + ", ".join(f"{s} {_when(t)}" for s, t in case.status_times.items() if t),
            "",
            "What happened:",
            case.what_happened,
        ]
        for m in case.messages:
            who = f"coordinator {line(m.author_name)}" if m.author == COORDINATOR else "reporter"
            marks = " [feedback]" if m.is_feedback else ""
            if m.author == COORDINATOR:
                read = _when(m.read_by_reporter_at) if m.read_by_reporter_at else "not yet"
                marks += f" [read by reporter: {read}]"
            lines += ["", f"--- {_when(m.sent_at)} {who}{marks}", m.text]
        return lines

    lines = _run(args, work)
    if lines is None:
        return 1
    say("\n".join(lines))
    return 0


def _acknowledge(args: argparse.Namespace) -> int:
    def work(session: Session, now: datetime) -> str:
        summary = acknowledge(session, args.id, args.by, now, os_account())
        return f"case {summary.id} acknowledged; {_deadline(summary.deadline, now)}"

    message = _run(args, work)
    if message is None:
        return 1
    say(message)
    return 0


def _status(args: argparse.Namespace) -> int:
    def work(session: Session, now: datetime) -> str:
        summary = change_status(session, args.id, args.status, args.by, now, os_account())
        return f"case {summary.id} is now {summary.status}; {_deadline(summary.deadline, now)}"

    message = _run(args, work)
    if message is None:
        return 1
    say(message)
    return 0


def _reply(args: argparse.Namespace) -> int:
    text = args.text if args.text is not None else sys.stdin.read()

    def work(session: Session, now: datetime) -> str:
        reply(session, args.id, text, args.by, now, feedback=args.feedback, account=os_account())
        kind = "feedback" if args.feedback else "reply"
        return f"{kind} stored for case {args.id}; the reporter reads it with their receipt"

    message = _run(args, work)
    if message is None:
        return 1
    say(message)
    return 0


def _audit(args: argparse.Namespace) -> int:
    def work(session: Session, now: datetime) -> list[str]:
        entries = audit_trail(session, args.id, args.by, now, os_account())
        return [
            f"{e.at:%Y-%m-%d %H:%M:%S}  {line(e.actor):<20} {line(_account(e.os_account)):<14} "
            f"{line(e.action):<20} {line(e.detail or '')}".rstrip()
            for e in entries
        ]

    lines = _run(args, work)
    if lines is None:
        return 1
    say("\n".join(lines))
    return 0


def _account(account: Optional[str]) -> str:
    return f"[{account}]" if account else "[-]"


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("cases", help="the coordinator's cases (DATABASE_URL)")
    actions = parser.add_subparsers(dest="cases_command", required=True)

    def command(
        name: str, help_text: str, handler: Callable, by_required: bool
    ) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text)
        if by_required:
            sub.add_argument(
                "--by",
                required=True,
                help="your name, for the audit log (recorded as given, next to the "
                "operating-system account running this command)",
            )
        else:
            sub.add_argument(
                "--by",
                default=_login_name(),
                help="your name (default: login); the audit log also records the "
                "operating-system account running this command",
            )
        # For tests and for correcting a late entry; default: now.
        sub.add_argument("--now", help=argparse.SUPPRESS)
        sub.set_defaults(handler=handler)
        return sub

    listing = command("list", "cases with their deadline state", _list, False)
    listing.add_argument("--overdue", action="store_true", help="only cases past a deadline")
    listing.add_argument("--status", choices=STATUSES)
    command("show", "a whole case, decrypted", _show, False).add_argument("id", type=int)
    command("acknowledge", "acknowledge receipt", _acknowledge, True).add_argument("id", type=int)
    status = command("status", "move a case to its next status", _status, True)
    status.add_argument("id", type=int)
    status.add_argument("status", help="in_assessment, referred, under_investigation, closed")
    reply = command("reply", "a message to the reporter", _reply, True)
    reply.add_argument("id", type=int)
    reply.add_argument("--text", help="the message (default: read from standard input)")
    reply.add_argument(
        "--feedback", action="store_true", help="this is the feedback due within three months"
    )
    command("audit", "the audit log of a case", _audit, False).add_argument("id", type=int)
