"""Small-cell suppression for tables of counts with totals, so that no count under 5 can be
read or worked out from what is shown.

A table is a grid of counts whose last column holds each row's total; with `total_row`,
its last row holds each column's total (and the grand total in the corner). Every count
under `SMALL`, 0 included, is hidden (shown as "<5"). That alone is not enough: a row of
which only one cell is hidden gives it away by subtraction from the total, and so can
longer chains of rows and columns, or "<5" cells that must add up to 8 (both are 4). So
more cells are hidden ("x", counts of 5 or more) until no hidden small count can be worked
out exactly.

The check is exact for one table. With the totals moved to the other side, every row and
column of the grid sums to zero: the hidden cells are the edges of a graph between row and
column nodes, and their values can change, while every total stays, only along a cycle of
hidden cells, one up, the next down. Since a reader knows that "<5" lies in 0..4 and "x" is
5 or more, a cell is safe when such a cycle through it can move it up or down within those
bounds: a cycle in the graph of moves that are still possible (the residual graph of a
flow). Tables that share the totals row (each breakdown of the same cases) hide the same
cells of it (`protect_together`); once one of those totals is hidden, the tables together
say more than each alone, and an integer programme (scipy) checks them together.

Pure functions on integers; the overview (bot/cases/overview.py) decides what the cells mean."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Optional

SMALL = 5  # counts under this are never shown
Cell = tuple[int, int]  # (row, column)
Grid = Sequence[Sequence[int]]

_UNBOUNDED = 10**12


class _Graph:
    """The hidden cells of one table as edges between row nodes and column nodes. Without a
    totals row the columns have no equation: their edges all meet in one node, "ground",
    where nothing has to add up."""

    def __init__(self, counts: Grid, total_row: bool, hidden: Iterable[Cell]) -> None:
        self.counts, self.total_row = counts, total_row
        self.rows, self.columns = len(counts), len(counts[0])
        self.hidden = sorted(set(hidden))
        self.arcs: dict[int, list[tuple[int, Cell]]] = {}
        for cell in self.hidden:
            row, column = self._ends(cell)
            up, down = self._room(cell)
            if up:
                self.arcs.setdefault(row, []).append((column, cell))
            if down:
                self.arcs.setdefault(column, []).append((row, cell))

    def _ends(self, cell: Cell) -> tuple[int, int]:
        row, column = cell
        return row, self.rows + (column if self.total_row else 0)

    def _room(self, cell: Cell) -> tuple[bool, bool]:
        """Whether the cell's value in the zero-sum form can go up, and down, and stay
        within what its mark says (0..4 for "<5", 5 or more for "x")."""
        row, column = cell
        count = self.counts[row][column]
        low, high = (0, SMALL - 1) if count < SMALL else (SMALL, _UNBOUNDED)
        # Totals change sign; the grand total (both) keeps it.
        flipped = (column == self.columns - 1) != (self.total_row and row == self.rows - 1)
        if flipped:
            return count > low, count < high
        return count < high, count > low

    def _reaches(self, start: int, goal: int, without: Cell) -> bool:
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for target, cell in self.arcs.get(node, ()):
                if cell != without and target not in seen:
                    seen.add(target)
                    queue.append(target)
        return False

    def pinned(self, cell: Cell) -> bool:
        """True when the other shown and hidden cells leave this one a single value."""
        row, column = self._ends(cell)
        up, down = self._room(cell)
        if up and self._reaches(column, row, cell):
            return False
        return not (down and self._reaches(row, column, cell))


def exposed(counts: Grid, total_row: bool, hidden: Iterable[Cell]) -> list[Cell]:
    """The hidden counts under SMALL that can still be worked out exactly."""
    graph = _Graph(counts, total_row, hidden)
    return [cell for cell in graph.hidden if _small(counts, cell) and graph.pinned(cell)]


def _small(counts: Grid, cell: Cell) -> bool:
    return counts[cell[0]][cell[1]] < SMALL


def protect(
    counts: Grid,
    total_row: bool = True,
    also_hidden: Iterable[Cell] = (),
    keep_shown: Iterable[Cell] = (),
) -> frozenset[Cell]:
    """The cells to hide: every count under SMALL, `also_hidden`, and as few more as this
    greedy search finds so that none of the small ones can be worked out. Cells of
    `keep_shown` are hidden only when nothing else will do; totals come after inner cells,
    and smaller counts first (hiding them loses the least)."""
    rows, columns = len(counts), len(counts[0])
    if any(len(row) != columns for row in counts):
        raise ValueError("every row needs the same number of columns")
    hidden = {(r, c) for r in range(rows) for c in range(columns) if counts[r][c] < SMALL}
    hidden |= set(also_hidden)
    keep = set(keep_shown)
    while True:
        open_cells = exposed(counts, total_row, hidden)
        if not open_cells:
            return frozenset(hidden)
        cell = open_cells[0]
        choice = _best(counts, cell, hidden, total_row, keep)
        if choice is None:
            return frozenset(hidden)  # everything is hidden: nothing more to do
        hidden.add(choice)


def _best(
    counts: Grid, cell: Cell, hidden: set[Cell], total_row: bool, keep: set[Cell]
) -> Optional[Cell]:
    """The shown cell to hide next for `cell`: cells of `keep` last; then one that frees
    `cell` by itself; one in its row or column; an inner cell before a total; the smallest."""
    rows, columns = len(counts), len(counts[0])

    def cost(candidate: Cell) -> tuple[bool, bool, bool, bool, int, Cell]:
        r, c = candidate
        helps = not _Graph(counts, total_row, hidden | {candidate}).pinned(cell)
        near = r == cell[0] or (total_row and c == cell[1])
        is_total = c == columns - 1 or (total_row and r == rows - 1)
        return (candidate in keep, not helps, not near, is_total, counts[r][c], candidate)

    shown = [(r, c) for r in range(rows) for c in range(columns) if (r, c) not in hidden]
    return min(shown, key=cost) if shown else None


def protect_together(tables: Sequence[Grid]) -> list[frozenset[Cell]]:
    """Hidden cells for tables with totals rows that show the same totals (breakdowns of
    the same cases): a total hidden in one is hidden in all, or another table would show it.
    A hidden total ties the tables together (each says something about it), so then they
    are checked together as well (`_exposed_together`), and more is hidden until that finds
    nothing either."""
    if not tables:
        return []
    if len({tuple(table[-1]) for table in tables}) != 1:
        raise ValueError("the tables do not share their totals row")
    end = len(tables[0][-1])
    extra: list[set[Cell]] = [set() for _ in tables]
    shared: set[int] = set()
    while True:
        result = [
            protect(
                table,
                True,
                also_hidden=extra[index] | {(len(table) - 1, c) for c in shared},
                keep_shown=[(len(table) - 1, c) for c in range(end)],
            )
            for index, table in enumerate(tables)
        ]
        pairs = zip(result, tables, strict=True)
        now_shared = {c for cells, table in pairs for r, c in cells if r == len(table) - 1}
        if now_shared != shared:
            shared = now_shared
            continue
        if not shared or len(tables) == 1:
            return result  # no hidden total: each table stands alone, and each is safe
        for index, cell in _exposed_together(tables, result):
            choice = _best(tables[index], cell, set(result[index]), True, set())
            if choice is not None:  # None: that table is hidden whole; try the next cell
                extra[index].add(choice)
                break
        else:
            return result  # nothing is exposed, or nothing is left to hide


def _exposed_together(tables: Sequence[Grid], hidden: Sequence[frozenset[Cell]]) -> list:
    """The hidden small counts (table index, cell) that the tables, read together, leave a
    single value: an integer programme per cell, run only for years so sparse that a total
    is hidden. Few programmes are needed: a solution found for any objective already frees
    every cell it moves."""
    import numpy as np  # here: only sparse years need them, and they take a while to load
    from scipy.optimize import Bounds, LinearConstraint, milp

    variables: dict[tuple[int, int, int], int] = {}  # totals row: table -1, shared

    def variable(index: int, cell: Cell, last: int) -> int:
        key = (-1, -1, cell[1]) if cell[0] == last else (index, *cell)
        return variables.setdefault(key, len(variables))

    equations: list[tuple[dict[int, int], int]] = []
    for index, (table, cells) in enumerate(zip(tables, hidden, strict=True)):
        last, width = len(table) - 1, len(table[0])
        lines = [[(r, c) for c in range(width)] for r in range(last + 1)]
        lines += [[(r, c) for r in range(last + 1)] for c in range(width)]
        for line in lines:
            # The line's cells add up to its last one (its total).
            coefficients: dict[int, int] = {}
            known = 0
            for position, (r, c) in enumerate(line):
                sign = -1 if position == len(line) - 1 else 1
                if (r, c) in cells:
                    v = variable(index, (r, c), last)
                    coefficients[v] = coefficients.get(v, 0) + sign
                else:
                    known -= sign * table[r][c]
            if coefficients:
                equations.append((coefficients, known))
    truth = np.zeros(len(variables))
    for index, (table, cells) in enumerate(zip(tables, hidden, strict=True)):
        for r, c in cells:
            truth[variable(index, (r, c), len(table) - 1)] = table[r][c]
    matrix = np.zeros((len(equations), len(variables)))
    for row, (coefficients, _) in enumerate(equations):
        for v, a in coefficients.items():
            matrix[row, v] = a
    sums = np.array([known for _, known in equations], dtype=float)
    small = truth < SMALL
    bounds = Bounds(np.where(small, 0, SMALL), np.where(small, SMALL - 1, np.inf))
    constraint = LinearConstraint(matrix, sums, sums)
    integral = np.ones(len(variables))
    moved = np.zeros(len(variables), dtype=bool)

    def solve(objective: np.ndarray) -> None:
        found = milp(objective, constraints=constraint, integrality=integral, bounds=bounds)
        if found.success:
            moved[:] |= np.abs(np.round(found.x) - truth) > 0.5

    generator = np.random.default_rng(0)  # the same answer for the same figures
    for _ in range(4):
        solve(generator.uniform(-1, 1, len(variables)))
    for v in np.flatnonzero(small & ~moved):
        for direction in (1.0, -1.0):
            if not moved[v]:
                objective = np.zeros(len(variables))
                objective[v] = direction
                solve(objective)
    pinned = set(np.flatnonzero(small & ~moved).tolist())
    exposed_cells = []
    for (index, r, c), v in variables.items():
        if v in pinned:
            exposed_cells.append((0, (len(tables[0]) - 1, c)) if index < 0 else (index, (r, c)))
    return sorted(exposed_cells)
