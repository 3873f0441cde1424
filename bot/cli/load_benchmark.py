"""`python -m bot.cli benchmark --load` (`bin/benchmark --load`): K simulated users x T turns
over REST through nginx against the cluster with 1 and 2 Rasa servers and a vanilla
`rasa init` bot (bot/benchmark); prints the figures and the targets and writes them as the
'Load' section of docs/benchmark.md (or --output)."""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from bot.benchmark.document import RunDescription, load_average, machine, section
from bot.benchmark.figures import Setup
from bot.benchmark.scripts import LANGUAGE_ORDER, select_scripts
from bot.benchmark.setups import Load, infrastructure, measure_baseline, measure_cluster
from bot.cluster.postgres import PostgresUnavailable
from bot.cluster.redis import RedisUnavailable
from bot.evaluation.conversations import CONVERSATIONS_DIR, ScriptError, load_directory
from bot.evaluation.document import write_section
from bot.security.files import private_folder
from bot.settings import PROJECT_ROOT
from bot.timestamps import utc

SETTLE_SECONDS = 5  # between setups: the previous one's processes are gone
DOCUMENT = PROJECT_ROOT / "docs" / "benchmark.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("load benchmark (--load)")
    group.add_argument(
        "--load", action="store_true", help="the load benchmark instead of parse latency"
    )
    group.add_argument("--conversations", type=int, default=50, help="users at once (50)")
    group.add_argument("--turns", type=int, default=8, help="turns per user (8)")
    group.add_argument("--servers", default="1,2", help="Rasa server counts to measure (1,2)")
    group.add_argument("--skip-baseline", action="store_true", help="no vanilla rasa init bot")
    group.add_argument("--long-turns", type=int, default=40, help="turns of a long conversation")
    # 10: the median of 5 single turns moved by 0.2x from one run to the next (docs/benchmark.md).
    group.add_argument(
        "--long-conversations", type=int, default=10, help="long conversations (10; 0: none)"
    )
    group.add_argument("--think", type=float, default=0.0, help="seconds between a user's turns")
    group.add_argument("--timeout", type=float, default=120.0, help="seconds a turn may take")
    group.add_argument(
        "--baseline-dir",
        type=Path,
        help="keep the vanilla bot here (trained once, reused later); default: a temporary one",
    )
    group.add_argument(
        "--output",
        type=Path,
        help="the file whose 'Load' (or 'Soak') section is written (docs/benchmark.md)",
    )
    group.add_argument(
        "--long-only",
        action="store_true",
        help="only the long conversations, on one server, no baseline (a few minutes): the"
        " turn-40 cost alone; printed, and written only to an --output given",
    )


def _server_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or not all(1 <= n <= 16 for n in counts):
        raise ValueError("--servers: counts between 1 and 16, e.g. 1,2")
    return counts


def command(args: argparse.Namespace) -> int:
    try:
        counts = _server_counts(args.servers)
    except ValueError as error:
        print(error)
        return 2
    output: Path | None = args.output or DOCUMENT
    # The long conversations follow the full load's users' scripts, with --long-only too:
    # the scripts decide turn 40's cost, the load before them does not (turns 36-40 against
    # turns 2-6: the same ten cost 1.23x alone and after the load, the ten after the first
    # user's 1.06x alone).
    long_offset = args.conversations
    if args.long_only:
        # One user typing one message stands for the load: the long conversations follow.
        counts, args.skip_baseline, args.conversations, args.turns = [1], True, 1, 1
        output = args.output
        if args.long_conversations < 1:
            print("--long-only needs --long-conversations of at least 1")
            return 2
    if args.conversations < 1 or args.turns < 1 or args.long_turns < 2:
        print("--conversations and --turns at least 1, --long-turns at least 2")
        return 2
    if not args.model.exists():
        print(f"{args.model} is missing: run bin/train first")
        return 2
    try:
        conversations = load_directory(CONVERSATIONS_DIR)
    except ScriptError as error:
        print(f"cannot use the scripts: {error}")
        return 2
    scripts = select_scripts(conversations, args.conversations, args.turns)
    long_scripts = select_scripts(
        conversations, args.long_conversations, args.long_turns, offset=long_offset
    )
    first = select_scripts(conversations, 1, 1, offset=1)[0].messages[0]  # an English greeting
    load = Load(scripts, long_scripts, first, args.think, args.timeout)
    print(
        f"benchmark: {args.conversations} users x {args.turns} turns; Rasa servers "
        f"{','.join(map(str, counts))}; baseline {'skipped' if args.skip_baseline else 'on'}",
        flush=True,
    )
    before, started, when = load_average(), time.perf_counter(), utc().strftime("%Y-%m-%d %H:%M")
    planned = len(counts) + (0 if args.skip_baseline else 1)
    setups: list[Setup] = []

    def write(final: bool) -> str:
        run = RunDescription(
            conversations=args.conversations,
            turns=args.turns,
            long_turns=args.long_turns,
            long_conversations=args.long_conversations,
            think=args.think,
            languages=[lang for lang in LANGUAGE_ORDER if any(s.language == lang for s in scripts)],
            minutes=(time.perf_counter() - started) / 60,
            when=when,
            machine=machine(),
            load_before=before,
            load_after=load_average(),
            planned=planned,
            running=not final,
        )
        text = section(setups, run)
        if output is not None:  # after every setup: a run cut short keeps its figures
            write_section(output, text)
        return text

    def on_signal(number: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_signal)  # servers stopped in order, as Ctrl-C
    try:
        with ExitStack() as stack:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vm-load-")))
            private_folder(work / "state")
            if not args.skip_baseline:
                folder = args.baseline_dir or work / "baseline"
                setups.append(measure_baseline(folder.resolve(), work, load))
                write(final=False)
                time.sleep(SETTLE_SECONDS)
            try:
                print("benchmark: starting PostgreSQL and Redis", flush=True)
                infra = stack.enter_context(infrastructure())
            except (PostgresUnavailable, RedisUnavailable) as error:
                print(f"benchmark: {error}")
                return 1
            for index, count in enumerate(counts):
                # The long conversations: on the first one-server setup only.
                measured = load if count == 1 and 1 not in counts[:index] else _short(load)
                print(f"benchmark: the cluster with {count} Rasa server(s)", flush=True)
                setups.append(measure_cluster(args.model, count, infra, work, measured))
                write(final=False)
                time.sleep(SETTLE_SECONDS)
    except KeyboardInterrupt:
        print("\nbenchmark: stopped; the setups measured so far are written", flush=True)
        print(write(final=True))
        _written(output)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(write(final=True))
    _written(output)
    return 0


def _written(output: Path | None) -> None:
    print(f"(written to {output})" if output is not None else "(not written: no --output)")


def _short(load: Load) -> Load:
    return Load(load.scripts, (), load.first_message, load.think, load.timeout)
