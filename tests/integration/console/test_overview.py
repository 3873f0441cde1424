"""The annual overview in the console: a coordinator sees a seeded year's figures with
"<5" where a count is under 5, the CSV holds exactly the page's cells, advisors and admins
get 403, bad years get a clear answer, viewing and exporting are audited, and purging the
year's closed cases (retention) leaves every figure as it was."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cases.model import Case
from bot.console.audit import ConsoleAudit
from bot.retention.overview import CaseCount
from bot.retention.policy import RetentionPolicy
from bot.retention.run import run_retention
from tests.support.console import OVERVIEW_YEAR, running_console, seed_overview_year

COORDINATOR, ADVISOR, ADMIN = "coord@example.org", "nadia@example.org", "admin@example.org"
HEADING = re.compile(r'<h2 id="heading-(\w+)">([^<]+)</h2>')


class Tables(HTMLParser):
    """Every <table id="table-..."> of a page: its rows as lists of cell texts."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str = ""
        self._row: list[str] = []
        self._cell: list[str] = []
        self._in_cell = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "table" and str(found.get("id", "")).startswith("table-"):
            self._table = str(found["id"])[len("table-") :]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._table:
            self._in_cell, self._cell = True, []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._in_cell:
            self._row.append("".join(self._cell).strip())
            self._in_cell = False
        elif tag == "tr" and self._table:
            self.tables[self._table].append(self._row)
        elif tag == "table":
            self._table = ""

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self._cell.append(data)


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def table_cells(page: str) -> dict[str, list[list[str]]]:
    """The page's tables without their header rows."""
    return {name: rows[1:] for name, rows in Tables(page).tables.items()}


@pytest.fixture
def overview(tmp_path: Path):
    with running_console(tmp_path) as console:
        closed = seed_overview_year(console.database)
        console.add(COORDINATOR, "coordinator")
        console.add(ADVISOR, "advisor", "rab-nadia-benali")
        console.add(ADMIN, "admin")
        yield console, closed


def test_a_coordinator_sees_small_counts_as_less_than_five(overview):
    console, _ = overview
    console.log_in(COORDINATOR)
    answer = console.client.get(f"/overview?year={OVERVIEW_YEAR}")
    assert answer.status_code == 200
    assert f"Annual overview {OVERVIEW_YEAR}" in answer.text
    tables = table_cells(answer.text)
    assert tables["quarters"] == [["all cases", "11", "9", "11", "11", "42"]]
    kinds = {row[0]: row[1:] for row in tables["kind"]}
    # Three discrimination reports, all in Q2: under 5 in every cell that holds them.
    assert kinds["discrimination"] == ["<5"] * 5
    assert kinds["fraud"][-1] == "23" and kinds["bullying"][-1] == "16"
    assert kinds["Total"] == ["11", "9", "11", "11", "42"]
    # No table of counts shows a count from 0 to 4 (the medians are days, not counts).
    for name, rows in tables.items():
        for row in rows:
            assert name == "median_days" or not {"0", "1", "2", "3", "4"} & set(row[1:])
    regions = {row[0]: row[1:] for row in tables["region"]}
    assert "headquarters (The Hague)" in regions and "Middle East and North Africa" in regions
    assert "RAB" not in answer.text and "WEN" not in answer.text  # posts are never shown
    assert 'role="img"' in answer.text and '<title id="chart-kind-title">' in answer.text
    assert 'href="/overview"' in answer.text  # the navigation has it for coordinators
    # Nothing the console's CSP would block (script-src and style-src 'self'): no script,
    # no inline style; the charts are plain SVG.
    assert "<script" not in answer.text and "style=" not in answer.text


def test_the_csv_holds_exactly_the_cells_of_the_page(overview):
    console, _ = overview
    console.log_in(COORDINATOR)
    page = console.client.get(f"/overview?year={OVERVIEW_YEAR}").text
    answer = console.client.get(f"/overview.csv?year={OVERVIEW_YEAR}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="veilig-melden-overview-{OVERVIEW_YEAR}.csv"'
    )
    header, *rows = csv_rows(answer.content)
    assert header == ["Table", "Row", "Q1", "Q2", "Q3", "Q4", "Year"]
    from_csv: dict[str, list[list[str]]] = {}
    for title, *cells in rows:
        from_csv.setdefault(title, []).append(cells)
    legend = from_csv.pop("Legend")  # the marks explained, as on the page
    assert [line[0] for line in legend] == [
        "<5: fewer than 5 cases (0 to 4).",
        "x: 5 cases or more, hidden so that a count under 5 cannot be worked out from the "
        "other figures.",
        ".: not shown, over fewer than 5 cases.",
    ]
    on_page = Tables(page).tables
    titles = {name: html.unescape(title) for name, title in HEADING.findall(page)}
    assert list(from_csv) == [titles[name] for name in on_page]  # the same tables, in order
    for name, (columns, *lines) in on_page.items():
        assert columns[1:] == header[2:], name
        assert from_csv[titles[name]] == lines, name


def test_advisors_and_admins_cannot_open_the_overview(overview):
    console, _ = overview
    for email in (ADVISOR, ADMIN):
        client = console.client.__class__(console.client.app, base_url="http://testserver")
        console.log_in(email, client=client)
        for path in (f"/overview?year={OVERVIEW_YEAR}", f"/overview.csv?year={OVERVIEW_YEAR}"):
            answer = client.get(path)
            assert answer.status_code == 403 and "42" not in answer.text
        assert 'href="/overview"' not in client.get("/inbox").text
    anonymous = console.client.__class__(console.client.app, base_url="http://testserver")
    answer = anonymous.get("/overview.csv", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_bad_year_gets_a_clear_answer(overview):
    console, _ = overview
    console.log_in(COORDINATOR)
    for year in ("abc", "20255", "٢٠٢٥", "-1"):
        answer = console.client.get("/overview", params={"year": year})
        assert answer.status_code == 400 and "four digits" in answer.text
    assert console.client.get("/overview.csv?year=abc").status_code == 400
    empty = console.client.get("/overview?year=1999")
    assert empty.status_code == 404
    assert "No cases were received in 1999." in empty.text
    assert f"Years with cases: {OVERVIEW_YEAR}." in empty.text
    assert console.client.get("/overview.csv?year=1999").status_code == 404
    assert "No cases were received in 0." in console.client.get("/overview?year=0000").text
    # Without a year: the latest year with cases.
    assert f"Annual overview {OVERVIEW_YEAR}" in console.client.get("/overview").text


def test_viewing_and_exporting_are_audited_with_the_account(overview):
    console, _ = overview
    console.log_in(COORDINATOR)
    console.client.get(f"/overview?year={OVERVIEW_YEAR}")
    console.client.get(f"/overview.csv?year={OVERVIEW_YEAR}")
    console.client.get("/overview?year=abc")  # refused: nothing was shown
    with console.database.session() as session:
        entries = session.execute(
            sa.select(ConsoleAudit.action, ConsoleAudit.account_id).where(
                ConsoleAudit.action.like("overview%")
            )
        ).all()
    assert [action for action, _ in entries] == ["overview_viewed", "overview_exported"]
    assert all(account for _, account in entries)


def test_the_figures_stay_the_same_when_the_closed_cases_are_purged(overview):
    console, closed = overview
    console.log_in(COORDINATOR)
    before = console.client.get(f"/overview?year={OVERVIEW_YEAR}").text
    before_csv = console.client.get(f"/overview.csv?year={OVERVIEW_YEAR}").content
    report = run_retention(
        console.database,
        now=datetime(2031, 1, 1, tzinfo=timezone.utc),
        policy=RetentionPolicy(),
        tracker_store_url="sqlite://",
    )
    assert report.counts["closed cases"] == len(closed) == 11
    with console.database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 31
    after = console.client.get(f"/overview?year={OVERVIEW_YEAR}").text
    assert table_cells(after) == table_cells(before)
    assert console.client.get(f"/overview.csv?year={OVERVIEW_YEAR}").content == before_csv


def test_what_an_old_purge_kept_still_counts(overview):
    console, _ = overview
    with console.database.session() as session:
        session.add(CaseCount(year=OVERVIEW_YEAR, kind="fraud", outcome="referred", cases=7))
        session.add(CaseCount(year=2019, kind="bullying", outcome="referred", cases=2))
    console.log_in(COORDINATOR)
    page = console.client.get(f"/overview?year={OVERVIEW_YEAR}").text
    tables = table_cells(page)
    assert tables["quarters"] == [["all cases", "11", "9", "11", "11", "7", "49"]]
    assert "Quarter not recorded" in page
    regions = {row[0]: row[1:] for row in tables["region"]}
    assert regions["not recorded"][-1] == "7"
    old = console.client.get("/overview?year=2019")
    assert old.status_code == 200 and "Quarter not recorded" in old.text
    assert table_cells(old.text)["quarters"] == [["all cases", *["<5"] * 6]]
