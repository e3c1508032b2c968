"""The wizard app: step navigation, F1 help, command palette, quit confirmation, one worker-error handler.

``make_app`` builds it with injectable engine pieces (tests, snapshots, benchmarks);
``run_wizard`` is what ``mipwizard`` with no command calls. Only textual and light modules are
imported here: pydantic and the engine load in workers, after the first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerState

from ..resources import MissingResource, data_path
from .commands import WizardCommands
from .env import WizardEnv
from .screens.base import StepScreen
from .state import WizardState
from .widgets.step_bar import steps_for

if TYPE_CHECKING:
    from ..core.answers import Answers
    from .host import Wizard


# Each step's screen as "module:Class" under tui/screens, imported when first visited: the first
# frame only pays for Welcome.
STEP_SCREENS = {
    "Welcome": "welcome:WelcomeScreen",
    "Preflight": "preflight:PreflightScreen",
    "Network": "network:NetworkScreen",
    "Auth": "auth:AuthScreen",
    "Join": "join:JoinScreen",
    "Data": "engine_settings:DataEngineScreen",
    "Review": "review:ReviewScreen",
    "Install": "install:InstallScreen",
}


def make_step_screen(step: str) -> Screen[Any]:
    import importlib

    module, _, name = STEP_SCREENS[step].partition(":")
    screen_class = getattr(importlib.import_module(f"mipwizard.tui.screens.{module}"), name)
    return screen_class()  # type: ignore[no-any-return]


class WizardApp(App[int]):
    TITLE = "mipwizard"
    CSS_PATH = str(data_path("assets/wizard.tcss"))
    COMMANDS: ClassVar = App.COMMANDS | {WizardCommands}
    BINDINGS: ClassVar = [Binding("f1", "help", "Help", show=False)]
    # Screen classes for small terminals (wizard.tcss): below 78 columns the wide diagrams step aside.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (78, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (22, "-tall")]

    def __init__(self, env: WizardEnv, state: WizardState | None = None) -> None:
        super().__init__()
        self.env = env
        self.state = state or WizardState()
        self.answers: Answers | None = None  # validated by the Review step
        self.profiles_dir: Path | None = env.profiles_dir
        self.install_running = False
        self.saved_answers: Path | None = None
        self.past_passwords: list[str] = []  # sudo passwords replaced after a refusal: still masked
        self.crash: BaseException | None = None  # an unexpected error that stopped the app
        self.stop_on_signals = False  # run_wizard: SIGTERM/SIGHUP end the app like the CLI (143/129)
        self.stopped_by: int | None = None  # the signal that ended it

    def on_mount(self) -> None:
        if self.stop_on_signals:
            import asyncio
            import signal

            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(signum, self._stop_by_signal, signum)

    def _stop_by_signal(self, signum: int) -> None:
        """An SSH drop (SIGHUP) or a kill (SIGTERM): stop a running install (its commands' groups are
        killed), restore the terminal and exit 128 + signal, as the CLI does."""
        self.stopped_by = signum
        self.cancel_install()
        self.exit(128 + signum)

    def get_default_screen(self) -> Screen[Any]:
        """Welcome is the bottom of the stack: no empty default screen to build and paint first
        (a tenth of the first frame's cost). The other steps go on top of it, one at a time."""
        welcome = make_step_screen("Welcome")
        self.install_screen(welcome, "Welcome")
        return welcome

    # --- navigation ------------------------------------------------------------------------------
    def goto(self, step: str) -> None:
        if step == "Install":
            if self.answers is None:
                self.notify("Review the answers first: Install starts from the Review step.")
                return
            if self.is_screen_installed("Install") and not self.install_running:
                if self.screen is self.get_screen("Install"):
                    return
                self.uninstall_screen("Install")  # a fresh run each time Review sends us here
        while len(self.screen_stack) > 1 and not isinstance(self.screen, StepScreen):
            self.pop_screen()  # close dialogs and tools (troubleshoot, done) on top of the steps
        if step == "Welcome":
            while len(self.screen_stack) > 1:
                self.pop_screen()  # back to the bottom of the stack
            return
        if not self.is_screen_installed(step):
            self.install_screen(make_step_screen(step), step)
        if len(self.screen_stack) < 2:
            self.push_screen(step)  # a step after Welcome goes on top of it
        else:
            self.switch_screen(step)

    @property
    def steps(self) -> tuple[str, ...]:
        """The steps of the chosen role (a worker pastes a join command instead of Network and Auth)."""
        return steps_for(self.state.role)

    def go_next(self, step: str) -> None:
        steps = self.steps
        index = steps.index(step) if step in steps else 0
        if index + 1 < len(steps):
            self.goto(steps[index + 1])

    def go_back(self, step: str) -> None:
        steps = self.steps
        index = steps.index(step) if step in steps else 1
        if index > 0:
            self.goto(steps[index - 1])

    def role_changed(self) -> None:
        """The steps (and what they ask) depend on the role: later steps are rebuilt when next shown."""
        for step in STEP_SCREENS:
            if step == "Welcome" or not self.is_screen_installed(step):
                continue
            if step == "Install" and self.install_running:
                continue
            if self.screen is self.get_screen(step):
                continue
            self.uninstall_screen(step)

    # --- actions (keys and the command palette) ----------------------------------------------------
    def action_help(self) -> None:
        from .dialogs.help import HelpDialog

        if isinstance(self.screen, HelpDialog):
            return
        topic = getattr(self.screen, "HELP_TOPIC", "") or "wizard"
        self.push_screen(HelpDialog(topic))

    async def action_quit(self) -> None:
        if not (self.install_running or self.state.dirty):
            self.exit(0)
            return
        from .dialogs.confirm import ConfirmDialog

        if self.install_running:
            dialog = ConfirmDialog(
                "Quit mipwizard?",
                "The install is still running; quitting stops it halfway (a later run resumes it).",
                yes="Quit",
            )
        else:
            dialog = ConfirmDialog(
                "Quit mipwizard?",
                f"Your answers are not saved yet. Save them in {self.env.saved_answers_path()} "
                "(mipwizard --answers FILE picks up from there), or quit and lose them.",
                yes="Quit without saving", no="Cancel", also="Save and quit",
            )

        def decided(yes: bool | None) -> None:
            if dialog.chosen == "also":
                if self.save_answers_and_quit():
                    self.exit(0)
            elif yes:
                self.cancel_install()
                self.exit(0)

        self.push_screen(dialog, decided)

    def save_answers_and_quit(self) -> bool:
        """Save valid answers (secrets as the Review checkbox says); say why not and stay if invalid."""
        from ..core.answers import answers_from_mapping, save_answers
        from ..core.errors import UserError

        path = self.env.saved_answers_path()
        try:
            # secrets_optional: a secret nobody kept is asked for when it is needed, not to save
            answers = answers_from_mapping(self.state.to_mapping(), source="your answers", secrets_optional=True)
            save_answers(answers, path, include_secrets=self.state.save_secrets)
        except UserError as exc:
            first = exc.problems[0] if exc.problems else str(exc)
            self.notify(self.redact(f"{first} — fix it, or quit without saving"), title="Answers not saved",
                        severity="error", timeout=10)
            return False
        except OSError as exc:
            self.notify(self.redact(f"{path}: {exc.strerror or exc}"), title="Answers not saved", severity="error")
            return False
        self.state.dirty = False
        return True

    def cancel_install(self) -> None:
        """Ask a running install to stop: the runner kills the command's process group."""
        if self.is_screen_installed("Install"):
            cancel = getattr(self.get_screen("Install"), "cancel", None)
            if cancel is not None:
                cancel.set()

    def action_open_log(self) -> None:
        from .dialogs.log_view import LogViewDialog

        self.push_screen(LogViewDialog(self.env.log_path()))

    def action_rerun_preflight(self) -> None:
        self.goto("Preflight")
        screen = self.get_screen("Preflight")
        if screen.is_mounted:
            screen.action_rerun()  # type: ignore[attr-defined]

    def action_switch_profile(self) -> None:
        self.goto("Review")

        def focus() -> None:
            try:
                self.get_screen("Review").query_one("#active").focus()
            except Exception:  # not composed yet; the user can Tab to it
                return

        self.call_after_refresh(focus)

    def action_troubleshoot(self) -> None:
        self._push_tool("troubleshoot", "TroubleshootScreen")

    def action_data(self) -> None:
        s = self.state
        self._push_tool("data", "DataScreen", Path(s.data_root or "/data"), s.federation,
                        str(s.extra.get("admin_user") or "mipadmin"))

    def action_nodes(self) -> None:
        self._push_tool("nodes", "NodesScreen")

    def _push_tool(self, module: str, name: str, *args: Any) -> None:
        import importlib

        try:
            screen_class = getattr(importlib.import_module(f"mipwizard.tui.screens.{module}"), name)
        except (ImportError, AttributeError):
            self.notify(f"The {module} screen is not available in this version.", severity="warning")
            return
        self.push_screen(screen_class(*args))

    def on_command_palette_opened(self, event: Any) -> None:
        """The palette's magnifier is an emoji: the Linux console has no glyph for it (and it is 2 wide)."""
        from textual.command import SearchIcon

        for icon in self.screen.query(SearchIcon):
            icon.icon = ">"

    # --- engine glue -------------------------------------------------------------------------------
    def prefill(self, mapping: dict[str, Any], problems: dict[str, str] | None = None) -> None:
        self.state.load_mapping(mapping, problems)

    def write_profiles(self) -> None:
        from ..core.profiles import write_profiles

        assert self.answers is not None and self.profiles_dir is not None
        report = write_profiles(self.answers, self.profiles_dir)
        self.notify(
            f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.skipped)} skipped "
            f"in {self.profiles_dir}",
            title="Profiles",
        )

    def save_answers_after_run(self) -> bool:
        """Save the answers (0600) so `mipwizard install --answers` can replay this install.

        The file they came from is updated in place (comments and order kept) and so is the state
        folder's copy, which later commands read without flags. False (and a message) when refused.
        """
        from ..core.answers_file import update_answers_file

        if self.answers is None:
            return False
        targets = [self.env.saved_answers_path(), self.env.state_path() / "answers.yaml"]
        for path in dict.fromkeys(targets):
            try:
                update_answers_file(path, self.answers, include_secrets=self.state.save_secrets)
            except Exception as exc:  # UserError (refused, with the reason) or OSError
                self.notify(self.redact(str(exc)), title="Answers not saved", severity="error", timeout=15)
                return False
        self.saved_answers = targets[0]
        self.state.dirty = False
        return True

    def redact(self, text: str) -> str:
        from ..core.redact import Redactor

        secrets = [*self.state.secrets(), self.env.sudo_password or "", *self.past_passwords]
        return Redactor(secrets).redact(text)

    def on_worker_state_changed(self, event: Any) -> None:
        """The one place a worker's unexpected error is reported (secrets masked), the app stays up."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        message = self.redact(f"{error.__class__.__name__}: {error}")
        self.notify(message, title=f"{event.worker.name or 'A background task'} failed", severity="error",
                    timeout=15)
        if event.worker.group == "install":
            self.install_running = False


    def _handle_exception(self, error: Exception) -> None:
        """An error nothing handled stops the app: keep it for ``run_wizard``'s one-line report
        instead of Textual's full-screen traceback (which may show secrets held in locals). The
        first one is the cause: a screen failing while the app closes after it is only a consequence."""
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)
        self._exit_renderables.clear()


if TYPE_CHECKING:

    def _implements_wizard(app: WizardApp) -> Wizard:
        return app  # mypy: WizardApp has everything the screens may ask of it


def make_app(
    answers_file: str | Path | None = None,
    profiles_dir: str | Path | None = None,
    *,
    env: WizardEnv | None = None,
    **env_fields: Any,
) -> WizardApp:
    """The wizard with injectable engine pieces (see ``WizardEnv``); defaults are the real machine."""
    if env is None:
        env = WizardEnv(**env_fields)
    if answers_file is not None:
        env.answers_file = Path(answers_file)
    if profiles_dir is not None:
        env.profiles_dir = Path(profiles_dir)
    return WizardApp(env)


MACHINE_ENV = "MIPWIZARD_MACHINE"  # a synthetic machine file: the wizard probes it instead of this machine


def run_wizard(answers_file: str | None = None, profiles_dir: str | None = None) -> int:
    import os

    if not Path(WizardApp.CSS_PATH).is_file():  # a broken install: say so before Textual's CSS error
        import sys

        print(f"error: {MissingResource('assets/wizard.tcss')}", file=sys.stderr)
        return 1
    machine = os.environ.get(MACHINE_ENV)
    app = make_app(answers_file, profiles_dir, machine_file=Path(machine) if machine else None)
    app.stop_on_signals = True
    code = app.run()
    if app.crash is not None:
        return report_crash(app.crash, app.redact)
    if app.stopped_by is not None:
        import signal
        import sys

        print(f"stopped by {signal.Signals(app.stopped_by).name}", file=sys.stderr)
        return 128 + app.stopped_by
    return int(code or 0)


def report_crash(error: BaseException, redact: Callable[[str], str]) -> int:
    """Write the traceback (secrets masked) to the wizard's log; print one line naming it. Exit code 1."""
    import sys
    import traceback

    from ..core.logfile import LogFile
    from ..core.paths import log_dir

    path = log_dir() / "wizard.log"
    summary = redact(f"{type(error).__name__}: {error}".splitlines()[0])
    try:
        with LogFile(path) as log:
            log.note(f"the wizard stopped on an unexpected error: {summary}")
            log.write_lines(redact("".join(traceback.format_exception(error))).splitlines())
        where = f"details in {path}"
    except OSError as exc:
        where = f"no details saved: cannot write {path} ({exc.strerror})"
    print(f"error: the wizard stopped on an unexpected error ({summary}) — {where}", file=sys.stderr)
    return 1
