"""Apply edited answers to a running MIP: what would change, then the install plan's own steps.

*What changes* compares the active profile rendered from the answers with the values the cluster
runs (``helm3 get values mip``), and lists the profile files that differ on disk; secrets masked.
*Applying* is the install plan run again (``core.install.build_plan``): every step checks whether
it is already done, so only what the edit touched runs — the profiles are written, ``helm3
upgrade --install`` runs through the very step the install uses, and the plan's last step waits
until every pod is Ready again (the recovery watch). No second copy of the helm command exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .existing import secrets_from_profiles
from .fields import put
from .profile_kinds import profile_kind

if TYPE_CHECKING:
    from .answers import Answers
    from .cluster.queries import ClusterQueries

RELEASE = "mip"


@dataclass
class ApplyPreview:
    profile: str
    chart: Path
    compared_with: str  # what ``diff`` is against, in words
    diff: str  # the active profile against the deployed values, secrets masked; "" when equal
    files: dict[str, str] = field(default_factory=dict)  # profile file -> diff with disk, secrets masked

    @property
    def changes(self) -> bool:
        return bool(self.diff or self.files)

    def summary(self) -> str:
        if not self.changes:
            return "Nothing changes: the running MIP already has these values (apply re-checks every step)."
        lines = [f"Profile .{self.profile} compared with {self.compared_with}:"]
        lines.append(self.diff.rstrip("\n") if self.diff else "  (no change in the deployed values)")
        if self.files:
            lines.append("Profile files that change on disk: " + ", ".join(sorted(self.files)))
        return "\n".join(lines)


def preview_apply(answers: Answers, queries: ClusterQueries | None, *, release: str = RELEASE) -> ApplyPreview:
    """What applying ``answers`` changes (reads only; ``queries`` None: no cluster to compare with)."""
    from .cluster.switch import deployed_values, values_diff
    from .profiles import diff_profiles, render_profile
    from .redact import Redactor

    chart = answers.mip_deployment.path / "kubernetes"
    name = profile_kind(answers.active_profile).name
    new_text = helm_values_text(answers, render_profile(answers, name))
    old_text = deployed_values(queries, release)
    compared_with = f"the deployed values (helm3 get values {release})"
    if old_text is None:
        compared_with = "nothing (no mip release is deployed yet)"
    redactor = Redactor([*answers.secrets(), *secrets_from_profiles(chart).values()])
    diff = values_diff(old_text, new_text, f".{name} (from the answers)", redactor)
    return ApplyPreview(name, chart, compared_with, diff, diff_profiles(answers, chart))


def helm_values_text(answers: Answers, profile_text: str) -> str:
    """The values the release gets from ``answers``, as ``helm3 get values`` shows them: the profile
    with the install's overlay merged over it (the -f order), or the 9.x values file alone.

    Compared with the profile alone, every overlay value (data paths, namespace…) would look removed.
    """
    import yaml

    from .cluster.switch import helm_merged
    from .releases import mip_values
    from .releases.catalogue import ValuesModel
    from .releases.layout import LayoutError, detect_mip

    try:
        chart = detect_mip(answers.mip_deployment.path)
    except LayoutError:  # no checkout to read the values model from: the profile is all we know
        return profile_text
    if chart.model is ValuesModel.VALUES_9:
        try:
            return mip_values.mip9_values_text(answers)
        except LookupError:
            return profile_text
    profile = yaml.safe_load(profile_text) or {}
    merged = helm_merged(profile, mip_values.mip_overlay(answers, chart.model, chart.values))
    return yaml.safe_dump(merged, sort_keys=False, default_flow_style=False)


def load_saved(path: Path, *, secrets_needed: bool = True) -> Answers:
    """The answers in ``path``, saved with or without their secrets (the default is without): a
    missing secret comes from the profile files already written; one nobody kept is a ``UserError``
    naming its key when ``secrets_needed``, else left empty for the caller that never uses it."""
    from .answers import answers_from_mapping, load_answers

    answers = with_known_secrets(load_answers(path, secrets_optional=True))
    if secrets_needed and answers.missing_secrets():
        answers_from_mapping(answers.model_dump(mode="json"), source=str(path))  # raises, listing each key
    return answers


def with_known_secrets(answers: Answers) -> Answers:
    """``answers`` with the secrets it lacks taken from the profile files already written (if any)."""
    from .answers import answers_from_mapping

    missing = [key for key, _ in answers.missing_secrets()]
    if not missing:
        return answers
    known = secrets_from_profiles(answers.mip_deployment.path / "kubernetes")
    if not any(key in known for key in missing):
        return answers
    data = answers.model_dump(mode="json")
    for key in missing:
        if key in known:
            put(data, key, known[key])
    return answers_from_mapping(data, secrets_optional=True)


def with_secret(answers: Answers, key: str, value: str) -> Answers:
    """``answers`` with the secret ``key`` (e.g. ``keycloak.client_secret``) set (validated)."""
    from .answers import answers_from_mapping

    data = answers.model_dump(mode="json")
    put(data, key, value)
    return answers_from_mapping(data, secrets_optional=True)
