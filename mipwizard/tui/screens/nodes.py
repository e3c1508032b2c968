"""Nodes screen (on the master): the cluster's nodes and labels, the worker join command.

Labelling asks first (the exact ``kubectl label`` is shown). The join command is requested with
a TTL, so the admin can retry a failed join with the same line until it expires.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...core.errors import UserError
from ...core.federation import (
    DEFAULT_TTL_SECONDS,
    SMPC_MIN_PLAYERS,
    JoinCommand,
    NodeInfo,
    label_node,
    labels_for,
    list_nodes,
    smpc_players,
)
from ..dialogs.confirm import ConfirmDialog
from ..widgets.row_table import RowTable
from .tool_workers import call_if_shown, call_in_ui


class NodesScreen(Screen[None]):
    """List nodes with their labels; label a node; show the join command ready to copy."""

    HELP_TOPIC = "nodes"  # F1 (the app shows assets/help/nodes.md)
    DEFAULT_CSS = """
    NodesScreen { layout: vertical; }
    NodesScreen #nodes-title { height: 1; padding: 0 1; text-style: bold; }
    NodesScreen #nodes { height: auto; max-height: 10; }
    NodesScreen #smpc { height: auto; padding: 0 1; margin-top: 1; }
    NodesScreen #join { height: 1fr; padding: 0 1; margin-top: 1; }
    NodesScreen #nodes-status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("r", "refresh_nodes", "Refresh"),
        Binding("j", "join_command", "Join cmd"),
        Binding("y", "copy_join", "Copy"),
        Binding("w", "label('worker')", "Worker"),
        Binding("s", "label('smpc')", "Worker+SMPC"),
        Binding("m", "label('master')", "Label master", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, *, ttl_seconds: int = DEFAULT_TTL_SECONDS, name: str | None = None) -> None:
        super().__init__(name=name)
        self.ttl_seconds = ttl_seconds
        self.nodes: list[NodeInfo] = []
        self.join: JoinCommand | None = None

    def compose(self) -> ComposeResult:
        yield Static("Cluster nodes", id="nodes-title")
        yield RowTable(id="nodes")
        yield Static("", id="smpc", markup=False)
        yield Static(
            "Adding a worker? Press j for the command to run on it (then w here to label it).",
            id="join",
            markup=False,
        )
        yield Static("", id="nodes-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#nodes", DataTable)
        # Fixed widths: auto-sized columns depend on whether rows arrive before the first layout.
        table.add_column("Node", width=32)
        table.add_column("Ready", width=5)
        table.add_column("Labels", width=30)
        table.focus()
        self.action_refresh_nodes()

    # ------------------------------------------------------------------ nodes

    def action_refresh_nodes(self) -> None:
        self._status("Reading the nodes …")
        self._load_nodes()

    @work(thread=True, exclusive=True, group="nodes")
    def _load_nodes(self) -> None:
        try:
            nodes = list_nodes()
        except UserError as exc:
            call_if_shown(self, self._status, str(exc))
            return
        call_if_shown(self, self._show_nodes, nodes)

    def _show_nodes(self, nodes: list[NodeInfo]) -> None:
        self.nodes = nodes
        table = self.query_one("#nodes", DataTable)
        row = table.cursor_row
        table.clear()
        for node in nodes:
            table.add_row(node.name, "yes" if node.ready else "NO", ", ".join(node.mip_roles) or "-", key=node.name)
        if nodes:
            table.move_cursor(row=min(max(row, 0), len(nodes) - 1))
        players = smpc_players(nodes)
        smpc = self.query_one("#smpc", Static)
        if len(players) >= SMPC_MIN_PLAYERS:
            smpc.update(f"SMPC possible: {len(players)} smpc_player nodes ({', '.join(players)}).")
        else:
            smpc.update(
                f"SMPC needs {SMPC_MIN_PLAYERS} smpc_player nodes, this cluster has {len(players)} "
                "— select a node and press s to label it worker + smpc_player."
            )
        self._show_selection()

    def _selected(self) -> NodeInfo | None:
        table = self.query_one("#nodes", DataTable)
        if not self.nodes or not 0 <= table.cursor_row < len(self.nodes):
            return None
        return self.nodes[table.cursor_row]

    def action_label(self, kind: str) -> None:
        node = self._selected()
        if node is None:
            self.notify("No node selected — join a worker first (j shows the command).", severity="warning")
            return
        flags = {
            "worker": {"worker": True},
            "smpc": {"worker": True, "smpc_player": True},
            "master": {"master": True},
        }[kind]
        labels = labels_for(**flags)
        command = f"microk8s kubectl label node {node.name} {' '.join(labels)} --overwrite"

        def answered(yes: bool | None) -> None:
            if yes:
                self._label(node.name, flags)

        self.app.push_screen(
            ConfirmDialog(f"Label node {node.name} {' '.join(labels)}?", [command], yes="Label"), answered
        )

    @work(thread=True, exclusive=True, group="nodes-label")
    def _label(self, name: str, flags: dict[str, bool]) -> None:
        try:
            labels = label_node(
                name,
                worker=flags.get("worker", False),
                smpc_player=flags.get("smpc_player", False),
                master=flags.get("master", False),
                nodes=self.nodes,
            )
        except UserError as exc:
            call_in_ui(self.app, self.app.notify, str(exc), severity="error", timeout=10)
            return
        call_in_ui(self.app, self.app.notify, f"{name}: {' '.join(labels)}")
        call_if_shown(self, self.action_refresh_nodes)

    # ------------------------------------------------------------------ join command

    def action_join_command(self) -> None:
        self.query_one("#join", Static).update("Asking microk8s for a join token …")
        self._request_join()

    @work(thread=True, exclusive=True, group="nodes-join")
    def _request_join(self) -> None:
        from ...core.federation import request_join_command

        try:
            join = request_join_command(self.ttl_seconds)
        except UserError as exc:
            call_if_shown(self, self._show_join_text, str(exc))
            return
        call_if_shown(self, self._show_join, join)

    def _show_join(self, join: JoinCommand) -> None:
        self.join = join
        minutes = self.ttl_seconds // 60
        lines = [
            f"On the new worker run (valid {minutes} min; y copies it):",
            "",
            join.worker_command,
        ]
        if join.alternatives:
            lines += ["", "If it cannot reach that address, one of:", *join.alternative_worker_commands]
        lines += ["", "(In a shell on this machine, `mipwizard node join-command` prints a fresh one.)"]
        self._show_join_text("\n".join(lines))

    def _show_join_text(self, text: str) -> None:
        self.query_one("#join", Static).update(text)

    def action_copy_join(self) -> None:
        if self.join is None:
            self.notify("Press j first to get a join command.", severity="warning")
            return
        self.app.copy_to_clipboard(self.join.worker_command)
        self.notify("Join command copied (if your terminal allows it; otherwise select it with the mouse).")

    # ------------------------------------------------------------------ misc

    def action_back(self) -> None:
        self.app.pop_screen()

    def _status(self, text: str) -> None:
        self.query_one("#nodes-status", Static).update(text)

    @on(DataTable.RowHighlighted, "#nodes")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selection()

    def _show_selection(self) -> None:
        """One status text whichever comes first, the table fill or its highlight message."""
        node = self._selected()
        if node is None:
            self._status(f"{len(self.nodes)} nodes. w labels the selected node worker, s worker + smpc_player.")
            return
        labels = ", ".join(f"{k}={v}" for k, v in sorted(node.labels.items()) if "/" not in k) or "no MIP labels"
        self._status(f"{node.name}: {labels}")
