"""Preflight: the checks fill a table live from a thread worker; failures block Next unless ignored.

Shown again after the Network step, it re-runs with the answers' facts about this host (is the
main IP on an interface here, does the FQDN resolve), so the guide's main warning is checked
before anything is installed.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from ...core.textfit import plural
from ..widgets.row_table import RowTable
from .base import StepScreen

# Words, not glyphs: readable on a 16-colour Linux console and without colour at all.
BADGES = {
    "pending": ("[ .. ]", "dim"),
    "pass": ("[ ok ]", "green"),
    "warn": ("[warn]", "yellow"),
    "fail": ("[FAIL]", "bold red"),
    "skip": ("[skip]", "dim"),
    "ignored": ("[ign.]", "yellow"),
}


def badge(status: str) -> Text:
    label, style = BADGES.get(status, (f"[{status[:4]}]", ""))
    return Text(label, style=style)


def _status(result: Any) -> str:
    status = getattr(result.status, "value", result.status)
    return "ignored" if getattr(result, "ignored", False) else str(status)


class PreflightScreen(StepScreen):
    DEFAULT_CSS = """
    #checks { height: auto; max-height: 14; }
    .details { height: auto; min-height: 2; margin-top: 1; }
    """
    # Rows the screen leaves to everything else (bars, status, details, buttons): a short terminal
    # gets a shorter table, so the fix and the buttons stay on screen.
    CHROME_ROWS = 11
    STEP = "Preflight"
    HELP_TOPIC = "preflight"
    HINTS = (("↑↓", "select"), ("r", "re-run"), ("i", "ignore failure"), ("^N", "next"))
    BINDINGS = [
        Binding("r", "rerun", "Re-run"),
        Binding("i", "ignore", "Ignore failure"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, Any] = {}
        self.titles: dict[str, str] = {}
        self.ignored: set[str] = set()
        self.running = False
        self.facts: Any = None  # the HostFacts the last run checked (None: before Network)

    def compose_body(self) -> ComposeResult:
        yield Static("Checking that this machine can run the MIP…", id="preflight-status")
        table: DataTable[Any] = RowTable(id="checks", zebra_stripes=False)
        # The result column fills the screen; longer results are cut here and shown whole below.
        summary_width = max(20, self.app.size.width - 6 - 18 - 12)
        table.add_column("", key="badge", width=6)
        table.add_column("Check", key="title", width=18)
        table.add_column("Result", key="summary", width=summary_width)
        yield table
        yield Static("", id="details", classes="details")
        with Horizontal(classes="buttons"):
            yield Button("Re-run checks", id="rerun", compact=True)
            yield Button("Ignore this failure", id="ignore", compact=True, disabled=True)  # failed rows only

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#checks", DataTable).focus()
        self.fit_table()
        self.run_checks()

    def on_resize(self) -> None:
        self.fit_table()

    def fit_table(self) -> None:
        height = self.app.size.height
        self.query_one("#checks", DataTable).styles.max_height = max(4, min(14, height - self.CHROME_ROWS))

    def on_screen_resume(self) -> None:
        """Back from Network (or any step): check the host facts again when they changed."""
        if self.query("#checks") and not self.running and self.current_facts() != self.facts:
            self.run_checks()

    def current_facts(self) -> Any:
        """The answers' host facts, once a main IP is given (the Network step)."""
        mapping = self.wizard.state.to_mapping()
        if not str(mapping.get("machine_main_ip") or "").strip():
            return None
        from ...core.preflight import HostFacts

        return HostFacts.from_mapping(mapping)

    # --- the worker ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="preflight", exit_on_error=False)
    def run_checks(self) -> None:
        role = self.wizard.state.role
        env = self.wizard.env
        facts = self.current_facts()
        self.facts = facts
        self.app.call_from_thread(self._started, env.specs(role))
        for result in env.checks(role, sorted(self.ignored), facts):
            self.app.call_from_thread(self._add, result)
        self.app.call_from_thread(self._finished)

    def _started(self, specs: list[Any]) -> None:
        self.running = True
        self.results.clear()
        table = self.query_one("#checks", DataTable)
        if [str(key.value) for key in table.rows] != [spec.id for spec in specs]:
            table.clear()  # a re-run with the same checks keeps the rows (and the cursor)
        for spec in specs:
            self.titles[spec.id] = spec.title
            row = (badge("pending"), spec.title, Text("waiting…", style="dim"))
            if spec.id in table.rows:
                for column, value in zip(("badge", "title", "summary"), row, strict=False):
                    table.update_cell(spec.id, column, value)
            else:
                table.add_row(*row, key=spec.id)
        self.query_one("#preflight-status", Static).update("Checking that this machine can run the MIP…")
        self.refresh_next()

    def _add(self, result: Any) -> None:
        self.results[result.id] = result
        table = self.query_one("#checks", DataTable)
        row = (badge(_status(result)), result.title, Text(result.summary, no_wrap=True, overflow="ellipsis"))
        if result.id in table.rows:
            for column, value in zip(("badge", "title", "summary"), row, strict=False):
                table.update_cell(result.id, column, value)
        else:
            table.add_row(*row, key=result.id)
        self._show_details()

    def _finished(self) -> None:
        self.running = False
        counts: dict[str, int] = {}
        for result in self.results.values():
            counts[_status(result)] = counts.get(_status(result), 0) + 1
        parts = [f"{counts[k]} {k}" for k in ("pass", "warn", "fail", "ignored", "skip") if counts.get(k)]
        self.query_one("#preflight-status", Static).update("Done: " + ", ".join(parts or ["no checks"]))
        failed = [key for key, result in self.results.items() if _status(result) == "fail"]
        table = self.query_one("#checks", DataTable)
        if failed and self.selected() is not None and _status(self.selected()) != "fail":
            table.move_cursor(row=table.get_row_index(failed[0]))  # its fix shows below at once
        self.refresh_next()
        self._show_details()

    # --- details, ignore, re-run -----------------------------------------------------------------
    def selected(self) -> Any:
        table = self.query_one("#checks", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.results.get(str(key))

    def _show_details(self) -> None:
        result = self.selected()
        details = self.query_one("#details", Static)
        ignore = self.query_one("#ignore", Button)
        if result is None:
            details.update("")
            ignore.disabled = True
            ignore.display = False
            return
        text = Text()
        text.append(result.title, style="bold")
        text.append(f": {result.summary}")
        if result.fix:
            text.append("\nFix: ", style="bold")
            text.append(result.fix)
        details.update(text)
        failing = _status(result) in ("fail", "ignored")
        ignore.disabled = not failing
        ignore.display = failing  # offered on failed rows only
        ignore.label = "Stop ignoring" if result.id in self.ignored else "Ignore this failure"

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details()

    def action_rerun(self) -> None:
        self.run_checks()

    def action_ignore(self) -> None:
        result = self.selected()
        if result is None or _status(result) not in ("fail", "ignored"):
            return
        if result.id in self.ignored:
            self.ignored.discard(result.id)
        else:
            self.ignored.add(result.id)
        self.run_checks()

    @on(Button.Pressed, "#rerun")
    def _rerun_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_rerun()

    @on(Button.Pressed, "#ignore")
    def _ignore_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_ignore()

    def blocker(self) -> str | None:
        if self.running or not self.results:
            return "Checks are still running…"
        failed = [r for r in self.results.values() if _status(r) == "fail" and r.id not in self.ignored]
        if failed:
            return f"{plural(len(failed), 'check')} failed — fix and re-run (r), or select one and ignore it (i)"
        return None
