"""Switch the deployed MIP to another of the 8 profiles.

Plan first (what changes, secrets masked), then ``microk8s helm3 upgrade --install mip <chart>
-f <chart>/.<profile>`` streamed live; the caller then runs the recovery watch.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import UsageError, UserError
from ..profile_kinds import profile_kind
from ..redact import MASK, Redactor
from .queries import ClusterQueries, ClusterUnreachable
from .secrets import chart_dir_from, redactor_for, secrets_in_text

if TYPE_CHECKING:
    from ..runner import LinesCallback, RunResult

RELEASE = "mip"
HELM_TIMEOUT = 900.0  # seconds; upgrade itself is quick, pulling images happens after


@dataclass
class SwitchPlan:
    profile: str
    chart: Path
    values_file: Path
    argv: list[str]
    compared_with: str  # what the diff is against, in words
    diff: str  # unified diff, secrets masked; "" when nothing changes
    redactor: Redactor

    @property
    def changes(self) -> bool:
        return bool(self.diff)


def helm_upgrade_argv(chart: Path, values_file: Path, release: str = RELEASE) -> list[str]:
    return ["microk8s", "helm3", "upgrade", "--install", release, str(chart), "-f", str(values_file)]


def _normalised(text: str) -> str:
    """YAML re-dumped with sorted keys, so layout and key order do not show up as changes."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if data is None:
        return ""
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False, allow_unicode=True)


def plan_switch(
    profile: str,
    *,
    chart: Path | None = None,
    answers_path: Path | None = None,
    queries: ClusterQueries | None = None,
    previous_profile: str | None = None,
    release: str = RELEASE,
) -> SwitchPlan:
    try:
        name = profile_kind(profile).name
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    chart = chart or chart_dir_from(answers_path)
    if not (chart / "Chart.yaml").is_file():
        raise UserError(
            f"{chart} is not the mip chart (no Chart.yaml) — pass --chart DIR or clone mip-deployment there"
        )
    values_file = chart / f".{name}"
    if not values_file.is_file():
        raise UserError(f"profile file {values_file} does not exist — write it with `mipwizard profiles write`")
    new_text = values_file.read_text(encoding="utf-8")

    old_text, compared_with = None, "nothing (no deployed release, no previous profile)"
    if queries is not None:
        try:
            old_text = queries.helm_values(release)
        except ClusterUnreachable:
            old_text = None
        if old_text is not None and _normalised(old_text):
            compared_with = f"the deployed values (helm3 get values {release})"
        else:
            old_text = None
    if old_text is None:
        previous = previous_profile or active_profile(answers_path)
        if previous and (chart / f".{previous}").is_file():
            old_text = (chart / f".{previous}").read_text(encoding="utf-8")
            compared_with = f"the previous profile .{previous}"
    redactor = redactor_for(chart, answers_path, [*secrets_in_text(new_text), *secrets_in_text(old_text or "")])
    old_lines = redactor.redact(_normalised(old_text or "")).splitlines(keepends=True)
    new_lines = redactor.redact(_normalised(new_text)).splitlines(keepends=True)
    diff = "".join(difflib.unified_diff(old_lines, new_lines, fromfile="current", tofile=f".{name}"))
    if not diff and old_text is not None and _normalised(old_text) != _normalised(new_text):
        diff = f"--- current\n+++ .{name}\n  CLIENT_SECRET: {MASK} (a secret value changed)\n"
    return SwitchPlan(
        name, chart, values_file, helm_upgrade_argv(chart, values_file, release), compared_with, diff, redactor
    )


def active_profile(answers_path: Path | None) -> str | None:
    if answers_path is None or not answers_path.is_file():
        return None
    try:
        data = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = data.get("active_profile") if isinstance(data, dict) else None
    return str(value) if value else None


def run_switch(
    plan: SwitchPlan,
    *,
    on_lines: LinesCallback | None = None,
    cancel: threading.Event | None = None,
    privileged: bool = False,
    timeout: float = HELM_TIMEOUT,
) -> RunResult:
    """Run the helm upgrade, streaming its (redacted) output to ``on_lines``."""
    from ..runner import ProcessRunner

    runner = ProcessRunner(redactor=plan.redactor)
    return runner.run(plan.argv, privileged=privileged, timeout=timeout, on_lines=on_lines, cancel=cancel)


def remember_profile(answers_path: Path | None, profile: str) -> str | None:
    """Record ``profile`` as the active one in the answers file; returns a problem, or None."""
    if answers_path is None or not answers_path.is_file():
        return None
    from ..answers import load_answers, save_answers

    try:
        current = load_answers(answers_path)
        if current.active_profile != profile:
            save_answers(current.model_copy(update={"active_profile": profile}), answers_path)
    except (UserError, OSError) as exc:
        return f"could not record the active profile in {answers_path}: {exc}"
    return None
