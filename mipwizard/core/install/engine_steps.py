"""The Exareme2 steps: its values overlay (per detected layout), node labels, its chart."""

from __future__ import annotations

import os
from pathlib import Path

from ..answers import Answers, Role
from ..errors import UserError
from ..releases.catalogue import EngineLayout
from ..releases.engine_values import EngineValues, engine_values, overlay_path
from ..releases.layout import LayoutError, detect_engine
from ..releases.pins import release_of
from .helm_steps import host_roots, release_step
from .settings import InstallSettings
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint


def engine_layout(ctx: StepContext, answers: Answers) -> tuple[Path, EngineLayout]:
    """The chart folder and layout read from the checkout (a dry run without one assumes the release's)."""
    try:
        found = detect_engine(answers.exareme2.path)
    except LayoutError as exc:
        if ctx.recording:
            return answers.exareme2.path / "kubernetes", release_of(answers).engine_layout
        raise StepFailed(str(exc)) from None
    return found.chart_dir, found.layout


def link_ok(values: EngineValues, answers: Answers) -> bool:
    if values.data_link is None:
        return True
    target = answers.data_root / answers.federation
    return values.data_link.is_symlink() and values.data_link.resolve() == target.resolve()


def exareme2_values(answers: Answers, s: InstallSettings, node: str) -> Step:
    data_dir = answers.data_root / answers.federation

    def probe(ctx: StepContext) -> Probe:
        try:
            chart, layout = engine_layout(ctx, answers)
        except StepFailed:
            return Probe(False)
        values = engine_values(answers, layout)
        try:
            same = overlay_path(chart).read_text(encoding="utf-8") == values.text()
        except OSError:
            return Probe(False)
        ok = same and link_ok(values, answers) and all(p.is_dir() for p in values.folders)
        return Probe(ok, f"{overlay_path(chart).name} ({layout.value}) is up to date")

    def action(ctx: StepContext) -> str:
        if answers.exareme2.smpc:
            _check_smpc(ctx, answers, node)
        chart, layout = engine_layout(ctx, answers)
        values = engine_values(answers, layout)
        owner = ctx.facts.need_owner(answers.admin_user)
        if values.folders:
            ctx.run(Command(("mkdir", "-p", *map(str, values.folders)), timeout=s.command_timeout))
        link = values.data_link
        if link is not None and not link_ok(values, answers):
            if link.exists() and not link.is_symlink() and any(link.iterdir()):
                raise StepFailed(
                    f"{link} holds files — the chart reads the workers' data there, so mipwizard makes it a link "
                    f"to {data_dir}; move those files into {data_dir} and remove {link}"
                )
            ctx.change(f"link {link} -> {data_dir} (the workers' data mount)", lambda: relink(link, data_dir))
        if values.folders:
            ctx.run(Command(("chown", "-R", owner, str(answers.exareme2.path / ".stored_data")),
                            timeout=s.command_timeout))
        target = overlay_path(chart)
        ctx.write(target, values.text(), what=f"the {layout.value} values")
        mount = f"{link} -> {data_dir}" if link else str(data_dir)
        return f"wrote {target} ({layout.value}; workers' data: {mount})"

    return Step(
        "exareme2-values",
        "Exareme2 values overlay for its chart's layout (nodes, data and storage paths, SMPC)",
        check="the overlay matches the answers, the hostPaths exist, the workers' data path resolves to "
        f"{data_dir}",
        fingerprint=fingerprint(answers.exareme2.model_dump(mode="json"), str(data_dir), answers.release),
        probe=probe,
        action=action,
    )


def relink(link: Path, target: Path) -> None:
    if link.is_symlink() or (link.is_dir() and not any(link.iterdir())):
        (link.unlink if link.is_symlink() else link.rmdir)()
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.with_name(link.name + ".mipwizard-link")
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)  # atomic: the chart never sees a missing mount


def _check_smpc(ctx: StepContext, answers: Answers, node: str) -> None:
    from ..federation import NodeInfo, check_smpc_allowed

    nodes = ctx.facts.nodes()
    if answers.smpc_player:  # this node gets the label in the next step
        nodes = [NodeInfo(n.name, {**n.labels, "smpc_player": "true"}, n.ready) if n.name == node else n
                 for n in nodes]
    try:
        check_smpc_allowed(nodes)
    except UserError as exc:
        raise StepFailed(f"exareme2.smpc is true but {exc}") from None


def node_labels(answers: Answers, s: InstallSettings, node: str) -> Step:
    from ..federation import labels_for

    labels = labels_for(master=True, worker=answers.role is Role.LOCAL, smpc_player=answers.smpc_player)
    wanted = dict(label.split("=", 1) for label in labels)

    def probe(ctx: StepContext) -> Probe:
        for n in ctx.facts.nodes():
            if n.name == node:
                return Probe(all(n.labels.get(k) == v for k, v in wanted.items()), " ".join(labels))
        return Probe(False)

    def action(ctx: StepContext) -> str:
        names = sorted(n.name for n in ctx.facts.nodes())
        if node not in names:
            raise StepFailed(
                f"there is no node {node!r} in the cluster (nodes: {', '.join(names) or 'none'}) — "
                "the node name is this machine's lowercase hostname; check `microk8s kubectl get nodes`"
            )
        ctx.run(Command(("microk8s", "kubectl", "label", "node", node, *labels, "--overwrite"),
                        timeout=s.query_timeout))
        return f"{node}: " + " ".join(labels)

    return Step(
        "node-labels",
        f"Label node {node}: " + ", ".join(labels),
        check="microk8s kubectl get nodes -o json",
        fingerprint=fingerprint(node, labels),
        probe=probe,
        action=action,
    )


def exareme2_chart(answers: Answers, s: InstallSettings) -> Step:
    def chart(ctx: StepContext) -> tuple[Path, list[Path]]:
        folder, _layout = engine_layout(ctx, answers)
        return folder, [overlay_path(folder)]

    inputs = fingerprint(answers.exareme2.model_dump(mode="json"), str(answers.data_root), answers.federation,
                         answers.release)
    return release_step("exareme2-chart", "Deploy the Exareme2 Helm chart", "exareme2", chart, inputs, s,
                        host_roots(answers))
