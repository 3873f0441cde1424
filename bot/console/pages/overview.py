"""The anonymised annual overview for the coordinators (issue 13, part 3): `/overview?year=`
shows a year's figures as tables, each with an SVG chart, and prints for the leadership's
yearly report (console.css has the print rules); `/overview.csv?year=` gives the very same
cells. Both are built from one `Section` list, so the download cannot differ from the page.

Counting and suppression are bot/cases/overview.py's: what reaches this module is already
safe to show. Coordinators only, like the case desk; viewing and exporting are audited
(the account and the action, not the year or any figure)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Union

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot import runtime
from bot.cases import overview as figures
from bot.cases.overview_data import tally_for, years_with_cases
from bot.console.audit import audit
from bot.console.charts import Chart, bar_chart
from bot.console.pages.cases import coordinator_only
from bot.console.sessions import ActiveSession
from bot.console.texts import Texts, all_texts
from bot.console.web import render, texts_for

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Line:
    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """One table of the page (and its rows in the CSV) with its chart."""

    name: str
    heading: str
    row_heading: str
    columns: tuple[str, ...]  # the column labels after the row labels
    lines: tuple[Line, ...]
    total: Optional[Line]
    chart: Optional[Chart]


def _label(t: Texts, table: str, value: str) -> str:
    """A row's label in the page's language; a value without a text (a region an old
    directory had) as it is."""
    if value == figures.TOTAL:
        return t("overview_total")
    if value == "not_recorded":
        return t("overview_not_recorded")
    key = {
        "kind": f"kind_{value}",
        "region": f"region_{value}",
        "channel": f"overview_channel_{value}",
        "language": f"overview_language_{value}",
        "anonymous": f"overview_anonymous_{value}",
        "outcome": f"overview_outcome_{value}"
        if value.startswith("closed_")
        else f"case_status_{value}",
        "missed": f"overview_missed_{value}",
        "median_days": f"overview_median_{value}",
    }.get(table, "")
    return t(key) if key in all_texts()["en"] else value


def _column(t: Texts, name: str) -> str:
    if name == figures.YEAR:
        return t("overview_year_column")
    if name == figures.NOT_RECORDED_QUARTER:
        return t("overview_quarter_not_recorded")
    return t(f"overview_{name}")


def sections(overview: figures.Overview, t: Texts) -> list[Section]:
    """The page's tables in order, labelled, with their charts."""
    year, quarters = overview.year, overview.quarters
    columns = overview.breakdowns[0].columns
    per_quarter = zip(columns[:-1], quarters.cells[:-1], quarters.numbers[:-1], strict=True)
    out = [
        Section(
            name="quarters",
            heading=t("overview_table_quarters"),
            row_heading=t("overview_row_quarters"),
            columns=tuple(_column(t, c) for c in columns),
            lines=(Line(t("overview_all_cases"), quarters.cells),),
            total=None,
            chart=bar_chart(
                "chart-quarters",
                f"{t('overview_table_quarters')}, {year}",
                t("overview_chart_quarters_description"),
                [(_column(t, c), shown, number) for c, shown, number in per_quarter],
            ),
        )
    ]
    for table in overview.tables():
        heading = t(f"overview_table_{table.name}")
        lines = tuple(Line(_label(t, table.name, r.value), r.cells) for r in table.rows)
        chart = None
        if table.name != "median_days":  # days are not counts: the table says it all
            bars = [(line.label, r.cells[-1], r.numbers[-1]) for line, r in
                    zip(lines, table.rows, strict=True)]  # fmt: skip
            chart = bar_chart(
                f"chart-{table.name}", f"{heading}, {year}", t("overview_chart_description"), bars
            )
        out.append(
            Section(
                name=table.name,
                heading=heading,
                row_heading=t(f"overview_row_{table.name}"),
                columns=tuple(_column(t, c) for c in table.columns),
                lines=lines,
                total=Line(t("overview_total"), table.total.cells) if table.total else None,
                chart=chart,
            )
        )
    return out


def _safe(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_text(overview: figures.Overview, t: Texts) -> str:
    """One header (every column any table has), then each table's rows under its name (a
    table without a column leaves that cell empty), then what the marks mean."""
    every = overview.breakdowns[0].columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [t("overview_csv_table"), t("overview_csv_row"), *(_column(t, c) for c in every)]
    )
    tables = {table.name: table for table in overview.tables()}
    for section in sections(overview, t):
        own = tables[section.name].columns if section.name in tables else every
        for line in (*section.lines, *((section.total,) if section.total else ())):
            by_column = dict(zip(own, line.cells, strict=True))
            cells = [by_column.get(column, "") for column in every]
            writer.writerow([_safe(section.heading), _safe(line.label), *map(_safe, cells)])
    # What the marks mean, as the page says it: the file is read without the page.
    for key in ("overview_legend_small", "overview_legend_hidden", "overview_legend_median"):
        writer.writerow([t("overview_csv_legend"), _safe(t(key))])
    return "\ufeff" + out.getvalue()  # the byte order mark: spreadsheets then read UTF-8


@dataclass(frozen=True)
class Chosen:
    year: int
    years: list[int]
    overview: figures.Overview


async def _chosen(request: Request, active: ActiveSession) -> Union[Chosen, Response]:
    """The year asked for (default: this year, or the latest with cases) and its figures,
    or the page that says why there are none."""
    years = await runtime.database().run(years_with_cases)
    raw = request.query_params.get("year")
    now = datetime.now(timezone.utc)
    if raw is None:
        year = now.year if now.year in years or not years else years[0]
    elif raw.isascii() and raw.isdigit() and len(raw) == 4:
        year = int(raw)
    else:
        return _refused(request, active, years, "overview_bad_year", 400)
    if not years:
        return _refused(request, active, years, "overview_empty", 200 if raw is None else 404)
    if year not in years:
        return _refused(request, active, years, "overview_no_cases", 404, year)
    await runtime.directory_service().current()  # seeds an empty database, as the dialogue does
    tally = await runtime.database().run(lambda session: tally_for(session, year, now))
    # Suppression can take a moment for a sparse year: not on the event loop.
    overview = await run_in_threadpool(figures.build, year, tally)
    return Chosen(year, years, overview)


def _refused(
    request: Request,
    active: ActiveSession,
    years: list[int],
    key: str,
    status: int,
    year: Optional[int] = None,
) -> Response:
    t = texts_for(request)
    message = t(key) if year is None else t(key, year=year)
    listed = ", ".join(str(y) for y in years)
    return render(request, "overview.html", status, account=active.account,
                  csrf=active.csrf_token, t=t, message=message, years=years, listed=listed,
                  year=year, sections=[], overview=None)  # fmt: skip


async def _audited(request: Request, action: str) -> Union[tuple[ActiveSession, Chosen], Response]:
    """A coordinator's chosen year, its reading audited; or the answer refusing it."""
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    chosen = await _chosen(request, active)
    if isinstance(chosen, Response):
        return chosen
    await runtime.database().run(lambda s: audit(s, active.account.id, action))
    return active, chosen


async def overview_page(request: Request) -> Response:
    found = await _audited(request, "overview_viewed")
    if isinstance(found, Response):
        return found
    active, chosen = found
    t = texts_for(request)
    return render(request, "overview.html", account=active.account, csrf=active.csrf_token,
                  t=t, overview=chosen.overview, sections=sections(chosen.overview, t),
                  years=chosen.years, year=chosen.year, message=None,
                  listed="")  # fmt: skip


async def overview_csv(request: Request) -> Response:
    found = await _audited(request, "overview_exported")
    if isinstance(found, Response):
        return found
    _, chosen = found
    name = f"veilig-melden-overview-{chosen.year}.csv"
    return Response(
        csv_text(chosen.overview, texts_for(request)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
