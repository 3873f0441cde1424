"""What the channel tests read back of the files a channel passed on: the file id in a
/share_file payload, how many files are held, and a file with its bytes."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.db import Database
from bot.evidence import store
from bot.evidence.desk import EvidenceDesk

SHARE_FILE = "/share_file"


def file_id_of(text: str) -> str:
    """The file a /share_file payload names; fails for anything else."""
    assert text.startswith(SHARE_FILE), text
    return json.loads(text[len(SHARE_FILE) :])["file_id"]


def stored_files(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(store.EvidenceFile)).scalar())


def read_back(db: Database, desk: EvidenceDesk, file_id: str) -> tuple[store.Evidence, bytes]:
    with db.session() as session:
        found = store.content(session, file_id, desk.cipher)
    assert found is not None
    return found
