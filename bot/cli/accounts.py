"""Console accounts (bot/console/accounts.py). The first admin is made here; there is
never a default password. `add` and the resets print a one-time password and/or the TOTP
enrolment URI once (scan it as a QR code, or type the secret into the authenticator).

accounts add EMAIL --role advisor|coordinator|admin [--advisor ID]
accounts list
accounts disable EMAIL
accounts reset-password EMAIL
accounts reset-2fa EMAIL
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import runtime
from bot.cli.printable import line, say
from bot.console import accounts
from bot.console.accounts import AccountError, Enrolment


def _enrolment(enrolment: Enrolment) -> None:
    account = enrolment.account
    advisor = f", advisor {line(account.advisor_id)}" if account.advisor_id else ""
    say(f"account {line(account.email)} ({account.role}{advisor})")
    if enrolment.password:
        say(f"one-time password (to be changed at the first login): {enrolment.password}")
    if enrolment.totp_uri:
        say(f"second factor, for the authenticator app: {enrolment.totp_uri}")
    say("Give these to the person over a channel of their own; they are not shown again.")


def _add(args: argparse.Namespace) -> int:
    if args.role == "advisor" and args.advisor:
        known = asyncio.run(runtime.directory_service().current()).advisor(args.advisor)
        if known is None:
            say(f"no advisor {line(args.advisor or '')} in the directory", file=sys.stderr)
            return 1
    with runtime.database().session() as session:
        enrolment = accounts.add_account(session, args.email, args.role, args.advisor)
    _enrolment(enrolment)
    return 0


def _list(args: argparse.Namespace) -> int:
    with runtime.database().session() as session:
        found = accounts.list_accounts(session)
    for account in found:
        state = "disabled" if account.disabled else "active"
        advisor = f" advisor {line(account.advisor_id)}" if account.advisor_id else ""
        say(f"{line(account.email)}  {account.role:<11}  {state}{advisor}")
    if not found:
        say("no accounts: make the first admin with `accounts add EMAIL --role admin`")
    return 0


def _disable(args: argparse.Namespace) -> int:
    with runtime.database().session() as session:
        account = accounts.disable_account(session, args.email)
    say(f"account {line(account.email)} disabled; its sessions end at their next request")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    with runtime.database().session() as session:
        enrolment = accounts.reset_password(session, args.email)
    _enrolment(enrolment)
    return 0


def _reset_2fa(args: argparse.Namespace) -> int:
    with runtime.database().session() as session:
        enrolment = accounts.reset_second_factor(session, args.email)
    _enrolment(enrolment)
    return 0


def _guarded(handler: object) -> object:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))  # type: ignore[operator]
        except AccountError as refused:
            say(f"accounts: {refused}", file=sys.stderr)
            return 1

    return run


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("accounts", help="console accounts", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make an account; prints its one-time password")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument("--advisor", help="the advisor's id in the directory (role advisor)")
    add.set_defaults(handler=_guarded(_add))
    actions.add_parser("list", help="every account").set_defaults(handler=_guarded(_list))
    for name, handler, text in (
        ("disable", _disable, "no more logins; open sessions end"),
        ("reset-password", _reset_password, "a new one-time password"),
        ("reset-2fa", _reset_2fa, "a new TOTP secret (a lost phone)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("email")
        action.set_defaults(handler=_guarded(handler))
