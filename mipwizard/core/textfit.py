"""Text that can be copied: wrap at spaces only, never inside a command, an id or a figure.

The CLI wraps to the real terminal width (``width=None``: not at all, for pipes and files) and
cuts table cells with an ellipsis, so a cut is visible and nothing is silently shortened.
"""

from __future__ import annotations

import re
import textwrap

_NBSP = "\u00a0"  # glues words that must stay on one line; turned back into spaces after wrapping
# A figure and its unit ("≥ 5 GB", "1 s)"), a `backticked` command, and a shell command that starts
# with a program name and runs to the end of its clause (three spaces, ';', ')' or the end).
_FIGURES = re.compile(r"(?:≥|≤|<|>) \d|\d+(?:\.\d+)? (?:GB|GiB|MB|s\b)")
_BACKTICKED = re.compile(r"`[^`]+`")
_OPTION = re.compile(r"--[a-z][a-z-]* [^\s-]\S*")  # "--ignore cpu,disk-root": an option and its value
_COMMAND = re.compile(
    r"\b(?:sudo|microk8s|mipwizard|newgrp|snap|kubectl|helm|ssh|usermod|apt-get)\b(?: (?!  )[^;)`]*?)?"
    r"(?=   | \(|;|\)|`|,? or |$)"
)
ELLIPSIS = "…"


def _glue(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", _NBSP)


def wrap_copyable(text: str, width: int | None, *, initial_indent: str = "", subsequent_indent: str = "",
                  glue_commands: bool = True) -> list[str]:
    """Lines of at most ``width`` columns (``None``: one line), breaking only between words.

    A command, an id with hyphens or a figure with its unit is never split; one longer than the
    width gets a line of its own rather than being cut.
    """
    if width is None:
        return [initial_indent + text]
    glued = _FIGURES.sub(_glue, text)
    glued = _BACKTICKED.sub(_glue, glued)
    glued = _OPTION.sub(_glue, glued)
    if glue_commands:
        glued = _COMMAND.sub(_glue, glued)
    lines = textwrap.wrap(glued, width, initial_indent=initial_indent, subsequent_indent=subsequent_indent,
                          break_on_hyphens=False, break_long_words=False)
    return [line.replace(_NBSP, " ") for line in lines] or [initial_indent.rstrip()]


def ellipsize(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with a visible '…' when it is longer."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + ELLIPSIS


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 node", "2 nodes", "0 pathologies" (``many`` for irregular plurals)."""
    return f"{count} {noun}" if count == 1 else f"{count} {many or noun + 's'}"
