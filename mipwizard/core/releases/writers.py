"""The files a release's writers produce, for the wizard's Review (with diffs against disk).

Read-only: the install's steps write them. A file whose text needs the checkout (the MIP overlay
reads the chart's own values.yaml; the realm import patches the checkout's file) has no text until
the checkout exists; it is still listed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..profile_kinds import profile_kind
from .catalogue import ValuesModel
from .engine_values import engine_values, overlay_path
from .layout import LayoutError, detect_engine, detect_mip
from .pins import mip_chart_dir, pins, release_of

if TYPE_CHECKING:
    from ..answers import Answers


@dataclass(frozen=True)
class WriterFile:
    path: Path
    what: str
    text: str | None  # None: known only once the checkout exists

    def diff(self) -> str:
        """A unified diff against the file on disk ("" when the same or unknown)."""
        if self.text is None:
            return ""
        try:
            old = self.path.read_text(encoding="utf-8")
        except OSError:
            old = ""
        lines = difflib.unified_diff(old.splitlines(keepends=True), self.text.splitlines(keepends=True),
                                     str(self.path), str(self.path))
        return "".join(lines)


def release_summary(answers: Answers) -> str:
    """``8.0.0 (exareme2 0.20.0, mip_deployment 8.0.0)`` — refs by hand are marked."""
    refs = ", ".join(f"{p.key} {p.ref[:12]}" + (" by hand" if p.by_hand else "") for p in pins(answers))
    return f"{answers.release} ({refs})"


def writer_files(answers: Answers) -> list[WriterFile]:
    from . import mip_values
    from .realm import REALM_FILE

    release = release_of(answers)
    files: list[WriterFile] = []
    try:
        engine = detect_engine(answers.exareme2.path)
        engine_dir, layout = engine.chart_dir, engine.layout
    except LayoutError:
        engine_dir, layout = answers.exareme2.path / "kubernetes", release.engine_layout
    files.append(WriterFile(overlay_path(engine_dir), f"Exareme2 values ({layout.value})",
                            engine_values(answers, layout).text()))
    try:
        chart = detect_mip(answers.mip_deployment.path)
        chart_dir, model, values = chart.chart_dir, chart.model, chart.values
    except LayoutError:
        chart_dir, model, values = mip_chart_dir(answers), release.values_model, None
    if model is ValuesModel.VALUES_9:
        try:
            text: str | None = mip_values.mip9_values_text(answers)
        except LookupError:
            text = None
        files.append(WriterFile(chart_dir / "values.mipwizard.yaml", "MIP 9.x values", text))
    else:
        overlay = None if values is None else mip_values.overlay_text(mip_values.mip_overlay(answers, model, values))
        files.append(WriterFile(chart_dir / mip_values.OVERLAY_NAME, f"MIP microk8s overlay ({model.value})", overlay))
    if profile_kind(answers.active_profile).uses_internal_keycloak:
        files.append(WriterFile(answers.mip_deployment.path / REALM_FILE, "realm import: your client secret", None))
    return files
