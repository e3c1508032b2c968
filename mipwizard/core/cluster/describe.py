"""A pod described for a person (what ``kubectl describe pod`` shows that matters when it fails):
conditions, each container's state and last state, its mounts and where they come from, events."""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import health
from .problem import short
from .readers import ContainerState, ContainerStatus, Event, Pod


def _state(state: ContainerState) -> str:
    if state.waiting is not None:
        why = f" ({short(state.waiting.message, 100)})" if state.waiting.message else ""
        return f"waiting: {state.waiting.reason or '?'}{why}"
    if state.running is not None:
        return f"running since {state.running.started_at or '?'}"
    if state.terminated is not None:
        t = state.terminated
        signal = f", signal {t.signal}" if t.signal else ""
        message = f": {short(t.message, 100)}" if t.message else ""
        return f"terminated: {t.reason or 'Error'}, exit code {t.exit_code}{signal} at {t.finished_at or '?'}{message}"
    return "none"


def describe_pod(pod: Pod, events: Iterable[Event] = (), *, max_events: int = 10) -> list[str]:
    lines = [f"Pod {pod.namespace}/{pod.name} · phase {pod.phase} · node {pod.node_name or '(not scheduled)'}"]
    if pod.status.message or pod.status.reason:
        lines.append(f"  {pod.status.reason}: {short(pod.status.message, 150)}")
    conditions = [
        f"{c.type} {c.status}" + (f" ({c.reason})" if c.reason and c.status != "True" else "")
        for c in pod.status.conditions
    ]
    lines.append("Conditions: " + (" · ".join(conditions) or "none reported"))
    volumes = {v.name: v.source for v in pod.spec.volumes}
    statuses = {s.name: s for s in [*pod.status.init_container_statuses, *pod.status.container_statuses]}
    names = [*pod.init_container_names, *pod.container_names]
    for name in names:
        spec = pod.container_spec(name)
        status = statuses.get(name) or ContainerStatus({"name": name})
        init = " (init)" if name in pod.init_container_names else ""
        image = status.image or (spec.image if spec else "?")
        ready = "ready" if status.ready else "not ready"
        lines.append(f"Container {name}{init} · {image} · {ready} · restarts {status.restart_count}")
        lines.append(f"  state:      {_state(status.state)}")
        if status.last_state.terminated or status.last_state.waiting:
            lines.append(f"  last state: {_state(status.last_state)}")
        for mount in spec.volume_mounts if spec else []:
            source = volumes.get(mount.name, mount.name)
            lines.append(f"  mount:      {mount.mount_path} <- {source}{' (read-only)' if mount.read_only else ''}")
    mine = health.pod_events(pod, events)[-max_events:]
    lines.append(f"Events ({len(mine)}):" if mine else "Events: none recent")
    for e in mine:
        count = f" ×{e.count}" if e.count > 1 else ""
        when = e.when[11:19] or "--:--:--"
        lines.append(f"  {when} {e.type or 'Normal'} {e.reason}{count}: {short(about_pod(e.message), 150)}")
    return lines


def about_pod(message: str) -> str:
    """An event message without the pod's own long name (the view is about that pod)."""
    return re.sub(r" in pod \S+$", "", message)
