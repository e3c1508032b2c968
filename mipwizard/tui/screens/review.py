"""Review: the files to be written, a diff against disk (secrets masked), the active profile."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import Button, Select, Static

from ..widgets.field import Field
from ..widgets.toggles import Checkbox
from . import review_apply
from .review_apply import colour_diff


def review_facts(mapping: dict[str, Any], profiles_dir: Path | None) -> dict[str, Any]:
    """Validate the answers and compare the rendered profiles with disk (runs in a worker)."""
    from ...core.answers import answers_from_mapping
    from ...core.errors import UserError
    from ...core.profile_kinds import profile_kind
    from ...core.profiles import diff_profiles, render_all

    try:
        answers = answers_from_mapping(mapping, source="your answers")
    except UserError as exc:
        return {"problems": exc.problems or [str(exc)]}
    from ...core.releases import ValuesModel
    from ...core.releases.pins import mip_chart_dir, release_of
    from ...core.releases.writers import release_summary, writer_files

    target = profiles_dir or mip_chart_dir(answers)
    rendered = render_all(answers)
    diffs = diff_profiles(answers, target)
    writers = []
    for writer in writer_files(answers):  # the release's other files: overlays, realm import
        diff = writer.diff()
        state = "install" if writer.text is None else ("changed" if diff and writer.path.exists() else
                                                        "new" if diff else "same")
        writers.append((str(writer.path), state, writer.what))
        if diff:
            diffs[str(writer.path)] = diff
    files = []
    for name in rendered.files:
        state = "same" if name not in diffs else ("changed" if (target / name).exists() else "new")
        files.append((name, state, profile_kind(name).describe()))
    release = release_of(answers)
    if release.values_model is ValuesModel.VALUES_9:  # no profile files: one values file from the answers
        target = mip_chart_dir(answers)
        files = [f for f in files if release.supports(profile_kind(f[0]).auth)]
        diffs = {k: v for k, v in diffs.items() if k.startswith("/")}  # the writers' files, not profiles
    return {
        "answers": answers,
        "release": release_summary(answers),
        "profiles_used": release.values_model is not ValuesModel.VALUES_9,
        "writers": writers,
        "target": target,
        "files": files,
        "skipped": dict(rendered.skipped),
        "diffs": diffs,
        # Writing into a folder that does not exist yet would make the install's clone fail there.
        "target_exists": target.is_dir() and release.values_model is not ValuesModel.VALUES_9,
    }


def worker_facts(mapping: dict[str, Any], plan: Any) -> dict[str, Any]:
    """A worker writes no profile: validate the answers and list what the install will do."""
    from ...core.answers import answers_from_mapping
    from ...core.errors import UserError

    try:
        answers = answers_from_mapping(mapping, source="your answers")
    except UserError as exc:
        return {"problems": exc.problems or [str(exc)]}
    steps = plan(answers)
    return {
        "answers": answers,
        "target": None,
        "plan": steps,
        "steps": [step.title for step in steps],
        "after": getattr(steps[-1], "done_message", "") if steps else "",
        "folders": [str(answers.data_root / answers.federation / p) for p in answers.pathologies],
    }


def worker_summary(facts: dict[str, Any]) -> Text:
    text = Text()
    text.append("This machine joins the federation's cluster as a worker. It writes no profile: "
                "the master's profiles hold the addresses and the login.\n\n")
    text.append("Data folders: ", style="bold")
    text.append(", ".join(facts["folders"]) + "\n")
    after = str(facts.get("after") or "")
    if after:
        text.append("\nAfterwards, ", style="bold")
        text.append(after.removeprefix("this worker joined the cluster — now, ") + "\n")
    text.rstrip()
    return text


class ReviewScreen(review_apply.ReviewSteps):
    DEFAULT_CSS = """
    Select { width: 1fr; max-width: 72; margin-bottom: 1; }
    Checkbox { margin: 0 0 1 0; }
    #files, #plan { text-wrap: nowrap; text-overflow: ellipsis; }  /* a command is cut with …, never wrapped */
    .diff { margin-top: 1; }
    """
    STEP = "Review"
    HELP_TOPIC = "review"
    NEXT_LABEL = "Install >"

    def __init__(self) -> None:
        super().__init__()
        self.facts: dict[str, Any] = {}
        self.generation = 0  # of the newest recheck (see recheck)
        self.generation_lock = threading.Lock()

    def compose_body(self) -> ComposeResult:
        yield Static("Checking your answers…", id="target")
        yield from review_apply.compose_secrets()
        yield Static("", id="files")
        yield Static("Release (what is checked out and deployed):", classes="question")
        from ...core.releases import CATALOGUE, DEFAULT_RELEASE

        yield Select[str]([(f"{r.name} — {r.note}"[:68], r.name) for r in CATALOGUE], id="release",
                          value=self.wizard.state.extra.get("release") or DEFAULT_RELEASE.name,
                          allow_blank=False, compact=True)
        yield Static("Active profile (the one installed):", classes="question")
        yield Select[str]([], id="active", allow_blank=True, compact=True)
        yield Checkbox("Also keep the client secrets in the saved answers file (mode 0600)", id="save-secrets",
                       value=self.wizard.state.save_secrets, compact=True)
        yield from review_apply.compose_actions()
        yield Static("", id="host-checks")
        yield Static("", id="plan", classes="diff")
        yield Static("", id="diff", classes="diff")

    def on_mount(self) -> None:
        super().on_mount()
        self.recheck()

    def on_screen_resume(self) -> None:
        if self.query("#files"):  # resumed before the first compose: on_mount checks
            self.recheck()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def recheck(self) -> None:
        # Rechecks overlap (mount, resume, a changed release): only the newest one's facts are shown,
        # or a slower, older one would put the previous answers back on the screen.
        with self.generation_lock:
            self.generation = generation = self.generation + 1
        if self.wizard.state.role == "worker":
            facts = worker_facts(self.wizard.state.to_mapping(), self.wizard.env.install_plan)
            self.add_plan_lines(facts)
            self.app.call_from_thread(self.show_newest, generation, facts)
            return
        facts = review_facts(self.wizard.state.to_mapping(), self.wizard.profiles_dir)
        if "answers" in facts:
            facts["plan"] = self.wizard.env.install_plan(facts["answers"])
            facts["host_checks"] = self.host_checks(facts["answers"])
            self.add_plan_lines(facts)
        self.app.call_from_thread(self.show_newest, generation, facts)

    def show_newest(self, generation: int, facts: dict[str, Any]) -> None:
        if generation == self.generation:
            self.show(facts)

    def add_plan_lines(self, facts: dict[str, Any]) -> None:
        """The dry-run listing of the plan (in the worker: the recording runner reads the checkouts)."""
        from ..widgets.plan_listing import dry_run_lines

        if facts.get("plan"):
            facts["plan_lines"] = dry_run_lines(facts["plan"], facts["answers"], self.wizard.env.install_settings)

    def host_checks(self, answers: Any) -> list[Any]:
        """The preflight of the main IP and the FQDN, with these answers (runs in the worker)."""
        from ...core.preflight import NETWORK_IDS

        preflight = self.app.get_screen("Preflight") if self.app.is_screen_installed("Preflight") else None
        ignored = sorted(getattr(preflight, "ignored", set()))
        return list(self.wizard.env.checks(self.wizard.state.role, ignored, answers, only=NETWORK_IDS))

    def show(self, facts: dict[str, Any]) -> None:
        self.facts = facts
        target = self.query_one("#target", Static)
        only_secrets = review_apply.show_secrets(self, facts.get("problems", []))
        if "problems" in facts:
            first = "Type the missing secret below:" if only_secrets else "Fix these answers first (use Back):"
            target.update(Text(first + "\n" + "\n".join(facts["problems"]), style="bold"))
            self.query_one("#files", Static).update("")
            self.query_one("#write-actions").display = False  # nothing valid to write yet
            self.refresh_next()
            return
        if "steps" in facts:
            self.show_worker(facts)
            return
        target.update(f"Release {facts['release']}\n"
                      f"Profiles folder: {facts['target']}")
        self.query_one("#write-actions").display = bool(facts.get("target_exists"))
        text = Text(no_wrap=True, overflow="ellipsis")  # one line per file; F1 explains the states
        if not facts.get("profiles_used", True):
            text.append("No profile files in this release: one values file, from your answers.\n",
                        style="dim")
        for name, state, describe in facts["files"] if facts.get("profiles_used", True) else []:
            style = {"new": "green", "changed": "yellow", "same": "dim"}[state]
            text.append(f"{state:<8}", style=style)
            text.append(f"{name:<28}{describe}\n")
        for name, reason in facts["skipped"].items() if facts.get("profiles_used", True) else []:
            text.append("skipped ", style="dim")
            text.append(f"{name:<28}{reason}\n", style="dim")
        for path, state, what in facts.get("writers", []):  # written by the install, beside the profiles
            style = {"new": "green", "changed": "yellow", "same": "dim", "install": "cyan"}[state]
            text.append(f"{state:<8}", style=style)
            text.append(f"{Path(path).name:<28}{what}\n")
        text.rstrip()
        self.query_one("#files", Static).update(text)
        self.show_release(facts["answers"].release)
        select = self.query_one("#active", Select)
        names = [name.lstrip(".") for name, _, _ in facts["files"]]
        select.set_options([(name, name) for name in names])
        chosen = self.wizard.state.chosen_profile
        if chosen in names:
            select.value = chosen
        self.query_one("#diff", Static).update(colour_diff("".join(facts["diffs"].values()) or "No changes on disk."))
        self.show_plan(facts)
        self.refresh_next()

    def show_release(self, current: str) -> None:
        select = self.query_one("#release", Select)
        if select.value != current:
            with select.prevent(Select.Changed):
                select.value = current

    def show_plan(self, facts: dict[str, Any]) -> None:
        from ...core.redact import Redactor
        from ..widgets.plan_listing import plan_text

        engine = Redactor(facts["answers"].secrets())  # masks a join line's token alone, as --dry-run does

        def redact(text: str) -> str:
            return self.wizard.redact(engine.redact(text))

        listing = plan_text(facts.get("plan") or [], facts.get("plan_lines") or [], redact)
        self.query_one("#plan", Static).update(listing)
        text = Text()
        for result in facts.get("host_checks") or []:
            status = getattr(result.status, "value", str(result.status))
            word = {"pass": "[ ok ]", "warn": "[warn]", "fail": "[FAIL]", "skip": "[skip]"}.get(status, status)
            text.append(word, style={"fail": "bold red", "warn": "yellow", "pass": "green"}.get(status, "dim"))
            text.append(f" {result.title}: {result.summary}\n")
            if result.fix and status in ("warn", "fail"):
                text.append(f"       fix: {result.fix}\n", style="bold" if status == "fail" else "")
        text.rstrip()
        self.query_one("#host-checks", Static).update(text)

    def show_worker(self, facts: dict[str, Any]) -> None:
        for selector in ("#files", ".question", "#release", "#active", "#save-secrets", "#write-actions", "#diff",
                         "#host-checks"):
            for widget in self.query(selector):
                widget.display = False
        self.wizard.state.save_secrets = False  # a join token works once: no use keeping it
        self.query_one("#target", Static).update(worker_summary(facts))
        self.query_one("#plan").display = True
        self.show_plan(facts)
        self.refresh_next()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "release" and isinstance(event.value, str):
            state = self.wizard.state
            from ...core.releases import DEFAULT_RELEASE

            if (state.extra.get("release") or DEFAULT_RELEASE.name) != event.value:
                state.extra["release"] = event.value
                state.dirty = True
                self.recheck()
            return
        if event.select.id == "active" and isinstance(event.value, str):
            state = self.wizard.state
            if event.value != state.chosen_profile:
                state.set("active_profile", event.value)
                self.recheck()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "save-secrets":
            self.wizard.state.save_secrets = event.value

    def blocker(self) -> str | None:
        if not self.facts:
            return "Checking your answers…"
        if "problems" in self.facts:
            return str(self.facts["problems"][0])
        for result in self.facts.get("host_checks") or []:
            if getattr(result.status, "value", result.status) == "fail":
                return f"{result.summary} — fix it in Network, or ignore it on Preflight"
        return None

    def commit(self) -> None:
        if "answers" in self.facts:
            self.wizard.answers = self.facts["answers"]
            if self.facts["target"] is not None:  # a worker has no profiles folder
                self.wizard.profiles_dir = self.facts["target"]

    def go_next(self) -> None:
        """Before the install: ask Yes/No naming the machine and the release; nothing changes before Yes."""
        from ..dialogs.confirm import ConfirmDialog
        from ..widgets.plan_listing import install_question

        if self.blocker() or self.app.screen is not self:  # asked already (one press, two handlers)
            return
        self.commit()
        title, message = install_question(host=self.wizard.env.host_name(), answers=self.facts["answers"],
                                          steps=len(self.facts.get("plan") or []),
                                          log_path=str(self.wizard.env.log_path()))

        def decided(yes: bool | None) -> None:
            if yes:
                self.go_install()

        self.app.push_screen(ConfirmDialog(title, message, yes="Install", no="Not now"), decided)

    def go_install(self) -> None:
        """Answered Yes (or Apply): ask for the sudo password when not root and sudo wants one, then go."""
        env = self.wizard.env
        if env.sudo_password is None and env.sudo_needs_password():
            import getpass

            from ..dialogs.password import SudoPasswordDialog

            def entered(password: str | None) -> None:
                if password:
                    env.sudo_password = password
                    self.wizard.go_next(self.STEP)

            self.app.push_screen(SudoPasswordDialog(getpass.getuser()), entered)
            return
        self.wizard.go_next(self.STEP)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if review_apply.pressed(self, event.button.id):
            event.stop()
        else:
            super().on_button_pressed(event)

    def on_field_changed(self, event: Field.Changed) -> None:
        super().on_field_changed(event)
        review_apply.secret_typed(self, event)

    def write_only(self) -> None:
        """Edit an existing installation's profiles without running the install."""
        if self.blocker() or not self.facts.get("target_exists"):
            return
        self.commit()
        try:
            self.wizard.write_profiles()
        except Exception as exc:  # UserError or OSError: say which file and stay here
            self.notify(self.wizard.redact(str(exc)), title="Profiles not written", severity="error", timeout=10)
            return
        if self.wizard.save_answers_after_run():
            review_apply.write_only_done(self)
        self.recheck()
