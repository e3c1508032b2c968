"""One pod: its live log (``kubectl logs -f``), container choice, pause, search, and its events;
p shows the previous container (the one that crashed), i the pod described.

The log streams through the shared ``ProcessRunner`` (batched, redacted) into the bounded
``LiveLog`` widget; a paused log keeps at most as many lines as the widget shows.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static

from ..widgets.live_log import DEFAULT_MAX_LINES, LiveLog
from .tool_workers import call_if_shown

if TYPE_CHECKING:
    from ...core.cluster.queries import ClusterQueries
    from ...core.redact import Redactor

TAIL_LINES = 1000  # history shown when the log opens; then it follows


class PodLogScreen(Screen[None]):
    DEFAULT_CSS = """
    PodLogScreen { layout: vertical; }
    PodLogScreen #pod-head { height: 1; padding: 0 1; }
    PodLogScreen #pod-title { width: 1fr; text-style: bold; }
    PodLogScreen #container { width: 30; height: 1; }
    PodLogScreen #events { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
    PodLogScreen #search { dock: bottom; display: none; }
    PodLogScreen #search.shown { display: block; }
    PodLogScreen #log-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("space", "pause", "Pause"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match", "Next match", show=False),
        Binding("c", "next_container", "Container"),
        Binding("p", "previous", "Prev"),
        Binding("i", "describe", "Describe"),
        Binding("e", "load_events", "Events", show=False),
        Binding("r", "follow_again", "Follow again", show=False),
    ]

    def __init__(
        self,
        queries: ClusterQueries,
        pod: str,
        namespace: str,
        containers: list[str],
        *,
        container: str | None = None,
        redactor: Redactor | None = None,
        max_lines: int = DEFAULT_MAX_LINES,
    ) -> None:
        super().__init__()
        self.queries = queries
        self.pod = pod
        self.namespace = namespace
        self.containers = containers or [""]
        self.container = container if container in self.containers else self.containers[0]
        self.redactor = redactor
        self.max_lines = max_lines
        self.paused = False
        self._held: deque[str] = deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._query = ""
        self._match = -1
        self.streamed = 0  # lines received (tests and the status line)
        self.children_started = 0  # `kubectl logs -f` runs started (tests)
        self.ended = False  # the followed log finished (the container stopped)
        self.previous = False  # showing the container instance that ended last, not the live one

    def compose(self) -> ComposeResult:
        with Horizontal(id="pod-head"):
            yield Static(f"{self.namespace}/{self.pod}", id="pod-title", markup=False)
            if len(self.containers) > 1:
                options = [(name, name) for name in self.containers]
                yield Select(options, value=self.container, allow_blank=False, id="container", compact=True)
        yield LiveLog(max_lines=self.max_lines, id="pod-log")
        yield Static("Events: reading …", id="events", markup=False)
        yield Input(placeholder="search the log (Enter: find, Escape: close)", id="search")
        yield Static("", id="log-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._log = self.query_one(LiveLog)  # the reader thread feeds it without touching the DOM
        self._log.focus()
        self._start()
        self.action_load_events()

    def on_unmount(self) -> None:
        self._cancel.set()

    # --- streaming -------------------------------------------------------------------------------
    def _start(self) -> None:
        self._cancel.set()
        self._cancel = threading.Event()
        self.query_one(LiveLog).clear()
        with self._lock:
            self._held.clear()
        self.ended = False
        self._status()
        self._stream(self.container, self._cancel, self.previous)

    @work(thread=True, group="pod-log")
    def _stream(self, container: str, cancel: threading.Event, previous: bool = False) -> None:
        from ...core.cluster.access import logs_argv
        from ...core.redact import Redactor
        from ...core.runner import ProcessRunner

        argv = self.queries.privileged(
            logs_argv(
                self.pod,
                self.namespace,
                container=container or None,
                follow=not previous,
                tail=TAIL_LINES,
                previous=previous,
            )
        )
        runner = ProcessRunner(redactor=self.redactor or Redactor(), batch_lines=50_000, batch_seconds=0.1)
        self.children_started += 1
        result = runner.run(argv, on_lines=lambda lines: self._arrived(lines, cancel), cancel=cancel)
        if not cancel.is_set():
            if previous:
                end = "end of its log" if result.ok else "no previous container (none ended yet)"
            else:
                end = (
                    "log ended (container stopped; r: follow again)"
                    if result.ok
                    else f"kubectl logs {result.describe()}"
                )
            self.ended = True
            call_if_shown(self, self._status, end)

    def _arrived(self, lines: list[str], cancel: threading.Event) -> None:
        """Runner's reader thread: to the widget, or held (bounded) while paused."""
        if cancel.is_set():  # an old container's stream, or the screen is closing
            return
        self.streamed += len(lines)
        with self._lock:
            if self.paused:
                self._held.extend(lines)
                return
        self._log.feed(lines)

    # --- actions ---------------------------------------------------------------------------------
    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_class("shown"):
            search.remove_class("shown")
            self.query_one(LiveLog).focus()
            return
        self._cancel.set()
        self.app.pop_screen()

    def action_follow_again(self) -> None:
        self.previous = False
        self._start()
        self.action_load_events()

    def action_previous(self) -> None:
        """The log of the container instance that ended last (why it crashed); p again: live."""
        self.previous = not self.previous
        self._start()

    def action_describe(self) -> None:
        from .pod_describe import PodDescribeScreen

        self.app.push_screen(PodDescribeScreen(self.queries, self.pod, self.namespace, redactor=self.redactor))

    def action_pause(self) -> None:
        with self._lock:
            self.paused = not self.paused
            held = list(self._held) if not self.paused else []
            self._held.clear()
        if held:
            self.query_one(LiveLog).feed(held)
        self._status()

    def action_next_container(self) -> None:
        if len(self.containers) < 2:
            self.notify("This pod has one container.")
            return
        index = (self.containers.index(self.container) + 1) % len(self.containers)
        self.query_one("#container", Select).value = self.containers[index]

    @on(Select.Changed, "#container")
    def _container_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.container:
            self.container = event.value
            self._start()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("shown")
        search.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._query = event.value.strip()
        self._match = -1
        self.query_one("#search", Input).remove_class("shown")
        self.query_one(LiveLog).focus()
        self.action_next_match()

    def action_next_match(self) -> None:
        if not self._query:
            self.action_search()
            return
        log = self.query_one(LiveLog)
        lines = log.lines
        needle = self._query.lower()
        start = self._match + 1
        order = [*range(start, len(lines)), *range(0, min(start, len(lines)))]
        for index in order:
            if needle in lines[index].lower():
                self._match = index
                if not self.paused:
                    self.action_pause()  # keep the match on screen while new lines arrive
                log.scroll_to(y=max(0, index - 2), animate=False)
                self._status(f"match at line {index + 1}: n for the next, space to resume")
                return
        self._status(f"no line contains {self._query!r}")

    def action_load_events(self) -> None:
        self._events()

    @work(thread=True, exclusive=True, group="pod-events")
    def _events(self) -> None:
        from ...core.cluster.describe import about_pod
        from ...core.cluster.health import pod_events
        from ...core.cluster.queries import ClusterUnreachable
        from ...core.cluster.readers import Pod, ReaderError

        try:
            pod = Pod({"metadata": {"name": self.pod, "namespace": self.namespace}})
            events = pod_events(pod, self.queries.events())
        except (ReaderError, ClusterUnreachable) as exc:
            call_if_shown(self, self._show_events, [f"(events unavailable: {exc})"])
            return
        text = [
            f"{e.when[11:19] or '--:--:--'} {e.type[:7]:7} {e.reason}: {about_pod(e.message)[:150]}"
            for e in events[-5:]
        ]
        call_if_shown(self, self._show_events, text or ["no recent events"])

    def _show_events(self, lines: list[str]) -> None:
        if not self.is_attached:
            return
        text = "\n".join(lines)
        if self.redactor is not None:
            text = self.redactor.redact(text)
        self.query_one("#events", Static).update("Events:\n" + text)

    def _status(self, extra: str = "") -> None:
        if not self.is_attached:
            return
        state = "PAUSED (space resumes)" if self.paused else "" if self.ended else "following"
        if self.previous:
            state = "PREVIOUS container (p: live)" + (" · paused" if self.paused else "")
        where = f"container {self.container}" if self.container else ""
        parts = [p for p in (state, where, extra) if p]
        for status in self.query("#log-status").results(Static):  # none while the screen is closing
            status.update(" · ".join(parts))
