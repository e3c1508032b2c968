"""One line naming every step, the current one highlighted (fits 80 columns)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STEPS = ("Welcome", "Preflight", "Network", "Auth", "Data", "Review", "Install")
# A worker has no addresses or login of its own (the master's profiles hold them): it pastes the join command.
WORKER_STEPS = ("Welcome", "Preflight", "Join", "Data", "Review", "Install")


def steps_for(role: str) -> tuple[str, ...]:
    return WORKER_STEPS if role == "worker" else STEPS


class StepBar(Static):
    DEFAULT_CSS = """
    StepBar { height: 1; width: 1fr; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, current: str, steps: tuple[str, ...] = STEPS, **kwargs: object) -> None:
        super().__init__(self.build(current, steps), **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def build(current: str, steps: tuple[str, ...] = STEPS) -> Text:
        text = Text()
        text.append("mipwizard ", style="bold")
        index = steps.index(current) if current in steps else -1
        for n, name in enumerate(steps):
            if n:
                text.append(" · ", style="dim")
            if n == index:
                text.append(f"[{name}]", style="bold reverse")
            elif n < index:
                text.append(name, style="")
            else:
                text.append(name, style="dim")
        return text
