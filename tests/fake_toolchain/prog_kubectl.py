"""Fake ``microk8s kubectl``: get nodes/pods/events, label node, logs, delete pod, rollout."""

from __future__ import annotations

import json
import sys

import _objects
from _cluster import current_pods, events_for, node_list, node_object, pod_list
from _common import Args, err, out, rfc3339, sleep_forever, unsupported

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

REFUSED = "The connection to the server 127.0.0.1:16443 was refused - did you specify the right host or port?"

# Flags whose meaning the fake ignores harmlessly (timeouts, sorting) are accepted; flags that
# would change the answer and are not implemented (--field-selector, --watch…) are "unsupported".
WITH_VALUE = {"-n", "--namespace", "-o", "--output", "-c", "--container", "--tail", "-l", "--selector",
              "--since", "--timeout", "--grace-period", "--sort-by", "--request-timeout", "--kubeconfig",
              "--context"}
BOOLEANS = {"-A", "--all-namespaces", "-f", "--follow", "--timestamps", "--overwrite", "-p", "--previous",
            "--wait", "--no-headers", "--prefix", "--ignore-not-found", "--force"}


def main(ctx: Any, argv: list[str]) -> int:
    state = ctx.state()
    if not state["microk8s"]["running"]:
        err(REFUSED)
        return 1
    import prog_kubectl_mipdb  # exec … -c db-importer -- mipdb (the Exareme2 data import)

    if prog_kubectl_mipdb.handles(argv):
        return prog_kubectl_mipdb.main(ctx, argv)
    import prog_kubectl_exec  # exec (pg_dumpall/psql), scale, workloads, pv: backup/restore/upgrade

    if (code := prog_kubectl_exec.dispatch(ctx, argv)) is not None:
        return code
    args = Args(argv, WITH_VALUE, BOOLEANS)
    if args.unknown or not args.positional:
        return unsupported(ctx)
    verb, rest = args.positional[0], args.positional[1:]
    handler = {"get": get, "label": label, "logs": logs, "delete": delete, "rollout": rollout,
               "apply": _apply, "create": _create}.get(verb)
    if handler is None:
        return unsupported(ctx)
    return int(handler(ctx, args, rest))


def _kind(word: str) -> tuple[str, str | None]:
    """'nodes' / 'node/x' / 'po' -> ('node', 'x')."""
    kind, _, name = word.partition("/")
    aliases = {"no": "node", "nodes": "node", "node": "node", "po": "pod", "pods": "pod", "pod": "pod",
               "ev": "event", "events": "event", "event": "event"}
    return aliases.get(kind, kind), (name or None)


def get(ctx: Any, args: Args, rest: list[str]) -> int:
    if not rest:
        return unsupported(ctx)
    output = args.get("-o", "--output")
    if output not in (None, "json", "wide", "name"):
        return unsupported(ctx)
    all_ns = args.has("-A", "--all-namespaces")
    ns = args.get("-n", "--namespace", default="default")
    if "," in rest[0] and {_kind(k)[0] for k in rest[0].split(",")} & {"pod", "node", "event"}:
        return _get_many(ctx, [_kind(k)[0] for k in rest[0].split(",")], rest[1:], output, None if all_ns else ns)
    if "," in rest[0] or _kind(rest[0])[0] in _objects.ALIASES:  # see _objects.py
        kinds = [_objects.ALIASES.get(_kind(k)[0]) for k in rest[0].split(",")]
        if None in kinds:
            return unsupported(ctx)
        names = ([_kind(rest[0])[1]] if _kind(rest[0])[1] else []) + rest[1:]
        return _objects.get(ctx, kinds, names, output, None if all_ns else ns)
    kind, name = _kind(rest[0])
    names = ([name] if name else []) + rest[1:]
    if kind == "node":
        return _get_nodes(ctx, names, output)
    if kind == "pod":
        return _get_pods(ctx, names, output, None if all_ns else ns, args.get("-l", "--selector"))
    if kind == "event":
        pods = current_pods(ctx.state())
        items = [e for e in events_for(pods) if all_ns or e["metadata"]["namespace"] == ns]
        if output == "json":
            out(json.dumps(pod_list(items, "EventList"), indent=4))
            return 0
        if not items:
            err("No resources found" + ("" if all_ns else f" in {ns} namespace") + ".")
            return 0
        prefix = "NAMESPACE   " if all_ns else ""
        out(f"{prefix}LAST SEEN   TYPE      REASON    OBJECT    MESSAGE")
        for e in items:
            ns_col = f"{e['metadata']['namespace']:<12}" if all_ns else ""
            obj = f"pod/{e['involvedObject']['name']}"
            out(f"{ns_col}2m          {e['type']:<9} {e['reason']:<9} {obj}   {e['message']}")
        return 0
    return unsupported(ctx)


def _get_many(ctx: Any, kinds: list[str], names: list[str], output: str | None, ns: str | None) -> int:
    """``get pods,nodes,events,pvc,… -A -o json``: one List, items grouped by kind in the order asked."""
    if names or output != "json":
        return unsupported(ctx)
    items: list[dict] = []
    pods: list[dict] | None = None  # one consistent set for the pods and their events, as the API server
    for kind in kinds:
        if kind == "pod":
            pods = _pods_now(ctx)
            items += [dict(p, kind=p.get("kind", "Pod")) for p in pods
                      if ns is None or p["metadata"]["namespace"] == ns]
        elif kind == "node":
            items += node_list(ctx.state())["items"]
        elif kind == "event":
            pods = current_pods(ctx.state()) if pods is None else pods
            items += [e for e in events_for(pods) if ns is None or e["metadata"]["namespace"] == ns]
        elif kind in _objects.ALIASES:
            items += _objects.items_of(ctx.state(), _objects.ALIASES[kind], ns)
        else:
            return unsupported(ctx)
    out(json.dumps({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}},
                   indent=4))
    return 0


def _apply(ctx: Any, args: Args, rest: list[str]) -> int:
    if not args.has("-f"):
        return unsupported(ctx)
    return _objects.apply(ctx, rest, args.get("-n", "--namespace", default="default"))


def _create(ctx: Any, args: Args, rest: list[str]) -> int:
    if len(rest) != 2 or _objects.ALIASES.get(rest[0]) != "namespace":
        return unsupported(ctx)
    return _objects.create_namespace(ctx, rest[1])


def _get_nodes(ctx: Any, names: list[str], output: str | None) -> int:
    state = ctx.state()
    for n in names:
        if n not in state["nodes"]:
            err(f'Error from server (NotFound): nodes "{n}" not found')
            return 1
    if output == "json":
        if len(names) == 1:
            out(json.dumps(node_object(state, names[0]), indent=4))
        else:
            doc = node_list(state)
            if names:
                doc["items"] = [i for i in doc["items"] if i["metadata"]["name"] in names]
            out(json.dumps(doc, indent=4))
        return 0
    items = node_list(state)["items"]
    if names:
        items = [i for i in items if i["metadata"]["name"] in names]
    if output == "name":
        for i in items:
            out(f"node/{i['metadata']['name']}")
        return 0
    out(f"{'NAME':<16} {'STATUS':<9}{'ROLES':<9}{'AGE':<6}VERSION")
    for i in items:
        ready = next(c for c in i["status"]["conditions"] if c["type"] == "Ready")["status"] == "True"
        out(f"{i['metadata']['name']:<16} {'Ready' if ready else 'NotReady':<9}{'<none>':<9}{'5h':<6}"
            f"{i['status']['nodeInfo']['kubeletVersion']}")
    return 0


def _pods_now(ctx: Any) -> list[dict]:
    """The pods as of this `get pods` call (which counts toward set_ready_after)."""
    with ctx.store.update() as state:
        state["get_pods_calls"] += 1
    return current_pods(state, counted=True)


def _find_pod(pods: list[dict], name: str, ns: str) -> dict | None:
    return next((p for p in pods if p["metadata"]["name"] == name and p["metadata"]["namespace"] == ns), None)


def _selected(pod: dict, selector: str | None) -> bool:
    """``-l k=v,k2=v2`` / ``-l k`` / ``-l k!=v`` against the pod's labels."""
    if not selector:
        return True
    labels = pod["metadata"].get("labels", {})
    for term in selector.split(","):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.strip() not in labels:
            return False
    return True


def _get_pods(ctx: Any, names: list[str], output: str | None, ns: str | None, selector: str | None = None) -> int:
    pods = [p for p in _pods_now(ctx) if _selected(p, selector)]
    if ns is not None:
        pods = [p for p in pods if p["metadata"]["namespace"] == ns]
    for n in names:
        if _find_pod(pods, n, ns or "default") is None:
            err(f'Error from server (NotFound): pods "{n}" not found')
            return 1
    if names:
        pods = [p for p in pods if p["metadata"]["name"] in names]
    if output == "json":
        doc = pods[0] if len(names) == 1 else pod_list(pods)
        out(json.dumps(doc, indent=4))
        return 0
    if not pods:
        err("No resources found" + ("" if ns is None else f" in {ns} namespace") + ".")
        return 0
    if output == "name":
        for p in pods:
            out(f"pod/{p['metadata']['name']}")
        return 0
    rows = []
    for p in pods:
        statuses = p["status"].get("containerStatuses", [])
        ready = sum(1 for c in statuses if c.get("ready"))
        total = len(p.get("spec", {}).get("containers", statuses)) or len(statuses)
        reason = p["status"].get("phase", "Unknown")
        for c in statuses:
            waiting = c.get("state", {}).get("waiting")
            if waiting:
                reason = waiting.get("reason", reason)
        restarts = sum(int(c.get("restartCount", 0)) for c in statuses)
        rows.append((p["metadata"]["namespace"], p["metadata"]["name"], f"{ready}/{total}", reason, str(restarts)))
    width = max(len(r[1]) for r in rows) + 3
    head = "NAMESPACE" + " " * 8 if ns is None else ""
    out(f"{head}{'NAME':<{width}}READY   STATUS             RESTARTS   AGE")
    for r in rows:
        ns_col = f"{r[0]:<17}" if ns is None else ""
        out(f"{ns_col}{r[1]:<{width}}{r[2]:<8}{r[3]:<19}{r[4]:<11}5h")
    return 0


def label(ctx: Any, args: Args, rest: list[str]) -> int:
    if not rest:
        return unsupported(ctx)
    kind, name = _kind(rest[0])
    rest = rest[1:]
    if kind != "node":
        return unsupported(ctx)
    if name is None:
        if not rest:
            err("error: resource(s) were provided, but no name was specified")
            return 1
        name, rest = rest[0], rest[1:]
    changes: dict[str, str | None] = {}
    for item in rest:
        if item.endswith("-") and "=" not in item:
            changes[item[:-1]] = None
        elif "=" in item:
            k, v = item.split("=", 1)
            changes[k] = v
        else:
            err("error: at least one label update is required")
            return 1
    if not changes:
        err("error: at least one label update is required")
        return 1
    overwrite = args.has("--overwrite")
    with ctx.store.update() as state:
        node = state["nodes"].get(name)
        if node is None:
            err(f'Error from server (NotFound): nodes "{name}" not found')
            return 1
        labels = node["labels"]
        for k, v in changes.items():
            if v is not None and k in labels and labels[k] != v and not overwrite:
                err(f"error: '{k}' already has a value ({labels[k]}), and --overwrite is false")
                return 1
        before = dict(labels)
        for k, v in changes.items():
            if v is None:
                labels.pop(k, None)
            else:
                labels[k] = v
        changed = before != labels
    out(f"node/{name} {'labeled' if changed else 'not labeled'}")
    return 0


def logs(ctx: Any, args: Args, rest: list[str]) -> int:
    if not rest:
        err("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.")
        return 1
    name = rest[0].removeprefix("pod/")
    container = args.get("-c", "--container") or (rest[1] if len(rest) > 1 else None)
    ns = args.get("-n", "--namespace", default="default")
    state = ctx.state()
    pods = current_pods(state)
    pod = _find_pod(pods, name, ns)
    if pod is None:
        err(f'Error from server (NotFound): pods "{name}" not found')
        return 1
    names = [c["name"] for c in pod.get("spec", {}).get("containers", [])] or [
        c["name"] for c in pod["status"].get("containerStatuses", [])
    ]
    if container is None:
        container = names[0] if names else name
        if len(names) > 1:
            err(f'Defaulted container "{container}" out of: {", ".join(names)}')
    elif container not in names:
        err(f"error: container {container} is not valid for pod {name}")
        return 1
    waiting = next((c.get("state", {}).get("waiting") for c in pod["status"].get("containerStatuses", [])
                    if c.get("name") == container), None)
    if pod["status"].get("phase") == "Pending":
        why = "ContainerCreating"
        if waiting and waiting.get("reason") in ("ImagePullBackOff", "ErrImagePull"):
            why = "trying and failing to pull image"
        err(f'Error from server (BadRequest): container "{container}" in pod "{name}" is waiting to start: {why}')
        return 1
    if args.has("-p", "--previous"):
        status = next((c for c in pod["status"].get("containerStatuses", []) if c.get("name") == container), {})
        if not (status.get("lastState") or {}).get("terminated"):
            err(f'Error from server (BadRequest): previous terminated container "{container}" in pod "{name}" '
                "not found")
            return 1
        configured = state["log_lines"].get(f"{name}/previous", state["log_lines"].get(f"{name}/{container}/previous"))
        if configured is None:
            configured = [f"{container} starting", "Traceback (most recent call last):",
                          f"{container}: fatal error, exiting"]
    else:
        configured = state["log_lines"].get(name)
        if configured is None:
            configured = state["log_lines"].get(f"{name}/{container}")
    tail = args.get("--tail")
    n_tail = int(tail) if tail is not None else -1
    stamps = args.has("--timestamps")
    delay = float(state.get("log_delay", {}).get(name, 0.0)) if args.has("-f", "--follow") else 0.0
    if delay:
        import time

        def write(text: str) -> None:  # one line at a time, like a live container
            for line in text.splitlines(keepends=True):
                sys.stdout.write(line)
                sys.stdout.flush()
                time.sleep(delay)
    else:
        write = sys.stdout.write
    if isinstance(configured, int):
        total = configured
        start = 0 if n_tail < 0 else max(0, total - n_tail)
        chunk: list[str] = []
        for i in range(start, total):
            line = f"2026-11-24 09:00:00,000 - INFO - {container} - log line {i + 1}"
            chunk.append(f"2026-11-24T09:00:00.000000000Z {line}\n" if stamps else line + "\n")
            if len(chunk) >= 4096:
                write("".join(chunk))
                chunk.clear()
        write("".join(chunk))
    else:
        lines = configured if configured is not None else [
            f"Starting {container}",
            f"{container} is up",
        ]
        if n_tail >= 0:
            lines = lines[len(lines) - n_tail:] if n_tail else []
        for line in lines:
            write(f"{rfc3339().replace('Z', '.000000000Z')} {line}\n" if stamps else line + "\n")
    sys.stdout.flush()
    if args.has("-f", "--follow") and ctx.fault is not None and ctx.fault["kind"] == "hang":
        sleep_forever()
    return 0


def delete(ctx: Any, args: Args, rest: list[str]) -> int:
    if not rest:
        return unsupported(ctx)
    kind, name = _kind(rest[0])
    names = ([name] if name else []) + rest[1:]
    if kind != "pod" or not names:
        return unsupported(ctx)
    ns = args.get("-n", "--namespace", default="default")
    code = 0
    for n in names:
        with ctx.store.update() as state:
            pods = current_pods(state)
            pod = _find_pod(pods, n, ns)
            if pod is None:
                err(f'Error from server (NotFound): pods "{n}" not found')
                code = 1
                continue
            if state["pods"] is not None:
                state["pods"] = [p for p in state["pods"] if not (p["metadata"]["name"] == n
                                                                  and p["metadata"]["namespace"] == ns)]
            else:
                base = pod["metadata"]["labels"]["app"]
                state["restarts"][base] = state["restarts"].get(base, 0) + 1
        out(f'pod "{n}" deleted')
    return code


def rollout(ctx: Any, args: Args, rest: list[str]) -> int:
    if len(rest) >= 2 and rest[0] == "restart":
        kind, name = _kind(rest[1])
        target = name or (rest[2] if len(rest) > 2 else None)
        if target is None:
            return unsupported(ctx)
        with ctx.store.update() as state:
            bases = {s for s in [p["metadata"]["labels"].get("app", "") for p in current_pods(state)]
                     if s.startswith(target)}
            for base in bases:
                state["restarts"][base] = state["restarts"].get(base, 0) + 1
        out(f"{kind}.apps/{target} restarted")
        return 0
    if len(rest) >= 2 and rest[0] == "status":
        out(f'deployment "{rest[1].split("/")[-1]}" successfully rolled out')
        return 0
    return unsupported(ctx)
