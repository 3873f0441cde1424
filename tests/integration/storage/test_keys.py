"""One key loader for the encryption, pseudonym and web chat keys: the environment, else an
owner-only file that the first process creates and every other process reads whole."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.encryption import EncryptionKeyError, load_keys
from bot.keys import KeyFileError, configured_or_file, read_or_create
from bot.pseudonym import pseudonym_key
from bot.settings import PROJECT_ROOT
from channels.webchat.sessions import webchat_key

# Each process imports what it needs, says so, waits for the word to go, then loads the
# key from the same fresh folder and prints what it got.
RACE = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
{imports}
print("ready", flush=True)
sys.stdin.readline()
print(repr({load}(Path(sys.argv[2]))))
"""

# The encryption key's loader imports SQLAlchemy and cryptography, too slow to start in
# several processes on a small machine: it races in threads below.
LOADERS = {
    "pseudonym": ("from bot.pseudonym import pseudonym_key", "pseudonym_key"),
    "webchat": ("from channels.webchat.sessions import webchat_key", "webchat_key"),
}
KEY_VARIABLES = ("VM_PSEUDONYM_KEY", "VM_WEBCHAT_SECRET", "VM_ENCRYPTION_KEYS")


@pytest.fixture(autouse=True)
def no_configured_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in KEY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_processes_starting_together_on_a_fresh_folder_all_get_the_same_key(
    loader: str, tmp_path: Path
):
    imports, load = LOADERS[loader]
    environment = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES}
    for round_ in range(2):
        state = tmp_path / f"round-{round_}" / "var"  # not even the folder exists yet
        command = [sys.executable, "-c", RACE.format(imports=imports, load=load)]
        processes = [
            subprocess.Popen(
                [*command, str(PROJECT_ROOT), str(state)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environment,
            )
            for _ in range(5)
        ]
        for process in processes:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in processes:  # as close together as a loop gets
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=60) for process in processes]
        assert all(process.returncode == 0 for process in processes), [e for _, e in results]
        keys = {out.strip() for out, _ in results}
        assert len(keys) == 1, "processes got different keys"
        assert keys.pop() not in ("b''", "[]")
        key_files = list(state.iterdir())
        assert len(key_files) == 1, "a temporary file was left behind"
        assert stat.S_IMODE(os.stat(key_files[0]).st_mode) == 0o600


@pytest.mark.parametrize("load", [pseudonym_key, webchat_key, load_keys])
def test_threads_starting_together_on_a_fresh_folder_all_get_the_same_key(
    load: Callable[[Path], object], tmp_path: Path
):
    barrier = threading.Barrier(16)
    keys: list[object] = []

    def run() -> None:
        barrier.wait()
        keys.append(load(tmp_path / "var"))

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 16 and all(key == keys[0] for key in keys)
    assert keys[0] and keys[0] != [b""]
    assert len(list((tmp_path / "var").iterdir())) == 1, "a temporary file was left behind"


def test_a_key_in_the_environment_is_used_as_written_and_no_file_is_made(tmp_path: Path):
    assert configured_or_file(" spaced key ", tmp_path / "k.key") == b" spaced key "
    assert not (tmp_path / "k.key").exists()


def test_every_key_comes_from_its_variable_or_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert pseudonym_key(tmp_path) != webchat_key(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pseudonym.key", "webchat.key"]
    assert len(load_keys(tmp_path)) == 1
    assert pseudonym_key(tmp_path) == (tmp_path / "pseudonym.key").read_text().encode()
    monkeypatch.setenv("VM_PSEUDONYM_KEY", "from the environment")
    assert pseudonym_key(tmp_path) == b"from the environment"


def test_an_empty_key_file_is_refused_rather_than_used(tmp_path: Path):
    for name in ("pseudonym.key", "encryption.key"):
        (tmp_path / name).write_text("\n")
    with pytest.raises(KeyFileError):
        pseudonym_key(tmp_path)
    with pytest.raises(EncryptionKeyError):
        load_keys(tmp_path)


def test_an_existing_key_file_is_read_not_replaced(tmp_path: Path):
    path = tmp_path / "k.key"
    path.write_text("kept\n")
    assert read_or_create(path, lambda: "new") == "kept\n"
