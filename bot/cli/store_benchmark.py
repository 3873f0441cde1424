"""`python -m bot.cli benchmark --store` (`bin/benchmark --store`): what loading and saving
a turn costs the conversation store at turn 2 and at turn 40 (bot/benchmark/store.py), on
SQLite and on a PostgreSQL of its own when the binaries are here. A minute, no servers and
no model: the quick check of the store's share of the load benchmark's turn-40 cost."""

from __future__ import annotations

import argparse
import secrets
import shutil
import tempfile
import warnings
from contextlib import ExitStack
from pathlib import Path

from bot import runtime
from bot.benchmark.setups import free_port
from bot.benchmark.store import StoreCost, domain, measure, report
from bot.cluster.postgres import LocalPostgres, PostgresUnavailable
from bot.security.files import private_folder
from bot.settings import overridden
from bot.tracker_store import EncryptedSQLTrackerStore, forget_decrypted

SUPERUSER = "veilig_melden"
DATABASE = "store_benchmark"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("conversation store (--store)")
    group.add_argument(
        "--store", action="store_true", help="the conversation store's cost per turn instead"
    )
    group.add_argument(
        "--store-conversations", type=int, default=5, help="conversations per backend (5)"
    )
    group.add_argument(
        "--store-turns", type=int, default=40, help="turns per conversation, the late turn (40)"
    )
    group.add_argument(
        "--store-sqlite-only", action="store_true", help="no PostgreSQL, even when it is here"
    )


def _postgres_url(stack: ExitStack) -> str:
    # Not inside a private folder: under root the server runs as another user.
    folder = Path(tempfile.mkdtemp(prefix="vm-store-pg-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    postgres = LocalPostgres(folder, free_port(), SUPERUSER, secrets.token_hex(16))
    postgres.initialise()
    postgres.start()
    stack.callback(postgres.stop)
    postgres.create_database(DATABASE)
    return postgres.url(DATABASE)


def command(args: argparse.Namespace) -> int:
    if args.store_conversations < 1 or args.store_turns < 3:
        print("--store-conversations at least 1, --store-turns at least 3")
        return 2
    costs: list[StoreCost] = []
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vm-store-")))
        private_folder(work / "state")
        # Keys of its own: the benchmark never touches this checkout's state folder.
        stack.enter_context(overridden({"VM_STATE_DIR": str(work / "state")}))
        runtime.reset()
        stack.callback(runtime.reset)
        backends: list[tuple[str, dict[str, str]]] = [
            ("SQLite", {"dialect": "sqlite", "db": str(work / "conversations.db")})
        ]
        if not args.store_sqlite_only:
            try:
                print("store benchmark: starting PostgreSQL", flush=True)
                url = _postgres_url(stack)
                backends.append(("PostgreSQL", {"dialect": "postgresql", "host": url}))
            except PostgresUnavailable as error:
                print(f"store benchmark: no PostgreSQL ({str(error)[:200]})", flush=True)
        for name, options in backends:
            with warnings.catch_warnings():
                # Rasa's store builds its URL with a constructor SQLAlchemy deprecated.
                warnings.filterwarnings("ignore", message="Calling URL\\(\\) directly")
                store = EncryptedSQLTrackerStore(domain=domain(), **options)
            print(f"store benchmark: {name}", flush=True)
            costs.append(
                measure(
                    name,
                    store,
                    conversations=args.store_conversations,
                    late_turn=args.store_turns,
                    forget=forget_decrypted,
                )
            )
            store.engine.dispose()
    print(report(costs))
    return 0
