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
from .values import detect_model, engine_files, mip_files

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
    engine: co.Move | None = None  # the Exareme2 checkout, when the target's ref is another commit
    engine_changes: list[str] = field(default_factory=list)

    @property
    def carried(self) -> list[tuple[str, str]]:
        """Secrets kept as they are: those the install's code does not make for the new chart."""
        made = {("default", n) for n in RELEASE_SECRETS} if needs_secrets(self.model) else set()
        return [s for s in self.secrets if s not in made]

    @property
    def moves(self) -> list[co.Move]:
        return [self.mip, *([self.engine] if self.engine else [])]

    def describe(self) -> list[str]:
        lines = []
        for name, move, changes in (("MIP", self.mip, self.changes), ("Exareme2", self.engine, self.engine_changes)):
            if move is None:
                lines.append(f"Exareme2: stays at {self.target.exareme2_ref} (the same commit in both releases)")
                continue
            lines.append(f"{name} {self.current.name} → {self.target.name}: {move.path} {move.old_commit[:12]} → "
                         f"{move.new_commit[:12]} ({move.ref})")
            lines += _changes(changes)
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


def _changes(changes: list[str]) -> list[str]:
    if not changes:
        return ["  the rendered manifests are the same"]
    lines = [f"  what the cluster will receive differs in {len(changes)} ways:"]
    lines += [f"    {c}" for c in changes[:60]]
    if len(changes) > 60:
        lines.append(f"    … and {len(changes) - 60} more")
    return lines


def plan_upgrade(
    answers: Answers, target_name: str, *, work: Path, sudo: bool = False, say: Say = print,
    repo: str | None = None, ref: str | None = None, engine_repo: str | None = None, engine_ref: str | None = None,
) -> UpgradePlan:
    """``repo``/``ref`` (``engine_*`` for Exareme2): a mirror or fork and a ref by hand instead of the release's."""
    try:
        target = release_by_name(target_name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    current = release_by_name(answers.release)
    if target.name == current.name:
        raise UserError(f"this MIP is already on {current.name} — nothing to upgrade")
    for key, by_hand, option in (("mip_deployment", ref, "--ref"), ("exareme2", engine_ref, "--exareme2-ref")):
        pinned = getattr(answers, key).ref
        if pinned and not by_hand:
            raise UserError(f"the answers pin {key}.ref: {pinned} by hand — remove it, or give the ref to upgrade "
                            f"to with {option}")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, mode=0o700)
    mip = _move("mip_deployment", answers.mip_deployment.path, repo or _mirror(answers.mip_deployment.repo_url,
                current.mip_repo_url, target.mip_repo_url), ref or target.mip_ref, say)
    old_docs, new_docs = _sides(mip, "mip", answers, work, sudo)
    exa_url = engine_repo or _mirror(answers.exareme2.repo_url, current.exareme2_repo_url, target.exareme2_repo_url)
    engine: co.Move | None = _move("exareme2", answers.exareme2.path, exa_url, engine_ref or target.exareme2_ref, say)
    engine_changes: list[str] = []
    if engine is not None and engine.new_commit == engine.old_commit:
        engine = None
    if engine is not None:
        engine_changes = diff(*_sides(engine, "exareme2", answers, work, sudo))
    migrations, dropped, refusals = _databases(databases(old_docs), databases(new_docs), target)
    return UpgradePlan(current, target, mip, diff(old_docs, new_docs), migrations, dropped, refusals,
                       carried_secrets(old_docs, new_docs), old_docs, new_docs,
                       model=detect_model(work / "new-mip"), engine=engine, engine_changes=engine_changes)


def _mirror(answered: str | None, current_home: str, target_home: str) -> str:
    """A mirror in the answers stays in use while the release's home does not change."""
    return (answered if target_home == current_home else None) or target_home


def _move(key: str, path: Path, url: str, ref: str, say: Say) -> co.Move:
    old_commit = co.head(path)
    say(f"fetching {url} into {path}…")
    co.fetch(path, url)
    return co.Move(key, path, url, ref, old_commit, co.resolve(path, ref))


def _sides(move: co.Move, release: str, answers: Answers, work: Path, sudo: bool) -> tuple[list[Doc], list[Doc]]:
    """The live release rendered from its chart with the values it was deployed with (``helm get
    values``), and the new commit's chart (a throw-away clone) with the values its writers make."""
    from ..system import capture, privileged_argv

    files_of = mip_files if release == "mip" else engine_files
    argv = ["microk8s", "helm3", "get", "values", release, "-o", "yaml"]
    result = capture(privileged_argv(argv) if sudo else argv, timeout=60)
    if not result.ok:
        raise UserError(f"the helm release `{release}` is not deployed (helm get values {release} failed) — install "
                        "the MIP first (mipwizard install)")
    live = work / f"live-{release}.yaml"
    atomic_write_text(live, result.stdout, mode=0o600, backup=False)
    old_docs = render(files_of(answers, move.path).chart_dir, [live], release=release, sudo=sudo)
    clone = co.temp_clone(move.path, move.new_commit, work / f"new-{release}")
    values = files_of(answers, clone)
    for file, text in values.files:
        atomic_write_text(file, text, mode=0o600, backup=False)
    return old_docs, render(values.chart_dir, values.paths, release=release, sudo=sudo)


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
