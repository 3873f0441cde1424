"""Small-cell suppression: no count under 5 can be read or worked out from what is shown,
neither by subtracting from a total nor by chains of rows and columns, nor from the fact
that "<5" cells lie in 0..4. The oracle here is independent of the code under test: a
linear programme over what a reader sees (the shown counts, "<5" in 0..4, "x" 5 or more)
finds the smallest and largest value every hidden small count can have."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import pytest
from scipy.optimize import linprog

from bot.cases import suppression
from bot.cases.suppression import SMALL, exposed, protect, protect_together

Grid = list[list[int]]


def with_totals(inner: Sequence[Sequence[int]]) -> Grid:
    rows = [[*row, sum(row)] for row in inner]
    return rows + [[sum(column) for column in zip(*rows, strict=True)]]


def ranges(tables: Sequence[Grid], hidden: Sequence[frozenset]) -> dict:
    """{(table, cell): (least, most)} for every hidden count under SMALL, as a reader who
    knows the rule could work them out from all tables together (the totals row is the
    same in each)."""
    index: dict[tuple, int] = {}

    def var(t: int, cell: tuple[int, int], last: int) -> int:
        key = ("total", cell[1]) if cell[0] == last else (t, *cell)
        return index.setdefault(key, len(index))

    lines_of = []
    for t, (grid, cells) in enumerate(zip(tables, hidden, strict=True)):
        last = len(grid) - 1
        lines = [[(r, c) for c in range(len(grid[0]))] for r in range(len(grid))]
        lines += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
        for line in lines:
            coefficients, known = {}, 0
            for k, (r, c) in enumerate(line):
                sign = -1 if k == len(line) - 1 else 1
                if (r, c) in cells:
                    v = var(t, (r, c), last)
                    coefficients[v] = coefficients.get(v, 0) + sign
                else:
                    known -= sign * grid[r][c]
            if coefficients:
                lines_of.append((coefficients, known))
    a = np.zeros((len(lines_of), len(index)))
    for row, (coefficients, _) in enumerate(lines_of):
        for v, coefficient in coefficients.items():
            a[row, v] = coefficient
    b = np.array([known for _, known in lines_of], dtype=float)
    truth = {}
    for t, (grid, cells) in enumerate(zip(tables, hidden, strict=True)):
        for r, c in cells:
            truth[var(t, (r, c), len(grid) - 1)] = ((t, (r, c)), grid[r][c])
    bounds = [(0, SMALL - 1) if truth[v][1] < SMALL else (SMALL, None) for v in range(len(index))]
    found = {}
    for v, (where, count) in truth.items():
        if count >= SMALL:
            continue
        c = np.zeros(len(index))
        c[v] = 1
        low = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs").fun
        high = -linprog(-c, A_eq=a, b_eq=b, bounds=bounds, method="highs").fun
        found[where] = (round(low, 6), round(high, 6))
    return found


def worked_out(tables: Sequence[Grid], hidden: Sequence[frozenset]) -> list:
    return [where for where, (low, high) in ranges(tables, hidden).items() if low == high]


def test_nothing_is_hidden_when_every_count_is_five_or_more():
    grid = with_totals([[5, 6, 7, 8], [9, 10, 11, 12]])
    assert protect(grid) == frozenset()


def test_a_single_small_count_in_a_row_takes_another_cell_with_it():
    grid = with_totals([[3, 10, 12, 9], [8, 10, 12, 9]])
    hidden = protect(grid)
    assert (0, 0) in hidden
    row_hidden = [c for r, c in hidden if r == 0]
    column_hidden = [r for r, c in hidden if c == 0]
    assert len(row_hidden) >= 2 and len(column_hidden) >= 2  # no subtraction gives it away
    assert worked_out([grid], [hidden]) == []


def test_small_counts_that_must_add_up_to_eight_are_both_four_so_more_is_hidden():
    # Row 0: 4 + 4 + 10 + 10 = 28. Hiding only the two 4s leaves 4 + 4 = 8: both are 4.
    grid = with_totals([[4, 4, 10, 10], [6, 7, 10, 10], [6, 7, 10, 10]])
    only_small = frozenset({(0, 0), (0, 1)})
    assert set(exposed(grid, True, only_small)) == {(0, 0), (0, 1)}
    hidden = protect(grid)
    assert hidden > only_small
    assert worked_out([grid], [hidden]) == []


def test_a_hidden_cell_on_no_cycle_is_found_though_every_line_hides_two():
    # Two blocks of four hidden cells joined by one: each row and column hides two or more,
    # yet the joining cell follows from the block totals.
    grid = with_totals(
        [[4, 3, 9, 0, 9], [2, 4, 9, 9, 9], [9, 9, 3, 2, 9], [9, 9, 4, 4, 9], [9, 9, 9, 9, 9]]
    )
    hidden = frozenset(
        {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 3)}
    )  # (0, 3) joins the blocks
    assert (0, 3) in exposed(grid, True, hidden)
    assert (0, (0, 3)) in worked_out([grid], [hidden])
    assert worked_out([grid], [protect(grid)]) == []


def test_a_table_without_a_totals_row_hides_within_its_rows():
    counts = [[2, 9, 9, 9, 29], [0, 0, 7, 8, 15]]
    hidden = protect(counts, total_row=False)
    assert (0, 0) in hidden and (1, 0) in hidden and (1, 1) in hidden
    for row in range(2):
        assert sum(1 for r, _ in hidden if r == row) >= 2


def test_the_graph_check_agrees_with_the_linear_programme():
    generator = random.Random(7)
    for _ in range(120):
        inner = [[generator.choice([0, 1, 2, 3, 4, 6, 9]) for _ in range(4)] for _ in range(3)]
        grid = with_totals(inner)
        hidden = frozenset(
            (r, c)
            for r in range(len(grid))
            for c in range(len(grid[0]))
            if grid[r][c] < SMALL or generator.random() < 0.3
        )
        by_programme = {cell for _, cell in worked_out([grid], [hidden])}
        assert set(exposed(grid, True, hidden)) == by_programme


def breakdowns(seed: int) -> list[Grid]:
    """A random year of cases broken down several ways: tables with the same totals row."""
    generator = random.Random(seed)
    cases = generator.randint(3, 70)
    ways = [generator.randint(2, 8) for _ in range(generator.randint(2, 5))]
    weights = [generator.random() + 0.05 for _ in range(4)]
    drawn = [
        ([generator.randrange(n) for n in ways], generator.choices(range(4), weights)[0])
        for _ in range(cases)
    ]
    tables = []
    for way, values in enumerate(ways):
        inner = [[0] * 4 for _ in range(values)]
        for chosen, quarter in drawn:
            inner[chosen[way]][quarter] += 1
        tables.append(with_totals(inner))
    return tables


# 188: tables that each hide enough alone, but read together would give a count away.
@pytest.mark.parametrize("seed", [*range(40), 188])
def test_breakdowns_of_the_same_cases_reveal_no_small_count_together(seed: int):
    """Read as one, the tables leave no small count a single possible value."""
    tables = breakdowns(seed)
    hidden = protect_together(tables)
    for grid, cells in zip(tables, hidden, strict=True):
        small = {(r, c) for r, row in enumerate(grid) for c, n in enumerate(row) if n < SMALL}
        assert small <= cells
        assert {c for r, c in cells if r == len(grid) - 1} == {
            c for r, c in hidden[0] if r == len(tables[0]) - 1
        }, "a total hidden in one table is hidden in all"
    assert worked_out(tables, hidden) == []


def test_tables_that_share_a_hidden_total_are_checked_together(monkeypatch: pytest.MonkeyPatch):
    tables = breakdowns(188)
    monkeypatch.setattr(suppression, "_exposed_together", lambda tables, hidden: [])
    each_alone = protect_together(tables)
    assert all(exposed(t, True, cells) == [] for t, cells in zip(tables, each_alone, strict=True))
    assert worked_out(tables, each_alone) != []  # together they give a count away
    monkeypatch.undo()
    assert worked_out(tables, protect_together(tables)) == []
