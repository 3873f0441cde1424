"""Console accounts linked to a directory advisor from the advisor's page: listed, linked
by e-mail (then the account's inbox is that advisor's), unlinked (no inbox); an unknown
e-mail, a coordinator's account or one linked to another advisor is refused with the
reason; audited; coordinators only, CSRF checked."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from bot.console.accounts import list_accounts
from bot.console.audit import audit_trail
from tests.support.console import running_console

COORDINATOR = "coord@example.org"
NADIA = "/directory/advisors/rab-nadia-benali"
YOUSSEF = "/directory/advisors/rab-youssef-tazi"


@pytest.fixture
def desk(tmp_path: Path):
    with running_console(tmp_path) as console:
        console.add(COORDINATOR, "coordinator")
        console.add("nadia@example.org", "advisor", "rab-nadia-benali")
        console.add("youssef@example.org", "advisor", "rab-youssef-tazi")
        console.log_in(COORDINATOR)
        yield console


def linked(desk) -> dict[str, str | None]:
    with desk.database.session() as session:
        return {a.email: a.advisor_id for a in list_accounts(session)}


def actions(desk) -> list[str]:
    with desk.database.session() as session:
        return [e.action for e in audit_trail(session) if e.action.startswith("account_")]


def account_id(desk, email: str) -> str:
    with desk.database.session() as session:
        return next(a.id for a in list_accounts(session) if a.email == email)


def test_an_account_is_unlinked_and_linked_again(desk):
    page = desk.client.get(NADIA).text
    assert "nadia@example.org" in page and "youssef@example.org" not in page
    answer = desk.client.post(NADIA + "/unlink", data={
        "csrf": desk.csrf(NADIA), "account": account_id(desk, "nadia@example.org")})  # fmt: skip
    assert "Unlinked." in answer.text
    assert "No console account is linked to this advisor." in answer.text
    assert linked(desk)["nadia@example.org"] is None
    # Her inbox is empty now: the account acts for no advisor.
    nadia = desk.client.__class__(desk.client.app, base_url="http://testserver")
    desk.log_in("nadia@example.org", client=nadia)
    assert "This account has no inbox" in html.unescape(nadia.get("/inbox").text)
    answer = desk.client.post(NADIA + "/link", data={"csrf": desk.csrf(NADIA),
                                                     "email": " Nadia@Example.org "})  # fmt: skip
    assert "Linked." in answer.text and "nadia@example.org" in answer.text
    assert linked(desk)["nadia@example.org"] == "rab-nadia-benali"
    assert "This account has no inbox" not in html.unescape(nadia.get("/inbox").text)
    assert actions(desk) == ["account_unlinked", "account_linked"]


def test_unknown_other_roles_and_accounts_linked_elsewhere_are_refused(desk):
    def link(email: str):
        return desk.client.post(NADIA + "/link", data={"csrf": desk.csrf(NADIA), "email": email})

    answer = link("nobody@example.org")
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "No console account has the e-mail address nobody@example.org." in text
    assert 'value="nobody@example.org"' in answer.text  # kept in the form
    answer = link(COORDINATOR)
    assert answer.status_code == 400
    assert f"The account {COORDINATOR} is not an advisor account" in html.unescape(answer.text)
    answer = link("youssef@example.org")
    assert answer.status_code == 400
    assert "is linked to another advisor (rab-youssef-tazi)" in html.unescape(answer.text)
    assert link("").status_code == 400
    assert linked(desk) == {COORDINATOR: None, "nadia@example.org": "rab-nadia-benali",
                            "youssef@example.org": "rab-youssef-tazi"}  # fmt: skip
    assert actions(desk) == []


def test_unlinking_an_account_of_another_advisor_is_not_found(desk):
    youssef = account_id(desk, "youssef@example.org")
    answer = desk.client.post(NADIA + "/unlink", data={"csrf": desk.csrf(NADIA),
                                                       "account": youssef})  # fmt: skip
    assert answer.status_code == 404
    form = {"csrf": desk.csrf(NADIA), "email": "nadia@example.org"}
    answer = desk.client.post("/directory/advisors/nobody/link", data=form)
    assert answer.status_code == 404
    assert linked(desk)["youssef@example.org"] == "rab-youssef-tazi"


def test_advisors_get_403_and_a_form_without_its_token_is_refused(desk):
    other = desk.client.__class__(desk.client.app, base_url="http://testserver")
    desk.log_in("nadia@example.org", client=other)
    token = desk.csrf(client=other)
    nadia = account_id(desk, "nadia@example.org")
    refused = other.post(YOUSSEF + "/unlink", data={"csrf": token, "account": nadia})
    assert refused.status_code == 403
    refused = other.post(NADIA + "/link", data={"csrf": token, "email": "youssef@example.org"})
    assert refused.status_code == 403
    refused = other.post(NADIA + "/unlink", data={"csrf": token, "account": nadia})
    assert refused.status_code == 403
    no_token = desk.client.post(NADIA + "/unlink", data={"account": nadia})
    assert no_token.status_code == 403
    no_token = desk.client.post(NADIA + "/link", data={"email": "nadia@example.org"})
    assert no_token.status_code == 403
    assert linked(desk)["nadia@example.org"] == "rab-nadia-benali"
    assert actions(desk) == []
