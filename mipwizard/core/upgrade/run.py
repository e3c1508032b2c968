"""Carry an upgrade out: back up, check out, write values, helm upgrade, wait Ready, move each
database's data across; on any failure put the previous checkout and release back and say so."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..answers import Answers
from ..backup.archive import DatabaseDump, iter_members
from ..backup.make import BackupResult, make_backup
from ..backup.workloads import Kube, Workload
from ..errors import UserError
from ..redact import Redactor
from ..runner import ProcessRunner
from ..system import capture, privileged_argv
from . import checkout as co
from .plan import Migration, UpgradePlan
from .secrets import names, release_secrets
from .values import OVERLAY, ValuesFiles, detect_model, mip_files, write

Say = Callable[[str], None]


@dataclass
class UpgradeResult:
    ok: bool
    backup: Path | None
    message: str
    rolled_back: bool = False
    notes: list[str] = field(default_factory=list)


def _helm_revision(sudo: bool, release: str = "mip") -> int | None:
    argv = ["microk8s", "helm3", "list", "-A", "-o", "json"]
    result = capture(privileged_argv(argv) if sudo else argv, timeout=60)
    try:
        for item in json.loads(result.stdout) if result.ok else []:
            if item.get("name") == release:
                return int(item["revision"])
    except (ValueError, KeyError, TypeError):
        return None
    return None


def _checkout(path: Path, commit: str, say: Say) -> None:
    """Check out ``commit``, keeping the state in the checkout: tracked files changed since (config/
    edited by the MIP or by hand) are saved, reset, and written back over the new release's copy;
    mipwizard's own files (profiles, overlay) are reset and written again from the answers."""
    changed = co.dirty(path)
    mine = {f for f in changed if Path(f).name.startswith(".") or Path(f).name == OVERLAY}
    # Untracked files the new commit tracks (a config file kept from a release that had none) would
    # stop git: they are saved and written back the same way.
    blocking = co.untracked(path) & co.tracked_in(path, commit)
    keep = [f for f in [*changed, *sorted(blocking)] if f not in mine and (path / f).is_file()]
    saved = {f: ((path / f).read_bytes(), (path / f).stat().st_mode) for f in keep}
    if changed:
        co.git(path, "checkout", "--quiet", "--", *changed)
    for name in blocking:
        (path / name).unlink(missing_ok=True)
    co.checkout(path, commit)
    for name, (data, mode) in saved.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, mode & 0o7777)
    if saved:
        say(f"kept your changes to {', '.join(sorted(saved)[:5])}" + (" and more" if len(saved) > 5 else ""))


def _write_values(answers: Answers, checkout: Path) -> ValuesFiles:
    found = mip_files(answers, checkout)
    write(found, answers)
    return found


def _helm(runner: ProcessRunner, say: Say, *args: str) -> None:
    def show(lines: list[str]) -> None:
        for line in lines:
            if line.strip():
                say(f"  {line}")

    result = runner.run(["microk8s", "helm3", *args], privileged=True, timeout=1800, on_lines=show)
    if not result.ok:
        raise UserError(f"`microk8s helm3 {' '.join(args[:2])}` {result.describe()}")


def _extract_dumps(archive: Path, wanted: list[Migration], spool: Path) -> dict[str, Path]:
    members = {f"dumps/{m.old.namespace}.{m.old.workload.replace('/', '.')}.{m.old.container}.sql": m
               for m in wanted}
    found: dict[str, Path] = {}
    for tar, info in iter_members(archive):
        m = members.get(info.name)
        if m is None:
            continue
        handle = tar.extractfile(info)
        assert handle is not None
        target = spool / Path(info.name).name
        with open(target, "wb") as out:
            shutil.copyfileobj(handle, out)
        found[m.new.container] = target
    return found


def run_upgrade(
    plan: UpgradePlan, answers: Answers, *, answers_path: Path, state_dir: Path, kube: Kube, say: Say,
    timeout: float = 600.0, sudo: bool = False,
) -> UpgradeResult:
    if plan.refusals:
        raise UserError("the upgrade is refused:", problems=plan.refusals)
    say("backing up first…")
    backup: BackupResult = make_backup(answers, answers_path=answers_path, state_dir=state_dir, kube=kube,
                                       say=lambda line: say(f"  {line}"))
    say(f"backup written: {backup.path}")
    spool = state_dir / f"upgrade-dumps-{time.strftime('%Y%m%d-%H%M%S')}"
    spool.mkdir(parents=True, mode=0o700, exist_ok=True)
    dumps = _extract_dumps(backup.path, plan.migrations, spool)
    missing = [m.old.container for m in plan.migrations if m.new.container not in dumps]
    if missing:
        shutil.rmtree(spool, ignore_errors=True)
        raise UserError(f"the backup has no dump of {', '.join(missing)} — is its pod Ready? Nothing was changed")
    revision = _helm_revision(sudo)
    runner = ProcessRunner(redactor=Redactor(answers.secrets()))
    moved: list[tuple[Path, Path]] = []
    try:
        say(f"checking out {plan.mip.ref} ({plan.mip.new_commit[:12]}) in {plan.mip.path}")
        _checkout(plan.mip.path, plan.mip.new_commit, say)
        values = _write_values(answers, plan.mip.path)
        say("wrote " + ", ".join(str(v) for v in values.paths))
        for m in plan.migrations:
            if m.move_aside and m.old.host_path and Path(m.old.host_path).exists():
                aside = Path(f"{m.old.host_path}.pg{m.old.major}-before-upgrade-{spool.name.rsplit('-', 2)[-2]}")
                os.rename(m.old.host_path, aside)
                moved.append((Path(m.old.host_path), aside))
                say(f"moved {m.old.host_path} aside to {aside} (a PostgreSQL {m.new.major} never starts on "
                    f"PostgreSQL {m.old.major} files)")
        made = release_secrets(answers, plan.model, state_dir=state_dir, kube=kube, redactor=runner.redactor)
        kept = [kube.read_secret(ns, name) for ns, name in plan.secrets if (ns, name) not in names(made)]
        args = ["upgrade", "mip", str(values.chart_dir)]
        for v in values.paths:
            args += ["-f", str(v)]
        say(f"$ microk8s helm3 {' '.join(args)}")
        _helm(runner, say, *args)
        for secret in kept:
            kube.apply_secret(secret, release="mip")
            say(f"kept Secret {secret['metadata']['namespace']}/{secret['metadata']['name']}")
        for secret in made:  # after the upgrade: helm deletes the old chart's own mip-secret
            kube.apply_secret(secret, release="mip")
            say(f"applied Secret {secret['metadata']['namespace']}/{secret['metadata']['name']} (stdin)")
        _wait(kube, timeout, say)
        live = kube.workloads({"mip"})
        for m in plan.migrations:
            dump = DatabaseDump(m.new.namespace, m.new.workload, m.new.container, m.new.image, m.new.major,
                                m.new.host_path)
            from ..backup import postgres

            postgres.replay(kube, dump, live, dumps[m.new.container], say=say)
    except (UserError, OSError) as exc:
        say(f"the upgrade failed: {exc}")
        notes = _roll_back(plan, answers, revision, moved, runner, kube, say, timeout, sudo, state_dir)
        shutil.rmtree(spool, ignore_errors=True)
        return UpgradeResult(False, backup.path, f"the upgrade to {plan.target.name} failed ({exc}); rolled back to "
                             f"{plan.current.name}", rolled_back=True, notes=notes)
    shutil.rmtree(spool, ignore_errors=True)
    moved_home = plan.mip.url != (answers.mip_deployment.repo_url or plan.current.mip_repo_url)
    set_release(answers_path, answers, plan.target.name, plan.mip.url if moved_home else None,
                plan.mip.ref if plan.mip.ref != plan.target.mip_ref else None)
    return UpgradeResult(True, backup.path, f"the MIP runs {plan.target.name} and every workload is Ready",
                         notes=[f"the previous database folder is kept in {a}" for _p, a in moved])


def _wait(kube: Kube, timeout: float, say: Say) -> None:
    workloads: list[Workload] = kube.workloads({"mip"})
    say(f"waiting until {len(workloads)} workloads are Ready (up to {timeout:g} s)…")
    kube.wait_scaled({w.key: w.replicas for w in workloads}, timeout=timeout)


def _roll_back(
    plan: UpgradePlan, answers: Answers, revision: int | None, moved: list[tuple[Path, Path]],
    runner: ProcessRunner, kube: Kube, say: Say, timeout: float, sudo: bool, state_dir: Path,
) -> list[str]:
    notes = []
    try:
        _checkout(plan.mip.path, plan.mip.old_commit, say)
        _write_values(answers, plan.mip.path)
        say(f"put back the checkout at {plan.mip.old_commit[:12]} ({plan.current.name}) and its values")
    except (UserError, OSError) as exc:
        notes.append(f"could not put the checkout back ({exc}) — run `git -C {plan.mip.path} checkout "
                     f"{plan.mip.old_commit}`")
    for original, aside in reversed(moved):
        if original.exists():
            os.rename(original, Path(f"{original}.failed-upgrade"))
        os.rename(aside, original)
        say(f"put back {original}")
    now = _helm_revision(sudo)
    if revision is not None and now is not None and now != revision:
        try:
            _helm(runner, say, "rollback", "mip", str(revision))
            say(f"helm rollback mip {revision}: done")
            for secret in release_secrets(answers, detect_model(plan.mip.path), state_dir=state_dir, kube=None,
                                          redactor=runner.redactor):
                kube.apply_secret(secret, release="mip")
                say(f"put back Secret {secret['metadata']['namespace']}/{secret['metadata']['name']}")
            _wait(kube, timeout, say)
        except UserError as exc:
            notes.append(f"helm rollback failed ({exc}) — see `mipwizard status`; the backup has everything")
    return notes


def set_release(answers_path: Path, answers: Answers, name: str, repo_url: str | None, ref: str | None) -> None:
    """``release`` (and ``mip_deployment.repo_url``/``ref`` when they moved) in the answers file,
    its comments and every other value kept (a round-trip update, refused if it would not load)."""
    from ..answers_file import update_answers_file

    changes: dict[str, object] = {}
    if repo_url is not None:
        changes["repo_url"] = repo_url
    if ref is not None:
        changes["ref"] = ref
    mip = answers.mip_deployment.model_copy(update=changes)
    update_answers_file(answers_path, answers.model_copy(update={"release": name, "mip_deployment": mip}),
                        include_secrets=True)
