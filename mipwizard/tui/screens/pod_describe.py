"""One pod described: conditions, each container's state and last state, mounts, recent events.

Read in a thread (one ``get pods -n NS`` and the events), r reads again; the text comes from the
engine's ``describe_pod`` so the CLI and this screen say the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from .tool_workers import call_if_shown

if TYPE_CHECKING:
    from ...core.cluster.queries import ClusterQueries
    from ...core.redact import Redactor


class PodDescribeScreen(Screen[None]):
    DEFAULT_CSS = """
    PodDescribeScreen #describe-title { height: 1; padding: 0 1; text-style: bold; }
    PodDescribeScreen #describe-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "back", "Back"), Binding("r", "reload", "Reload")]

    def __init__(self, queries: ClusterQueries, pod: str, namespace: str, *, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.queries = queries
        self.pod = pod
        self.namespace = namespace
        self.redactor = redactor
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(f"Describe {self.namespace}/{self.pod}", id="describe-title", markup=False)
        with VerticalScroll(id="describe-scroll"):
            yield Static("Reading …", id="describe-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#describe-scroll").focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="pod-describe")
    def _read(self) -> None:
        from ...core.cluster.describe import describe_pod
        from ...core.cluster.queries import ClusterUnreachable
        from ...core.cluster.readers import ReaderError

        try:
            pod = next((p for p in self.queries.pods(self.namespace) if p.name == self.pod), None)
            events = self.queries.events() if pod is not None else []
        except (ReaderError, ClusterUnreachable) as exc:
            call_if_shown(self, self._show, [f"Cannot read the pod: {exc}", "r: try again"])
            return
        if pod is None:
            call_if_shown(self, self._show, [f"Pod {self.namespace}/{self.pod} is gone (restarted?)."])
            return
        call_if_shown(self, self._show, describe_pod(pod, events))

    def _show(self, lines: list[str]) -> None:
        self.lines = lines
        if not self.is_attached:
            return
        text = "\n".join(lines)
        if self.redactor is not None:
            text = self.redactor.redact(text)
        self.query_one("#describe-body", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
