"""The overview's page tables and its CSV come from the same sections: the same labels and
cells in the page's language; a cell a spreadsheet would run as a formula is defused."""

from __future__ import annotations

import csv
import io
from collections import Counter

from bot.cases.overview import build
from bot.console.pages.overview import csv_text, sections
from bot.console.texts import Texts


def tally() -> Counter:
    counts: Counter = Counter()
    for quarter, number in ((1, 7), (2, 6), (3, 8), (4, 9)):
        for measure, value in (("kind", "fraud"), ("region", "hq"), ("channel", "twilio"),
                               ("language", "nl"), ("anonymous", "yes"),
                               ("outcome", "acknowledged")):  # fmt: skip
            counts[(quarter, measure, value)] += number
    counts[(2, "kind", "fraud")] -= 2
    counts[(2, "kind", "=HYPERLINK(evil)")] += 2  # a value that came from elsewhere
    return counts


def test_the_csv_rows_are_the_sections_rows_in_dutch():
    overview = build(2025, tally())
    t = Texts("nl")
    header, *rows = list(csv.reader(io.StringIO(csv_text(overview, t).lstrip("\ufeff"))))
    assert header == ["Tabel", "Rij", "K1", "K2", "K3", "K4", "Jaar"]
    expected = []
    for section in sections(overview, t):
        for line in (*section.lines, *((section.total,) if section.total else ())):
            expected.append([section.heading, line.label, *line.cells])
    assert [row[0] for row in rows[-3:]] == ["Legenda"] * 3
    rows = rows[:-3]
    assert [row for row in rows if not row[1].startswith("'")] == [
        row for row in expected if not row[1].startswith("=")
    ]
    assert ["Zaken per kwartaal", "alle zaken", "7", "6", "8", "9", "30"] in rows
    assert ["Naar soort gedrag", "seksuele intimidatie", "<5", "<5", "<5", "<5", "<5"] in rows


def test_a_cell_that_starts_like_a_formula_is_defused():
    text = csv_text(build(2025, tally()), Texts("en"))
    assert "'=HYPERLINK(evil)" in text and ",=HYPERLINK" not in text
