"""Talking to and measuring the assistant: chat, evaluate, benchmark."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bot.cli import evaluate_conversations, load_benchmark, soak, store_benchmark
from bot.settings import PROJECT_ROOT

DEFAULT_MODEL = PROJECT_ROOT / "models" / "veilig-melden.tar.gz"
HELDOUT_DIR = PROJECT_ROOT / "evaluation" / "heldout"
SAFETY_DIR = PROJECT_ROOT / "evaluation" / "safety"


def chat(url: str) -> int:
    """A terminal conversation over the REST channel; a number picks a shown button."""
    import requests

    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    buttons: list[dict] = []
    print("Type a message (Ctrl-D or /quit to stop). A number picks a button.\n")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text == "/quit":
            return 0
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            reply = requests.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                timeout=30,
            )
            reply.raise_for_status()
        except requests.RequestException as error:
            print(f"(cannot reach the assistant at {url}: {error}; is bin/run running?)")
            continue
        buttons = []
        for message in reply.json():
            if message.get("text"):
                print(f"bot> {message['text']}")
            for button in message.get("buttons") or []:
                buttons.append(button)
                print(f"     {len(buttons)}. {button['title']}")


def evaluate_command(model: Path, output: Path) -> int:
    from bot.evaluation.document import write_section
    from bot.language.evaluation import evaluate

    report = evaluate(model, HELDOUT_DIR)
    write_section(output, report)  # other commands own the file's other sections
    print(report)
    safety = safety_report(model)
    write_section(output, safety)
    print(safety)
    print(f"(written to {output})")
    return 0


def safety_report(model: Path | None, classifier: bool = False) -> str:
    """The danger and self-harm detector on its held-out set: the lexicons alone, with the
    safety classifier trained from the training files (`classifier`, no Rasa model), and
    with the model when one is given (bot/safety/evaluation.py)."""
    from bot.safety.detector import SafetyDetector
    from bot.safety.evaluation import classifier_from_files, configured_component, report

    detector = SafetyDetector.from_directory()
    trained = classifier_from_files(configured_component(), detector) if classifier else None
    return report(SAFETY_DIR, detector, model, trained)


def safety_command(model: Path | None, classifier: bool, output: Path | None) -> int:
    section = safety_report(model, classifier)
    print(section)
    if output is not None:
        from bot.evaluation.document import write_section

        write_section(output, section)
        print(f"(written to {output})")
    return 0


def benchmark_command(model: Path, train: bool) -> int:
    from bot.language.evaluation import benchmark_parse

    if train:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "rasa", "train", "--force", "--out", out, "--quiet"],
                cwd=PROJECT_ROOT,
                check=True,
            )
            minutes = (time.perf_counter() - start) / 60
        print(f"full training: {minutes:.1f} min (target <= 5 min on 2 cores)")
    print(benchmark_parse(model, HELDOUT_DIR))
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    if args.load:
        return load_benchmark.command(args)
    if args.store:
        return store_benchmark.command(args)
    if args.soak is not None:
        return soak.command(args)
    return benchmark_command(args.model, args.train)


def add_commands(commands: argparse._SubParsersAction) -> None:
    chat_parser = commands.add_parser("chat", help="talk to the running assistant")
    chat_parser.add_argument("--url", default="http://127.0.0.1:5005")
    chat_parser.set_defaults(handler=lambda args: chat(args.url))
    evaluate_parser = commands.add_parser(
        "evaluate", help="accuracy on the held-out set; --conversations: the typed conversations"
    )
    evaluate_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    evaluate_parser.add_argument(
        "--output", type=Path, default=PROJECT_ROOT / "docs" / "evaluation.md"
    )
    evaluate_conversations.add_arguments(evaluate_parser)
    evaluate_parser.set_defaults(
        handler=lambda args: (
            evaluate_conversations.command(args)
            if args.conversations
            else evaluate_command(args.model, args.output)
        )
    )
    safety_parser = commands.add_parser(
        "evaluate-safety", help="danger and self-harm detection on its held-out set"
    )
    safety_parser.add_argument("--model", type=Path, default=None, help="also with this model")
    safety_parser.add_argument(
        "--classifier",
        action="store_true",
        help="also the lexicons with the safety classifier trained from the training files"
        " (data/safety/training, data/nlu), without a Rasa model",
    )
    safety_parser.add_argument(
        "--output", type=Path, default=None, help="also write the section into this file"
    )
    safety_parser.set_defaults(
        handler=lambda args: safety_command(args.model, args.classifier, args.output)
    )
    benchmark_parser = commands.add_parser(
        "benchmark",
        help="parse latency percentiles; --load: the load benchmark; --store: the store's"
        " cost per turn; --soak: a steady load for minutes",
    )
    benchmark_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    benchmark_parser.add_argument("--train", action="store_true", help="also time a training")
    load_benchmark.add_arguments(benchmark_parser)
    store_benchmark.add_arguments(benchmark_parser)
    soak.add_arguments(benchmark_parser)
    benchmark_parser.set_defaults(handler=_benchmark)
