"""Bar charts drawn on the server as SVG: no script, no inline style (the console's CSP
allows neither); colours come from console.css through classes. Each chart is an image
with a title and a description for screen readers (role="img", aria-labelledby), and the
page puts its data table right under it, which is what a screen reader reads.

A hidden count ("<5", "x") gets no bar, only its mark: a bar's length would tell it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

WIDTH = 640
LABEL_WIDTH = 200  # room for the longest label, "misuse of information"
ROW_HEIGHT = 26
BAR_HEIGHT = 16
PADDING = 8
VALUE_ROOM = 48  # after the longest bar, for its number


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the number, or the mark that stands for a hidden count
    length: float  # 0 for a hidden count
    y: float  # top of the bar
    text_y: float  # baseline of the label and the value
    value_x: float  # where the shown value starts


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the title's and description's ids derive from it
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    height: int = 0

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def description_id(self) -> str:
        return f"{self.id}-desc"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    values: Sequence[tuple[str, str, Optional[int]]],
) -> Chart:
    """A horizontal bar per (label, shown text, number or None when hidden)."""
    largest = max((number for _, _, number in values if number), default=0)
    room = WIDTH - LABEL_WIDTH - PADDING - VALUE_ROOM
    bars = []
    for index, (label, shown, number) in enumerate(values):
        length = room * number / largest if number and largest else 0.0
        top = PADDING + index * ROW_HEIGHT
        bars.append(
            Bar(
                label=label,
                shown=shown,
                length=round(length, 1),
                y=top,
                text_y=top + BAR_HEIGHT - 3,
                value_x=round(LABEL_WIDTH + length + 6, 1),
            )
        )
    height = 2 * PADDING + len(values) * ROW_HEIGHT
    return Chart(chart_id, title, description, tuple(bars), height=height)
