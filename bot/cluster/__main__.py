"""`python -m bot.cluster [N]` (bin/cluster): the production shape on this machine until
Ctrl-C or SIGTERM. PostgreSQL (its data kept in var/cluster/postgres between runs) and
Redis of its own, N Rasa servers (2 by default), the action server and the console, and
nginx in front: the channels and the web chat on one port, the console on another, the
Rasa API on neither. Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from bot.cluster.postgres import LocalPostgres, PostgresUnavailable
from bot.cluster.redis import LocalRedis, RedisUnavailable
from bot.cluster.run import Cluster, Ports, Shared, running_cluster
from bot.keys import configured_or_file
from bot.security.files import private_folder
from bot.settings import PROJECT_ROOT, settings

DEFAULT_MODEL = PROJECT_ROOT / "models" / "veilig-melden.tar.gz"
SUPERUSER = "veilig_melden"
DATABASE = "veilig_melden"
CONVERSATIONS = "veilig_melden_conversations"


def postgres_folder(cluster_dir: Path) -> Path:
    """var/cluster/postgres; under root, whose server runs as another user who cannot
    enter the owner-only state folder, a folder of that user's in /var/tmp instead (one
    per checkout, kept between runs like the other)."""
    if os.geteuid() != 0:
        return cluster_dir / "postgres"
    digest = hashlib.sha256(str(cluster_dir.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"veilig-melden-cluster-{digest}"


def banner(cluster: Cluster, count: int, postgres: Path, cluster_dir: Path, rest: bool) -> str:
    def shown(path: Path) -> Path:
        return path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path

    servers = f"{count} Rasa server{'s' if count != 1 else ''}"
    rest_line = (
        f"  REST:            {cluster.url}/webhooks/rest/webhook   "
        f"(RASA_PORT={cluster.url.rsplit(':', 1)[1]} bin/chat)\n"
        if rest
        else ""
    )
    return f"""
  Veilig Melden cluster: {servers}, the action server and the console behind nginx.
  Web chat demo:   {cluster.url}/webchat/demo
{rest_line}  Webhooks:        {cluster.url}/webhooks/twilio/webhook, /webhooks/telegram/webhook
  Console:         {cluster.console_url}/login
  Rasa servers:    {", ".join(cluster.rasa_urls)}   (API with the token; not behind nginx)
  PostgreSQL:      {shown(postgres)}   Redis: in memory only
  Logs:            {shown(cluster_dir / "logs")}/
  Stop:            Ctrl-C
"""


def watch(cluster: Cluster) -> int:
    """Waits while the cluster serves: a Rasa server that dies is reported and the others
    go on (nginx sends its traffic to them); anything else that stops ends the run."""
    reported: set[str] = set()
    while True:
        for name, process in cluster.processes.items():
            code = process.poll()
            if code is None or name in reported:
                continue
            reported.add(name)
            print(f"cluster: {name} stopped ({code}); see its log", file=sys.stderr, flush=True)
            alive = [
                n
                for n, p in cluster.processes.items()
                if n.startswith("rasa-") and p.poll() is None
            ]
            if not name.startswith("rasa-") or not alive:
                print("cluster: stopping everything", file=sys.stderr, flush=True)
                return 1
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/cluster", description=__doc__)
    parser.add_argument("servers", nargs="?", type=int, default=2, help="Rasa servers (2)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--port", type=int, default=8080, help="nginx: channels, web chat")
    parser.add_argument("--console-port", type=int, default=8081, help="nginx: the console")
    parser.add_argument("--rasa-port", type=int, default=5105, help="the first Rasa server's")
    parser.add_argument("--actions-port", type=int, default=5155)
    parser.add_argument("--console-server-port", type=int, default=5180, help="behind nginx")
    parser.add_argument("--postgres-port", type=int, default=5433)
    parser.add_argument("--redis-port", type=int, default=6380)
    args = parser.parse_args(argv)
    if not 1 <= args.servers <= 16:
        parser.error("between 1 and 16 Rasa servers")
    if not args.model.exists():
        parser.error(f"{args.model} is missing: run bin/train first")

    values = settings()
    cluster_dir = values.state_dir / "cluster"
    private_folder(values.state_dir)
    private_folder(cluster_dir)
    ports = Ports(
        proxy=args.port,
        console_proxy=args.console_port,
        rasa=tuple(args.rasa_port + i for i in range(args.servers)),
        actions=args.actions_port,
        console=args.console_server_port,
    )
    secret = configured_or_file  # passwords made once, owner-only, kept with the data
    postgres = LocalPostgres(
        postgres_folder(cluster_dir),
        args.postgres_port,
        SUPERUSER,
        secret(None, cluster_dir / "postgres.password").decode(),
    )
    redis = LocalRedis(
        cluster_dir / "redis",
        args.redis_port,
        secret(None, cluster_dir / "redis.password").decode(),
    )
    rest = values.rest_enabled

    def on_signal(number: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Both, explicitly: started in the background, a shell leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with ExitStack() as stack:
        try:
            print("cluster: starting PostgreSQL and Redis", flush=True)
            postgres.initialise()
            postgres.start()
            stack.callback(postgres.stop)
            for name in (DATABASE, CONVERSATIONS):
                postgres.create_database(name)
            redis.start()
            stack.callback(redis.stop)
            shared = Shared(postgres.url(DATABASE), postgres.url(CONVERSATIONS), redis.url)
            print(f"cluster: starting {args.servers} Rasa servers (about a minute)", flush=True)
            cluster = stack.enter_context(
                running_cluster(args.model, cluster_dir, ports, shared, rest=rest)
            )
            print(banner(cluster, args.servers, postgres.folder, cluster_dir, rest), flush=True)
            return watch(cluster)
        except (PostgresUnavailable, RedisUnavailable, RuntimeError) as error:
            print(f"cluster: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ncluster: stopping", flush=True)
            return 0


if __name__ == "__main__":
    sys.exit(main())
