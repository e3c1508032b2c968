"""Home and End in the wizard's tables go to the first and last row (DataTable's scroll sideways)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App, ComposeResult

from mipwizard.tui.widgets.row_table import RowTable

TUI = Path(__file__).resolve().parents[1] / "mipwizard" / "tui"


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield RowTable(id="rows")

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        table.add_columns("name", "state", "a long column " * 4)
        for n in range(200):
            table.add_row(f"pod-{n}", "Ready", "x" * 60)
        table.focus()


async def test_home_and_end_go_to_the_first_and_last_row() -> None:
    app = OneTable()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RowTable)
        await pilot.press("end")
        assert table.cursor_row == 199 and table.scroll_y == table.max_scroll_y > 0
        assert table.scroll_x == 0  # not sideways
        await pilot.press("up", "home")
        assert table.cursor_row == 0 and table.scroll_y == 0


def test_every_table_of_the_wizard_is_a_row_table() -> None:
    made_here = [
        f"{path.relative_to(TUI)}:{n}"
        for path in TUI.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"(?<![\w.])DataTable\(", line)
    ]
    assert made_here == [], "use widgets.row_table.RowTable (Home/End on rows)"
