"""Join (worker only): paste the `microk8s join … --worker` line printed on the master.

The line holds a one-time token: the input is masked and the token is shown as stars.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from ...core.answers import check_join_command
from ..widgets.field import Field
from .base import StepScreen

WHERE = (
    "On the master, run:\n"
    "    mipwizard node join-command\n"
    "and paste the `microk8s join <ip>:25000/<token>/<hash> --worker` line it prints. "
    "The token lets one machine join: a failed join uses it up, so get a new one on the master "
    "before trying again."
)


def masked_join(command: str) -> str:
    """The join line with its token shown as stars (the address and certificate hash stay readable)."""
    from ...core.federation import parse_join_command

    join = parse_join_command(command)
    return join.worker_command.replace(join.token, "*" * 8)


class JoinScreen(StepScreen):
    STEP = "Join"
    FOCUS = "#input-join_command"
    HELP_TOPIC = "join"

    def compose_body(self) -> ComposeResult:
        yield Static(WHERE, classes="intro")
        yield Field(
            "Join command (hidden as you type: it holds the token)",
            key="join_command",
            name="join_command",
            value=self.wizard.state.join_command,
            check=check_join_command,
            password=True,
            placeholder="microk8s join 10.0.0.1:25000/…/… --worker",
        )
        yield Static("", id="join-shown", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.show_parsed)

    def on_field_changed(self, event: Field.Changed) -> None:
        super().on_field_changed(event)
        self.show_parsed()

    def show_parsed(self) -> None:
        shown = self.query_one("#join-shown", Static)
        try:
            line = masked_join(self.wizard.state.join_command)
        except Exception:  # not a join command (yet): the field's error says why
            shown.update("")
            return
        shown.update(Text.assemble("Will run: ", (line, "bold")))
