"""Carry an upgrade out, journalled: back up, check both checkouts out and write their values,
move database folders aside, helm upgrade the MIP (then its Secrets) and Exareme2, wait until
Ready, replay each database's dump into its successor, record the release in the answers. Any
failure rolls everything back (undo.py) and says so; killed, the same command finishes or rolls
back from the journal (``resume``)."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..answers import Answers
from ..backup.archive import DatabaseDump, iter_members
from ..backup.make import make_backup
from ..backup.workloads import Kube
from ..errors import UserError
from ..redact import Redactor
from ..runner import ProcessRunner
from .journal import CheckoutMove, UpgradeJournal, journal_path
from .plan import Migration, UpgradePlan
from .secrets import names, release_secrets
from .steps import CHECKOUT_OF, Context, Say, checkout_keeping, helm, helm_revision, wait_ready, write_values
from .undo import finish, roll_back


@dataclass
class UpgradeResult:
    ok: bool
    backup: Path | None
    message: str
    rolled_back: bool = False
    notes: list[str] = field(default_factory=list)


def context(answers: Answers, *, answers_path: Path, state_dir: Path, kube: Kube, say: Say, timeout: float = 600.0,
            sudo: bool = False) -> Context:
    runner = ProcessRunner(redactor=Redactor(answers.secrets()))
    return Context(answers, answers_path, state_dir, kube, runner, say, timeout, sudo)


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


def _pins(plan: UpgradePlan, answers: Answers) -> dict[str, dict[str, str]]:
    """What the answers must say after the upgrade: a repository or ref that is not the release's own."""
    homes = {"mip_deployment": (plan.current.mip_repo_url, plan.target.mip_ref),
             "exareme2": (plan.current.exareme2_repo_url, plan.target.exareme2_ref)}
    pins: dict[str, dict[str, str]] = {}
    for move in plan.moves:
        home, release_ref = homes[move.key]
        changes = {}
        if move.url != (getattr(answers, move.key).repo_url or home):
            changes["repo_url"] = move.url
        if move.ref != release_ref:
            changes["ref"] = move.ref
        if changes:
            pins[move.key] = changes
    return pins


def run_upgrade(plan: UpgradePlan, ctx: Context) -> UpgradeResult:
    if plan.refusals:
        raise UserError("the upgrade is refused:", problems=plan.refusals)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = journal_path(ctx.state_dir)
    journal = UpgradeJournal(
        id=stamp, current=plan.current.name, target=plan.target.name, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        stage="planned", checkouts=[CheckoutMove(m.key, str(m.path), m.old_commit, m.new_commit) for m in plan.moves],
        revisions={CHECKOUT_OF[m.key]: helm_revision(ctx.sudo, CHECKOUT_OF[m.key]) for m in plan.moves},
        pins=_pins(plan, ctx.answers),
    )
    journal.save(path)
    ctx.say("backing up first…")
    backup = make_backup(ctx.answers, answers_path=ctx.answers_path, state_dir=ctx.state_dir, kube=ctx.kube,
                         say=lambda line: ctx.say(f"  {line}"))
    ctx.say(f"backup written: {backup.path}")
    spool = ctx.state_dir / f"upgrade-dumps-{stamp}"
    spool.mkdir(parents=True, mode=0o700, exist_ok=True)
    journal.backup, journal.spool = str(backup.path), str(spool)
    dumps = _extract_dumps(backup.path, plan.migrations, spool)
    missing = [m.old.container for m in plan.migrations if m.new.container not in dumps]
    if missing:
        shutil.rmtree(spool, ignore_errors=True)
        path.unlink(missing_ok=True)
        raise UserError(f"the backup has no dump of {', '.join(missing)} — is its pod Ready? Nothing was changed")
    journal.advance("backed-up", path)
    try:
        _deploy(plan, ctx, journal, dumps)
    except (UserError, OSError) as exc:
        ctx.say(f"the upgrade failed: {exc}")
        notes = roll_back(journal, ctx)
        return UpgradeResult(False, backup.path, f"the upgrade to {plan.target.name} failed ({exc}); rolled back to "
                             f"{plan.current.name}", rolled_back=True, notes=notes)
    finish(journal, ctx)
    return UpgradeResult(True, backup.path, f"the MIP runs {plan.target.name} and every workload is Ready",
                         notes=[f"the previous database folder is kept in {a}" for _o, a in journal.moved])


def _deploy(plan: UpgradePlan, ctx: Context, journal: UpgradeJournal, dumps: dict[str, Path]) -> None:
    path, say = journal_path(ctx.state_dir), ctx.say
    values = {}
    for move in plan.moves:
        say(f"checking out {move.ref} ({move.new_commit[:12]}) in {move.path}")
        checkout_keeping(move.path, move.new_commit, say)
        release = CHECKOUT_OF[move.key]
        values[release] = write_values(ctx, release, move.path)
        say("wrote " + ", ".join(str(v) for v in values[release].paths))
    journal.advance("checked-out", path)
    for m in plan.migrations:
        if m.move_aside and m.old.host_path and Path(m.old.host_path).exists():
            aside = f"{m.old.host_path}.pg{m.old.major}-before-upgrade-{journal.id}"
            journal.moved.append([m.old.host_path, aside])
            journal.save(path)  # before the rename: a kill between the two still finds it
            os.rename(m.old.host_path, aside)
            say(f"moved {m.old.host_path} aside to {aside} (a PostgreSQL {m.new.major} never starts on "
                f"PostgreSQL {m.old.major} files)")
    made = release_secrets(ctx.answers, plan.model, state_dir=ctx.state_dir, kube=ctx.kube,
                           redactor=ctx.runner.redactor)
    kept = [ctx.kube.read_secret(ns, name) for ns, name in plan.secrets if (ns, name) not in names(made)]
    for release, found in values.items():
        args = ["upgrade", release, str(found.chart_dir), *[a for p in found.paths for a in ("-f", str(p))]]
        say(f"$ microk8s helm3 {' '.join(args)}")
        helm(ctx, *args)
        if release != "mip":
            continue
        for secret in kept:
            ctx.kube.apply_secret(secret, release="mip")
            say(f"kept Secret {secret['metadata']['namespace']}/{secret['metadata']['name']}")
        for secret in made:  # after the upgrade: helm deletes the old chart's own mip-secret
            ctx.kube.apply_secret(secret, release="mip")
            say(f"applied Secret {secret['metadata']['namespace']}/{secret['metadata']['name']} (stdin)")
    journal.advance("deployed", path)
    wait_ready(ctx)
    journal.advance("ready", path)
    live = ctx.kube.workloads({"mip"})
    for m in plan.migrations:
        from ..backup import postgres

        dump = DatabaseDump(m.new.namespace, m.new.workload, m.new.container, m.new.image, m.new.major,
                            m.new.host_path)
        postgres.replay(ctx.kube, dump, live, dumps[m.new.container], say=say)
    journal.advance("migrated", path)


def resume(ctx: Context) -> UpgradeResult | None:
    """An upgrade killed before the end: finished when everything was deployed, Ready and migrated,
    else rolled back. None when there is nothing to resume."""
    path = journal_path(ctx.state_dir)
    journal = UpgradeJournal.load(path)
    if journal is None or journal.finished:
        return None
    ctx.say(f"an upgrade to {journal.target} started {journal.created} was interrupted (after stage "
            f"'{journal.stage}')")
    backup = Path(journal.backup) if journal.backup else None
    if journal.reached("migrated"):
        finish(journal, ctx)
        return UpgradeResult(True, backup, f"the interrupted upgrade to {journal.target} is finished: the MIP runs "
                             f"{journal.target} and every workload is Ready")
    notes = roll_back(journal, ctx)
    return UpgradeResult(False, backup, f"the interrupted upgrade to {journal.target} was rolled back to "
                         f"{journal.current}; run the upgrade again", rolled_back=True, notes=notes)
