"""A table moved through row by row (pods, nodes, checks, pathologies, archives)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable[Any]):
    """DataTable with Home and End on the first and last row, as in any list. DataTable's own
    Home/End scroll sideways, and its Ctrl+Home/Ctrl+End often never arrive over SSH or on the
    Linux console (TERM=linux sends no distinct code for them)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, *, id: str, zebra_stripes: bool = True) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes)
