"""Training a Rasa component in a test as `rasa train` does, once per change of its inputs.

The trained component is kept in pytest's cache folder under a hash of its training inputs
and its code, so `bin/test fast` trains it again only when one of them changed; a fresh
checkout (as in CI) always trains it."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage


def _fingerprint(inputs: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for folder in inputs:
        files = sorted(folder.rglob("*")) if folder.is_dir() else [folder]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def trained_storage(
    config: pytest.Config,
    name: str,
    inputs: Iterable[Path],
    train: Callable[[LocalModelStorage], None],
) -> LocalModelStorage:
    """A model storage holding the component `name`, trained by `train` unless a storage
    trained on the same inputs is in the cache."""
    folder = config.cache.mkdir(f"trained-{name}") / _fingerprint(inputs)
    done = folder / ".trained"
    # Parallel test workers share the cache: one trains while the others wait for it,
    # instead of deleting each other's half-written model.
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            train(LocalModelStorage(folder))
            done.touch()
    return LocalModelStorage(folder)
