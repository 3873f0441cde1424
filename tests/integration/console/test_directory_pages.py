"""The coordinators' directory pages: an advisor made inactive drops out of the assistant's
directory; the whole directory edited as YAML is saved only when valid, with every problem
by line and field and the edit kept; advisors get 403."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import runtime
from bot.directory.tables import read_directory
from tests.support.console import running_console

COORDINATOR = "coord@example.org"


@pytest.fixture
def desk(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(COORDINATOR, "coordinator")
        console.add("nadia@example.org", "advisor", "rab-nadia-benali")
        console.log_in(COORDINATOR)
        yield console


def yaml_of(page: str) -> str:
    import html

    found = re.search(r'<textarea id="yaml" name="yaml"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found
    return html.unescape(found.group(1))


def test_an_advisor_made_inactive_is_no_longer_offered(desk):
    page = desk.client.get("/directory").text
    assert "Nadia Benali" in page and "Rabat" in page
    desk.client.post("/directory/advisors/rab-nadia-benali/active",
                     data={"csrf": desk.csrf("/directory"), "active": "0"})  # fmt: skip
    with desk.database.session() as session:
        nadia = read_directory(session).advisor("rab-nadia-benali")
    assert nadia is not None and not nadia.active
    import asyncio

    current = asyncio.run(runtime.directory_service().current())
    assert current.advisor("rab-nadia-benali").active is False


def test_a_yaml_edit_with_problems_is_refused_whole_and_kept(desk):
    page = desk.client.get("/directory").text
    text = yaml_of(page)
    broken = text.replace("time_zone: Africa/Casablanca", "time_zone: Mars/Olympus", 1)
    assert broken != text
    answer = desk.client.post("/directory", data={"csrf": desk.csrf("/directory"), "yaml": broken})
    assert answer.status_code == 400
    assert "Not saved" in answer.text and "line" in answer.text and "time_zone" in answer.text
    assert "Mars/Olympus" in answer.text  # the edit is kept
    renamed = text.replace("name: Nadia Benali", "name: Nadia Benali-Alaoui", 1)
    answer = desk.client.post("/directory", data={"csrf": desk.csrf("/directory"),
                                                  "yaml": renamed})  # fmt: skip
    assert "Saved." in answer.text
    with desk.database.session() as session:
        assert read_directory(session).advisor("rab-nadia-benali").name == "Nadia Benali-Alaoui"


def test_advisors_cannot_change_the_directory(desk):
    other = desk.client.__class__(desk.client.app, base_url="http://testserver")
    desk.log_in("nadia@example.org", client=other)
    assert other.get("/directory").status_code == 403
    answer = other.post("/directory/advisors/rab-nadia-benali/active",
                        data={"csrf": desk.csrf(client=other), "active": "0"})  # fmt: skip
    assert answer.status_code == 403
