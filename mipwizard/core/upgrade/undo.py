"""Putting an upgrade back, or finishing it, from its journal alone — after a failure, or when the
same command runs again after a kill -9: the checkouts at their old commits with their values, the
database folders moved aside back in place, ``helm rollback`` to the revisions before, the previous
release's Secrets rebuilt from the kept passwords. Each part is skipped once done, so a rollback
that is itself killed is simply run again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import UserError
from . import checkout as co
from .journal import UpgradeJournal, journal_path
from .secrets import release_secrets
from .steps import (
    CHECKOUT_OF,
    RELEASES,
    Context,
    checkout_keeping,
    helm,
    helm_revision,
    set_release,
    wait_ready,
    write_values,
)
from .values import detect_model


def roll_back(journal: UpgradeJournal, ctx: Context) -> list[str]:
    """Everything back as before the upgrade; returns what could not be (with what to do)."""
    path, notes = journal_path(ctx.state_dir), []
    for move in reversed(journal.checkouts):
        checkout = Path(move.path)
        try:
            if co.head(checkout) != move.old_commit:
                checkout_keeping(checkout, move.old_commit, ctx.say)
            write_values(ctx, CHECKOUT_OF[move.key], checkout)
            ctx.say(f"put back {checkout} at {move.old_commit[:12]} ({journal.current}) and its values")
        except (UserError, OSError) as exc:
            notes.append(f"could not put {checkout} back ({exc}) — run `git -C {checkout} checkout {move.old_commit}`")
    for original, aside in reversed(journal.moved):
        if os.path.lexists(aside):
            if os.path.lexists(original):
                os.rename(original, f"{original}.failed-upgrade-{journal.id}")
            os.rename(aside, original)
            ctx.say(f"put back {original}")
    for release in RELEASES:
        before = journal.revisions.get(release)
        if before is None or release in journal.undone:
            continue
        now = helm_revision(ctx.sudo, release)
        if now is not None and now != before:
            try:
                helm(ctx, "rollback", release, str(before))
            except UserError as exc:
                notes.append(f"helm rollback {release} failed ({exc}) — see `mipwizard status`; the backup "
                             f"{journal.backup} has everything")
                continue
            ctx.say(f"helm rollback {release} {before}: done")
        journal.undone.append(release)
        journal.save(path)
    try:
        mip = next(Path(m.path) for m in journal.checkouts if m.key == "mip_deployment")
        for secret in release_secrets(ctx.answers, detect_model(mip), state_dir=ctx.state_dir, kube=None,
                                      redactor=ctx.runner.redactor):
            ctx.kube.apply_secret(secret, release="mip")
            ctx.say(f"put back Secret {secret['metadata']['namespace']}/{secret['metadata']['name']}")
        wait_ready(ctx)
    except UserError as exc:
        notes.append(f"the previous release is back but not Ready ({exc}) — see `mipwizard status`")
    _drop_spool(journal)
    journal.advance("rolled-back", path)
    return notes


def finish(journal: UpgradeJournal, ctx: Context) -> None:
    """Everything is deployed, Ready and migrated: record the new release in the answers."""
    set_release(ctx.answers_path, ctx.answers, journal.target, journal.pins)
    _drop_spool(journal)
    journal.advance("done", journal_path(ctx.state_dir))


def _drop_spool(journal: UpgradeJournal) -> None:
    if journal.spool:
        shutil.rmtree(journal.spool, ignore_errors=True)  # the dumps: they are in the backup too
