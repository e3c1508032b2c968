"""Install: the step checklist on the left, the live log of the running command on the right.

The engine runs in a thread worker. Its typed events (``core.install.events``) reach the screen as
typed Textual messages (``InstallScreen.EngineEvent``, ``InstallScreen.RunFinished``) posted from
that thread and handled on the UI thread by matching the event's class. Output batches are the
exception: they go straight into the bounded ``LiveLog`` from that thread (thread-safe, coalescing),
with each step's title line, so the log keeps the engine's order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from ...core.install.events import InstallEvent, InstallResult, StepFinished, StepOutput, StepStarted
from ..widgets.key_hints import KeyHints
from ..widgets.live_log import LiveLog
from ..widgets.step_bar import STEPS, StepBar
from .base import StepScreen

ICONS = {
    "pending": ("[    ]", "dim"),
    "running": ("[ >> ]", "bold cyan"),
    "done": ("[done]", "green"),
    "already": ("[ ok ]", "green"),
    "skipped": ("[skip]", "yellow"),
    "failed": ("[FAIL]", "bold red"),
    "warning": ("[warn]", "bold yellow"),
}


def format_seconds(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class InstallScreen(StepScreen):
    DEFAULT_CSS = """
    #install-body { height: 1fr; }
    #checklist {
        text-wrap: nowrap; text-overflow: ellipsis; width: 34%; min-width: 31; max-width: 48; height: 1fr;
        padding: 0 1; border: round $primary-darken-2;
    }
    #live-log { width: 1fr; }
    #failure { height: auto; max-height: 10; padding: 0 1; border: round $error; display: none; }
    #log-path { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    STEP = "Install"
    HELP_TOPIC = "install"
    HINTS = (("l", "full log"), ("Tab", "move"))
    BINDINGS = [Binding("l", "open_log", "Full log")]

    @dataclass
    class EngineEvent(Message, bubble=False):
        """One engine event, posted from the install worker's thread."""

        event: InstallEvent

    @dataclass
    class RunFinished(Message, bubble=False):
        """The engine returned (or raised, then ``result`` says so): the run is over."""

        result: InstallResult

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[str, str]] = []
        self.outcome: dict[str, str] = {}
        self.seconds: dict[str, float] = {}
        self.started_at: dict[str, float] = {}
        self.current: str | None = None
        self.failed_step: str | None = None
        self.result: InstallResult | None = None
        self.sudo_rejected = False  # the failed step's sudo refused the password: Retry asks again
        self.cancel = threading.Event()
        self.running = False

    def compose(self) -> ComposeResult:
        yield StepBar(self.STEP, self.wizard.steps)
        with Horizontal(id="install-body"):
            yield Static("", id="checklist")
            yield LiveLog(id="live-log")
        # A failed step's whole reason, wrapped (the one-line bar below would cut it at 80 columns).
        yield Static("", id="failure", markup=False)
        yield Static(f"Log: {self.wizard.env.log_path()}", id="log-path", markup=False)
        with Horizontal(id="nav"):
            yield Button("Retry", id="retry", compact=True, variant="primary")
            yield Button("Skip step", id="skip", compact=True, variant="warning")
            yield Static("", id="reason")
            yield Button("Full log", id="open-log", compact=True)
        yield KeyHints(self.HINTS)

    def on_mount(self) -> None:
        self.query_one("#retry").display = False
        self.query_one("#skip").display = False
        answers = self.wizard.answers
        self.steps = [(step.id, step.title) for step in self.wizard.env.install_plan(answers)]
        self.render_checklist()
        if self.wizard.env.show_elapsed:
            self.set_interval(1.0, self.render_checklist)
        self.start(None)

    # --- running ---------------------------------------------------------------------------------
    def start(self, from_step: str | None) -> None:
        self.failed_step = None
        self.cancel.clear()
        self.running = True
        self.wizard.install_running = True
        self.query_one("#retry").display = False
        self.query_one("#skip").display = False
        self.query_one("#reason", Static).update("Installing… (l opens the full log)")
        self.query_one("#failure").display = False
        self.run_install(from_step)

    @work(thread=True, exclusive=True, group="install", exit_on_error=False)
    def run_install(self, from_step: str | None) -> None:
        log = self.query_one(LiveLog)

        def on_event(event: InstallEvent) -> None:
            # The log is fed here, in the engine's order (a step's title before its output).
            if isinstance(event, StepOutput):
                log.feed(event.lines)
                return
            if isinstance(event, StepStarted):
                log.feed([f"==> {event.title}"])
            self.post_message(self.EngineEvent(event))

        handle = self.wizard.env.make_installer(self.wizard.answers, on_event)
        result = handle.run(from_step=from_step, cancel=self.cancel)
        self.post_message(self.RunFinished(result))

    def on_install_screen_engine_event(self, message: EngineEvent) -> None:
        match message.event:
            case StepStarted(step_id=step_id, title=title):
                self.current = step_id
                self.outcome[step_id] = "running"
                self.started_at[step_id] = self.wizard.env.clock()
                if step_id not in dict(self.steps):
                    self.steps.append((step_id, title))
            case StepFinished(step_id=step_id, outcome=outcome, seconds=seconds):
                if outcome == "skipped" and self.outcome.get(step_id) in ("done", "already", "skipped", "warning"):
                    return  # a resumed run passes over the steps already finished
                self.outcome[step_id] = outcome
                self.seconds[step_id] = float(seconds or 0)
                if outcome == "failed":
                    self.failed_step = step_id
            case _:  # StepOutput went straight to the log; PlanFinished is followed by RunFinished
                return
        self.render_checklist()

    def on_install_screen_run_finished(self, message: RunFinished) -> None:
        self.finished(message.result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The engine raised instead of returning a result: show it as a failed run (Retry works)."""
        if event.worker.group != "install" or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        message = self.wizard.redact(f"mipwizard error: {error.__class__.__name__}: {error}")
        self.finished(InstallResult(ok=False, failed_step=self.current or (self.steps[0][0] if self.steps else None),
                                    message=message))

    def finished(self, result: InstallResult) -> None:
        self.result = result
        self.running = False
        self.wizard.install_running = False
        self.query_one(LiveLog).drain()
        self.wizard.save_answers_after_run()
        if result.ok:
            self.app.push_screen(DoneScreen(result))
            return
        self.failed_step = result.failed_step or self.failed_step
        message = result.message or "the install stopped"
        title = dict(self.steps).get(self.failed_step or "", "")
        if title:
            self.query_one(LiveLog).feed([f"==> FAILED: {title}", f"    {message}"])
        self.sudo_rejected = sudo_refused(message, list(self.query_one(LiveLog).lines)[-40:])
        if self.sudo_rejected:
            message = "sudo refused the password — Retry asks for it again"
        self.query_one("#reason", Static).update(Text(f"Failed: {message}", style="bold red"))
        failure = self.query_one("#failure", Static)
        failure.update(Text.assemble(("FAILED", "bold red"), f" {title or self.failed_step or 'the install'}\n",
                                     message, "\nFix the cause, then Retry (it resumes at this step)."))
        failure.display = True
        self.query_one("#retry").display = self.failed_step is not None
        self.query_one("#skip").display = self.failed_step is not None
        self.query_one("#retry", Button).focus()
        self.render_checklist()

    # --- the checklist -------------------------------------------------------------------------------
    def render_checklist(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")  # one line per step, long titles cut
        now = self.wizard.env.clock()
        checklist = self.query_one("#checklist", Static)
        narrow = 0 < checklist.size.width < 40  # at 80 columns the short step ids read better
        for step_id, title in self.steps:
            if narrow:
                title = step_id
            state = self.outcome.get(step_id, "pending")
            icon, style = ICONS.get(state, ICONS["pending"])
            text.append(icon, style=style)
            text.append(f" {title}")
            if state == "running" and self.wizard.env.show_elapsed:
                text.append(f"  {format_seconds(now - self.started_at.get(step_id, now))}", style="dim")
            elif step_id in self.seconds and self.wizard.env.show_elapsed:
                text.append(f"  {format_seconds(self.seconds[step_id])}", style="dim")
            text.append("\n")
        checklist.update(text)

    def on_resize(self) -> None:
        self.call_after_refresh(self.render_checklist)

    # --- actions ---------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "retry":
            self.action_retry()
        elif event.button.id == "skip":
            self.action_skip()
        elif event.button.id == "open-log":
            self.action_open_log()

    def action_retry(self) -> None:
        if not self.failed_step or self.running:
            return
        if self.sudo_rejected:
            self.ask_password_then_retry()
            return
        self.query_one(LiveLog).feed([f"==> retrying from {self.failed_step}"])
        self.start(self.failed_step)

    def ask_password_then_retry(self) -> None:
        import getpass

        from ..dialogs.password import SudoPasswordDialog

        env = self.wizard.env

        def entered(password: str | None) -> None:
            if not password or not self.failed_step:
                return  # cancelled: stay on the failure, Retry asks again
            if env.sudo_password:
                self.wizard.past_passwords.append(env.sudo_password)  # still masked if it shows up later
            env.sudo_password = password
            self.sudo_rejected = False
            self.query_one(LiveLog).feed([f"==> retrying from {self.failed_step} with the new sudo password"])
            self.start(self.failed_step)

        self.app.push_screen(SudoPasswordDialog(getpass.getuser(), retry=True), entered)

    def action_skip(self) -> None:
        if not self.failed_step or self.running:
            return
        from ..dialogs.confirm import ConfirmDialog

        step = self.failed_step
        title = dict(self.steps).get(step, step)

        def decided(yes: bool | None) -> None:
            if not yes:
                return
            self.outcome[step] = "skipped"
            ids = [s for s, _ in self.steps]
            following = ids[ids.index(step) + 1] if step in ids and ids.index(step) + 1 < len(ids) else None
            self.render_checklist()
            if following is None:
                self.query_one("#reason", Static).update("Nothing left to run.")
                return
            self.query_one(LiveLog).feed([f"==> skipped {title}, continuing"])
            self.start(following)

        self.app.push_screen(
            ConfirmDialog(
                "Skip this step?",
                f"“{title}” failed. Skipping it may leave the MIP broken; "
                "only skip what you have done by hand.",
                yes="Skip it",
            ),
            decided,
        )

    def action_open_log(self) -> None:
        self.wizard.action_open_log()

    def blocker(self) -> str | None:
        return None


SUDO_REFUSED = ("incorrect password", "a password is required", "no password was provided")


def sudo_refused(message: str, lines: list[str]) -> bool:
    """True when sudo itself rejected the password (its messages, in the failure or the last output)."""
    for text in (message, *lines):
        low = text.lower()
        if "sudo" in low and any(mark in low for mark in SUDO_REFUSED):
            return True
    return False


MASTER_NEXT = (
    "Next: join the federation's workers.\n"
    "  1. Here, run `mipwizard node join-command` (or Ctrl+P → Nodes) for a join line.\n"
    "  2. On each worker, run `mipwizard`, choose Federation worker and paste it in the Join step.\n"
    "  3. Back here, label each worker: `mipwizard node label NAME --worker` (or the Nodes screen)."
)


class DoneScreen(Screen[None]):
    """The install finished: where the MIP is, and how to replay this install headless."""

    DEFAULT_CSS = """
    #done { padding: 1 2; }
    #done .title { text-style: bold; color: $success; margin-bottom: 1; }
    #done Static { margin-bottom: 1; }
    """
    BINDINGS = [Binding("q", "app.quit", "Quit"), Binding("l", "app.open_log", "Full log")]

    def __init__(self, result: InstallResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        yield StepBar("Install", getattr(self.app, "steps", None) or STEPS)
        url = self.result.url or ""
        saved = getattr(self.app, "saved_answers", None)
        state = getattr(self.app, "state", None)
        worker = state is not None and state.role == "worker"
        with VerticalScroll(id="done"):  # scrolls on a small terminal: Quit stays reachable
            if worker:
                yield Static("This worker has joined the cluster.", classes="title")
                message = self.result.message or ""
                _, found, command = message.partition("run: ")
                if found:
                    yield Static(Text.assemble("Now, on the master, run:\n  ", (command.strip(), "bold")),
                                 id="label")
            else:
                yield Static("The MIP is installed and running.", classes="title")
            if url:
                yield Static(Text.assemble("Open it at: ", (url, "bold underline")), id="url")
            for warning in self.result.warnings:  # e.g. the login check: a fix on the Keycloak side
                yield Static(Text.assemble(("Warning: ", "bold yellow"), warning), classes="warning")
            if saved:
                text = f"Your answers are saved in {saved}.\nReplay this install with:\n" \
                       f"  mipwizard install --answers {saved}"
                if state is not None and worker and state.join_command.strip() and not state.save_secrets:
                    text += "\n(the join command was left out: a token works once, get a new one on the master)"
                elif state is not None and state.secrets() and not state.save_secrets:
                    text += "\n(the client secrets were left out: add them to the file before replaying)"
                yield Static(text, id="replay")
            if state is not None and state.role == "master":
                yield Static(MASTER_NEXT, id="next-steps")
            if not worker:
                yield Static("Later, run `mipwizard` again to edit the profiles or troubleshoot.", classes="hint")
            yield Static(f"Log: {self.app.env.log_path()}" if hasattr(self.app, "env") else "", classes="hint",
                         markup=False)
            yield Button("Quit", id="quit", variant="primary", compact=True)
        yield KeyHints((("q", "quit"), ("l", "full log")))

    def on_mount(self) -> None:
        self.query_one("#quit", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "quit":
            self.app.exit(0)
