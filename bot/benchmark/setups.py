"""Each setup measured the same way: start it (the clock runs from starting its processes
to the first answer through nginx: the cold start), play the K users' scripts at once, then
(when asked) the long conversations one after the other, watching every process's memory
throughout. The project's cluster is bot/cluster/run.py, as `bin/cluster N` runs it, with a
PostgreSQL and a Redis of the benchmark's own; the baseline is bot/benchmark/baseline.py."""

from __future__ import annotations

import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.benchmark import baseline
from bot.benchmark.figures import Setup, turn_cost
from bot.benchmark.memory import MemorySampler
from bot.benchmark.scripts import Script
from bot.benchmark.users import first_answer, run_users
from bot.cluster import proxy
from bot.cluster.postgres import LocalPostgres
from bot.cluster.redis import LocalRedis
from bot.cluster.run import Ports, Shared, running_cluster, stop_process
from bot.security.files import private_folder

SUPERUSER = "veilig_melden"
DATABASE = "veilig_melden"
CONVERSATIONS = "veilig_melden_conversations"
FIRST_ANSWER_TIMEOUT_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Load:
    """What every setup is given: the users' scripts, the long conversations' scripts (or
    none), the first message of the cold start, think time and the per-turn timeout."""

    scripts: Sequence[Script]
    long_scripts: Sequence[Script]
    first_message: str
    think: float
    timeout: float


@dataclass
class Infrastructure:
    shared: Shared
    pids: dict[str, int]  # "postgres", "redis": their main processes


@contextmanager
def infrastructure() -> Iterator[Infrastructure]:
    """A PostgreSQL (durable, as in production) with the assistant's and the conversations'
    databases, and a Redis, on free loopback ports, in temporary folders removed after."""
    # Not inside another private folder: under root the server runs as another user.
    folder = Path(tempfile.mkdtemp(prefix="vm-load-pg-"))
    redis_folder = Path(tempfile.mkdtemp(prefix="vm-load-redis-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        stack.callback(shutil.rmtree, redis_folder, ignore_errors=True)
        postgres = LocalPostgres(folder, free_port(), SUPERUSER, secrets.token_hex(16))
        postgres.initialise()
        postgres.start()
        stack.callback(postgres.stop)
        for name in (DATABASE, CONVERSATIONS):
            postgres.create_database(name)
        redis = LocalRedis(redis_folder, free_port(), secrets.token_hex(16))
        redis.start()
        stack.callback(redis.stop)
        assert redis.process is not None
        postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
        yield Infrastructure(
            Shared(postgres.url(DATABASE), postgres.url(CONVERSATIONS), redis.url),
            {"postgres": postmaster, "redis": redis.process.pid},
        )


def _play(setup: Setup, url: str, load: Load, started: float) -> None:
    """Cold start, the load, the long conversations: into `setup`."""
    answered = first_answer(url, load.first_message, started + FIRST_ANSWER_TIMEOUT_SECONDS)
    if answered is None:
        setup.failure = f"no first answer within {FIRST_ANSWER_TIMEOUT_SECONDS} s"
        return
    setup.cold_start = answered - started
    print(f"benchmark: {setup.name}: first answer after {setup.cold_start:.1f} s", flush=True)
    setup.load = run_users(url, load.scripts, think=load.think, timeout=load.timeout)
    print(
        f"benchmark: {setup.name}: {setup.load.messages} answered, {setup.load.errors} errors, "
        f"{setup.load.throughput:.2f} messages/s",
        flush=True,
    )
    if load.long_scripts:
        long = run_users(url, load.long_scripts, timeout=load.timeout, concurrent=False)
        setup.long = turn_cost(long, len(load.long_scripts[0].messages))


def measure_cluster(
    model: Path, servers: int, infra: Infrastructure, work: Path, load: Load
) -> Setup:
    """The cluster with `servers` Rasa servers behind nginx (REST on, as bin/cluster runs it
    locally), its state (keys) in `work`."""
    setup = Setup(f"{servers} Rasa server{'s' if servers > 1 else ''}", servers)
    ports = Ports(
        proxy=free_port(),
        console_proxy=free_port(),
        rasa=tuple(free_port() for _ in range(servers)),
        actions=free_port(),
        console=free_port(),
    )
    env = {"VM_STATE_DIR": str(work / "state")}
    folder = work / f"cluster-{servers}"
    private_folder(folder)
    with MemorySampler() as memory:
        for name, pid in infra.pids.items():
            memory.watch(name, pid)
        started = time.perf_counter()
        try:
            with running_cluster(model, folder, ports, infra.shared, env=env, rest=True) as cluster:
                for name, process in cluster.processes.items():
                    memory.watch(name, process.pid)
                _play(setup, cluster.url, load, started)
                memory.sample()
        except RuntimeError as error:
            setup.failure = "the cluster did not start"
            print(f"benchmark: {setup.name}: {error}", flush=True)
        setup.peak_rss, setup.sampled_rss = memory.peaks(), memory.sampled()
    return setup


def measure_baseline(folder: Path, work: Path, load: Load) -> Setup:
    """The vanilla bot (trained into `folder` unless a model is there) behind nginx."""
    setup = Setup("vanilla rasa init", 0, baseline=True)
    binary = proxy.nginx_binary()
    if binary is None:
        setup.failure = "nginx is missing"
        return setup
    try:
        print(f"benchmark: vanilla rasa init in {folder} (trained unless it is)", flush=True)
        model, setup.training_seconds = baseline.prepare(folder)
    except baseline.BaselineFailed as error:
        setup.failure = "rasa init failed"
        print(f"benchmark: {error}", flush=True)
        return setup
    rasa_port, proxy_port = free_port(), free_port()
    nginx_work = work / "baseline-nginx"
    with MemorySampler() as memory, ExitStack() as stack:
        try:
            nginx = proxy.start(
                binary,
                nginx_work,
                proxy.config(nginx_work, proxy_port, [f"127.0.0.1:{rasa_port}"], rest=True),
            )
        except RuntimeError as error:
            setup.failure = "nginx did not start"
            print(f"benchmark: {error}", flush=True)
            return setup
        stack.callback(stop_process, nginx)
        memory.watch("nginx", nginx.pid)
        started = time.perf_counter()
        try:
            running = stack.enter_context(baseline.running_baseline(folder, model, rasa_port))
        except baseline.BaselineFailed as error:
            setup.failure = "rasa run failed"
            print(f"benchmark: {error}", flush=True)
        else:
            memory.watch("rasa", running.process.pid)
            _play(setup, f"http://127.0.0.1:{proxy_port}", load, started)
            memory.sample()
        setup.peak_rss, setup.sampled_rss = memory.peaks(), memory.sampled()
    return setup
