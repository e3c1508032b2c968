"""Fake ``microk8s helm3``: template, upgrade --install, install, list, status, get, uninstall.

Messages from transcripts/helm-*.txt (helm v3 cmd/helm/{upgrade,install,list,status}.go).
A release stores its chart path, revision and a copy of every ``-f`` file's text, and makes the
fake cluster run that chart's pods (exareme2: controller, globalnode, one pod per localnode;
mip: frontend, gateway, portalbackend, keycloak and their databases).

Rendering is real (see _render.py): ``template``, ``install`` and ``upgrade`` run the real helm 3
named by ``$MIPWIZARD_REAL_HELM`` (tests/realhelm.py) on the same chart and values, and a deploy
fails where a cluster would (render errors, a namespace that does not exist, a manifest the API
server's schema rejects). The rendered manifests are kept in the release (``manifests``).
"""

from __future__ import annotations

import json
import os
import time

from _common import Args, err, out, unsupported

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

UNREACHABLE = (
    'Kubernetes cluster unreachable: Get "https://127.0.0.1:16443/version": '
    "dial tcp 127.0.0.1:16443: connect: connection refused"
)
WITH_VALUE = {"-f", "--values", "-n", "--namespace", "--timeout", "--set", "--set-string", "--set-file", "-o",
              "--output", "--version", "--kube-context", "--kubeconfig", "--description", "--history-max",
              "--max", "--filter", "--kube-version", "--api-versions", "-s", "--show-only"}
BOOLEANS = {"--install", "-i", "--wait", "--create-namespace", "--atomic", "--debug", "--dry-run",
            "--reuse-values", "--reset-values", "-A", "--all-namespaces", "--wait-for-jobs", "--force",
            "--cleanup-on-fail", "-a", "--all", "--keep-history", "--no-hooks", "--skip-crds", "-q", "--short",
            "--include-crds", "--skip-tests"}


def main(ctx: Any, argv: list[str]) -> int:
    args = Args(argv, WITH_VALUE, BOOLEANS)
    if args.unknown or not args.positional:
        return unsupported(ctx)
    verb, rest = args.positional[0], args.positional[1:]
    import prog_helm_recovery  # history, rollback, and no upgrade of a pending release

    if (code := prog_helm_recovery.handle(ctx, verb, args, rest)) is not None:
        return code
    state = ctx.state()
    running = state["microk8s"]["running"]
    if verb == "template":  # renders locally: no cluster needed
        import _render

        return int(_render.template(ctx, args, rest))
    if verb == "upgrade":
        if not running:
            err(f"Error: {UNREACHABLE}")
            return 1
        return upgrade(ctx, args, rest)
    if verb == "install":
        if not running:
            err(f"Error: INSTALLATION FAILED: {UNREACHABLE}")
            return 1
        return install(ctx, args, rest)
    if verb in ("list", "ls"):
        if not running:
            err(f"Error: {UNREACHABLE}")
            return 1
        return list_releases(ctx, args)
    if verb == "status":
        if not running:
            err(f"Error: {UNREACHABLE}")
            return 1
        return status(ctx, args, rest)
    if verb in ("uninstall", "delete", "del", "un"):
        if not running:
            err(f"Error: {UNREACHABLE}")
            return 1
        return uninstall(ctx, args, rest)
    if verb == "get" and rest[:1] == ["values"]:
        if not running:
            err(f"Error: {UNREACHABLE}")
            return 1
        return get_values(ctx, args, rest[1:])
    if verb == "get" and rest[:1] == ["manifest"]:
        if not running:
            err(f"Error: {UNREACHABLE}")
            return 1
        r = named_release(ctx, rest[1:], "get manifest")
        if r is None:
            return 1
        sys_out(r.get("manifest") or "")
        return 0
    if verb == "version":
        out('version.BuildInfo{Version:"v3.9.1+unreleased", GitCommit:"", GitTreeState:"", GoVersion:"go1.21.6"}')
        return 0
    return unsupported(ctx)


def _go_time() -> str:
    ns = time.time_ns()
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d} +0000 UTC"


def _ansic(ts: float) -> str:
    return time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(ts))


def _rfc3339nano(ts_ns: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ns // 10**9)) + f".{ts_ns % 10**9:09d}Z"


def _chart_meta(path: str) -> dict[str, str]:
    import re

    meta = {"name": os.path.basename(os.path.normpath(path)), "version": "0.1.0", "appVersion": ""}
    try:
        with open(os.path.join(path, "Chart.yaml"), encoding="utf-8") as fh:
            for line in fh:
                m = re.match(r"^(name|version|appVersion):\s*['\"]?([^'\"#\s]+)", line)
                if m:
                    meta[m[1]] = m[2]
    except OSError:
        pass
    return meta


def _chart_kind(release: str, path: str, chart_name: str) -> str:
    text = f"{chart_name} {path} {release}".lower()
    if "exareme" in text or "exaflow" in text:
        return "exareme2"
    if chart_name == "mip" or "mip-deployment" in text or release == "mip":
        return "mip"
    return "other"


def _localnodes(values_files: list[dict], sets: list[str]) -> int | None:
    import re

    found: int | None = None
    for f in values_files:
        for m in re.finditer(r"^localnodes:\s*(\d+)\s*(?:#.*)?$", f["text"], re.MULTILINE):
            found = int(m[1])
    for s in sets:
        for part in s.split(","):
            k, _, v = part.partition("=")
            if k.strip() == "localnodes" and v.strip().isdigit():
                found = int(v)
    return found


def _prepare(ctx: Any, args: Args, rest: list[str], failed: str) -> tuple[dict, int] | tuple[None, int]:
    if len(rest) != 2:
        err("Error: \"helm upgrade\" requires 2 arguments\n\nUsage:  helm upgrade [RELEASE] [CHART] [flags]")
        return None, 1
    name, chart = rest
    if not os.path.isdir(chart):
        err(f'Error: {failed}path "{chart}" not found' if chart.startswith(("/", ".")) or os.sep in chart
            else f"Error: {failed}repo {chart.split('/')[0]} not found")
        return None, 1
    files = []
    for path in args.all("-f", "--values"):
        try:
            with open(path, encoding="utf-8") as fh:
                files.append({"path": os.path.abspath(path), "text": fh.read()})
        except OSError:
            err(f"Error: {failed}open {path}: no such file or directory")
            return None, 1
    meta = _chart_meta(chart)
    sets = args.all("--set", "--set-string")
    record = {
        "name": name,
        "namespace": args.get("-n", "--namespace", default="default"),
        "chart_path": os.path.abspath(chart),
        "chart_name": meta["name"],
        "chart_version": meta["version"],
        "app_version": meta["appVersion"],
        "values_files": files,
        "set": sets,
        "wait": args.has("--wait"),
        "timeout": args.get("--timeout"),
        "kind": _chart_kind(name, chart, meta["name"]),
        "localnodes": _localnodes(files, sets),
        "create_namespace": args.has("--create-namespace"),
    }
    return record, 0


def _deployable(ctx: Any, args: Args, record: dict, failed: str) -> bool:
    """Render with the real helm and refuse what the cluster would refuse (helm's messages)."""
    import _render

    problem = _render.deploy_problem(ctx, args, record)
    if problem is not None:
        err(f"Error: {failed}{problem}")
        return False
    return True


def _store(ctx: Any, record: dict, *, upgrade: bool) -> dict:
    ts_ns = time.time_ns()
    with ctx.store.update() as state:
        old = state["releases"].get(record["name"])
        revision = (old["revision"] + 1) if (old and upgrade) else 1
        history = (old.get("history", []) if old and upgrade else [])
        record.update(
            revision=revision,
            status="deployed",
            updated=_go_time(),
            last_deployed=_rfc3339nano(ts_ns),
            first_deployed=old["first_deployed"] if (old and upgrade) else _rfc3339nano(ts_ns),
            description="Upgrade complete" if (old and upgrade) else "Install complete",
            deployed_at=ts_ns / 1e9,
        )
        history.append({k: record[k] for k in ("revision", "chart_path", "values_files", "set", "updated")})
        if record.get("create_namespace") and record["namespace"] not in _namespaces(state):
            state.setdefault("objects", []).append(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": record["namespace"]}})
        record["history"] = history
        state["releases"][record["name"]] = record
    return record


def _namespaces(state: dict) -> set[str]:
    import _objects

    return _objects.namespaces(state)


def _print_release(record: dict) -> None:
    out(f"NAME: {record['name']}")
    out(f"LAST DEPLOYED: {_ansic(record['deployed_at'])}")
    out(f"NAMESPACE: {record['namespace']}")
    out(f"STATUS: {record['status']}")
    out(f"REVISION: {record['revision']}")
    out("TEST SUITE: None")


def upgrade(ctx: Any, args: Args, rest: list[str]) -> int:
    record, code = _prepare(ctx, args, rest, "UPGRADE FAILED: ")
    if record is None:
        return code
    exists = record["name"] in ctx.state()["releases"]
    if not exists and not args.has("--install", "-i"):
        err(f'Error: UPGRADE FAILED: "{record["name"]}" has no deployed releases')
        return 1
    if not exists:
        out(f'Release "{record["name"]}" does not exist. Installing it now.')
    if not _deployable(ctx, args, record, "UPGRADE FAILED: " if exists else ""):
        return 1
    record = _store(ctx, record, upgrade=exists)
    if _wait_fails(ctx, record):
        # helm polls until --timeout (default 5m0s); the fake fails at once with helm's message.
        err(f"Error: {'UPGRADE FAILED: ' if exists else ''}timed out waiting for the condition")
        return 1
    if exists:
        out(f'Release "{record["name"]}" has been upgraded. Happy Helming!')
    _print_release(record)
    return 0


def install(ctx: Any, args: Args, rest: list[str]) -> int:
    if len(rest) == 2 and rest[0] in ctx.state()["releases"]:
        err("Error: INSTALLATION FAILED: cannot re-use a name that is still in use")
        return 1
    record, code = _prepare(ctx, args, rest, "INSTALLATION FAILED: ")
    if record is None:
        return code
    if not _deployable(ctx, args, record, "INSTALLATION FAILED: "):
        return 1
    record = _store(ctx, record, upgrade=False)
    if _wait_fails(ctx, record):
        err("Error: INSTALLATION FAILED: timed out waiting for the condition")
        return 1
    _print_release(record)
    return 0


def _wait_fails(ctx: Any, record: dict) -> bool:
    """With --wait, a release whose pods never get Ready fails (and is marked "failed")."""
    if not record["wait"]:
        return False
    from _cluster import current_pods

    state = ctx.state()
    if state["pods"] is not None:
        return False
    instance = "app.kubernetes.io/instance"
    mine = [p for p in current_pods(state) if p["metadata"]["labels"].get(instance) == record["name"]]
    stuck = [p for p in mine if _never_ready(p)]
    if not stuck:
        return False
    with ctx.store.update() as st:
        st["releases"][record["name"]]["status"] = "failed"
        st["releases"][record["name"]]["description"] = (
            f'Release "{record["name"]}" failed: timed out waiting for the condition'
        )
    return True


def _never_ready(pod: dict) -> bool:
    """Unschedulable, crash-looping or image-pulling (ContainerCreating would get Ready)."""
    status = pod["status"]
    if status.get("phase") == "Pending" and not status.get("containerStatuses"):
        return True
    for c in status.get("containerStatuses", []):
        reason = (c.get("state", {}).get("waiting") or {}).get("reason")
        if not c.get("ready") and reason != "ContainerCreating":
            return True
    return False


def _list_item(r: dict) -> dict:
    return {
        "name": r["name"],
        "namespace": r["namespace"],
        "revision": str(r["revision"]),
        "updated": r["updated"],
        "status": r["status"],
        "chart": f"{r['chart_name']}-{r['chart_version']}",
        "app_version": r["app_version"],
    }


def list_releases(ctx: Any, args: Args) -> int:
    releases = list(ctx.state()["releases"].values())
    if not args.has("-A", "--all-namespaces"):
        ns = args.get("-n", "--namespace", default="default")
        releases = [r for r in releases if r["namespace"] == ns]
    releases.sort(key=lambda r: r["name"])
    items = [_list_item(r) for r in releases]
    fmt = args.get("-o", "--output", default="table")
    if fmt == "json":
        out(json.dumps(items, separators=(",", ":")))
    elif fmt == "yaml":
        if not items:
            out("[]")
        for i in items:
            out(f'- app_version: "{i["app_version"]}"')
            out(f"  chart: {i['chart']}")
            out(f"  name: {i['name']}")
            out(f"  namespace: {i['namespace']}")
            out(f'  revision: "{i["revision"]}"')
            out(f"  status: {i['status']}")
            out(f"  updated: {i['updated']}")
    elif args.has("-q", "--short"):
        for i in items:
            out(i["name"])
    else:
        cols = ["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]
        rows = [[i["name"], i["namespace"], i["revision"], i["updated"], i["status"], i["chart"], i["app_version"]]
                for i in items]
        widths = [max(len(c), *(len(r[n]) for r in rows)) for n, c in enumerate(cols)]
        for row in [cols, *rows]:
            out("\t".join(f"{v:<{widths[n]}}" for n, v in enumerate(row)).rstrip())
    return 0


def named_release(ctx: Any, rest: list[str], command: str) -> dict[str, Any] | None:
    """The release ``helm COMMAND NAME`` names, or None after printing helm's own error."""
    if len(rest) != 1:
        err(f'Error: "helm {command}" requires 1 argument')
        return None
    release: dict[str, Any] | None = ctx.state()["releases"].get(rest[0])
    if release is None:
        err("Error: release: not found")
    return release


def status(ctx: Any, args: Args, rest: list[str]) -> int:
    r = named_release(ctx, rest, "status")
    if r is None:
        return 1
    fmt = args.get("-o", "--output", default="table")
    if fmt == "json":
        doc = {
            "name": r["name"],
            "info": {
                "first_deployed": r["first_deployed"],
                "last_deployed": r["last_deployed"],
                "deleted": "",
                "description": r["description"],
                "status": r["status"],
                "notes": "",
            },
            "chart": {
                "metadata": {"name": r["chart_name"], "version": r["chart_version"], "appVersion": r["app_version"],
                             "apiVersion": "v2", "type": "application"},
                "lock": None,
                "templates": [],
                "values": {},
                "schema": None,
                "files": [],
            },
            "config": {},
            "manifest": r.get("manifest") or f"---\n# Source: {r['chart_name']}/templates/fake.yaml\n",
            "version": r["revision"],
            "namespace": r["namespace"],
        }
        out(json.dumps(doc, separators=(",", ":")))
        return 0
    _print_release(r)
    return 0


def _yaml() -> Any:
    """PyYAML from the interpreter's site-packages (the fake runs with -S for speed), or None."""
    try:
        import site

        site.main()
        import yaml

        return yaml
    except ImportError:
        return None


def _merge(base: dict, top: dict) -> dict:
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _set_value(doc: dict, dotted: str, raw: str) -> None:
    value: Any = raw
    if raw in ("true", "false"):
        value = raw == "true"
    elif raw.lstrip("-").isdigit():
        value = int(raw)
    *parents, last = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[last] = value


def get_values(ctx: Any, args: Args, rest: list[str]) -> int:
    """``helm get values NAME [-a] [-o yaml|json|table]``: the -f files merged in order, then --set."""
    r = named_release(ctx, rest, "get values")
    if r is None:
        return 1
    fmt = args.get("-o", "--output", default="table")
    texts = [f["text"] for f in r["values_files"]]
    if args.has("-a", "--all"):
        try:
            with open(os.path.join(r["chart_path"], "values.yaml"), encoding="utf-8") as fh:
                texts.insert(0, fh.read())
        except OSError:
            pass
    yaml = _yaml()
    if yaml is None:  # no PyYAML: only the single-file, yaml-output case can be served faithfully
        if fmt == "json" or len(texts) > 1 or r["set"]:
            err("fake: helm get values needs PyYAML to merge values (set MIPWIZARD_FAKE_PYTHON to the venv python)")
            return 1
        body = texts[0] if texts else "null\n"
    else:
        merged: dict = {}
        for text in texts:
            _merge(merged, yaml.safe_load(text) or {})
        for s in r["set"]:
            for part in s.split(","):
                key, _, value = part.partition("=")
                _set_value(merged, key.strip(), value.strip())
        if fmt == "json":
            out(json.dumps(merged or None, separators=(",", ":")))
            return 0
        body = yaml.safe_dump(merged, sort_keys=True, default_flow_style=False) if merged else "null\n"
    if fmt == "table":
        out("COMPUTED VALUES:" if args.has("-a", "--all") else "USER-SUPPLIED VALUES:")
    sys_out(body)
    return 0


def sys_out(text: str) -> None:
    import sys

    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def uninstall(ctx: Any, args: Args, rest: list[str]) -> int:
    if not rest:
        err('Error: "helm uninstall" requires at least 1 argument')
        return 1
    for name in rest:
        with ctx.store.update() as state:
            if name not in state["releases"]:
                err(f"Error: uninstall: Release not loaded: {name}: release: not found")
                return 1
            del state["releases"][name]
        out(f'release "{name}" uninstalled')
    return 0
