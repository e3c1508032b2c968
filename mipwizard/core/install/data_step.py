"""Exareme2 0.20/0.28 data loading: ``mipdb init`` and ``mipdb load-folder /opt/data`` in each local
node's db-importer container (charts/exareme2@0.20.0/kubernetes/docs/ImportNodeData.md). Exaflow
loads the CSVs itself at start, so its plans have no such step.

Idempotent: each node's data models are listed first and only a node missing some is loaded. The
step is done only when every pathology with data on disk is visible as a data model on every node.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..answers import Answers
from .settings import InstallSettings
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint

LOCAL_NODE_WORDS = ("localnode", "localworker")  # 0.20: exareme2-localnode-deployment-…, 0.28: exareme2-localworker-N


def expected_models(answers: Answers) -> dict[str, str]:
    """pathology -> data model code, for the pathologies whose folder holds a CDEsMetadata.json."""
    found = {}
    for pathology in answers.pathologies:
        meta = answers.data_root / answers.federation / pathology / "CDEsMetadata.json"
        try:
            code = json.loads(meta.read_text(encoding="utf-8")).get("code") or pathology
        except (OSError, ValueError, AttributeError):
            continue
        found[pathology] = str(code)
    return found


def visible_models(text: str) -> set[str]:
    """Codes in ``mipdb list-data-models`` output (a table whose rows hold code and version)."""
    codes: set[str] = set()
    for line in text.splitlines()[1:]:
        words = line.split()
        if len(words) >= 3:
            codes.update(words)
    return codes


def _local_nodes(ctx: StepContext, s: InstallSettings) -> list[str]:
    if ctx.recording:
        return ["LOCAL-NODE-POD"]  # the dry run's stand-in: one per local node
    result = ctx.query(["microk8s", "kubectl", "get", "pods", "-n", "default", "-o", "json"], privileged=True,
                       timeout=s.query_timeout)
    try:
        items = json.loads(result.stdout).get("items", []) if result.ok else []
    except ValueError:
        items = []
    names = [str(i.get("metadata", {}).get("name", "")) for i in items]
    return sorted(n for n in names if any(w in n for w in LOCAL_NODE_WORDS))


def _mipdb(pod: str, *args: str) -> tuple[str, ...]:
    return ("microk8s", "kubectl", "exec", pod, "-c", "db-importer", "--", "mipdb", *args)


def exareme2_data(answers: Answers, s: InstallSettings) -> Step:
    folder = answers.data_root / answers.federation

    def missing(ctx: StepContext, pod: str, wanted: dict[str, str]) -> list[str]:
        result = ctx.query(list(_mipdb(pod, "list-data-models")), privileged=True, timeout=s.query_timeout)
        seen = visible_models(result.stdout) if result.ok else set()
        return [p for p, code in wanted.items() if code not in seen]

    def exaflow(ctx: StepContext) -> bool:
        from ..releases.catalogue import EngineLayout
        from .engine_steps import engine_layout

        return engine_layout(ctx, answers)[1] is EngineLayout.EXAFLOW

    def probe(ctx: StepContext) -> Probe:
        try:
            if exaflow(ctx):
                return Probe(True, "exaflow loads the CSVs itself at start")
        except StepFailed:
            return Probe(False)
        wanted = expected_models(answers)
        pods = _local_nodes(ctx, s)
        ok = bool(pods) and all(not missing(ctx, pod, wanted) for pod in pods)
        return Probe(ok, _visible(wanted, pods))

    def action(ctx: StepContext) -> str:
        if exaflow(ctx):
            return "exaflow loads the CSVs itself at start: nothing to import"
        wanted = expected_models(answers)
        pods = _local_nodes(ctx, s)
        if not pods:
            raise StepFailed("no Exareme2 local node pod was found in the default namespace — see `mipwizard status`")
        for pod in pods:
            if not ctx.recording and not missing(ctx, pod, wanted):
                ctx.say(f"{pod}: {', '.join(wanted) or 'no pathology'} already loaded")
                continue
            ctx.run(Command(_mipdb(pod, "init"), timeout=s.command_timeout))
            ctx.run(Command(_mipdb(pod, "load-folder", "/opt/data"), timeout=s.command_timeout))
            still = [] if ctx.recording else missing(ctx, pod, wanted)
            if still:
                raise StepFailed(
                    f"{pod}: after `mipdb load-folder /opt/data` the data models of {', '.join(still)} are not "
                    "visible — check the data with `mipwizard data check`, then "
                    "`mipwizard install --only exareme2-data`"
                )
        return _visible(wanted, pods) + _empty_note(answers, wanted, folder)

    return Step(
        "exareme2-data",
        "Load the pathologies' data into each Exareme2 local node (mipdb in its db-importer container)",
        check="mipdb list-data-models in each local node shows every pathology that has data",
        fingerprint=fingerprint(str(folder), answers.pathologies),
        probe=probe,
        action=action,
    )


def _visible(wanted: dict[str, str], pods: list[str]) -> str:
    if not wanted:
        return "no pathology folder holds data yet (CDEsMetadata.json): nothing to load"
    return f"data models {', '.join(sorted(wanted.values()))} visible on {len(pods)} local node(s)"


def _empty_note(answers: Answers, wanted: dict[str, str], folder: Path) -> str:
    empty = [p for p in answers.pathologies if p not in wanted]
    if not empty:
        return ""
    return (f"; no data yet in {', '.join(str(folder / p) for p in empty)} — add it, then run "
            "`mipwizard install --only exareme2-data`")
