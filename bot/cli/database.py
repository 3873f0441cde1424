"""Schema migrations: `db upgrade [revision]`, `db downgrade <revision>`, `db current`;
`db reencrypt` rewrites all encrypted text with the newest key (see bot/encryption.py): the
database, the handoff spool and the conversation store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

import sqlalchemy as sa

from bot import db, tables


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


def encrypted_columns() -> dict[sa.Table, list[sa.Column]]:
    """Every mapped column of type EncryptedText, by table (all tables: bot.tables)."""
    from bot.encryption import EncryptedText

    found: dict[sa.Table, list[sa.Column]] = {}
    for table in tables.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, EncryptedText)]
        if columns:
            found[table] = columns
    return found


def reencrypt(url: str, batch: int = 500) -> dict[str, int]:
    """Rewrites every encrypted value with the newest key; returns the count per column.

    Reads and writes the stored tokens as plain text (no decryption into Python objects), in
    batches of `batch` rows, each batch its own transaction: an interruption leaves every
    value readable, and running it again finishes the job."""
    from bot.encryption import text_cipher

    cipher = text_cipher()
    engine = db.make_engine(url)
    counts: dict[str, int] = {}
    try:
        inspector = sa.inspect(engine)
        for table, columns in encrypted_columns().items():
            if not inspector.has_table(table.name):
                continue
            keys = list(table.primary_key.columns)
            raw = sa.table(
                table.name,
                *[sa.column(k.name, k.type) for k in keys],
                *[sa.column(c.name, sa.Text()) for c in columns],
            )
            for column in columns:
                counts[f"{table.name}.{column.name}"] = 0
            last = None
            while True:
                with engine.begin() as connection:
                    query = sa.select(raw).order_by(*[raw.c[k.name] for k in keys])
                    if len(keys) == 1:  # keyset paging; composite keys are read in one go
                        if last is not None:
                            query = query.where(raw.c[keys[0].name] > last)
                        query = query.limit(batch)
                    rows = connection.execute(query).mappings().all()
                    for row in rows:
                        values = {
                            c.name: cipher.rotate(row[c.name])
                            for c in columns
                            if row[c.name] is not None
                        }
                        if not values:
                            continue
                        match = sa.and_(*[raw.c[k.name] == row[k.name] for k in keys])
                        connection.execute(sa.update(raw).where(match).values(**values))
                        for name in values:
                            counts[f"{table.name}.{name}"] += 1
                if len(keys) != 1 or len(rows) < batch:
                    break
                last = rows[-1][keys[0].name]
    finally:
        engine.dispose()
    return counts


def reencrypt_conversations(endpoints: Path) -> Optional[int]:
    """Rewrites the tracker store's events with the newest key, for the tracker store that
    `endpoints` (endpoints.yml) configures; None when it is not this project's encrypted
    store (then nothing of it is encrypted by us)."""
    from rasa.utils.endpoints import read_endpoint_config

    from bot.tracker_store import EncryptedSQLTrackerStore

    if not endpoints.is_file():
        return None
    config = read_endpoint_config(str(endpoints), "tracker_store")
    if (
        config is None
        or config.type != f"{EncryptedSQLTrackerStore.__module__}.EncryptedSQLTrackerStore"
    ):
        return None
    store = EncryptedSQLTrackerStore(domain=None, host=config.url, **config.kwargs)
    try:
        return store.reencrypt()
    finally:
        store.engine.dispose()


def reencrypt_everything(url: str, endpoints: Path) -> dict[str, int]:
    """Everything encrypted at rest: the assistant's database (cases, handoffs with their
    reply addresses, deliveries, evidence files), the handoff spool and the conversations."""
    from bot.db import Database
    from bot.encryption import bytes_cipher
    from bot.evidence.store import reencrypt_all
    from bot.handoffs.store import HandoffStore

    counts = reencrypt(url)
    database = Database(url, migrate=False)
    spool = HandoffStore(database)
    counts["handoff spool"] = spool.reencrypt_spool()
    try:
        if sa.inspect(database.engine).has_table("evidence_chunks"):
            with database.session() as session:
                counts["evidence files (chunks)"] = reencrypt_all(session, bytes_cipher())
    finally:
        database.dispose()
    conversations = reencrypt_conversations(endpoints)
    if conversations is not None:
        counts["conversations (events.data)"] = conversations
    return counts


def _reencrypt(args: argparse.Namespace) -> int:
    from cryptography.fernet import InvalidToken

    from bot.encryption import EncryptionKeyError

    try:
        counts = reencrypt_everything(db.database_url(), Path(args.endpoints))
    except InvalidToken:
        print(
            "error: some stored text cannot be decrypted with the configured keys; put the "
            "old key back after the new one and run this again",
            file=sys.stderr,
        )
        return 1
    except EncryptionKeyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for column, count in counts.items():
        print(f"{column}: {count} rewritten")
    if "conversations (events.data)" not in counts:
        print(
            f"conversations: no encrypted tracker store in {args.endpoints}; "
            "give Rasa's endpoints file with --endpoints",
            file=sys.stderr,
        )
    print("all encrypted text now uses the newest key; older keys can be removed")
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
    reencrypt_command = actions.add_parser(
        "reencrypt", help="rewrite encrypted text with the newest key (after adding a key)"
    )
    reencrypt_command.add_argument(
        "--endpoints",
        default="endpoints.yml",
        help="Rasa's endpoints file, for the conversation store (default: endpoints.yml; "
        "a relative SQLite path in it is read from the current folder, as Rasa does)",
    )
    reencrypt_command.set_defaults(handler=_reencrypt)
