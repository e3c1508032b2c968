"""``kubectl get pods -o json`` and ``kubectl get events -o json``."""

from __future__ import annotations

from typing import Any

from .base import (
    Condition,
    Explained,
    Meta,
    Named,
    NamespacedObject,
    View,
    as_dict,
    as_text,
    child,
    children,
    flag,
    mapping,
    number,
    optional_child,
    optional_number,
    optional_text,
    read_all,
    text,
)


class Waiting(Explained):
    """Why a container waits (CrashLoopBackOff, ImagePullBackOff…)."""


class Running(View):
    started_at = text("startedAt")


class Terminated(Explained):
    exit_code = number("exitCode")
    signal = optional_number("signal")
    finished_at = text("finishedAt")


class ContainerState(View):
    waiting = optional_child("waiting", Waiting)
    running = optional_child("running", Running)
    terminated = optional_child("terminated", Terminated)


class ContainerStatus(Named):
    ready = flag("ready")
    restart_count = number("restartCount")
    image = text("image")
    state = child("state", ContainerState)
    last_state = child("lastState", ContainerState)


class KeyRef(Named):
    key = text("key")


class VolumeMount(Named):
    mount_path = text("mountPath")
    read_only = flag("readOnly")


class ContainerSpec(Named):
    image = text("image")
    volume_mounts = children("volumeMounts", VolumeMount)

    @property
    def secret_refs(self) -> list[KeyRef]:
        """The env ``valueFrom.secretKeyRef``s: which Secret keys this container reads."""
        env = self.raw.get("env")
        refs = [as_dict(as_dict(var).get("valueFrom")).get("secretKeyRef") for var in env or []]
        return [KeyRef(ref) for ref in refs if isinstance(ref, dict)]


class Volume(Named):
    """A pod volume; only the sources a diagnosis names are read."""

    def _source(self, key: str) -> dict[str, Any] | None:
        value = self.raw.get(key)
        return value if isinstance(value, dict) else None

    @property
    def persistent_volume_claim(self) -> dict[str, Any] | None:
        return self._source("persistentVolumeClaim")

    @property
    def source(self) -> str:
        """``secret mip-secret``, ``pvc data``, ``hostPath /data/...``, or the volume's name."""
        for key, label, field in (
            ("secret", "secret", "secretName"),
            ("configMap", "configmap", "name"),
            ("persistentVolumeClaim", "pvc", "claimName"),
            ("hostPath", "hostPath", "path"),
        ):
            found = self._source(key)
            if found is not None:
                return f"{label} {found.get(field, '?')}"
        return self.name


class PodSpec(View):
    node_name = text("nodeName")
    node_selector = mapping("nodeSelector")
    containers = children("containers", ContainerSpec)
    init_containers = children("initContainers", ContainerSpec)
    volumes = children("volumes", Volume)


class PodStatus(Explained):
    phase = text("phase")
    conditions = children("conditions", Condition)
    container_statuses = children("containerStatuses", ContainerStatus)
    init_container_statuses = children("initContainerStatuses", ContainerStatus)


class Pod(NamespacedObject):
    spec = child("spec", PodSpec)
    status = child("status", PodStatus)

    @property
    def phase(self) -> str:
        return self.status.phase or "Unknown"

    @property
    def node_name(self) -> str:
        return self.spec.node_name

    @property
    def container_names(self) -> list[str]:
        names = [c.name for c in self.spec.containers if c.name]
        return names or [c.name for c in self.status.container_statuses if c.name]

    @property
    def init_container_names(self) -> list[str]:
        names = [c.name for c in self.spec.init_containers if c.name]
        return names or [c.name for c in self.status.init_container_statuses if c.name]

    @property
    def restarts(self) -> int:
        return sum(c.restart_count for c in self.status.container_statuses)

    @property
    def ready_count(self) -> tuple[int, int]:
        statuses = self.status.container_statuses
        total = max(len(statuses), len(self.spec.containers))
        return sum(1 for c in statuses if c.ready), total

    @property
    def claim_names(self) -> list[str]:
        """The PersistentVolumeClaims this pod mounts."""
        claims = (v.persistent_volume_claim for v in self.spec.volumes)
        return [str(claim.get("claimName", "")) for claim in claims if claim]

    def secret_keys(self, secret: str) -> list[str]:
        """The keys of Secret ``secret`` this pod's containers read (env ``secretKeyRef``)."""
        keys: list[str] = []
        for container in [*self.spec.init_containers, *self.spec.containers]:
            for ref in container.secret_refs:
                if ref.name == secret and ref.key and ref.key not in keys:
                    keys.append(ref.key)
        return keys

    def container_spec(self, name: str) -> ContainerSpec | None:
        return next((c for c in [*self.spec.containers, *self.spec.init_containers] if c.name == name), None)


def parse_pods(text: str) -> list[Pod]:
    """``kubectl get pods [-A] -o json`` (or one pod)."""
    return read_all(Pod, text, "kubectl get pods")


# --- kubectl get events --------------------------------------------------------------------------


class InvolvedObject(Named):
    kind = text("kind")
    namespace = text("namespace")


class Event(Explained):
    metadata = child("metadata", Meta)
    involved_object = child("involvedObject", InvolvedObject)
    type = text("type")
    count = number("count", 1)
    last_timestamp = optional_text("lastTimestamp")

    @property
    def when(self) -> str:
        for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
            if found := as_text(self.raw.get(key)):
                return found
        return self.metadata.creation_timestamp

    @property
    def warning(self) -> bool:
        return self.type == "Warning"

    def about(self, kind: str, name: str, namespace: str) -> bool:
        obj = self.involved_object
        ns = obj.namespace or self.metadata.namespace
        return obj.kind == kind and obj.name == name and (not ns or ns == namespace)


def parse_events(text: str) -> list[Event]:
    """``kubectl get events -A -o json``, oldest first."""
    return sorted(read_all(Event, text, "kubectl get events"), key=lambda e: e.when)
