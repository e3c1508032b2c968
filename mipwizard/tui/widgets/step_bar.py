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
        self.current = current
        self.steps = steps

    def show(self, current: str, steps: tuple[str, ...]) -> None:
        """Show other steps (the role changed them)."""
        self.current, self.steps = current, steps
        self.on_resize()

    def on_resize(self) -> None:
        # Narrower than every name: "3/7 [Network] · Auth · …" keeps where we are readable.
        self.update(self.build(self.current, self.steps, self.content_size.width or None))

    @staticmethod
    def build(current: str, steps: tuple[str, ...] = STEPS, width: int | None = None) -> Text:
        full = StepBar._names(current, steps, "mipwizard ")
        if width is None or full.cell_len <= width:
            return full
        index = steps.index(current) if current in steps else 0
        short = StepBar._names(current, steps[index:], f"{index + 1}/{len(steps)} ")
        short.truncate(width, overflow="ellipsis")
        return short

    @staticmethod
    def _names(current: str, steps: tuple[str, ...], prefix: str) -> Text:
        text = Text(no_wrap=True)
        text.append(prefix, style="bold")
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
