"""The human ``status`` report: compact, 80 columns, problems first, each with its fix."""

from __future__ import annotations

from ..textfit import ellipsize, plural, wrap_copyable
from .snapshot import ClusterSnapshot
from .worker import WorkerReport


def _wrap(text: str, indent: str, width: int | None) -> list[str]:
    # Pod names and commands stay whole and copyable; None (a pipe): one line each.
    return wrap_copyable(text, width, initial_indent=indent, subsequent_indent=indent + "  ")


def _fit(row: str, width: int | None) -> str:
    """A table row cut to the terminal with a visible '…' (never silently); whole when piped."""
    return ellipsize(row.rstrip(), width) if width else row.rstrip()


def format_status(snap: ClusterSnapshot, *, width: int | None = 80) -> str:
    lines: list[str] = []
    if snap.worker is not None:
        return format_worker(snap.worker, width=width)
    if snap.unreachable is not None:
        lines += _wrap(f"UNREACHABLE  {snap.unreachable.message}", "", width)
        lines += _wrap(f"fix: {snap.unreachable.fix}", "  ", width)
        return "\n".join(lines) + "\n"
    problems = snap.problems
    if problems:
        lines.append(f"PROBLEMS ({len(problems)})")
        for p in problems:
            where = p.target + (f" [{p.container}]" if p.container else "")
            lines += _wrap(f"! {where}: {p.summary}", "", width)
            lines += _wrap(f"fix: {p.fix}", "    ", width)
        lines.append("")
    status = snap.status
    if status is not None:
        addons = ", ".join(status.enabled_addons) or "none"
        lines += _wrap(f"microk8s  running; addons: {addons}", "", width)
    for node in snap.nodes:
        labels = ",".join(node.mip_roles) or "no MIP labels"
        state = "Ready" if node.ready else "NotReady"
        lines.append(_fit(
            f"node      {ellipsize(node.name, 26):26} {state:8} {ellipsize(labels, 26):26} {node.kubelet_version}",
            width))  # name 26: a v1.32.3 kubelet still fits in 80 columns
    for rel in snap.releases:
        lines.append(_fit(f"release   {ellipsize(rel.name, 20):20} {rel.status:15} rev {rel.revision:<3} {rel.chart}",
                          width))
    if snap.pod_health:
        lines.append("")
        lines.append(f"{'NAMESPACE':14} {'POD':36} {'READY':5} {'RST':>3}  STATE")
        for h in snap.pod_health:
            pod = h.pod
            mark = " " if h.healthy else "!"
            row = (f"{ellipsize(pod.namespace, 14):14} {ellipsize(pod.name, 36):36} {h.ready_text:5} "
                   f"{pod.restarts:>3} {mark}{h.state}")
            lines.append(_fit(row, width))
    for err in snap.errors:
        lines += _wrap(f"(could not read: {err})", "", width)
    verdict = "HEALTHY" if snap.healthy else ("NOT READY YET" if not problems else "UNHEALTHY")
    lines.append("")
    lines.append(
        verdict + ("" if snap.healthy else f" — {len(snap.not_ready())} not ready, {plural(len(problems), 'problem')}")
    )
    return "\n".join(lines) + "\n"


def format_worker(report: WorkerReport, *, width: int | None = 80) -> str:
    """A worker has no cluster view of its own: its local checks, then what to run on the master."""
    master = report.master or "the master"
    lines = _wrap(f"WORKER  {report.hostname} is a worker node of the cluster run by {master}", "", width)
    for check in report.checks:
        mark = "ok" if check.ok else "!!"
        lines += _wrap(f"{mark} {check.name:14} {check.detail}", "  ", width)
        if not check.ok and check.fix:
            lines += _wrap(f"fix: {check.fix}", "       ", width)
    lines.append("")
    lines.append(f"Pods, releases and node labels are checked on the master ({master.split(':')[0]}):")
    lines += [line for command in report.on_master for line in _wrap(command, "  ", width)]
    lines.append("")
    lines.append("WORKER OK" if report.ok else "WORKER NOT READY — fix the checks marked !!")
    return "\n".join(lines) + "\n"
