"""The wizard's data files — profile templates, help texts, diagrams, the stylesheet — found through
``importlib.resources``, the same way from a checkout, an editable install and a wheel.

In the source tree the files live at the top of the checkout (``profiles/``, ``assets/``), where
people look for them; ``mipwizard/_data/{profiles,assets}`` are symlinks to those folders, so the
package sees them as its own data. Building a wheel copies the files behind the links into
``mipwizard/_data/`` (pyproject's package-data), so an installed copy needs no checkout.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable


class MissingResource(FileNotFoundError):
    """A data file that should ship with mipwizard is absent: the installation is incomplete."""

    def __init__(self, name: str) -> None:
        super().__init__(f"mipwizard's data file {name} is missing — reinstall mipwizard (pipx reinstall mipwizard)")
        self.name = name


def data(name: str) -> Traversable:
    """``name`` (e.g. ``"profiles/direct.yaml.tmpl"``) inside the package's data."""
    from importlib.resources import files

    return files("mipwizard").joinpath("_data", *name.split("/"))


def data_text(name: str) -> str:
    """Text of a data file; ``MissingResource`` (with the fix) when the installation lacks it."""
    try:
        return data(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise MissingResource(name) from exc


def data_path(name: str) -> Path:
    """A data file as a real path (for APIs that want one, like Textual's ``CSS_PATH``).

    mipwizard is always installed unpacked (pip never runs packages from a zip), so the
    resource is a file on disk, next to this module: the same path ``importlib.resources``
    gives, without importing it (and zipfile) before the wizard's first frame.
    """
    return Path(__file__).resolve().parent.joinpath("_data", *name.split("/"))


def asset_text(name: str, default: str = "") -> str:
    """Text of ``assets/<name>``, or ``default`` when it is missing (a help text never crashes a screen)."""
    try:
        return data_text(f"assets/{name}")
    except MissingResource:
        return default
