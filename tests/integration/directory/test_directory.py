"""The advisor directory: the shipped data, migrations, import/export and validation."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import db
from bot.directory.files.formats import DirectoryInvalid
from bot.directory.files.importing import import_directory, load_directory_files
from bot.directory.files.writing import export_directory
from bot.directory.records import ADVISOR_KINDS, REGIONS, Directory, parse_window
from bot.directory.tables import Advisor, Post, read_directory
from tests.support import ROOT

SEED = ROOT / "data" / "directory"
FIXTURES = ROOT / "tests" / "support" / "fixtures" / "directory"


@pytest.fixture(scope="module")
def seed() -> Directory:
    loaded = load_directory_files([SEED])
    assert loaded.posts is not None and loaded.advisors is not None
    return Directory(loaded.posts, loaded.advisors)


@pytest.fixture
def database(tmp_path: Path) -> db.Database:
    database = db.Database(f"sqlite:///{tmp_path}/t.db")
    yield database
    database.dispose()


def stored(database: db.Database) -> Directory:
    with database.session() as session:
        return read_directory(session)


# --- the shipped data -------------------------------------------------------------------


def test_demo_advisors_cover_what_the_issue_asks(seed: Directory) -> None:
    advisors = seed.advisors
    assert len(advisors) >= 40
    assert all(advisor.demo for advisor in advisors)
    served = {code for advisor in advisors for code in (*advisor.posts, advisor.home_post) if code}
    assert len(served - {"HQ"}) >= 25
    assert "HQ" in served
    regional = {region for a in advisors if a.kind == "regional" for region in a.regions}
    assert regional >= set(REGIONS) - {"hq"}
    assert len({language for advisor in advisors for language in advisor.languages}) >= 10
    assert {advisor.gender for advisor in advisors} == {"woman", "man"}
    assert {advisor.kind for advisor in advisors} == set(ADVISOR_KINDS)
    assert any(not advisor.active for advisor in advisors)


def test_demo_contacts_are_fictional(seed: Directory) -> None:
    for advisor in seed.advisors:
        if advisor.email:
            assert advisor.email.endswith(("@example.org", "@example.com")), advisor.id
        for number in (advisor.phone, advisor.whatsapp):
            if number:
                assert re.fullmatch(r"\+31 70 555 01\d\d", number), advisor.id


def test_every_post_has_names_users_can_type(seed: Directory) -> None:
    assert len(seed.posts) >= 140
    arabic = re.compile("[\u0600-\u06ff]")
    for post in seed.posts:
        assert post.city_names, post.code
        assert any(arabic.search(name) for name in post.city_names), post.code
        assert len(post.country_names) >= 2, post.code
        assert any(arabic.search(name) for name in post.country_names), post.code
    hq = seed.post("HQ")
    assert hq is not None and {"Den Haag", "The Hague", "La Haye"} <= set(hq.city_names)
    rabat = seed.post("RAB")
    assert rabat is not None and {"Marokko", "Maroc", "المغرب"} <= set(rabat.country_names)


# --- migrations -------------------------------------------------------------------------


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def test_migrations_go_up_and_down_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    db.upgrade(url, "0002_handoffs")
    assert {"posts", "advisors", "handoffs"} <= tables(tmp_path / "m.db")
    db.downgrade(url, "0001_directory")
    assert "handoffs" not in tables(tmp_path / "m.db")
    assert {"posts", "advisors"} <= tables(tmp_path / "m.db")
    db.downgrade(url, "0000_base")
    assert not {"posts", "advisors", "handoffs"} & tables(tmp_path / "m.db")
    db.upgrade(url, "heads")
    assert {"posts", "advisors", "handoffs"} <= tables(tmp_path / "m.db")


def differences_for(url: str, mine: set[str]) -> list:
    """What differs between the models and the migrated schema, for these tables."""
    engine = db.make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.Base.metadata)
    engine.dispose()

    def table_of(difference: object) -> str:
        item = difference[0] if isinstance(difference, list) else difference
        for part in item[1:]:
            table = getattr(part, "table", None)
            if table is not None:
                return table.name
            if isinstance(part, str) and part in mine:
                return part
            if getattr(part, "name", None) in mine:
                return part.name
        return ""

    return [difference for difference in differences if table_of(difference) in mine]


def test_directory_tables_match_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    db.upgrade(url, "heads")
    assert differences_for(url, {Post.__tablename__, Advisor.__tablename__}) == []


# --- import and export ------------------------------------------------------------------


def test_import_stores_the_directory(database: db.Database, seed: Directory) -> None:
    import_directory(database, [SEED])
    assert stored(database) == seed


@pytest.mark.parametrize("target", ["folder", "single.yml"])
def test_yaml_round_trip(
    database: db.Database, seed: Directory, tmp_path: Path, target: str
) -> None:
    import_directory(database, [SEED])
    written = export_directory(stored(database), tmp_path / "out" / target, "yaml")
    assert all(path.exists() for path in written)
    again = load_directory_files(written)
    assert Directory(again.posts, again.advisors) == seed


def test_csv_round_trip(database: db.Database, seed: Directory, tmp_path: Path) -> None:
    import_directory(database, [SEED])
    written = export_directory(stored(database), tmp_path / "csv", "csv")
    assert sorted(path.name for path in written) == ["advisors.csv", "posts.csv"]
    other = db.Database(f"sqlite:///{tmp_path}/other.db")
    import_directory(other, written)
    assert stored(other) == seed
    other.dispose()


def test_csv_export_needs_a_folder(seed: Directory, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="give a folder"):
        export_directory(seed, tmp_path / "directory.csv", "csv")


def problems_by_line(error: DirectoryInvalid) -> set[tuple[int | None, str | None]]:
    return {(problem.line, problem.field) for problem in error.problems}


def test_a_bad_csv_is_refused_whole_with_every_error(
    database: db.Database, seed: Directory
) -> None:
    import_directory(database, [SEED])
    with pytest.raises(DirectoryInvalid) as refused:
        import_directory(database, [FIXTURES / "bad_advisors.csv"])
    found = problems_by_line(refused.value)
    assert {
        (3, "languages"),
        (4, "posts"),
        (5, "time_zone"),
        (6, "email"),
        (7, "name"),
        (8, "availability"),
        (9, "id"),
        (10, "gender"),
        (11, "active"),
        (12, "phone"),
    } <= found
    # Line 2 is valid, yet nothing was imported: the directory is as it was.
    assert (2, "id") not in found
    assert stored(database) == seed
    message = str(refused.value)
    assert "bad_advisors.csv, line 3, languages: 'xx' is not an ISO 639-1 language code" in message


def test_a_bad_yaml_is_refused_with_lines_and_fields(database: db.Database) -> None:
    with pytest.raises(DirectoryInvalid) as refused:
        import_directory(database, [FIXTURES / "bad_posts.yml"])
    messages = {(p.line, p.field): p.message for p in refused.value.problems}
    assert "YAML reads NO as false" in messages[(4, "countries")]
    assert "is not an IANA time zone" in messages[(9, "time_zone")]
    assert "is not one of" in messages[(11, "region")]
    assert messages[(13, "colour")] == "unknown field"
    assert "is not NL's code (+31)" in messages[(15, "calling_code")]
    assert "already used" in messages[(17, "code")]
    assert stored(database).posts == ()


def test_broken_yaml_names_the_line(database: db.Database, tmp_path: Path) -> None:
    broken = tmp_path / "posts.yml"
    broken.write_text("posts:\n  - code: NAI\n    city: [Nairobi\n", encoding="utf-8")
    with pytest.raises(DirectoryInvalid) as refused:
        import_directory(database, [broken])
    (problem,) = refused.value.problems
    assert problem.source == "posts.yml" and problem.line is not None
    assert "not valid YAML" in problem.message


def test_unreadable_files_are_refused_not_crashed_on(database: db.Database, tmp_path: Path) -> None:
    binary = tmp_path / "advisors.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x00")
    with pytest.raises(DirectoryInvalid) as refused:
        import_directory(database, [binary, tmp_path / "missing.yml"])
    messages = [str(problem) for problem in refused.value.problems]
    assert any("not UTF-8" in message for message in messages)
    assert any("file not found" in message for message in messages)


def test_advisors_alone_replace_advisors_and_keep_posts(
    database: db.Database, seed: Directory, tmp_path: Path
) -> None:
    import_directory(database, [SEED])
    only = tmp_path / "advisors.csv"
    only.write_text(
        "id,name,gender,kind,languages,posts,home_post,email,availability,active\n"
        "new-advisor,Eva Demo,woman,post,en;nl,NAI,NAI,eva@example.org,mon-fri 09:00-17:00,true\n",
        encoding="utf-8",
    )
    import_directory(database, [only])
    now = stored(database)
    assert now.posts == seed.posts
    assert [advisor.id for advisor in now.advisors] == ["new-advisor"]
    assert now.advisors[0].time_zone == "Africa/Nairobi"  # from the home post


def test_posts_alone_may_not_orphan_advisors(
    database: db.Database, seed: Directory, tmp_path: Path
) -> None:
    import_directory(database, [SEED])
    few = tmp_path / "posts.csv"
    few.write_text(
        "code,kind,city,country,region,time_zone,calling_code,city_names,country_names\n"
        "NAI,embassy,Nairobi,KE,africa,Africa/Nairobi,+254,Nairobi,Kenya\n",
        encoding="utf-8",
    )
    with pytest.raises(DirectoryInvalid, match="which this import removes"):
        import_directory(database, [few])
    assert stored(database) == seed


# --- availability specs -----------------------------------------------------------------


def test_availability_specs() -> None:
    assert parse_window("mon-fri 09:00-17:00").days == frozenset(range(5))
    assert parse_window("sun-thu 08:00-16:00").days == frozenset({6, 0, 1, 2, 3})
    assert parse_window("mon, wed 13:00-17:00").days == frozenset({0, 2})
    for bad in ("weekdays 9-5", "mon-fri 17:00-09:00", "mon-fry 09:00-17:00", "mon 25:00-26:00"):
        with pytest.raises(ValueError):
            parse_window(bad)


# --- the command line -------------------------------------------------------------------


def test_the_directory_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["directory", "seed"]) == 0
    assert "imported 152 posts and 53 advisors" in capsys.readouterr().out
    assert main(["directory", "seed"]) == 1  # never replaces a directory by accident
    assert "--force" in capsys.readouterr().err

    assert main(["directory", "export", str(tmp_path / "csv"), "--format", "csv"]) == 0
    assert main(["directory", "check", str(tmp_path / "csv")]) == 0
    assert "valid: 152 posts and 53 advisors" in capsys.readouterr().out

    assert main(["directory", "import", str(FIXTURES / "bad_advisors.csv")]) == 1
    err = capsys.readouterr().err
    assert "refused, nothing was imported: 10 problems" in err
    assert "bad_advisors.csv, line 12, phone:" in err

    assert main(["directory", "export", str(tmp_path / "all.yml")]) == 0
    assert main(["directory", "seed", "--force"]) == 0
    database = db.Database(url)
    exported = load_directory_files([tmp_path / "all.yml"])
    assert stored(database) == Directory(exported.posts, exported.advisors)
    database.dispose()


def test_the_service_seeds_an_empty_database_and_keeps_a_snapshot(
    database: db.Database, seed: Directory, tmp_path: Path
) -> None:
    import asyncio

    from bot.directory.service import DirectoryService

    service = DirectoryService(database, seed_dir=SEED, ttl=3600)
    first = asyncio.run(service.current())
    assert first == seed == stored(database)
    only = tmp_path / "advisors.csv"
    only.write_text(
        "id,name,gender,kind,languages,home_post,email,availability,active\n"
        "solo,Sam Demo,man,hq,en,HQ,sam@example.org,mon-fri 09:00-17:00,true\n",
        encoding="utf-8",
    )
    import_directory(database, [only])
    assert asyncio.run(service.current()) is first  # the snapshot lasts `ttl` seconds
    service.invalidate()
    assert [a.id for a in asyncio.run(service.current()).advisors] == ["solo"]
    # Not empty any more: the seed is not imported again.
    assert [a.id for a in asyncio.run(DirectoryService(database, SEED).current()).advisors] == [
        "solo"
    ]
