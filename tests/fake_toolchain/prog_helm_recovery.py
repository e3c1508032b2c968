"""Fake ``helm3 history`` and ``helm3 rollback``, and helm's refusal to touch a pending release.

Hooked into prog_helm.main by one call (``handle``); messages from helm v3 (pkg/action/action.go
"another operation (install/upgrade/rollback) is in progress", cmd/helm/rollback.go).
"""

from __future__ import annotations

import json

from _common import err, out

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

IN_PROGRESS = "another operation (install/upgrade/rollback) is in progress"


def handle(ctx: Any, verb: str, args: Any, rest: list[str]) -> int | None:
    """The exit code when this module answers the call, else None (prog_helm carries on)."""
    if not ctx.state()["microk8s"]["running"]:
        return None
    if verb in ("upgrade", "install") and rest:
        release = ctx.state()["releases"].get(rest[0])
        if release is not None and str(release.get("status", "")).startswith("pending"):
            err(f"Error: {'UPGRADE' if verb == 'upgrade' else 'INSTALLATION'} FAILED: {IN_PROGRESS}")
            return 1
        return None
    if verb in ("history", "hist"):
        return history(ctx, args, rest)
    if verb == "rollback":
        return rollback(ctx, args, rest)
    return None


def revisions(record: dict) -> list[dict]:
    """helm's releaseHistory rows: the current revision has the release's status, older ones superseded
    (unless a test set their status)."""
    rows = []
    entries = record.get("history") or [{"revision": record["revision"], "updated": record.get("updated", "")}]
    for entry in entries:
        current = entry["revision"] == record["revision"]
        rows.append({
            "revision": entry["revision"],
            "updated": record.get("last_deployed", "") if current else entry.get("updated", ""),
            "status": entry.get("status") or (record["status"] if current else "superseded"),
            "chart": f"{record.get('chart_name', 'chart')}-{record.get('chart_version', '0')}",
            "app_version": record.get("app_version", ""),
            "description": entry.get("description") or record.get("description", ""),
        })
    return rows


def history(ctx: Any, args: Any, rest: list[str]) -> int:
    if len(rest) != 1:
        err('Error: "helm history" requires 1 argument')
        return 1
    record = ctx.state()["releases"].get(rest[0])
    if record is None:
        err("Error: release: not found")
        return 1
    rows = revisions(record)
    if args.get("-o", "--output", default="table") == "json":
        out(json.dumps(rows, separators=(",", ":")))
        return 0
    out("REVISION\tUPDATED                 \tSTATUS    \tCHART       \tAPP VERSION\tDESCRIPTION")
    for r in rows:
        out(f"{r['revision']:<8}\t{r['updated']:<24}\t{r['status']:<10}\t{r['chart']:<12}\t{r['app_version']:<11}\t"
            f"{r['description']}")
    return 0


def rollback(ctx: Any, args: Any, rest: list[str]) -> int:
    if not rest:
        err('Error: "helm rollback" requires at least 1 argument')
        return 1
    name = rest[0]
    with ctx.store.update() as state:
        record = state["releases"].get(name)
        if record is None:
            err("Error: release: not found")
            return 1
        rows = revisions(record)
        target = int(rest[1]) if len(rest) > 1 else (rows[-2]["revision"] if len(rows) > 1 else 0)
        old = next((h for h in record.get("history", []) if h["revision"] == target), None)
        if old is None:
            err("Error: release: not found")
            return 1
        for entry in record["history"]:
            entry["status"] = "superseded"
        new = dict(old, revision=record["revision"] + 1, status="deployed", description=f"Rollback to {target}")
        record["history"].append(new)
        record.update(revision=new["revision"], status="deployed", description=new["description"],
                      chart_path=old.get("chart_path", record.get("chart_path")),
                      values_files=old.get("values_files", record.get("values_files")))
    import prog_helm_rollback  # the old revision's manifests come back (rendered through the real helm)

    prog_helm_rollback.rerender(ctx, name)
    out("Rollback was a success! Happy Helming!")
    return 0
