"""Schema migrations: `db upgrade [revision]`, `db downgrade <revision>`, `db current`."""

from __future__ import annotations

import argparse

from bot import db


def _upgrade(args: argparse.Namespace) -> int:
    db.upgrade(db.database_url(), args.revision)
    print(f"database upgraded to {args.revision}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    db.downgrade(db.database_url(), args.revision)
    print(f"database downgraded to {args.revision}")
    return 0


def _current(_args: argparse.Namespace) -> int:
    from alembic import command

    command.current(db.alembic_config(db.database_url()))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("db", help="database schema migrations (DATABASE_URL)")
    actions = parser.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("revision", nargs="?", default="heads")
    upgrade.set_defaults(handler=_upgrade)
    downgrade = actions.add_parser("downgrade", help="revert migrations")
    downgrade.add_argument("revision")
    downgrade.set_defaults(handler=_downgrade)
    current = actions.add_parser("current", help="show the applied revision")
    current.set_defaults(handler=_current)
