"""One line naming every step, the current one highlighted (fits 80 columns)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STEPS = ("Welcome", "Preflight", "Network", "Auth", "Data", "Review", "Install")


class StepBar(Static):
    DEFAULT_CSS = """
    StepBar { height: 1; width: 1fr; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, current: str, **kwargs: object) -> None:
        super().__init__(self.build(current), **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def build(current: str) -> Text:
        text = Text()
        text.append("mipwizard ", style="bold")
        index = STEPS.index(current) if current in STEPS else -1
        for n, name in enumerate(STEPS):
            if n:
                text.append(" · ", style="dim")
            if n == index:
                text.append(f"[{name}]", style="bold reverse")
            elif n < index:
                text.append(name, style="")
            else:
                text.append(name, style="dim")
        return text
