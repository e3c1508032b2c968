"""Switch the deployed MIP to another of the 8 profiles.

Plan first (what changes, secrets masked), then ``microk8s helm3 upgrade --install mip <chart>
-f <chart>/.<profile>`` streamed live; the caller then runs the recovery watch.

The answers file records the new active profile through ``answers_file.update_answers_file`` (the
user's comments and order kept). That update is checked while planning: a profile the answers
cannot back (e.g. proxied without ``machine_private_fqdn_or_ip``) is refused before helm runs.
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
from ..redact import MASK, Redactor, secrets_in_text
from ..releases.mip_values import OVERLAY_NAME as OVERLAY_FILE
from .queries import ClusterQueries, ClusterUnreachable
from .sources import chart_dir_from, redactor_for

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
    answers_path: Path | None = None  # the answers file to record the profile in, when it needs a change

    @property
    def changes(self) -> bool:
        return bool(self.diff)


def helm_upgrade_argv(chart: Path, values_file: Path, release: str = RELEASE) -> list[str]:
    argv = ["microk8s", "helm3", "upgrade", "--install", release, str(chart), "-f", str(values_file)]
    overlay = chart / OVERLAY_FILE  # the install's microk8s overlay: always after the profile
    return [*argv, "-f", str(overlay)] if overlay.is_file() else argv


def helm_merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of two -f files: maps merge key by key, anything else in ``over`` wins."""
    out = dict(base)
    for key, value in over.items():
        below = out.get(key)
        out[key] = helm_merged(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return out


def values_helm_gets(values_file: Path, overlay: Path) -> str:
    """What ``helm3 get values`` will show after ``-f values_file -f overlay``: compared with the
    profile alone, every overlay value (data paths, namespace, datacatalog) would look removed."""
    text = values_file.read_text(encoding="utf-8")
    if not overlay.is_file():
        return text
    try:
        profile, extra = yaml.safe_load(text), yaml.safe_load(overlay.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return text  # the chart check and helm name a broken file; the diff shows it as it is
    if not isinstance(profile, dict) or not isinstance(extra, dict):
        return text
    return yaml.safe_dump(helm_merged(profile, extra), sort_keys=False, default_flow_style=False)


def _normalised(text: str) -> str:
    """YAML re-dumped with sorted keys, so layout and key order do not show up as changes."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if data is None:
        return ""
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False, allow_unicode=True)


def values_diff(old_text: str | None, new_text: str, label: str, redactor: Redactor) -> str:
    """Unified diff of two values files by meaning (key order and layout ignored), secrets masked."""
    old_lines = redactor.redact(_normalised(old_text or "")).splitlines(keepends=True)
    new_lines = redactor.redact(_normalised(new_text)).splitlines(keepends=True)
    diff = "".join(difflib.unified_diff(old_lines, new_lines, fromfile="current", tofile=label))
    if not diff and old_text is not None and _normalised(old_text) != _normalised(new_text):
        diff = f"--- current\n+++ {label}\n  CLIENT_SECRET: {MASK} (a secret value changed)\n"
    return diff


def deployed_values(queries: ClusterQueries | None, release: str = RELEASE) -> str | None:
    """``helm3 get values`` of ``release``, or None when there is none (or no cluster to ask)."""
    if queries is None:
        return None
    try:
        text = queries.helm_values(release)
    except ClusterUnreachable:
        return None
    return text if text is not None and _normalised(text) else None


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
    record_in = _check_answers_update(answers_path, name)
    if not values_file.is_file():
        raise UserError(f"profile file {values_file} does not exist — write it with `mipwizard profiles write`")
    new_text = values_helm_gets(values_file, chart / OVERLAY_FILE)

    old_text, compared_with = None, "nothing (no deployed release, no previous profile)"
    old_text = deployed_values(queries, release)
    if old_text is not None:
        compared_with = f"the deployed values (helm3 get values {release})"
    if old_text is None:
        previous = previous_profile or active_profile(answers_path)
        if previous and (chart / f".{previous}").is_file():
            old_text = (chart / f".{previous}").read_text(encoding="utf-8")
            compared_with = f"the previous profile .{previous}"
    redactor = redactor_for(chart, answers_path, [*secrets_in_text(new_text), *secrets_in_text(old_text or "")])
    diff = values_diff(old_text, new_text, f".{name}", redactor)
    return SwitchPlan(
        name,
        chart,
        values_file,
        helm_upgrade_argv(chart, values_file, release),
        compared_with,
        diff,
        redactor,
        record_in,
    )


def _check_answers_update(answers_path: Path | None, profile: str) -> Path | None:
    """The answers file to update after the switch, or None; ``UserError`` when it could not take it."""
    if answers_path is None or not answers_path.is_file():
        return None
    from ..answers import load_answers, missing_for_profile
    from ..answers_file import check_update, render_update

    current = load_answers(answers_path, secrets_optional=True)
    if current.active_profile == profile:
        return None
    problem = missing_for_profile(current, profile, secrets=False)
    if problem:
        key, message = problem
        raise UserError(
            f"{answers_path}: cannot switch to .{profile} — {key}: {message}; add it to the answers "
            "(`mipwizard` → Network, or edit the file), then switch again. Nothing was changed."
        )
    updated = current.model_copy(update={"active_profile": profile})
    text = answers_path.read_text(encoding="utf-8")
    check_update(answers_path, render_update(text, updated, include_secrets=True), updated, include_secrets=True)
    return answers_path


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
    from ..releases.secrets import refresh_keycloak_credentials
    from ..runner import ProcessRunner

    runner = ProcessRunner(redactor=plan.redactor)
    # The chart reads the client from the Secret keycloak-credentials (master, 9.x): the new profile's client.
    refreshed = refresh_keycloak_credentials(plan.chart, plan.profile, plan.answers_path, privileged=privileged)
    if refreshed is not None and on_lines is not None:
        on_lines([plan.redactor.redact(refreshed)])
    return runner.run(plan.argv, privileged=privileged, timeout=timeout, on_lines=on_lines, cancel=cancel)


def remember_profile(answers_path: Path | None, profile: str) -> str | None:
    """Record ``profile`` as the active one in the answers file; returns a problem, or None.

    Only ``active_profile`` changes; comments, order and any secret in the file stay as they are.
    """
    if answers_path is None or not answers_path.is_file():
        return None
    from ..answers import load_answers
    from ..answers_file import update_answers_file

    try:
        current = load_answers(answers_path, secrets_optional=True)
        if current.active_profile != profile:
            # The file's own secrets are kept as they are (include_secrets: nothing new is added).
            update_answers_file(
                answers_path, current.model_copy(update={"active_profile": profile}), include_secrets=True
            )
    except (UserError, OSError) as exc:
        return f"could not record the active profile in {answers_path}: {exc}"
    return None
