"""`python -m bot.servers`: the Rasa server, the action server and the console in this
terminal until Ctrl-C (what bin/run runs after setup and training). It prints where the
API token is, never the token, and the console's address."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from bot.servers import launch
from bot.settings import PROJECT_ROOT, settings

START_TIMEOUT_SECONDS = 300
DEFAULT_MODEL = PROJECT_ROOT / "models" / "veilig-melden.tar.gz"


def _token_expression(source: str) -> str:
    """How a shell gets the token without it being printed: the variable or the file."""
    if source.startswith("from "):
        return f"${source.removeprefix('from ')}"
    path = Path(source)
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    return f"$(cat {shown})"


def banner(url: str, token_source: str, console_url: str | None = None) -> str:
    token = _token_expression(token_source)
    console = f"{console_url}/login" if console_url else "(not started)"
    where = token_source if token_source.startswith("from ") else f"in {token_source}"
    return f"""
  Veilig Melden is running.
  API token:       {where} (owner-only; the API needs ?token=)
  REST:            curl -s -X POST {url}/webhooks/rest/webhook \\
                        -H 'Content-Type: application/json' -d '{{"sender": "me", "message": "bonjour"}}'
  Language/intent: curl -s -X POST "{url}/model/parse?token={token}" -d '{{"text": "hola"}}'
  Status:          curl -s "{url}/status?token={token}"
  Terminal chat:   bin/chat          (in another terminal)
  Web chat demo:   {url}/webchat/demo
  Console:         {console}   (accounts: python -m bot.cli accounts add EMAIL --role admin)
  Stop:            Ctrl-C
"""  # noqa: E501


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.servers", description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--credentials", type=Path, default=launch.CREDENTIALS)
    parser.add_argument("--console-port", type=int, default=5080, help="0: no console")
    args = parser.parse_args(argv)

    values = settings()
    endpoints = values.state_dir / "endpoints.run.yml"
    endpoints.parent.mkdir(parents=True, exist_ok=True)
    endpoints.write_text(
        launch.endpoints_yaml(launch.actions_url(values.actions_host, args.actions_port))
    )
    plan = launch.plan(
        model=args.model,
        endpoints=endpoints,
        rasa_port=args.rasa_port,
        actions_port=args.actions_port,
        credentials=args.credentials,
        console_port=args.console_port or None,
    )

    def on_signal(number: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    processes = launch.start(plan, [None] * len(plan.servers))
    try:
        print("servers: starting (the model takes about 15 seconds to load)", flush=True)
        try:
            launch.wait_until_up(plan, processes, START_TIMEOUT_SECONDS)
        except launch.NotUp as failure:
            which = "" if failure.exited is None else f" ({plan.servers[failure.exited].name})"
            print(f"servers: did not start{which}; see the messages above", file=sys.stderr)
            return 1
        print(banner(plan.url, plan.api_token.source, plan.console_url), flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        print("servers: one server stopped; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nservers: stopping", flush=True)
        return 0
    finally:
        launch.stop(processes)


if __name__ == "__main__":
    sys.exit(main())
