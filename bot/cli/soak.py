"""`python -m bot.cli benchmark --soak [MINUTES]` (`bin/benchmark --soak 10`): a steady,
moderate load on the cluster (2 Rasa servers by default, as `bin/cluster` runs them) for
MINUTES minutes, printing each minute's latency (p50, p95) and every process's resident
memory, then whether either grew beyond noise (bot/benchmark/soak.py); the figures go to
the 'Soak' section of docs/benchmark.md (or --output). Not a test: it asserts nothing."""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from bot.benchmark.document import load_average, machine
from bot.benchmark.figures import MB
from bot.benchmark.memory import MemorySampler
from bot.benchmark.scripts import Script, select_scripts
from bot.benchmark.setups import free_port, infrastructure
from bot.benchmark.soak import Minute, Sample, SoakRun, minute_figures, section
from bot.benchmark.users import first_answer, steady_users
from bot.cluster.postgres import PostgresUnavailable
from bot.cluster.redis import RedisUnavailable
from bot.cluster.run import Ports, running_cluster
from bot.evaluation.conversations import CONVERSATIONS_DIR, ScriptError, load_directory
from bot.evaluation.document import write_section
from bot.security.files import private_folder
from bot.settings import PROJECT_ROOT
from bot.timestamps import utc

DOCUMENT = PROJECT_ROOT / "docs" / "benchmark.md"
FIRST_ANSWER_TIMEOUT_SECONDS = 300


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("soak (--soak)")
    group.add_argument(
        "--soak",
        type=int,
        nargs="?",
        const=10,
        metavar="MINUTES",
        help="a steady load on the cluster for MINUTES minutes (10), memory and latency per"
        " minute, instead",
    )
    group.add_argument("--soak-users", type=int, default=8, help="users at once (8)")
    group.add_argument(
        "--soak-think", type=float, default=2.0, help="seconds between a reply and the next (2)"
    )
    group.add_argument("--soak-servers", type=int, default=2, help="Rasa servers (2)")
    group.add_argument(
        "--soak-turns", type=int, default=12, help="turns of a conversation before a new one (12)"
    )
    group.add_argument(
        "--soak-note", default="", help="a sentence for the section: what else ran meanwhile"
    )


def _validate(args: argparse.Namespace) -> str | None:
    if args.soak < 2:
        return "--soak: at least 2 minutes"
    if args.soak_users < 1 or args.soak_think < 0 or args.soak_turns < 1:
        return "--soak-users and --soak-turns at least 1, --soak-think not negative"
    if not 1 <= args.soak_servers <= 16:
        return "--soak-servers between 1 and 16"
    if not args.model.exists():
        return f"{args.model} is missing: run bin/train first"
    return None


def command(args: argparse.Namespace) -> int:
    problem = _validate(args)
    if problem:
        print(problem)
        return 2
    try:
        conversations = load_directory(CONVERSATIONS_DIR)
    except ScriptError as error:
        print(f"cannot use the scripts: {error}")
        return 2
    users, turns = args.soak_users, args.soak_turns
    chosen: dict[tuple[int, int], Script] = {}

    def script_for(user: int, conversation: int) -> Script:
        # User u's k-th conversation: the scripts taken in turn, languages mixed.
        key = (user, conversation)
        if key not in chosen:
            offset = user + conversation * users
            chosen[key] = select_scripts(conversations, 1, turns, offset=offset)[0]
        return chosen[key]

    output: Path = args.output or DOCUMENT
    before, when = load_average(), utc().strftime("%Y-%m-%d %H:%M")
    rss: dict[int, dict[str, int]] = {}
    private: dict[int, dict[str, int]] = {}
    live: list[Minute] = []
    samples: list[Sample] = []

    def on_minute(minute: int, so_far: list[Sample], memory: MemorySampler) -> None:
        memory.sample()
        rss[minute], private[minute] = memory.latest(), memory.latest_private()
        row = minute_figures(minute, so_far, rss[minute], private[minute])
        live.append(row)
        sizes = ", ".join(
            f"{name} {size / MB:.0f} ({row.private.get(name, 0) / MB:.0f})"
            for name, size in row.rss.items()
        )
        print(
            f"soak: minute {minute}: {row.turns} answered, {row.errors} errors, p50 "
            f"{row.p50 * 1000:.0f} ms, p95 {row.p95 * 1000:.0f} ms; RSS (private) MB: {sizes}",
            flush=True,
        )

    def on_signal(number: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_signal)  # servers stopped in order, as Ctrl-C
    stopped = False
    try:
        with ExitStack() as stack:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vm-soak-")))
            private_folder(work / "state")
            print("soak: starting PostgreSQL and Redis", flush=True)
            infra = stack.enter_context(infrastructure())
            memory = stack.enter_context(MemorySampler())
            for name, pid in infra.pids.items():
                memory.watch(name, pid)
            ports = Ports(
                proxy=free_port(),
                console_proxy=free_port(),
                rasa=tuple(free_port() for _ in range(args.soak_servers)),
                actions=free_port(),
                console=free_port(),
            )
            folder = work / "cluster"
            private_folder(folder)
            env = {"VM_STATE_DIR": str(work / "state")}
            print(f"soak: the cluster with {args.soak_servers} Rasa servers", flush=True)
            cluster = stack.enter_context(
                running_cluster(args.model, folder, ports, infra.shared, env=env, rest=True)
            )
            for name, process in cluster.processes.items():
                memory.watch(name, process.pid)
            first = script_for(0, 0).messages[0]
            deadline = time.perf_counter() + FIRST_ANSWER_TIMEOUT_SECONDS
            if first_answer(cluster.url, first, deadline) is None:
                print("soak: the cluster gave no first answer")
                return 1
            print(
                f"soak: {users} users, {args.soak_think:g} s think time, {args.soak} min",
                flush=True,
            )
            samples = steady_users(
                cluster.url,
                users,
                script_for,
                seconds=60 * args.soak,
                think=args.soak_think,
                on_minute=lambda minute, so_far: on_minute(minute, so_far, memory),
            )
    except (PostgresUnavailable, RedisUnavailable, RuntimeError) as error:
        print(f"soak: {error}")
        return 1
    except KeyboardInterrupt:
        print("\nsoak: stopped; the minutes so far are written", flush=True)
        stopped = True
    finally:
        signal.signal(signal.SIGTERM, previous)
    # From every sample now that all turns are in (a minute's last turns may have been
    # answered after its line was printed); the memory as sampled at each minute's end.
    minutes = (
        live if stopped else [minute_figures(m, samples, rss[m], private[m]) for m in sorted(rss)]
    )
    run = SoakRun(
        minutes=args.soak,
        users=users,
        think=args.soak_think,
        turns_per_conversation=turns,
        servers=args.soak_servers,
        when=when,
        machine=machine(),
        load_before=before,
        load_after=load_average(),
        shared=args.soak_note,
    )
    text = section(run, minutes, samples)
    write_section(output, text)
    print(text)
    print(f"(written to {output})")
    return 130 if stopped else 0
