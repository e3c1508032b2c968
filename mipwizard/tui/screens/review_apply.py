"""Review's day-2 part: a secret asked when it is needed, *Write and apply*, and what *Write only* means.

*Write and apply* saves the answers (validated, the file's comments kept), shows the active profile
against the values the cluster runs (``helm3 get values mip``), asks once, then runs the install
plan again on the Install screen: each step checks whether it is done, so only what the edit
touched runs, and the plan ends by waiting until every pod is Ready (``core.apply`` explains why
that is the same helm step the install uses, not a copy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from ...core.fields import FORM_BY_KEY
from ..widgets.field import Field
from .base import StepScreen

if TYPE_CHECKING:
    from ...core.apply import ApplyPreview


class ReviewSteps(StepScreen):
    """The Review screen as these helpers use it (``ReviewScreen`` derives from it): what they may
    call is declared here, so this module never names the screen that imports it."""

    def recheck(self) -> object:  # a worker
        raise NotImplementedError

    def go_install(self) -> None:
        raise NotImplementedError

    def write_only(self) -> None:
        raise NotImplementedError


MAX_SHOWN = 6  # changed lines in the confirmation (the whole diff is under the files)
SECRET_LABELS = {
    "keycloak.client_secret": "Keycloak client secret (not kept in the saved answers; hidden as you type)",
    "internal_keycloak.client_secret": "Embedded Keycloak client secret (not kept in the saved answers; hidden)",
}


def compose_secrets() -> ComposeResult:
    """Masked inputs for the secrets the active profile needs; shown only while one is missing."""
    with Vertical(id="secrets-needed"):
        for key, label in SECRET_LABELS.items():
            yield Field(label, key=FORM_BY_KEY[key].attr, password=True, id=f"needed-{FORM_BY_KEY[key].attr}")


def compose_actions() -> ComposeResult:
    with Horizontal(id="write-actions", classes="buttons"):
        yield Button("Write and apply", id="write-apply", compact=True, variant="primary")
        yield Button("Write only", id="write-only", compact=True)
    written = Static("", id="written", classes="hint")
    written.display = False  # only while it says something: the diff keeps its lines
    yield written


def say(screen: ReviewSteps, text: str) -> None:
    written = screen.query_one("#written", Static)
    written.update(text)
    written.display = bool(text)


def show_secrets(screen: ReviewSteps, problems: list[str]) -> bool:
    """Show the inputs for the missing secrets; True when those are the only problems left."""
    missing = {line.split(":", 1)[0] for line in problems if line.split(":", 1)[0] in SECRET_LABELS}
    shown = False
    for key in SECRET_LABELS:
        field = screen.query_one(f"#needed-{FORM_BY_KEY[key].attr}", Field)
        field.display = key in missing or field.input.has_focus  # stays while the user types
        shown = shown or field.display
    screen.query_one("#secrets-needed").display = shown
    return bool(missing) and len(missing) == len(problems)


def write_only_done(screen: ReviewSteps) -> None:
    answers = screen.wizard.saved_answers
    say(
        screen,
        f"Profiles written to {screen.wizard.profiles_dir}. The running MIP is unchanged: to apply them, "
        f"press Write and apply, or run `mipwizard apply --answers {answers}`."
    )


def start_apply(screen: ReviewSteps) -> None:
    """Save the answers, then show the deployed-values diff and ask (the diff comes from a worker)."""
    if screen.blocker():
        return
    screen.commit()
    if not screen.wizard.save_answers_after_run():  # refused (with the reason) or not writable
        return
    say(screen, "Comparing with the running MIP (helm3 get values mip)…")
    _preview(screen)


@work(thread=True, exclusive=True, group="apply-preview", exit_on_error=False)
def _preview(screen: ReviewSteps) -> None:
    from ...core.apply import preview_apply
    from ...core.cluster.queries import ClusterQueries

    assert screen.wizard.answers is not None
    preview = preview_apply(screen.wizard.answers, screen.wizard.env.cluster_queries() or ClusterQueries())
    screen.app.call_from_thread(_confirm, screen, preview)


def _confirm(screen: ReviewSteps, preview: ApplyPreview) -> None:
    from ..dialogs.confirm import ConfirmDialog

    say(screen, "")
    screen.query_one("#diff", Static).update(
        Text.assemble(Text(f"Against {preview.compared_with}:\n", style="bold"),
                      colour_diff(preview.diff or "No change in the deployed values.\n"))
    )
    lines = [line for line in preview.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    changed = sum(1 for line in lines if line.startswith("+"))
    shown = "\n".join(lines[:MAX_SHOWN] + (["  …"] if len(lines) > MAX_SHOWN else []))
    message = (
        f"{changed} deployed value(s) change:\n{escape(shown)}\n\nmipwizard runs the install's steps again: only "
        "what changed runs (helm3 upgrade --install), then it waits until every pod is Ready."
        if preview.diff else
        "The deployed values are already these. The install's steps are checked again and the pods watched."
    )

    def decided(yes: bool | None) -> None:
        if yes:
            screen.go_install()

    screen.app.push_screen(ConfirmDialog("Apply to the running MIP?", message, yes="Apply"), decided)


def pressed(screen: ReviewSteps, button_id: str | None) -> bool:
    """Handle this part's buttons; False for the others."""
    if button_id == "write-apply":
        start_apply(screen)
        return True
    if button_id == "write-only":
        screen.write_only()
        return True
    return False


def secret_typed(screen: ReviewSteps, event: Any) -> None:
    if str(getattr(event.field, "id", "")).startswith("needed-"):
        screen.recheck()


def colour_diff(text: str) -> Text:
    out = Text()
    for line in text.splitlines(keepends=True):
        if line.startswith("+") and not line.startswith("+++"):
            out.append(line, style="green")
        elif line.startswith("-") and not line.startswith("---"):
            out.append(line, style="red")
        elif line.startswith("@@"):
            out.append(line, style="cyan")
        else:
            out.append(line)
    return out
