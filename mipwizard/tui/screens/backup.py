"""Backup, restore and upgrade from the wizard: the same engine as the CLI, run as
``mipwizard backup|restore|upgrade … --yes`` after the same confirmation, its output streamed live.

The archives of the backup folder are listed (newest last); ``b`` backs up, ``r`` restores the
selected archive, ``u`` upgrades to a release chosen from the catalogue, ``d`` shows the upgrade's
differences first (``--dry-run``). A command keeps running when the screen is closed is not
possible: Escape is refused while one runs.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..dialogs.confirm import ConfirmDialog
from ..widgets.live_log import LiveLog
from ..widgets.row_table import RowTable
from .tool_workers import call_if_shown


def saved_release() -> str | None:
    """The release the saved answers name (the catalogue's default when they name none)."""
    from ...core.cluster.sources import default_answers_path
    from ...core.releases import DEFAULT_RELEASE

    path = default_answers_path()
    if path is None:
        return None
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    release = data.get("release") if isinstance(data, dict) else None
    return str(release) if release else DEFAULT_RELEASE.name


class ReleaseChoice(ModalScreen["str | None"]):
    """Pick the release to upgrade to (the current one is not offered)."""

    DEFAULT_CSS = """
    ReleaseChoice { align: center middle; }
    ReleaseChoice > Vertical { width: 70; max-width: 95%; height: auto; border: thick $warning;
                               background: $surface; padding: 1 2; }
    ReleaseChoice OptionList { height: auto; max-height: 8; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        from ...core.releases import CATALOGUE

        with Vertical():
            yield Static(f"Upgrade the MIP from {self.current or 'its release'} to:", classes="title")
            yield OptionList(*[Option(f"{r.name}  {r.note}", id=r.name) for r in CATALOGUE if r.name != self.current])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BackupScreen(Screen[None]):
    HELP_TOPIC = "backup"
    DEFAULT_CSS = """
    BackupScreen {
        layout: vertical;
        #backup-title { height: 1; padding: 0 1; text-style: bold; }
        #archives { height: auto; max-height: 8; }
        #live-log { height: 1fr; border: round $primary; }
        #backup-status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    }
    """
    BINDINGS = [("b", "backup", "Back up"), ("r", "restore", "Restore"), ("u", "upgrade", "Upgrade"),
                ("d", "upgrade(True)", "Upgrade diff"), ("escape", "back", "Back")]

    def __init__(self, start: str | None = None, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.start = start
        self.running = False
        self.cancel = threading.Event()
        self.archives: list[Path] = []

    def compose(self) -> ComposeResult:
        yield Static("Backup, restore and upgrade", id="backup-title")
        yield RowTable(id="archives")
        yield LiveLog(id="live-log")
        yield Static("b back up now · r restore the selected backup · u upgrade · d show an upgrade's differences",
                     id="backup-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#archives", DataTable)
        table.add_column("Backup", width=56)
        table.add_column("Size", width=10)
        self.refresh_archives()
        table.focus()
        if self.start in ("backup", "restore", "upgrade"):
            self.call_after_refresh(getattr(self, f"action_{self.start}"))

    def refresh_archives(self) -> None:
        from ...cli.backup import human
        from ...core.backup.make import default_folder
        from ...core.backup.schedule import archives

        folder = default_folder()
        self.archives = archives(folder) if folder.is_dir() else []
        table = self.query_one("#archives", DataTable)
        table.clear()
        for path in self.archives:
            table.add_row(path.name, human(path.stat().st_size), key=str(path))
        if not self.archives:
            table.add_row(f"no backups yet in {folder}", "")
        else:
            table.move_cursor(row=len(self.archives) - 1)

    def selected(self) -> Path | None:
        table = self.query_one("#archives", DataTable)
        if not self.archives or table.cursor_row is None or table.cursor_row >= len(self.archives):
            return None
        return self.archives[table.cursor_row]

    def status(self, text: str) -> None:
        self.query_one("#backup-status", Static).update(text)

    # ------------------------------------------------------------------ actions

    def action_backup(self) -> None:
        self.ask("Back up the MIP now?",
                 "The folders .stored_data and config, the answers, profiles and generated secrets, and a "
                 "pg_dumpall of each database go into one archive (mode 0600). The MIP keeps running.",
                 ["backup"], "Back up")

    def action_restore(self) -> None:
        path = self.selected()
        if path is None:
            self.notify("Select a backup in the list first (or make one with b).", severity="warning")
            return
        if path.name.endswith(".age"):
            self.notify("This backup is encrypted: restore it in a shell with `mipwizard restore FILE` "
                        "(it asks for the passphrase).", severity="warning")
            return
        self.ask("Restore this backup?",
                 f"{path.name}\n\nThe archive is checked first. Then the MIP is stopped, the current folders "
                 "are moved aside (kept, never deleted), the backup's are put in their place, and the MIP is "
                 "started again. Nothing is merged.", ["restore", str(path)], "Stop and restore")

    def action_upgrade(self, dry_run: bool = False) -> None:
        current = saved_release()

        def chosen(name: str | None) -> None:
            if not name:
                return
            if dry_run:
                self.run_command(["upgrade", "--to", name, "--dry-run"], f"differences of an upgrade to {name}")
                return
            self.ask(f"Upgrade the MIP to {name}?",
                     "A backup is made first. Then the new release is checked out, its values written and "
                     "deployed with helm; on failure everything is rolled back. Press d first to see the "
                     "differences.", ["upgrade", "--to", name], "Back up and upgrade")

        self.app.push_screen(ReleaseChoice(current), chosen)

    def ask(self, title: str, message: str, args: list[str], yes: str) -> None:
        if self.running:
            self.notify("A command is still running.", severity="warning")
            return

        def decided(ok: bool | None) -> None:
            if ok:
                self.run_command([*args, "--yes"], title.rstrip("?").lower())

        self.app.push_screen(ConfirmDialog(title, message, yes=yes), decided)

    def run_command(self, args: list[str], what: str) -> None:
        self.running = True
        self.query_one(LiveLog).feed([f"==> {what}: mipwizard {' '.join(args)}"])
        self.status(f"{what}…")
        self.worker(args, what)

    @work(thread=True, exclusive=True, group="maintenance", exit_on_error=False)
    def worker(self, args: list[str], what: str) -> None:
        from ...core.cluster.sources import chart_dir_from, default_answers_path, redactor_for
        from ...core.runner import ProcessRunner

        try:
            answers = default_answers_path()
            runner = ProcessRunner(redactor=redactor_for(chart_dir_from(answers), answers))
            log = self.query_one(LiveLog)
            result = runner.run([sys.executable, "-m", "mipwizard", *args], timeout=None, cancel=self.cancel,
                                on_lines=lambda lines: call_if_shown(self, log.feed, lines))
        except Exception as exc:  # never leave the screen "running" forever
            call_if_shown(self, self.finished, what, False, f"{exc.__class__.__name__}: {exc}")
            return
        call_if_shown(self, self.finished, what, result.ok, result.describe())

    def finished(self, what: str, ok: bool, how: str) -> None:
        self.running = False
        log = self.query_one(LiveLog)
        log.drain()
        log.feed([f"==> {what}: {'done' if ok else 'FAILED (' + how + ')'}"])
        self.status(f"{what}: done" if ok else f"{what} failed ({how}) — the output above says why")
        self.refresh_archives()

    @on(DataTable.RowSelected, "#archives")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()

    def action_back(self) -> None:
        if self.running:
            self.notify("Wait until the command finishes (it is stopping and starting the MIP).",
                        severity="warning")
            return
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.cancel.set()
