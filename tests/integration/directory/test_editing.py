"""One record changed on its own (bot.directory.editing): the whole directory with the
change passes the import's checks or nothing is stored; the changed record's problems come
by field, and the other records' when it has none; every stored value survives a round trip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot import db
from bot.directory.editing import RecordProblem, record_values, replace_record
from bot.directory.service import seed_directory
from bot.directory.tables import read_directory, replace_directory
from tests.support import ROOT


@pytest.fixture
def database(tmp_path: Path):
    database = db.Database(f"sqlite:///{tmp_path}/t.db")
    with database.session() as session:
        seed_directory(session, ROOT / "data" / "directory")
    yield database
    database.dispose()


def test_saving_every_record_as_it_is_changes_nothing(database):
    with database.session() as session:
        before = read_directory(session)
        for post in before.posts[:20]:
            assert replace_record(session, "posts", post.code, record_values(post)) == []
        for advisor in before.advisors:
            assert replace_record(session, "advisors", advisor.id, record_values(advisor)) == []
        assert read_directory(session) == before


def test_a_refused_change_stores_nothing_and_its_own_problems_come_first(database):
    with database.session() as session:
        rabat = read_directory(session).post("RAB")
        values = {**record_values(rabat), "time_zone": "Mars/Olympus", "code": "XYZ"}
        problems = replace_record(session, "posts", "RAB", values)
        # Only the post's own: not the advisors who serve it, refused along with it.
        message = "'Mars/Olympus' is not an IANA time zone"
        assert problems == [RecordProblem(None, "time_zone", message)]
        assert read_directory(session).post("RAB") == rabat  # the key never changes either
        assert replace_record(session, "posts", "NOPE", values) is None


def test_a_stored_record_that_fails_the_checks_is_named_when_the_change_is_fine(database):
    with database.session() as session:
        directory = read_directory(session)
        broken = [replace(a, availability=("someday",)) if a.id == "rab-youssef-tazi" else a
                  for a in directory.advisors]  # fmt: skip
        replace_directory(session, None, broken)
        nadia = directory.advisor("rab-nadia-benali")
        values = {**record_values(nadia), "languages": ["ar", "fr", "en"]}
        problems = replace_record(session, "advisors", nadia.id, values)
        message = "'someday' is not like 'mon-fri 09:00-17:00'"
        assert problems == [RecordProblem("rab-youssef-tazi", "availability", message)]
        assert read_directory(session).advisor(nadia.id).languages == ("ar", "fr")
