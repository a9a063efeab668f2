"""The heatmap names every month it shows, the current one included (issue: in December the labels
stopped at "Nov")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from srs.stats import HeatDay, Heatmap
from srs.tui.charts import MONTHS, heatmap_chart


def heatmap_until(today: date, weeks: int) -> Heatmap:
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    days = [monday + timedelta(days=i) for i in range((today - monday).days + 1)]
    return Heatmap(days=tuple(HeatDay(d, d.weekday(), (d.day * 7) % 5) for d in days), weeks=weeks)


@pytest.mark.parametrize(
    "today", [date(2026, 12, 1), date(2026, 12, 7), date(2026, 12, 31), date(2027, 3, 2)]
)
@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_month_with_a_whole_week_shown_is_named_the_current_one_included(
    today: date, width: int
) -> None:
    lines = heatmap_chart(heatmap_until(today, 26), width, lambda _style: "")
    label_line = lines[1].plain
    assert MONTHS[today.month - 1] in label_line
    shown = (
        heatmap_until(today, 26).days[-((width - 4) // 2) * 7 :]
        if width < 60
        else heatmap_until(today, 26).days
    )
    months_shown = []
    for d in shown[7:]:  # months whose first day is shown (after the first week)
        if d.date.day == 1:
            months_shown.append(MONTHS[d.date.month - 1])
    for name in months_shown:
        assert name in label_line, (name, label_line)
