"""Attack: a burst of wrong receipt passphrases, all at once (issue 11, items 8 and 10).

Before, 40 parallel wrong tries were all checked: the lockout counted a try only after its
scrypt, so every try in the burst saw 'not locked yet'. Each check costs 32 MiB, so the burst
was also a memory attack. Now at most the threshold (5) of 50 parallel tries reach scrypt,
on SQLite and on PostgreSQL, and at most two scrypt checks run at once in the server."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.cases import receipts
from bot.cases.lockout import LockoutPolicy
from bot.cases.model import StorageUnavailable
from bot.cases.store import CaseStore
from bot.cases.views import Receipt, Refused, Report, StatusView
from bot.db import Database
from tests.support.postgres import PostgresUnavailable, postgres_server

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
TRIES = 50
THRESHOLD = 5
KEY = b"lookup key for the attack tests"


class ScryptCounter:
    """Counts scrypt runs and the most that ran at the same moment."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            return self.real(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    database.engine  # noqa: B018 - migrates now, before the burst
    yield database
    if request.param == "postgresql":
        from bot import db

        database.dispose()
        db.downgrade(url, "base")  # the next test starts from an empty database
    database.dispose()


@pytest.fixture
def store(database: Database) -> CaseStore:
    return CaseStore(database, lookup_key=KEY, policy=LockoutPolicy(THRESHOLD))


@pytest.fixture
def scrypt(monkeypatch: pytest.MonkeyPatch) -> ScryptCounter:
    receipts._decoy_hash()  # made once per process, not per check: made before counting
    counter = ScryptCounter(hashlib.scrypt)
    monkeypatch.setattr(receipts.hashlib, "scrypt", counter)
    return counter


def submit(store: CaseStore) -> Receipt:
    report = Report(
        kind="fraud", what_happened="Visa fees go missing.", language="en", channel="rest"
    )
    return asyncio.run(store.submit_report(report, now=T0))


def burst(store: CaseStore, code: str, senders: list[str]) -> list[object]:
    """Every try at the same moment, each from its sender, each with a wrong passphrase."""

    async def all_at_once() -> list[object]:
        tries = [
            store.check_status(code, f"wrong words number {i}", sender, now=T0)
            for i, sender in enumerate(senders)
        ]
        return await asyncio.gather(*tries, return_exceptions=True)

    return asyncio.run(all_at_once())


def without_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate wide enough for the whole burst: what is left to stop it is the lockout."""
    monkeypatch.setattr(receipts, "GATE", receipts.VerificationGate(TRIES, TRIES))


def test_fifty_parallel_wrong_tries_on_one_code_check_at_most_five(
    store: CaseStore, scrypt: ScryptCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt = submit(store)
    without_gate(monkeypatch)
    scrypt.calls = 0
    answers = burst(store, receipt.code, [f"VM-ATTACKER-{i}" for i in range(TRIES)])
    assert scrypt.calls <= THRESHOLD
    assert all(isinstance(a, Refused) for a in answers), answers
    assert sum(a.reason == "locked" for a in answers) >= TRIES - THRESHOLD
    # The code is locked now, even for its owner with the right passphrase...
    later = T0 + timedelta(minutes=1)
    owner = asyncio.run(store.check_status(receipt.code, receipt.passphrase, "VM-OWNER", later))
    assert isinstance(owner, Refused) and owner.reason == "locked"
    # ...and opens again after the period.
    after = T0 + timedelta(minutes=31)
    owner = asyncio.run(store.check_status(receipt.code, receipt.passphrase, "VM-OWNER", after))
    assert isinstance(owner, StatusView)


def test_fifty_parallel_guesses_from_one_sender_check_at_most_five(
    store: CaseStore, scrypt: ScryptCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(store)
    without_gate(monkeypatch)
    scrypt.calls = 0

    async def guesses() -> list[object]:
        tries = [
            store.check_status(f"{i:016d}", "some guessed words", "VM-GUESSER", now=T0)
            for i in range(TRIES)
        ]
        return await asyncio.gather(*tries, return_exceptions=True)

    answers = asyncio.run(guesses())
    assert scrypt.calls <= THRESHOLD
    assert all(isinstance(a, Refused) for a in answers), answers


def test_a_burst_through_the_servers_gate_runs_two_checks_at_a_time_and_turns_the_rest_away(
    store: CaseStore, scrypt: ScryptCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many receipts, many senders: the lockout does not limit this burst, the gate does."""
    monkeypatch.setattr(receipts, "GATE", receipts.VerificationGate(concurrent=2, waiting=8))
    scrypt.calls = 0

    async def all_at_once() -> list[object]:
        tries = [
            store.check_status(f"{i:016d}", "guessed words", f"VM-{i}", now=T0)
            for i in range(TRIES)
        ]
        return await asyncio.gather(*tries, return_exceptions=True)

    answers = asyncio.run(all_at_once())
    assert scrypt.most_at_once <= 2
    assert scrypt.calls <= 10
    busy = [a for a in answers if isinstance(a, StorageUnavailable)]
    assert len(busy) >= TRIES - 10, "the queue holds eight: the rest are told to try again"
    assert all(isinstance(a, (Refused, StorageUnavailable)) for a in answers)
    # Turned away means not counted: the same sender may try again at once.
    again = asyncio.run(store.check_status(f"{49:016d}", "guessed words", "VM-49", now=T0))
    assert again == Refused("invalid")
