"""Data screen: the pathologies under /data/<FEDERATION>, their datasets and check results.

The check runs in a thread (a big CSV takes seconds); creating a missing pathology folder goes
through the engine (privileged ``mkdir -p`` + ``chown user:group``) after a confirmation.
Keyboard only, readable at 80×24: the table on top, the selected pathology's problems below.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from ...core.data import DataReport, PathologyReport, check_data_root, create_pathology_folders
from ...core.errors import UserError
from ...core.textfit import plural
from ...core.validators import check_folder_name
from ..dialogs.confirm import ConfirmDialog
from ..widgets.row_table import RowTable
from .tool_workers import call_if_shown, call_in_ui

MAX_SHOWN_PROBLEMS = 200  # per pathology on screen; the CLI has the full report


class FolderNameDialog(ModalScreen["str | None"]):
    """Ask for a new pathology folder name; Enter creates, Esc cancels."""

    DEFAULT_CSS = """
    FolderNameDialog { align: center middle; }
    FolderNameDialog > Vertical {
        width: 72; max-width: 100%; height: auto; border: round $accent; padding: 0 1; background: $surface;
    }
    FolderNameDialog #name-error { color: $error; height: auto; }
    FolderNameDialog .detail { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, base: Path, owner: str) -> None:
        super().__init__()
        self.base = base
        self.owner = owner

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"New pathology folder in {self.base}")
            yield Input(placeholder="pathology name, e.g. dementia", id="name")
            yield Static("", id="name-error")
            yield Static(
                f"Runs as root: mkdir -p {self.base}/NAME, then chown {self.owner}:<group>. "
                "Enter creates, Esc cancels.",
                classes="detail",
                markup=False,
            )

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            name = check_folder_name(event.value, what="pathology name")
        except ValueError as exc:
            self.query_one("#name-error", Static).update(f"pathology name {exc}")
            return
        self.dismiss(name)


class DataScreen(Screen[None]):
    """Pathologies under ``data_root/federation``: datasets, check results, missing folders."""

    HELP_TOPIC = "data"  # F1 (the app shows assets/help/data.md)
    DEFAULT_CSS = """
    DataScreen { layout: vertical; }
    DataScreen #data-title { height: 1; padding: 0 1; text-style: bold; }
    DataScreen #pathologies { height: auto; max-height: 9; }
    DataScreen #problems-title { height: 1; padding: 0 1; margin-top: 1; text-style: bold; }
    DataScreen #problems { height: 1fr; padding: 0 1; }
    DataScreen #data-status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("r", "recheck", "Check again"),
        Binding("n", "new_folder", "New pathology"),
        Binding("c", "create_missing", "Create missing", show=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        data_root: Path,
        federation: str,
        admin_user: str,
        *,
        pathologies: Sequence[str] = (),
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.data_root = Path(data_root)
        self.federation = federation
        self.admin_user = admin_user
        self.expected = list(pathologies)  # from the answers; shown as "missing" until created
        self.report: DataReport | None = None

    @property
    def base(self) -> Path:
        return self.data_root / self.federation

    def compose(self) -> ComposeResult:
        yield Static(f"Data in {self.base}  (owner {self.admin_user})", id="data-title", markup=False)
        yield RowTable(id="pathologies")
        yield Static("Problems", id="problems-title")
        with VerticalScroll(id="problems", can_focus=True):
            yield Static("", id="problems-text", markup=False)
        yield Static("", id="data-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pathologies", DataTable)
        # Fixed widths: the Result column stays visible at 80 columns, long dataset lists are cut.
        table.add_column("Pathology", width=14)
        table.add_column("Datasets", width=max(16, (self.size.width or self.app.size.width) - 50))
        table.add_column("CSV", width=3)
        table.add_column("Rows", width=7)
        table.add_column("Result", width=14)
        table.focus()
        self.action_recheck()

    # ------------------------------------------------------------------ checking

    def action_recheck(self) -> None:
        self._status(f"Checking {self.base} …")
        self._check()

    @work(thread=True, exclusive=True, group="data-check")
    def _check(self) -> None:
        report = check_data_root(self.data_root, self.federation)
        call_if_shown(self, self._show_report, report)

    def _missing(self) -> list[str]:
        found = {p.name for p in self.report.pathologies} if self.report else set()
        return [name for name in self.expected if name not in found]

    def _show_report(self, report: DataReport) -> None:
        self.report = report
        table = self.query_one("#pathologies", DataTable)
        row = table.cursor_row
        table.clear()
        for pathology in report.pathologies:
            table.add_row(
                pathology.name,
                ", ".join(pathology.datasets) or "-",
                str(len(pathology.csvs)),
                str(sum(f.rows for f in pathology.csvs)),
                _result(pathology),
                key=pathology.name,
            )
        for name in self._missing():
            table.add_row(name, "-", "-", "-", "no folder (c)", key=name)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self._show_problems(table.cursor_row)
        missing = self._missing()
        summary = (f"{plural(len(report.pathologies), 'pathology', 'pathologies')}, "
                   f"{plural(report.errors, 'error')}, {plural(report.warnings, 'warning')}")
        if missing:
            summary += f" · missing folders: {', '.join(missing)} (c creates them)"
        elif report.general is not None and report.general.problems:
            summary = report.general.problems[0].message
        self._status(summary)

    @on(DataTable.RowHighlighted, "#pathologies")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_problems(event.cursor_row)

    def _show_problems(self, row: int) -> None:
        title = self.query_one("#problems-title", Static)
        text = self.query_one("#problems-text", Static)
        if self.report is None:
            return
        pathologies = self.report.pathologies
        if not 0 <= row < len(pathologies):
            missing = self._missing()
            index = row - len(pathologies)
            if 0 <= index < len(missing):
                title.update(f"{missing[index]}: no folder yet")
                text.update(f"{self.base / missing[index]} does not exist — press c to create it.")
            else:
                title.update("Problems")
                text.update("No pathology folders yet — press n to create one.")
            return
        pathology = pathologies[row]
        title.update(f"{pathology.name}: {_result(pathology)}")
        text.update(_problems_text(pathology, self.base))

    # ------------------------------------------------------------------ folders

    def action_new_folder(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self._create([name])

        self.app.push_screen(FolderNameDialog(self.base, self.admin_user), chosen)

    def action_create_missing(self) -> None:
        missing = self._missing()
        if not missing:
            self.notify("Every expected pathology folder exists — press n for a new one.")
            return
        folders = [str(self.base / name) for name in missing]

        def answered(yes: bool | None) -> None:
            if yes:
                self._create(missing)

        self.app.push_screen(
            ConfirmDialog(
                f"Create {len(missing)} pathology folder(s) owned by {self.admin_user}?",
                [f"mkdir -p {' '.join(folders)}", f"chown {self.admin_user}:<group> {self.base} …"],
                yes="Create",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="data-folders")
    def _create(self, names: list[str]) -> None:
        try:
            created = create_pathology_folders(self.data_root, self.federation, names, self.admin_user)
        except UserError as exc:
            call_in_ui(self.app, self.app.notify, str(exc), severity="error", timeout=10)
            return
        listed = ", ".join(str(p) for p in created)
        call_in_ui(self.app, self.app.notify, f"Created {listed}")  # worth knowing even if closed meanwhile
        call_if_shown(self, self.action_recheck)

    # ------------------------------------------------------------------ misc

    def action_back(self) -> None:
        self.app.pop_screen()

    def _status(self, text: str) -> None:
        self.query_one("#data-status", Static).update(text)


def _result(pathology: PathologyReport) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} {what}{'' if n == 1 else 's'}"

    if pathology.errors:
        return count(pathology.errors, "error")
    if pathology.warnings:
        return "ok, " + count(pathology.warnings, "warning")
    return "valid"


def _problems_text(pathology: PathologyReport, base: Path) -> str:
    lines: list[str] = []
    shown = 0
    for file_report in pathology.files:
        for problem in file_report.problems:
            if shown >= MAX_SHOWN_PROBLEMS:
                break
            shown += 1
            try:
                where = str(problem.file.relative_to(base))
            except ValueError:
                where = str(problem.file)
            if problem.row is not None:
                where += f":{problem.row}"
            if problem.column is not None:
                where += f":{problem.column}"
            lines.append(f"{where}  {problem.rule}")
            lines.append(f"    {problem.message}")
        for rule, count in file_report.suppressed.items():
            lines.append(f"{file_report.path.name}: … and {count} more {rule}")
    if not lines:
        datasets = ", ".join(pathology.datasets) or "none"
        return f"No problems. Datasets: {datasets}. Metadata version {pathology.version or '?'}."
    if pathology.errors + pathology.warnings > shown:
        lines.append(f"(full report: mipwizard data check {base.parent} --federation {base.name})")
    return "\n".join(lines)
