"""Radio buttons and checkboxes whose state is a glyph, not only a colour.

Textual draws the same inner glyph for on and off and tells them apart by colour, which a
16-colour console (``TERM=linux``) or a colour-blind user may not see: here off is a blank.
Drop-in replacements: same names, same messages.
"""

from __future__ import annotations

import os

from textual.content import Content
from textual.widgets import Checkbox as _Checkbox
from textual.widgets import RadioButton as _RadioButton


def linux_console() -> bool:
    """The kernel's console (``TERM=linux``): 16 colours, a font without emoji or most symbols."""
    return os.environ.get("TERM") == "linux"


class RadioButton(_RadioButton):
    """``(●)`` chosen, ``( )`` not (``(*)`` on the Linux console): readable without colour."""

    @property
    def _button(self) -> Content:
        inner = ("*" if linux_console() else self.BUTTON_INNER) if self.value else " "
        return Content.assemble(("(", ""), (inner, self.get_visual_style("toggle--button")), (")", ""))


class Checkbox(_Checkbox):
    """``[X]`` ticked, ``[ ]`` not."""

    @property
    def _button(self) -> Content:
        inner = self.BUTTON_INNER if self.value else " "
        return Content.assemble(("[", ""), (inner, self.get_visual_style("toggle--button")), ("]", ""))
