"""Troubleshoot: what is wrong with the running MIP and what to do, on one screen.

microk8s and its addons, nodes with their MIP labels, helm releases, problems with their fixes,
and every pod with its health (from container states, not phase). Refreshed on a timer by a
thread worker, so a slow or hung ``kubectl`` never freezes the screen: the worker also works out
the diagnosis and the table's rows, and posts them in one ``SnapshotRead`` message; the UI thread
only rewrites the cells that changed (benchmarks/bench_troubleshoot_refresh.py measures the stalls).
Enter opens a pod's live log and events; d restarts a pod (after confirmation); p switches the profile.
"""

from __future__ import annotations

import gc
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..widgets.row_table import RowTable
from .cluster_view import ClusterView, cluster_view
from .tool_workers import call_if_shown, call_in_ui

if TYPE_CHECKING:
    from ...core.cluster.health import PodHealth
    from ...core.cluster.queries import ClusterQueries, ClusterSnapshot
    from ...core.redact import Redactor

REFRESH_SECONDS = 5.0
COLUMNS = ("ns", "pod", "ready", "restarts", "state")
FILL_CHUNK = 100  # rows added per turn when the table is (re)filled: 10-25 ms for DataTable to measure
FILL_PAUSE = 0.005  # seconds between chunks: the table's idle turn measures the last one


def clock_text() -> str:
    """When the shown facts were read (snapshot tests replace it with a fixed text)."""
    return time.strftime("%H:%M:%S")


class TroubleshootScreen(Screen[None]):
    class SnapshotRead(Message):
        """The worker read the cluster: what to show (posted from its thread; Textual queues it)."""

        def __init__(self, view: ClusterView) -> None:
            super().__init__()
            self.view = view

    DEFAULT_CSS = """
    TroubleshootScreen { layout: vertical; }
    TroubleshootScreen #ts-title { height: 1; padding: 0 1; text-style: bold; }
    TroubleshootScreen #ts-cluster { height: auto; max-height: 4; padding: 0 1; }
    TroubleshootScreen #ts-problems { height: auto; max-height: 7; padding: 0 1; color: $error; }
    TroubleshootScreen #ts-problems.ok { color: $success; }
    TroubleshootScreen #pods { height: 1fr; }
    TroubleshootScreen #ts-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "refresh", "Refresh"),
        Binding("l", "open_pod", "Log"),
        Binding("d", "restart_pod", "Restart pod"),
        Binding("p", "switch_profile", "Switch profile"),
    ]

    def __init__(
        self,
        query: ClusterQueries | None = None,
        *,
        chart: Path | None = None,
        answers_path: Path | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        super().__init__()
        self._queries = query
        self.chart = chart
        self.answers_path = answers_path
        self.refresh_seconds = refresh_seconds
        self.snapshot: ClusterSnapshot | None = None
        self._view: ClusterView | None = None
        self.redactor: Redactor | None = None
        self._health: dict[str, PodHealth] = {}
        self._rows: dict[str, tuple[str, ...]] = {}  # what the table shows, by pod key
        self._pod_width = 0
        self._loading = False
        self.main_ip: str | None = None
        self.refreshes = 0  # snapshots shown (tests and the refresh benchmark)
        self._frozen = False  # gc.freeze() done for this visit of the screen
        self._fills = 0  # table refills started (a chunked fill stops when a newer one starts)

    @property
    def queries(self) -> ClusterQueries:
        if self._queries is None:
            from ...core.cluster.queries import ClusterQueries

            self._queries = ClusterQueries()
        return self._queries

    def compose(self) -> ComposeResult:
        yield Static("Troubleshoot — the running MIP", id="ts-title")
        yield Static("Reading the cluster …", id="ts-cluster", markup=False)
        yield Static("", id="ts-problems", markup=False)
        yield RowTable(id="pods")
        yield Static("", id="ts-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pods", DataTable)
        if not table.columns:  # a Resize may have added them already
            self._add_columns(table, self.size.width or self.app.size.width)
        table.focus()
        self.action_refresh()
        self.set_interval(self.refresh_seconds, self._tick)

    def _add_columns(self, table: DataTable[Any], width: int) -> None:
        # Pod names are long (hash suffixes): give them what the other columns leave, so the
        # Health column stays visible at 80 columns and whole names show on wider terminals.
        self._pod_width = max(32, width - 48)
        table.add_column("Namespace", key="ns", width=11)
        table.add_column("Pod", key="pod", width=self._pod_width)
        table.add_column("Ready", key="ready", width=5)
        table.add_column("Rst", key="restarts", width=3)
        table.add_column("Health", key="state", width=22)  # fixed: auto-width races the first rows

    def on_resize(self, event: events.Resize) -> None:
        table = self.query_one("#pods", DataTable)
        if max(32, event.size.width - 48) == self._pod_width:
            return
        table.clear(columns=True)
        self._rows = {}
        self._add_columns(table, event.size.width)
        if self._view is not None and self._view.snapshot.unreachable is None:
            self._fill_table(table, self._view)

    # --- refreshing ------------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.app.screen is self and not self._loading:
            self.action_refresh()

    def action_refresh(self) -> None:
        self._loading = True
        self._load()

    @work(thread=True, exclusive=True, group="troubleshoot")
    def _load(self) -> None:
        try:
            if self.redactor is None:
                self._find_sources()
            from ...core.release_findings import add_release_findings

            gc.disable()  # the new snapshot (600 pods: ~200,000 objects) is frozen, never walked
            try:
                snap = self.queries.snapshot(main_ip=self.main_ip)
                snap = add_release_findings(self.queries, snap)  # a failed release: why, per the chart check
                view = cluster_view(snap)
                self._freeze()
            finally:
                gc.enable()
            self.post_message(self.SnapshotRead(view))
        finally:
            self._loading = False

    def _find_sources(self) -> None:
        """Answers and chart (for secrets to mask and the profile switch): given, the app's, or saved."""
        from ...core.cluster.sources import chart_dir_from, default_answers_path, main_ip_from, redactor_for

        app: Any = self.app
        if self.answers_path is None:
            self.answers_path = getattr(app, "saved_answers", None) or default_answers_path()
        if self.chart is None:
            self.chart = getattr(app, "profiles_dir", None) or chart_dir_from(self.answers_path)
        chart = self.chart if self.chart is not None and self.chart.is_dir() else None
        self.main_ip = main_ip_from(self.answers_path)
        self.redactor = redactor_for(chart, self.answers_path)

    @on(SnapshotRead)
    def _show(self, message: SnapshotRead) -> None:
        view = message.view
        snap = view.snapshot
        self.snapshot, self._view = snap, view
        if not self.is_attached:  # closed while the worker was reading
            return
        cluster = self.query_one("#ts-cluster", Static)
        problems = self.query_one("#ts-problems", Static)
        table = self.query_one("#pods", DataTable)
        stamp = clock_text()
        self.refreshes += 1
        if snap.worker is not None:
            self._show_worker(snap, cluster, problems, table, stamp)
            return
        if snap.unreachable is not None:
            cluster.update(f"Cluster unreachable: {snap.unreachable.message}")
            problems.remove_class("ok")
            problems.update(f"fix: {snap.unreachable.fix}")
            table.clear()
            self._health, self._rows = {}, {}
            self._say(f"{stamp} · r to retry")
            return
        cluster.update(view.cluster_text)
        found = view.problems
        problems.set_class(not found, "ok")
        if found:
            text = [f"! {p.target}: {p.summary}\n    fix: {p.fix}" for p in found[:3]]
            if len(found) > 3:
                text.append(f"… and {len(found) - 3} more (see the pods below)")
            problems.update(self._mask("\n".join(text)))
        else:
            problems.update("No problems found." if view.healthy else "No problems; some pods are still starting.")
        self._fill_table(table, view)
        ready = sum(1 for h in snap.pod_health if h.healthy)
        self._say(f"{stamp} · {ready}/{len(snap.pod_health)} pods healthy · Enter: the pod's log and events")

    def on_screen_suspend(self) -> None:
        self._thaw()

    def on_unmount(self) -> None:
        self._thaw()

    def _thaw(self) -> None:
        if self._frozen:  # back to normal collection for the rest of the app
            gc.unfreeze()
            self._frozen = False

    def _show_worker(
        self, snap: ClusterSnapshot, cluster: Static, problems: Static, table: DataTable[Any], stamp: str
    ) -> None:
        """A worker has no cluster view: its local checks, and what to run on the master."""
        report = snap.worker
        assert report is not None
        master = report.master or "the master"
        cluster.update(
            f"This machine ({report.hostname}) is a worker node of the cluster run by {master}.\n"
            f"Pods and releases are checked on the master ({master.split(':')[0]}): " + "; ".join(report.on_master[:2])
        )
        lines = [
            f"{'ok' if c.ok else '!!'} {c.name}: {c.detail}" + (f"\n    fix: {c.fix}" if not c.ok else "")
            for c in report.checks
        ]
        problems.set_class(report.ok, "ok")
        problems.update("\n".join(lines))
        table.clear()
        self._health, self._rows = {}, {}
        self._say(f"{stamp} · worker {'ready' if report.ok else 'NOT ready'} · r to check again")

    def _fill_table(self, table: DataTable[Any], view: ClusterView) -> None:
        rows = view.rows
        self._health = view.health
        if list(rows) == list(self._rows) and table.row_count == len(rows):
            # The same pods in the same order (the usual refresh): touch only the cells that changed,
            # so 600 pods cost the UI thread next to nothing and the view does not move.
            for key, cells in rows.items():
                old = self._rows[key]
                for column, before, now in zip(COLUMNS, old, cells, strict=True):
                    if before != now:
                        table.update_cell(key, column, now)
            self._rows = rows
            return
        selected = self._selected_key()
        scroll = table.scroll_x, table.scroll_y  # a refresh must not move the user's view
        table.clear()
        self._rows = rows
        self._fills += 1
        self._add_rows(table, list(rows.items()), selected, scroll, self._fills)

    def _add_rows(
        self,
        table: DataTable[Any],
        rows: list[tuple[str, tuple[str, ...]]],
        selected: str | None,
        scroll: tuple[float, float],
        fill: int,
    ) -> None:
        """Up to FILL_CHUNK rows now, the rest on later turns: DataTable measures every new row's
        cells on its next idle turn (600 rows: 50-110 ms of the UI thread), so a chunk at a time
        keeps keys answered while a large federation's table fills."""
        if fill != self._fills or not self.is_attached:  # a newer fill started, or the screen closed
            return
        for key, cells in rows[:FILL_CHUNK]:
            table.add_row(*cells, key=key)
        if len(rows) > FILL_CHUNK:
            self.set_timer(FILL_PAUSE, partial(self._add_rows, table, rows[FILL_CHUNK:], selected, scroll, fill))
            return
        if selected in self._health:
            table.move_cursor(row=table.get_row_index(selected), scroll=False)
        self.call_after_refresh(table.scroll_to, *scroll, animate=False)
        self.call_after_refresh(self._freeze)  # the rows just added (the worker froze the snapshot)

    def _freeze(self) -> None:
        """Take what exists now out of the garbage collector's walks, while this screen is shown.

        A full collection walks every object — the app, 600 table rows, 600 pods' JSON: 20-200 ms
        holding the lock the UI thread needs (the refresh benchmark's worst stalls, one or two per
        refresh). So the worker parses with collection off and freezes what it made; the snapshot
        it replaces has no cycles and is freed by reference counting all the same. The cost:
        cyclic garbage of those moments waits until the screen is left or covered (``_thaw``)."""
        if self.app.screen is self:
            gc.freeze()
            self._frozen = True

    def _selected_key(self) -> str | None:
        table = self.query_one("#pods", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # the cursor is outside the rows
            return None
        return str(key) if key is not None else None

    def _selected(self) -> PodHealth | None:
        key = self._selected_key()
        health = self._health.get(key) if key else None
        if health is None:
            self.notify("No pod selected.", severity="warning")
        return health

    # --- actions ---------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#pods")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_pod()

    def action_open_pod(self) -> None:
        from .pod_log import PodLogScreen

        health = self._selected()
        if health is None:
            return
        pod = health.pod
        containers = [*pod.container_names, *pod.init_container_names]
        first_bad = next((p.container for p in health.problems if p.container), None)
        self.app.push_screen(
            PodLogScreen(self.queries, pod.name, pod.namespace, containers, container=first_bad, redactor=self.redactor)
        )

    def action_restart_pod(self) -> None:
        from ..dialogs.confirm import ConfirmDialog

        health = self._selected()
        if health is None:
            return
        pod = health.pod
        message = (
            f"Delete pod {pod.namespace}/{pod.name}? Its Deployment starts a fresh one; "
            "the service is interrupted for this pod until the new one is Ready.\n\n"
            f"Runs: microk8s kubectl delete pod {pod.name} -n {pod.namespace}"
        )

        def decided(yes: bool | None) -> None:
            if yes:
                self._say(f"Restarting {pod.name} …")
                self._delete(pod.name, pod.namespace)

        self.app.push_screen(ConfirmDialog("Restart this pod?", message, yes="Restart"), decided)

    @work(thread=True, group="troubleshoot-restart")
    def _delete(self, name: str, namespace: str) -> None:
        from ...core.cluster.queries import ClusterUnreachable

        try:
            result = self.queries.delete_pod(name, namespace)
        except ClusterUnreachable as exc:
            call_in_ui(self.app, self.app.notify, exc.unreachable.message, severity="error")
            return
        if result.ok:
            call_in_ui(self.app, self.app.notify, f"Pod {name} deleted; a new one is starting.")
        else:
            message = self._mask(result.stderr.strip() or result.stdout.strip() or f"exit {result.exit_code}")
            call_in_ui(self.app, self.app.notify, message, title="Restart failed", severity="error")
        call_if_shown(self, self.action_refresh)

    def action_switch_profile(self) -> None:
        from ..dialogs.troubleshoot_switch import SwitchProfileDialog

        current = None
        if self.answers_path is not None:
            from ...core.cluster.switch import active_profile

            current = active_profile(self.answers_path)

        def closed(deployed: bool | None) -> None:
            if deployed:
                self.action_refresh()

        dialog = SwitchProfileDialog(self.queries, chart=self.chart, answers_path=self.answers_path, current=current)
        self.app.push_screen(dialog, closed)

    def action_back(self) -> None:
        self.app.pop_screen()

    def _mask(self, text: str) -> str:
        return self.redactor.redact(text) if self.redactor is not None else text

    def _say(self, text: str) -> None:
        if self.is_attached:
            self.query_one("#ts-status", Static).update(text)
