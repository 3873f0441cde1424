"""`python -m bot.cli evaluate --conversations`: the typed conversations of
evaluation/conversations/ through the real servers; writes the 'Typed conversations'
section of docs/evaluation.md and prints the failures.

Without --url it starts both servers on loopback with the given model, in a temporary
folder (its own keys and SQLite databases). With --url it talks to a running assistant,
and reads the case store of this environment (the one bin/run uses)."""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bot import runtime
from bot.evaluation.conversations import (
    CONVERSATIONS_DIR,
    Conversation,
    ScriptError,
    load_directory,
)
from bot.evaluation.document import (
    TARGET_OVERALL,
    TARGET_PER_LANGUAGE,
    conversations_section,
    write_section,
)
from bot.evaluation.runner import (
    Assistant,
    Result,
    completion,
    oracle_from_content,
    read_cases_from_store,
    run_all,
)
from bot.settings import PROJECT_ROOT, overridden
from bot.timestamps import utc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("typed conversations (--conversations)")
    group.add_argument(
        "--conversations",
        action="store_true",
        help="run the scripted conversations through the servers instead of the held-out set",
    )
    group.add_argument("--url", help="a running assistant (default: start the servers here)")
    group.add_argument("--token", help="the Rasa API token, if the API has one")
    group.add_argument("--languages", help="only these languages, e.g. nl,en")
    group.add_argument("--workers", type=int, default=4, help="conversations at a time")
    group.add_argument(
        "--trace",
        action="store_true",
        help="also print the responses said per turn of each failed conversation",
    )


def command(args: argparse.Namespace) -> int:
    languages = set(args.languages.split(",")) if args.languages else None
    try:
        conversations = load_directory(CONVERSATIONS_DIR, languages)
    except ScriptError as error:
        print(f"cannot use the scripts: {error}")
        return 2
    if not conversations:
        print(f"no conversations in {CONVERSATIONS_DIR}")
        return 2
    with ExitStack() as stack:
        url, token = args.url, args.token
        if url is None:
            url, token = _start_servers(stack, args.model)
        start = time.perf_counter()
        results = run_all(
            conversations,
            Assistant(url, token=token),
            read_cases_from_store,
            oracle_from_content(),
            workers=args.workers,
        )
        seconds = time.perf_counter() - start
    section = conversations_section(
        results,
        seconds,
        args.model.name if args.url is None else f"the assistant at {args.url}",
        str(CONVERSATIONS_DIR.relative_to(PROJECT_ROOT)),
        produced=f"{utc():%Y-%m-%d %H:%M} UTC",
    )
    write_section(args.output, section)
    print(section)
    if args.trace:
        _print_traces(results)
    print(f"(written to {args.output}; {len(results)} conversations in {seconds:.0f} s)")
    return 0 if meets_targets(results) else 1


def _start_servers(stack: ExitStack, model: Path) -> tuple[str, str]:
    """Both servers in a temporary folder, and their API token; this process reads their
    case store, so it takes their state folder and database."""
    from bot.evaluation.servers import running_servers

    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vm-conversations-")))
    print("starting the servers (about a minute)...", flush=True)
    servers = stack.enter_context(running_servers(model, work))
    stack.callback(runtime.reset)
    shared = {name: servers.env[name] for name in ("VM_STATE_DIR", "DATABASE_URL")}
    stack.enter_context(overridden(shared))
    runtime.reset()
    return servers.url, servers.api_token


def meets_targets(results: list[Result]) -> bool:
    rates = completion(results)
    languages = {language for journey, language in rates if journey == "all" and language != "all"}
    return rates[("all", "all")].value >= TARGET_OVERALL and all(
        rates[("all", language)].value >= TARGET_PER_LANGUAGE for language in languages
    )


def describe_failure(result: Result, trace: bool = False) -> str:
    """A failed conversation for a terminal: its name and reasons, and with `trace` each turn:
    the script's message (evaluation data, never a user's) and the names of the responses."""
    conversation: Conversation = result.conversation
    lines = [f"FAILED {conversation.language} / {conversation.journey} / {conversation.name}"]
    lines += [f"  - {reason}" for reason in result.verdict.reasons]
    if trace:
        typed = conversation.user
        for number, said in enumerate(result.verdict.trace, start=1):
            message = typed[number - 1] if number <= len(typed) else ""
            lines.append(f"    turn {number} {message!r}: {', '.join(said) or '(nothing)'}")
    return "\n".join(lines)


def _print_traces(results: list[Result]) -> None:
    for result in results:
        if not result.passed:
            print(describe_failure(result, trace=True))
