"""The overview's bar charts: a bar's length follows its count, and a hidden count gets
its mark but no bar, since a length would tell what the mark hides."""

from __future__ import annotations

from bot.console.charts import LABEL_WIDTH, bar_chart


def test_bars_are_as_long_as_their_counts_and_hidden_counts_have_none():
    chart = bar_chart(
        "chart-kind", "By kind, 2025", "A bar per row.",
        [("fraud", "20", 20), ("bullying", "10", 10), ("discrimination", "<5", None),
         ("other", "x", None)],
    )  # fmt: skip
    fraud, bullying, discrimination, other = chart.bars
    assert fraud.length == 2 * bullying.length > 0
    assert discrimination.length == other.length == 0
    assert (discrimination.shown, other.shown) == ("<5", "x")
    assert discrimination.value_x == LABEL_WIDTH + 6  # the mark sits at the axis
    assert fraud.y < bullying.y < discrimination.y  # in the table's order
    assert chart.height > discrimination.y + 16
    assert (chart.title_id, chart.description_id) == ("chart-kind-title", "chart-kind-desc")


def test_a_chart_of_hidden_counts_only_draws_no_bar():
    chart = bar_chart("c", "t", "d", [("a", "<5", None), ("b", "<5", None)])
    assert all(bar.length == 0 for bar in chart.bars)
