"""A Helm release step: chart check, then ``upgrade --install`` (``install`` twice fails)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..answers import Answers
from .chart_gate import check_before_helm
from .settings import InstallSettings
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint


def host_roots(answers: Answers) -> tuple[str, ...]:
    """Where the answers put things on the host: every hostPath a chart mounts must lie under one."""
    return tuple(str(p) for p in (answers.data_root, answers.exareme2.path, answers.mip_deployment.path))


Chart = Callable[[StepContext], tuple[Path, list[Path]]]  # the chart folder and the -f files, in order


def release_step(
    step_id: str, title: str, release: str, chart: Chart, inputs: str, s: InstallSettings, roots: tuple[str, ...]
) -> Step:
    def probe(ctx: StepContext) -> Probe:
        return Probe(ctx.facts.helm_releases().get(release) == "deployed", f"release {release} deployed")

    def action(ctx: StepContext) -> str:
        status = "" if ctx.recording else ctx.facts.helm_releases().get(release, "")
        if status.startswith("pending-"):  # helm refuses every change to it: say how to unblock it
            raise StepFailed(
                f"helm release {release} is stuck in {status} (an install or upgrade was interrupted) and helm "
                f"refuses to change it — run `mipwizard recover-release {release}` (it rolls back to the last "
                "deployed revision, or uninstalls a release that never deployed, after asking), then the install again"
            )
        folder, values = chart(ctx)
        check_before_helm(ctx, release, folder, values, roots)
        argv = ["microk8s", "helm3", "upgrade", "--install", release, str(folder)]
        for path in values:
            argv += ["-f", str(path)]
        ctx.run(Command(tuple(argv), timeout=s.command_timeout))
        ctx.facts.forget_helm_releases()
        return f"release {release} deployed"

    return Step(
        step_id,
        title,
        check=f"microk8s helm3 list -A -o json shows {release} deployed with these values",
        fingerprint=fingerprint(release, inputs),
        probe=probe,
        action=action,
        needs_journal=True,
    )
