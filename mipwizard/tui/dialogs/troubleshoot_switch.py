"""Switch profile (from Troubleshoot): pick one of the 8, see what changes, deploy, watch recovery.

Deploy runs ``microk8s helm3 upgrade --install mip <chart> -f <chart>/.<profile>`` live in the
dialog, then the recovery watch until every pod is Ready (bounded). Helm itself is never killed
halfway (a half-done upgrade leaves the release stuck); the watch can be stopped at any time.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static

from ..widgets.live_log import LiveLog

if TYPE_CHECKING:
    from ...core.cluster.queries import ClusterQueries
    from ...core.cluster.switch import SwitchPlan

WATCH_TIMEOUT = 600.0


class SwitchProfileDialog(ModalScreen[bool]):
    """Dismisses with True when a deploy ran (the dashboard then refreshes)."""

    DEFAULT_CSS = """
    SwitchProfileDialog { align: center middle; }
    SwitchProfileDialog > Vertical {
        width: 100; max-width: 98%; height: 90%; border: thick $warning; background: $surface; padding: 0 1;
    }
    SwitchProfileDialog .title { text-style: bold; height: 1; }
    SwitchProfileDialog #profile { width: 100%; margin: 1 0 0 0; }
    SwitchProfileDialog #diff-box { height: 1fr; border: round $primary-darken-2; }
    SwitchProfileDialog #switch-log { display: none; }
    SwitchProfileDialog.running #diff-box { display: none; }
    SwitchProfileDialog.running #switch-log { display: block; }
    SwitchProfileDialog #switch-status { height: auto; max-height: 3; }
    SwitchProfileDialog Horizontal { height: auto; align-horizontal: right; }
    SwitchProfileDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(
        self,
        queries: ClusterQueries,
        *,
        chart: Path | None,
        answers_path: Path | None,
        current: str | None = None,
        watch_timeout: float = WATCH_TIMEOUT,
        watch_interval: float = 5.0,
    ) -> None:
        super().__init__()
        self.queries = queries
        self.chart = chart
        self.answers_path = answers_path
        self.current = current
        self.watch_timeout = watch_timeout
        self.watch_interval = watch_interval
        self.plan: SwitchPlan | None = None
        self.helm_running = False
        self.deployed = False
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        from ...core.profile_kinds import PROFILES

        options = [(f"{k.name}  ({k.describe()})", k.name) for k in PROFILES]
        with Vertical():
            yield Static("Switch the MIP to another profile", classes="title")
            yield Select(options, prompt="Choose a profile", id="profile", compact=True)
            with VerticalScroll(id="diff-box"):
                yield Static("Choose a profile to see what changes.", id="diff", markup=False)
            yield LiveLog(max_lines=2000, id="switch-log")
            yield Static("", id="switch-status", markup=False)
            with Horizontal():
                yield Button("Close", id="close", compact=True)
                yield Button("Deploy", id="deploy", variant="warning", compact=True, disabled=True)

    def on_mount(self) -> None:
        self._log = self.query_one("#switch-log", LiveLog)
        self.query_one("#profile", Select).focus()
        if self.current:
            self._say(f"Active profile: {self.current}")

    # --- plan ------------------------------------------------------------------------------------
    @on(Select.Changed, "#profile")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and not self.helm_running:
            self.query_one("#deploy", Button).disabled = True
            self._say(f"Comparing .{event.value} with what is deployed …")
            self._plan(event.value)

    @work(thread=True, exclusive=True, group="switch-plan")
    def _plan(self, profile: str) -> None:
        from ...core.cluster.switch import plan_switch
        from ...core.errors import UserError

        try:
            plan = plan_switch(profile, chart=self.chart, answers_path=self.answers_path, queries=self.queries)
        except UserError as exc:
            self.app.call_from_thread(self._say, str(exc))
            return
        self.app.call_from_thread(self._show_plan, plan)

    def _show_plan(self, plan: SwitchPlan) -> None:
        self.plan = plan
        if not self.is_attached:
            return
        diff = plan.diff or "(no change in values — deploying re-applies them)"
        self.query_one("#diff", Static).update(f"Compared with {plan.compared_with}:\n\n{diff}")
        self.query_one("#deploy", Button).disabled = False
        self._say("Will run: " + " ".join(plan.argv))

    # --- deploy + watch --------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "deploy" and self.plan is not None and not self.helm_running:
            self.add_class("running")
            event.button.disabled = True
            self.query_one("#profile", Select).disabled = True
            self.helm_running = True
            self._deploy(self.plan, self._cancel)
        elif event.button.id == "close":
            self.action_close()

    @work(thread=True, exclusive=True, group="switch-run")
    def _deploy(self, plan: SwitchPlan, cancel: threading.Event) -> None:
        from ...core.cluster.switch import remember_profile, run_switch
        from ...core.cluster.watch import WaitProgress, wait_ready

        call = self.app.call_from_thread
        self._log.feed(["$ " + " ".join(plan.argv)])
        result = run_switch(plan, on_lines=self._log.feed, privileged=self.queries.needs_sudo)
        self.helm_running = False
        if not result.ok:
            call(self._say, f"helm upgrade {result.describe()} — the previous profile stays deployed")
            return
        self.deployed = True
        remember_profile(self.answers_path, plan.profile)
        call(self._say, f"Profile .{plan.profile} deployed; waiting until every pod is Ready (Close stops waiting)")

        def progress(p: WaitProgress) -> None:
            waiting = ", ".join(p.not_ready[:4]) + (" …" if len(p.not_ready) > 4 else "")
            self._log.feed([p.summary + (f"  waiting for: {waiting}" if waiting else "")])

        outcome = wait_ready(
            self.queries, timeout=self.watch_timeout, interval=self.watch_interval, on_progress=progress, cancel=cancel
        )
        if outcome.ready:
            call(self._say, f"All Ready after {outcome.elapsed:.0f} s.")
        elif not outcome.cancelled:
            call(self._say, f"Still not ready after {outcome.elapsed:.0f} s: {', '.join(outcome.not_ready[:5])}")

    def action_close(self) -> None:
        if self.helm_running:
            self.notify("helm is running; stopping it halfway would leave the release stuck — wait a moment.")
            return
        self._cancel.set()
        self.dismiss(self.deployed)

    def _say(self, text: str) -> None:
        if not self.is_attached:
            return
        self.query_one("#switch-status", Static).update(text)
