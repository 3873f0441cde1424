"""The anonymised annual overview: a year's tally (bot/cases/facts.py) made into tables that
are safe to hand to the ministry's leadership.

- One table per breakdown (kind, region, channel, language, anonymous or not, status or
  outcome): a row per value, a column per quarter of receipt and one for the year, and the
  totals row. Cases from an old purge that kept only year, kind and outcome are in a column
  "quarter not recorded" and, where the breakdown was not kept, a row "not recorded".
- Missed deadlines (acknowledgement, feedback) per quarter and year.
- The median whole days from receipt to acknowledgement and to feedback, per quarter and
  year, only over 5 cases or more.

Counts under 5 show as "<5" and more cells as "x" where a small one could be worked out
from the rest (bot/cases/suppression.py). The true counts never leave this module: a `Row`
holds what is shown, and a number only for a count that is shown.

Pure functions: the database side is bot/cases/overview_data.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from bot.cases.facts import BREAKDOWNS, DAYS, DEADLINES, MISSED, QUARTERS, Tally
from bot.cases.suppression import SMALL, Grid, protect, protect_together

SMALL_MARK = "<5"  # a count under 5
HIDDEN_MARK = "x"  # a count of 5 or more, hidden so that a count under 5 cannot be worked out
NO_MEDIAN = "."  # a median over fewer than 5 cases
YEAR = "year"
TOTAL = "total"
NOT_RECORDED_QUARTER = "quarter_not_recorded"


@dataclass(frozen=True)
class Row:
    value: str  # the breakdown's value ("fraud", "hq", "yes"), or "total"
    cells: tuple[str, ...]  # as shown, one per column
    numbers: tuple[Optional[int], ...]  # the shown counts; None where hidden or no count


@dataclass(frozen=True)
class Table:
    name: str  # a breakdown ("kind", ...), "missed" or "median_days"
    columns: tuple[str, ...]  # "q1".."q4", maybe "quarter_not_recorded", then "year"
    rows: tuple[Row, ...]
    total: Optional[Row] = None


@dataclass(frozen=True)
class Overview:
    year: int
    breakdowns: tuple[Table, ...]
    missed: Table
    medians: Table
    not_recorded: bool  # some cases come from an old purge that kept less

    @property
    def quarters(self) -> Row:
        """Cases per quarter: the totals row every breakdown shares."""
        total = self.breakdowns[0].total
        assert total is not None
        return total

    def tables(self) -> tuple[Table, ...]:
        return (*self.breakdowns, self.missed, self.medians)


def _quarters(tally: Tally) -> tuple[Optional[int], ...]:
    """The columns before the year's: the four quarters, and "not recorded" when an old
    purge's counts are in the tally."""
    unrecorded = any(quarter is None for quarter, _, _ in tally)
    return (*QUARTERS, *((None,) if unrecorded else ()))


def _column_names(quarters: Sequence[Optional[int]]) -> tuple[str, ...]:
    names = [f"q{q}" if q is not None else NOT_RECORDED_QUARTER for q in quarters]
    return (*names, YEAR)


def _grid(tally: Tally, measure: str, values: Sequence[str], quarters: Sequence[Optional[int]]):
    """Counts per value and quarter with the row totals; the last row is the totals row."""
    rows = [[tally[(q, measure, value)] for q in quarters] for value in values]
    rows = [[*row, sum(row)] for row in rows]
    return rows + [[sum(column) for column in zip(*rows, strict=True)]]


def _shown(
    counts: Grid, hidden: frozenset, r: int
) -> tuple[tuple[str, ...], tuple[Optional[int], ...]]:
    cells: list[str] = []
    numbers: list[Optional[int]] = []
    for c, count in enumerate(counts[r]):
        if (r, c) in hidden:
            cells.append(SMALL_MARK if count < SMALL else HIDDEN_MARK)
            numbers.append(None)
        else:
            cells.append(str(count))
            numbers.append(count)
    return tuple(cells), tuple(numbers)


def _values(tally: Tally, measure: str) -> tuple[str, ...]:
    """Every value the breakdown can take, then any other the tally holds ("not recorded",
    a region a past directory had)."""
    known = BREAKDOWNS[measure]
    extra = sorted({value for _, m, value in tally if m == measure and value not in known})
    return (*known, *extra)


def median(histogram: dict[int, int]) -> Optional[float]:
    """The median of values given as {value: how many}; None for fewer than SMALL."""
    size = sum(histogram.values())
    if size < SMALL:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:
        for value, count in ordered:
            if n < count:
                return value
            n -= count
        raise IndexError(n)

    return (nth((size - 1) // 2) + nth(size // 2)) / 2


def _days(value: Optional[float]) -> str:
    if value is None:
        return NO_MEDIAN
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _medians(tally: Tally) -> Table:
    rows = []
    for deadline in DEADLINES:
        measure = DAYS[deadline]
        per_quarter: list[dict[int, int]] = []
        for quarter in QUARTERS:
            per_quarter.append(
                {int(v): n for (q, m, v), n in tally.items() if q == quarter and m == measure}
            )
        year: dict[int, int] = {}
        for histogram in per_quarter:
            for value, count in histogram.items():
                year[value] = year.get(value, 0) + count
        middles = [median(h) for h in (*per_quarter, year)]
        rows.append(Row(deadline, tuple(_days(m) for m in middles), (None,) * len(middles)))
    return Table("median_days", _column_names(QUARTERS), tuple(rows))


def _missed(tally: Tally) -> Table:
    # Old purges did not keep missed deadlines: this table has no "not recorded" column.
    counts = _grid(tally, MISSED, DEADLINES, QUARTERS)[:-1]  # cases can miss both: no total
    hidden = protect(counts, total_row=False)
    rows = tuple(Row(d, *_shown(counts, hidden, r)) for r, d in enumerate(DEADLINES))
    return Table(MISSED, _column_names(QUARTERS), rows)


def has_cases(tally: Tally) -> bool:
    """Whether the tally holds any case."""
    return any(n > 0 and m == "kind" for (_, m, _), n in tally.items())


def build(year: int, tally: Tally) -> Overview:
    """The overview of `year` from its tally (every key of that year's cases)."""
    quarters = _quarters(tally)
    columns = _column_names(quarters)
    measures = tuple(BREAKDOWNS)
    values = [_values(tally, measure) for measure in measures]
    grids = [_grid(tally, m, v, quarters) for m, v in zip(measures, values, strict=True)]
    hidden = protect_together(grids)
    tables = []
    for measure, names, counts, cells in zip(measures, values, grids, hidden, strict=True):
        rows = tuple(Row(name, *_shown(counts, cells, r)) for r, name in enumerate(names))
        total = Row(TOTAL, *_shown(counts, cells, len(counts) - 1))
        tables.append(Table(measure, columns, rows, total))
    return Overview(
        year=year,
        breakdowns=tuple(tables),
        missed=_missed(tally),
        medians=_medians(tally),
        not_recorded=None in quarters,
    )
