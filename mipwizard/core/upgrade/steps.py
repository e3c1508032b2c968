"""What an upgrade and its rollback both do: check a checkout out keeping local changes, run helm
(its output streamed, redacted), read a release's revision, write the values files, wait until the
workloads are Ready, and record the new release in the answers file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..answers import Answers
from ..backup.workloads import Kube
from ..errors import UserError
from ..releases.secrets import SECRET_TEMPLATE
from ..runner import ProcessRunner
from ..system import capture, privileged_argv
from . import checkout as co
from .values import OVERLAY, ValuesFiles, engine_files, mip_files, write

Say = Callable[[str], None]
RELEASES = ("mip", "exareme2")  # the helm releases an upgrade moves
CHECKOUT_OF = {"mip_deployment": "mip", "exareme2": "exareme2"}  # checkout key -> its helm release


@dataclass
class Context:
    answers: Answers
    answers_path: Path
    state_dir: Path
    kube: Kube
    runner: ProcessRunner
    say: Say
    timeout: float = 600.0
    sudo: bool = False


def helm_revision(sudo: bool, release: str = "mip") -> int | None:
    argv = ["microk8s", "helm3", "list", "-A", "-o", "json"]
    result = capture(privileged_argv(argv) if sudo else argv, timeout=60)
    try:
        for item in json.loads(result.stdout) if result.ok else []:
            if item.get("name") == release:
                return int(item["revision"])
    except (ValueError, KeyError, TypeError):
        return None
    return None


def checkout_keeping(path: Path, commit: str, say: Say) -> None:
    """Check out ``commit``, keeping the state in the checkout: tracked files changed since (config/
    edited by the MIP or by hand) are saved, reset, and written back over the new release's copy;
    mipwizard's own files (profiles, overlay, 8.0.0's filled Secret template) are reset and written
    again from the answers."""
    changed = co.dirty(path)
    # 8.0.0's templates/mip-secret.yaml holds the kept passwords (the install wrote them): put back to
    # upstream, never carried into a chart that has no such template (it would make a second mip-secret)
    mine = {f for f in changed if Path(f).name.startswith(".") or Path(f).name == OVERLAY
            or f.endswith(f"/{SECRET_TEMPLATE}")}
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


def write_values(ctx: Context, release: str, checkout: Path) -> ValuesFiles:
    """The release's values for the chart in ``checkout`` (the writers of its layout), written;
    Exareme2's stored data owned by the admin user again, as the install leaves it (a new layout
    adds folders)."""
    found = (mip_files if release == "mip" else engine_files)(ctx.answers, checkout)
    write(found, ctx.answers)
    stored = ctx.answers.exareme2.path / ".stored_data"
    if release == "exareme2" and found.folders and stored.is_dir():
        from ..data.folders import primary_group

        user = ctx.answers.admin_user
        result = ctx.runner.run(["chown", "-R", f"{user}:{primary_group(user)}", str(stored)], privileged=True,
                                timeout=600)
        if not result.ok:
            raise UserError(f"`chown -R {user} {stored}` {result.describe()}")
    return found


def helm(ctx: Context, *args: str) -> None:
    def show(lines: list[str]) -> None:
        for line in lines:
            if line.strip():
                ctx.say(f"  {line}")

    result = ctx.runner.run(["microk8s", "helm3", *args], privileged=True, timeout=1800, on_lines=show)
    if not result.ok:
        raise UserError(f"`microk8s helm3 {' '.join(args[:2])}` {result.describe()}")


def wait_ready(ctx: Context, releases: tuple[str, ...] = RELEASES) -> None:
    workloads = ctx.kube.workloads(set(releases))
    ctx.say(f"waiting until {len(workloads)} workloads are Ready (up to {ctx.timeout:g} s)…")
    ctx.kube.wait_scaled({w.key: w.replicas for w in workloads}, timeout=ctx.timeout)


def set_release(answers_path: Path, answers: Answers, name: str, pins: dict[str, dict[str, str]]) -> None:
    """``release`` (and each checkout's ``repo_url``/``ref`` in ``pins`` when they moved off the
    release's own) in the answers file, its comments and every other value kept (a round-trip
    update, refused if it would not load)."""
    from ..answers_file import update_answers_file

    update: dict[str, object] = {"release": name}
    for key, changes in pins.items():
        update[key] = getattr(answers, key).model_copy(update=changes)
    update_answers_file(answers_path, answers.model_copy(update=update), include_secrets=True)
