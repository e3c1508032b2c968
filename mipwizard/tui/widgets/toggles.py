"""Radio buttons, checkboxes and switches whose state is a glyph, not only a colour.

Textual draws the same inner glyph for on and off and tells them apart by colour, which a
16-colour console (``TERM=linux``) or a colour-blind user may not see: here off is a blank.
Drop-in replacements: same names, same messages.
"""

from __future__ import annotations

import os

from textual.app import RenderResult
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Checkbox as _Checkbox
from textual.widgets import RadioButton as _RadioButton
from textual.widgets import Switch as _Switch


def linux_console() -> bool:
    """The kernel's console (``TERM=linux``): 16 colours, a font without emoji or most symbols."""
    return os.environ.get("TERM") == "linux"


class _Wrapping:
    """A label longer than the line wraps onto the next (Textual's toggles are one line, cut at 60 columns)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.render().wrap(width)))  # type: ignore[attr-defined]


# On each class (Textual reads no DEFAULT_CSS from a mixin): as wide as the line at most, then wrap.
WRAPPING_CSS = " { max-width: 100%; height: auto; text-wrap: wrap; }"


class RadioButton(_Wrapping, _RadioButton):
    """``(●)`` chosen, ``( )`` not (``(*)`` on the Linux console): readable without colour."""

    DEFAULT_CSS = "RadioButton" + WRAPPING_CSS

    @property
    def _button(self) -> Content:
        inner = ("*" if linux_console() else self.BUTTON_INNER) if self.value else " "
        return Content.assemble(("(", ""), (inner, self.get_visual_style("toggle--button")), (")", ""))


class Checkbox(_Wrapping, _Checkbox):
    """``[X]`` ticked, ``[ ]`` not."""

    DEFAULT_CSS = "Checkbox" + WRAPPING_CSS

    @property
    def _button(self) -> Content:
        inner = self.BUTTON_INNER if self.value else " "
        return Content.assemble(("[", ""), (inner, self.get_visual_style("toggle--button")), ("]", ""))


class Switch(_Switch):
    """``[x] on`` / ``[ ] off``: Textual's slider says on or off by its colour and side alone.

    On a 16-colour console both sides look alike (and a disabled switch is greyed either way);
    a word is readable everywhere. Same name, value, bindings and ``Changed`` message.
    """

    def render(self) -> RenderResult:
        mark, word = ("x", "on ") if self.value else (" ", "off")
        return Content.assemble(("[", ""), (mark, self.get_visual_style("switch--slider")), ("] ", ""), word)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return 7  # "[x] on " and "[ ] off": the same width, nothing moves when toggled
