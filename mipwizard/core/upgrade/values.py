"""The values files an upgrade writes, from the releases' writers (the install's, one place):
the MIP's (the active profile + the microk8s overlay, or the 9.x values file, for the values model
layout detection finds in the checkout) and Exareme2's overlay for its chart's engine layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..answers import Answers
from ..errors import UserError
from ..fileio import atomic_write_text
from ..profile_kinds import profile_kind
from ..releases import mip_values
from ..releases.catalogue import ValuesModel
from ..releases.engine_values import EngineValues, engine_values, overlay_path
from ..releases.layout import EngineChart, LayoutError, MipChart, detect_engine, detect_mip

OVERLAY = mip_values.OVERLAY_NAME  # the same name in both charts


@dataclass(frozen=True)
class ValuesFiles:
    chart_dir: Path
    files: list[tuple[Path, str]]  # (path, text) in helm's -f order
    folders: list[Path]  # hostPaths the chart mounts, made before it deploys
    engine: EngineValues | None = None

    @property
    def paths(self) -> list[Path]:
        return [p for p, _ in self.files]


def _layout_error(exc: LayoutError) -> UserError:
    return UserError(f"{exc} — nothing was changed")


def mip_files(answers: Answers, checkout: Path) -> ValuesFiles:
    try:
        chart: MipChart = detect_mip(checkout)
    except LayoutError as exc:
        raise _layout_error(exc) from None
    if chart.model is ValuesModel.VALUES_9:
        try:
            text = mip_values.mip9_values_text(answers)
        except LookupError as exc:
            raise UserError(str(exc)) from None
        return ValuesFiles(chart.chart_dir, [(chart.chart_dir / OVERLAY, text)], [])
    from ..profiles import render_profile

    overlay = mip_values.mip_overlay(answers, chart.model, chart.values)
    profile = chart.chart_dir / profile_kind(answers.active_profile).filename
    files = [(profile, render_profile(answers, answers.active_profile)),
             (chart.chart_dir / OVERLAY, mip_values.overlay_text(overlay))]
    return ValuesFiles(chart.chart_dir, files, mip_values.host_folders(overlay))


def detect_model(checkout: Path) -> ValuesModel:
    try:
        return detect_mip(checkout).model
    except LayoutError as exc:
        raise _layout_error(exc) from None


def engine_files(answers: Answers, checkout: Path) -> ValuesFiles:
    try:
        chart: EngineChart = detect_engine(checkout)
    except LayoutError as exc:
        raise _layout_error(exc) from None
    values = engine_values(answers, chart.layout)
    return ValuesFiles(chart.chart_dir, [(overlay_path(chart.chart_dir), values.text())], values.folders, values)


def write(found: ValuesFiles, answers: Answers, *, keep_previous: bool = True) -> None:
    """The files (0600, atomic), the chart's hostPath folders and, for Exareme2, the workers' data link."""
    for folder in found.folders:
        folder.mkdir(parents=True, exist_ok=True)
    if found.engine is not None and found.engine.data_link is not None:
        from ..install.engine_steps import link_ok, relink  # the install's own (atomic) link

        if not link_ok(found.engine, answers):
            link = found.engine.data_link
            if link.exists() and not link.is_symlink() and any(link.iterdir()):
                raise UserError(f"{link} holds files — Exareme2 reads the workers' data there; move them into "
                                f"{answers.data_root / answers.federation} and remove {link}")
            relink(link, answers.data_root / answers.federation)
    for path, text in found.files:
        atomic_write_text(path, text, mode=0o600, backup=keep_previous)
        os.chmod(path, 0o600)
