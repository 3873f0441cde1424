"""The handoff spool: handoffs the database could not take yet, kept encrypted in files of
the state folder (one per handoff, owner-only) until bot.handoffs.store stores them.

A spool file is named by its handoff id, and an id names a file only once it is a UUID in
its canonical form (`handoff_id_or_none`): ids reach the store from dialogue slots, which a
client can try to set, so no '../' or absolute path ever becomes a file name."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from cryptography.fernet import InvalidToken

from bot.encryption import EncryptionKeyError, text_cipher

log = logging.getLogger(__name__)


def handoff_id_or_none(value: object) -> Optional[str]:
    """`value` when it is a handoff id (a UUID in its canonical, lower-case form), else
    None."""
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return value if str(parsed) == value else None


def checked_id(value: object) -> str:
    handoff_id = handoff_id_or_none(value)
    if handoff_id is None:
        raise ValueError("a handoff id is a UUID")
    return handoff_id


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, handoff_id: object) -> Path:
        """A handoff's file: built only from a checked id, so it lies in the folder."""
        return self.folder / f"{checked_id(handoff_id)}.json"

    def _write(self, handoff_id: str, token: str) -> None:
        """Writes a file whole or not at all (a temporary file, then a rename)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        final = self.path(handoff_id)
        temporary = self.folder / f".{handoff_id}.{uuid.uuid4().hex}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        _sync_folder(self.folder)

    def keep(self, values: Mapping[str, Any]) -> bool:
        """Keeps a handoff's row values, encrypted; False when that failed too."""
        try:
            token = text_cipher().encrypt(json.dumps(values, ensure_ascii=False))
            self._write(values["id"], token)
        except Exception as error:  # noqa: BLE001 - the caller reports it to the user
            log.error("handoff %s could not be kept: %s", values["id"], type(error).__name__)
            return False
        log.warning("handoff %s kept in the spool for a later attempt", values["id"])
        return True

    def pending(self) -> list[str]:
        """Ids of the kept handoffs (files not named by a handoff id are left alone)."""
        if not self.folder.is_dir():
            return []
        stems = (path.stem for path in self.folder.glob("*.json"))
        return sorted(stem for stem in stems if handoff_id_or_none(stem) is not None)

    def read(self, handoff_id: str) -> Optional[dict[str, Any]]:
        """A kept handoff's values; None when it is gone or unreadable (logged by id)."""
        try:
            return dict(json.loads(text_cipher().decrypt(self.path(handoff_id).read_text("ascii"))))
        except FileNotFoundError:
            return None  # another process stored it
        except (EncryptionKeyError, ValueError, OSError) as error:
            log.error("spooled handoff %s unreadable: %s", handoff_id, type(error).__name__)
            return None

    def remove(self, handoff_id: str) -> None:
        self.path(handoff_id).unlink(missing_ok=True)

    def reencrypt(self) -> int:
        """Re-encrypts every kept handoff with the newest key (key rotation: put a new key
        first, run this, then drop the old key); returns how many. A file that no key
        opens is left as it is and logged by id."""
        done = 0
        cipher = text_cipher()
        for handoff_id in self.pending():
            try:
                token = cipher.rotate(self.path(handoff_id).read_text(encoding="ascii"))
            except FileNotFoundError:
                continue  # stored meanwhile
            except (EncryptionKeyError, InvalidToken, ValueError, OSError) as error:
                log.error("spooled handoff %s unreadable: %s", handoff_id, type(error).__name__)
                continue
            self._write(handoff_id, token)
            done += 1
        return done


def _sync_folder(folder: Path) -> None:
    """Makes a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
