"""Fake ``microk8s helm3 rollback RELEASE [REVISION]`` and ``helm3 history RELEASE -o json``.

Like helm 3: a rollback is a new revision whose chart and values are those of REVISION (default:
the one before the current); the rendered manifests come back with it (re-rendered through the
real helm from the values' saved text, see _render.py). Messages from helm's cmd/helm/rollback.go.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from _common import Args, err, out

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def rollback(ctx: Any, args: Args, rest: list[str]) -> int:
    if not rest or len(rest) > 2:
        err('Error: "helm rollback" requires at least 1 argument')
        return 1
    name = rest[0]
    state = ctx.state()
    record = state["releases"].get(name)
    if record is None:
        err("Error: release: not found")
        return 1
    history = record.get("history", [])
    current = record["revision"]
    wanted = int(rest[1]) if len(rest) == 2 and rest[1].isdigit() and int(rest[1]) > 0 else current - 1
    old = next((h for h in history if h["revision"] == wanted), None)
    if old is None or wanted >= current + 1:
        err(f"Error: release has no {wanted} version")
        return 1
    new = dict(record)
    new.update(chart_path=old["chart_path"], values_files=old["values_files"], set=old["set"])
    problem = _render(ctx, new)
    if problem:
        err(f"Error: {problem}")
        return 1
    with ctx.store.update() as st:
        rel = st["releases"][name]
        rel.update(new, revision=current + 1, status="deployed", description=f"Rollback to {wanted}",
                   deployed_at=time.time())
        rel["history"] = [*history, {"revision": current + 1, "chart_path": old["chart_path"],
                                     "values_files": old["values_files"], "set": old["set"],
                                     "updated": rel.get("updated", "")}]
    out("Rollback was a success! Happy Helming!")
    return 0


def _render(ctx: Any, record: dict) -> str | None:
    import _render

    with tempfile.TemporaryDirectory(prefix="fake-helm-rollback-") as tmp:
        argv: list[str] = []
        for n, f in enumerate(record["values_files"]):
            path = os.path.join(tmp, f"values{n}.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(f["text"])
            argv += ["-f", path]
        for s in record.get("set") or []:
            argv += ["--set", s]
        args = Args(argv, {"-f", "--set"})
        return _render.deploy_problem(ctx, args, record)


def history(ctx: Any, args: Args, rest: list[str]) -> int:
    record = ctx.state()["releases"].get(rest[0]) if rest else None
    if record is None:
        err("Error: release: not found")
        return 1
    items = [{"revision": h["revision"], "updated": h.get("updated", ""), "status": "superseded",
              "chart": f"{record['chart_name']}-{record['chart_version']}", "app_version": record["app_version"],
              "description": ""} for h in record.get("history", [])]
    if items:
        items[-1]["status"] = record["status"]
        items[-1]["description"] = record["description"]
    out(json.dumps(items, separators=(",", ":")))
    return 0
