"""What an upgrade will do, found before anything changes: the new commit, both sides rendered by
the real helm, what differs, and how each PostgreSQL gets to the new release."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..answers import Answers
from ..errors import UserError
from ..fileio import atomic_write_text
from ..releases import Release, release_by_name
from ..releases.catalogue import ValuesModel
from ..releases.secrets import needs_secrets
from . import checkout as co
from .manifests import Database, Doc, carried_secrets, databases, diff, folder_major, render
from .values import detect_model, mip_files

# A database whose container was renamed between releases: the portal's (8.x) became the platform's (9.x).
SUCCESSORS = {"portalbackend-db": "platform-backend-db"}
Say = Callable[[str], None]
RELEASE_SECRETS = ("mip-secret", "keycloak-credentials")  # releases/secrets.py makes them


@dataclass(frozen=True)
class Migration:
    old: Database
    new: Database
    move_aside: bool  # the new database would start on the old one's folder: move that aside first

    def describe(self) -> str:
        how = (f"move {self.old.host_path} aside (PostgreSQL {self.old.major} files), " if self.move_aside else "")
        return (f"{self.old.container} (PostgreSQL {self.old.major}, {self.old.host_path}) → {self.new.container} "
                f"(PostgreSQL {self.new.major}, {self.new.host_path}): {how}dump before, replay into the new database")


@dataclass
class UpgradePlan:
    current: Release
    target: Release
    mip: co.Move
    changes: list[str]
    migrations: list[Migration]
    dropped: list[Database]
    refusals: list[str]
    secrets: list[tuple[str, str]] = field(default_factory=list)  # (namespace, name) carried over
    old_docs: list[Doc] = field(default_factory=list)
    new_docs: list[Doc] = field(default_factory=list)
    model: ValuesModel = ValuesModel.PROFILES_8  # the new chart's values model (layout detection)

    @property
    def carried(self) -> list[tuple[str, str]]:
        """Secrets kept as they are: those the install's code does not make for the new chart."""
        made = {("default", n) for n in RELEASE_SECRETS} if needs_secrets(self.model) else set()
        return [s for s in self.secrets if s not in made]

    def describe(self) -> list[str]:
        lines = [f"MIP {self.current.name} → {self.target.name}: {self.mip.path} {self.mip.old_commit[:12]} → "
                 f"{self.mip.new_commit[:12]} ({self.mip.ref})"]
        if self.changes:
            lines.append(f"what the cluster will receive differs in {len(self.changes)} ways:")
            lines += [f"  {c}" for c in self.changes[:60]]
            if len(self.changes) > 60:
                lines.append(f"  … and {len(self.changes) - 60} more")
        else:
            lines.append("the rendered manifests are the same")
        lines += [f"database: {m.describe()}" for m in self.migrations]
        lines += [f"database: {d.container} (PostgreSQL {d.major}, {d.host_path}) is not used by {self.target.name} "
                  "(its folder and its dump stay in the backup)" for d in self.dropped]
        lines += [f"Secret {ns}/{name}: the new chart reads it but no longer creates it (helm would delete it) — "
                  "kept as it is" for ns, name in self.carried]
        if needs_secrets(self.model):
            lines.append("Secrets default/mip-secret and default/keycloak-credentials (the new chart reads them, no "
                         "template creates them): the live passwords kept, missing ones generated once (kept 0600 "
                         "in the state folder), the active profile's Keycloak client")
        lines += [f"refused: {r}" for r in self.refusals]
        return lines


def plan_upgrade(
    answers: Answers, target_name: str, *, work: Path, sudo: bool = False, say: Say = print,
    repo: str | None = None, ref: str | None = None,
) -> UpgradePlan:
    """``repo``/``ref``: a mirror or fork and a ref by hand instead of the release's own."""
    try:
        target = release_by_name(target_name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    current = release_by_name(answers.release)
    if target.name == current.name:
        raise UserError(f"this MIP is already on {current.name} — nothing to upgrade")
    if answers.mip_deployment.ref and not ref:
        raise UserError(f"the answers pin mip_deployment.ref: {answers.mip_deployment.ref} by hand — remove it, "
                        "or give the ref to upgrade to with --ref")
    path = answers.mip_deployment.path
    # A mirror in the answers stays in use while the release's home does not change.
    mirror = answers.mip_deployment.repo_url if target.mip_repo_url == current.mip_repo_url else None
    url = repo or mirror or target.mip_repo_url
    old_commit = co.head(path)
    say(f"fetching {url} into {path}…")
    co.fetch(path, url)
    wanted = ref or target.mip_ref
    move = co.Move("mip_deployment", path, url, wanted, old_commit, co.resolve(path, wanted))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, mode=0o700)
    old_docs = _render_live(current, answers, work, sudo)
    clone = co.temp_clone(path, move.new_commit, work / "new")
    values = mip_files(answers, clone)
    for file, text in values.files:
        atomic_write_text(file, text, mode=0o600, backup=False)
    new_docs = render(values.chart_dir, values.paths, sudo=sudo)
    migrations, dropped, refusals = _databases(databases(old_docs), databases(new_docs), target)
    return UpgradePlan(current, target, move, diff(old_docs, new_docs), migrations, dropped, refusals,
                       carried_secrets(old_docs, new_docs), old_docs, new_docs, model=detect_model(clone))


def _render_live(current: Release, answers: Answers, work: Path, sudo: bool) -> list[Doc]:
    """The current chart with the values the live release was deployed with (``helm get values``)."""
    from ..system import capture, privileged_argv

    argv = ["microk8s", "helm3", "get", "values", "mip", "-o", "yaml"]
    result = capture(privileged_argv(argv) if sudo else argv, timeout=60)
    if not result.ok:
        raise UserError("the MIP's helm release `mip` is not deployed (helm get values mip failed) — install it "
                        "first (mipwizard install)")
    live = work / "live-values.yaml"
    atomic_write_text(live, result.stdout, mode=0o600, backup=False)
    return render(answers.mip_deployment.path / current.chart_folder, [live], sudo=sudo)


def _databases(
    old: list[Database], new: list[Database], target: Release
) -> tuple[list[Migration], list[Database], list[str]]:
    migrations, refusals, used = [], [], set()
    for db in new:
        before = next((o for o in old if o.container == db.container), None) or next(
            (o for o in old if SUCCESSORS.get(o.container) == db.container), None)
        same_folder = before is not None and before.host_path == db.host_path
        if db.host_path:
            found = folder_major(Path(db.host_path))
            if found is not None and found != db.major and not same_folder:
                refusals.append(
                    f"{db.host_path} holds PostgreSQL {found} files, but {target.name} would start PostgreSQL "
                    f"{db.major} on it ({db.workload}) — move that folder aside (it is in the backup), then run the "
                    "upgrade again")
        if before is None:
            continue
        used.add(before.container)
        if before.major != db.major or not same_folder:
            migrations.append(Migration(before, db, move_aside=same_folder))
    dropped = [o for o in old if o.container not in used]
    return migrations, dropped, refusals


def cleanup(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


def work_dir(state_dir: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="upgrade-", dir=state_dir)) if state_dir.is_dir() else state_dir / "upgrade"
