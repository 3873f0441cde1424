"""One advisor or one post edited field by field in the console: saved when the directory
with the change passes the import's checks (the assistant reads it), refused otherwise with
every problem by field and the form as typed; audited; coordinators only, CSRF checked."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

import pytest

from bot import runtime
from bot.console.audit import audit_trail
from bot.directory.tables import read_directory
from tests.support.console import running_console

COORDINATOR = "coord@example.org"
NADIA = "/directory/advisors/rab-nadia-benali"
RABAT = "/directory/posts/RAB"


@pytest.fixture
def desk(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(COORDINATOR, "coordinator")
        console.add("nadia@example.org", "advisor", "rab-nadia-benali")
        console.log_in(COORDINATOR)
        yield console


def form_of(page: str, action: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    """What a browser sends from the form posting to `action`, with `changes` typed in."""
    found = re.search(rf'<form method="post" action="{action}".*?</form>', page, re.DOTALL)
    assert found, f"no form for {action}"
    form = found.group(0)
    fields: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name is None or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        previous = fields.get(name.group(1))
        current = html.unescape(value.group(1)) if value else ""
        fields[name.group(1)] = [*previous, current] if isinstance(previous, list) else (
            [previous, current] if previous is not None else current)  # fmt: skip
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form,
                                 re.DOTALL):  # fmt: skip
        fields[name] = html.unescape(text)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form,
                                    re.DOTALL):  # fmt: skip
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    fields.update(changes)
    return fields


def stored(desk, advisor_id: str = "rab-nadia-benali"):
    with desk.database.session() as session:
        return read_directory(session).advisor(advisor_id)


def actions(desk) -> list[str]:
    with desk.database.session() as session:
        return [e.action for e in audit_trail(session) if e.action.startswith("directory")]


def test_an_advisors_languages_and_hours_are_changed_and_the_assistant_uses_them(desk):
    page = desk.client.get(NADIA).text
    assert 'value="ar, fr"' in page and "mon-fri 09:00-17:00" in page
    changed = form_of(page, NADIA, languages="ar, fr, en",
                      availability="mon-thu 09:00-17:00\nfri 09:00-13:00")  # fmt: skip
    answer = desk.client.post(NADIA, data=changed)
    assert answer.status_code == 200 and "Saved." in answer.text
    nadia = stored(desk)
    assert nadia.languages == ("ar", "fr", "en")
    assert nadia.availability == ("mon-thu 09:00-17:00", "fri 09:00-13:00")
    assert nadia.email == "nadia.benali@example.org" and nadia.active  # the rest as it was
    current = asyncio.run(runtime.directory_service().current())
    assert current.advisor("rab-nadia-benali").languages == ("ar", "fr", "en")
    assert actions(desk) == ["directory_advisor_edited"]


def test_a_bad_change_is_refused_with_every_problem_by_field_and_the_form_kept(desk):
    page = desk.client.get(NADIA).text
    broken = form_of(page, NADIA, languages="ar, xx", availability="mon-fri 09:00-17:00\nfunday",
                     posts="RAB, NOPE", time_zone="Mars/Olympus", phone="", whatsapp="",
                     email="")  # fmt: skip
    answer = desk.client.post(NADIA, data=broken)
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "Not saved: 5 problem(s)" in text
    assert "Languages: 'xx' is not an ISO 639-1 language code" in text
    assert "Posts served: 'NOPE' is not a post in the directory" in text
    assert "Availability hours: 'funday' is not like 'mon-fri 09:00-17:00'" in text
    assert "Time zone: 'Mars/Olympus' is not an IANA time zone" in text
    assert "Phone: give at least one of phone, whatsapp, email" in text
    assert 'aria-invalid="true"' in answer.text
    # The form keeps what was typed.
    assert 'value="ar, xx"' in answer.text and "funday" in answer.text
    assert 'value="RAB, NOPE"' in answer.text
    assert stored(desk).languages == ("ar", "fr")  # nothing changed
    assert actions(desk) == []


def test_an_advisor_made_regional_must_name_regions_and_ticks_are_read(desk):
    page = desk.client.get(NADIA).text
    regional = form_of(page, NADIA, kind="regional", posts="")
    answer = desk.client.post(NADIA, data=regional)
    assert answer.status_code == 400
    assert "a regional advisor must list regions or posts" in html.unescape(answer.text)
    regional["regions"] = ["mena", "africa"]
    regional.pop("active")  # unticked: inactive
    answer = desk.client.post(NADIA, data=regional)
    assert "Saved." in answer.text
    nadia = stored(desk)
    assert nadia.kind == "regional" and nadia.regions == ("mena", "africa")
    assert nadia.posts == () and not nadia.active


def test_a_post_is_changed_and_a_code_used_twice_is_refused(desk):
    page = desk.client.get(RABAT).text
    assert "Nadia Benali" in page  # she lists Rabat
    answer = desk.client.post(RABAT, data=form_of(page, RABAT, city="Rabat-Salé",
                                                  aliases="RBA"))  # fmt: skip
    assert "Saved." in answer.text
    with desk.database.session() as session:
        rabat = read_directory(session).post("RAB")
    assert rabat.city == "Rabat-Salé" and rabat.aliases == ("RBA",)
    assert "Marruecos" in rabat.country_names  # kept
    page = desk.client.get(RABAT).text
    answer = desk.client.post(RABAT, data=form_of(page, RABAT, aliases="HQ", country="XX",
                                                  region="moon"))  # fmt: skip
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "Country: 'XX' is not an ISO 3166-1 alpha-2 code" in text
    assert "Region: 'moon' is not one of" in text
    answer = desk.client.post(RABAT, data=form_of(page, RABAT, aliases="HQ"))
    assert answer.status_code == 400
    assert "Other codes: 'HQ' is already used" in html.unescape(answer.text)
    assert actions(desk) == ["directory_post_edited"]


def test_unknown_records_are_not_found(desk):
    assert desk.client.get("/directory/advisors/nobody").status_code == 404
    assert desk.client.get("/directory/posts/NOPE").status_code == 404
    answer = desk.client.post("/directory/posts/NOPE", data={"csrf": desk.csrf("/directory")})
    assert answer.status_code == 404


def test_advisors_get_403_and_a_form_without_its_token_is_refused(desk):
    other = desk.client.__class__(desk.client.app, base_url="http://testserver")
    desk.log_in("nadia@example.org", client=other)
    token = desk.csrf(client=other)
    for path in (NADIA, RABAT):
        assert other.get(path).status_code == 403
        assert other.post(path, data={"csrf": token, "languages": "en"}).status_code == 403
    page = desk.client.get(NADIA).text
    no_token = form_of(page, NADIA, languages="en")
    no_token.pop("csrf")
    assert desk.client.post(NADIA, data=no_token).status_code == 403
    wrong = form_of(page, NADIA, languages="en", csrf="not-the-token")
    assert desk.client.post(NADIA, data=wrong).status_code == 403
    assert stored(desk).languages == ("ar", "fr")
