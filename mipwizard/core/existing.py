"""Is MIP already installed here? Recognised from saved answers, profile files, the install journal, helm.

Each source is optional and none is trusted alone: the wizard's Welcome says which ones it found
and pre-fills every step from their union. The saved answers are the source of truth; profile
files fill what the answers lack (a client secret left out of them, most often), never the other
way round; a bad value in the answers is kept (shown marked), never replaced by a default.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .answers_file import partial_from_mapping
from .errors import UserError
from .fields import dig, put

DEFAULT_CHART = Path("/opt/mip-deployment/kubernetes")
PROFILE_MARKERS = (".direct", ".proxied", ".direct.no_auth", ".proxied.no_auth")


@dataclass
class ExistingInstall:
    answers_path: Path | None = None  # saved answers that were read (possibly with problems)
    profiles_dir: Path | None = None  # a folder holding profile files
    journal_steps: int = 0  # steps the install journal records as done
    releases: list[str] = field(default_factory=list)  # helm releases on this machine's cluster
    mapping: dict[str, Any] | None = None  # everything found, as one answers mapping
    problems: dict[str, str] = field(default_factory=dict)  # answers key -> message
    unreadable: list[str] = field(default_factory=list)  # sources that could not be read, and why

    @property
    def found(self) -> bool:
        return bool(self.answers_path or self.profiles_dir or self.journal_steps or self.releases)

    def sources(self) -> list[str]:
        """What was found, one phrase each (Welcome lists them)."""
        found = []
        if self.answers_path:
            found.append(f"saved answers in {self.answers_path}")
        if self.profiles_dir:
            found.append(f"profile files in {self.profiles_dir}")
        if self.journal_steps:
            found.append(f"the install journal ({self.journal_steps} steps done)")
        if self.releases:
            found.append("helm releases " + ", ".join(self.releases) + " on this cluster")
        return found


def find_existing(
    answers_path: Path,
    profiles_dir: Path | None,
    journal_path: Path,
    releases: Callable[[], list[str]] | None = None,
) -> ExistingInstall:
    """Look at every source (thread-safe, no writes); ``releases`` lists the cluster's helm releases."""
    found = ExistingInstall()
    raw: dict[str, Any] | None = None
    if answers_path.is_file():
        try:
            from .answers import read_answers_data

            raw = read_answers_data(answers_path)
            found.answers_path = answers_path
        except UserError as exc:
            found.unreadable.append(str(exc))
    partial = partial_from_mapping(raw, source=str(answers_path)) if raw is not None else None
    if partial is not None:
        found.problems = dict(partial.problems)
    chart = profiles_dir or _chart_of(raw)
    if any((chart / name).is_file() for name in PROFILE_MARKERS):
        found.profiles_dir = chart
        found.mapping = _with_profile_secrets(raw, chart) if raw is not None else _from_profiles(chart, found)
    else:
        found.mapping = raw
    found.journal_steps = _journal_steps(journal_path)
    if releases is not None:
        try:
            found.releases = sorted(releases())
        except Exception:  # no microk8s, no cluster, no permission: just not a source
            found.releases = []
    return found


def _chart_of(raw: dict[str, Any] | None) -> Path:
    known, path = dig(raw or {}, "mip_deployment.path")
    return Path(path) / "kubernetes" if known and isinstance(path, str) and path.startswith("/") else DEFAULT_CHART


def _from_profiles(chart: Path, found: ExistingInstall) -> dict[str, Any] | None:
    """No saved answers: what the profile files say (an upstream template left unfilled is a problem)."""
    try:
        from .profiles import load_profiles

        mapping: dict[str, Any] = load_profiles(chart).model_dump(mode="json")
        return mapping
    except (UserError, OSError) as exc:
        found.unreadable.append(str(exc))
        return None


def _with_profile_secrets(raw: dict[str, Any], chart: Path) -> dict[str, Any]:
    """The answers as written, with the secrets only the profile files kept (answers saved without them)."""
    merged: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    for key, value in secrets_from_profiles(chart).items():
        known, current = dig(merged, key)
        if not known or not current:
            put(merged, key, value)
    return merged


def secrets_from_profiles(chart: Path) -> dict[str, str]:
    """The client secrets the profile files in ``chart`` hold, by answers key (the answers may lack them)."""
    from .profile_kinds import PROFILES
    from .releases.secrets import profile_client_secret

    found: dict[str, str] = {}
    for kind in PROFILES:
        value = profile_client_secret(chart / kind.filename)
        key = "internal_keycloak.client_secret" if kind.uses_internal_keycloak else "keycloak.client_secret"
        if value:
            found.setdefault(key, value)
    return found


def _journal_steps(path: Path) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    steps = data.get("steps") if isinstance(data, dict) else None
    return len(steps) if isinstance(steps, dict) else 0


def helm_release_names() -> list[str]:
    """The helm releases of this machine's microk8s (empty when there is no cluster to ask)."""
    from .cluster.queries import ClusterQueries

    return [release.name for release in ClusterQueries().helm_releases()]
