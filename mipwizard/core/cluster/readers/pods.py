"""``kubectl get pods -o json`` and ``kubectl get events -o json``."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from .base import Condition, Loose, Meta, NamespacedObject, items, validate


class Waiting(Loose):
    reason: str = ""
    message: str = ""


class Running(Loose):
    started_at: str = Field("", alias="startedAt")


class Terminated(Loose):
    exit_code: int = Field(0, alias="exitCode")
    reason: str = ""
    message: str = ""
    signal: int | None = None
    finished_at: str = Field("", alias="finishedAt")


class ContainerState(Loose):
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None


class ContainerStatus(Loose):
    name: str = ""
    ready: bool = False
    started: bool | None = None
    restart_count: int = Field(0, alias="restartCount")
    image: str = ""
    state: ContainerState = Field(default_factory=ContainerState)
    last_state: ContainerState = Field(default_factory=ContainerState, alias="lastState")

    @field_validator("state", "last_state", mode="before")
    @classmethod
    def _none_state(cls, value: Any) -> Any:
        return value or {}


class _KeyRef(Loose):
    name: str = ""
    key: str = ""


class _ValueFrom(Loose):
    secret_key_ref: _KeyRef | None = Field(None, alias="secretKeyRef")
    config_map_key_ref: _KeyRef | None = Field(None, alias="configMapKeyRef")


class _EnvVar(Loose):
    name: str = ""
    value_from: _ValueFrom | None = Field(None, alias="valueFrom")


class VolumeMount(Loose):
    name: str = ""
    mount_path: str = Field("", alias="mountPath")
    read_only: bool = Field(False, alias="readOnly")


class ContainerSpec(Loose):
    name: str = ""
    image: str = ""
    env: list[_EnvVar] = Field(default_factory=list)
    volume_mounts: list[VolumeMount] = Field(default_factory=list, alias="volumeMounts")

    @field_validator("env", "volume_mounts", mode="before")
    @classmethod
    def _none_list(cls, value: Any) -> Any:
        return value or []


class Volume(Loose):
    """A pod volume; only the sources a diagnosis names are typed."""

    name: str = ""
    secret: dict[str, Any] | None = None
    config_map: dict[str, Any] | None = Field(None, alias="configMap")
    persistent_volume_claim: dict[str, Any] | None = Field(None, alias="persistentVolumeClaim")
    host_path: dict[str, Any] | None = Field(None, alias="hostPath")

    @property
    def source(self) -> str:
        """``secret mip-secret``, ``pvc data``, ``hostPath /data/...``, or the volume's name."""
        if self.secret is not None:
            return f"secret {self.secret.get('secretName', '?')}"
        if self.config_map is not None:
            return f"configmap {self.config_map.get('name', '?')}"
        if self.persistent_volume_claim is not None:
            return f"pvc {self.persistent_volume_claim.get('claimName', '?')}"
        if self.host_path is not None:
            return f"hostPath {self.host_path.get('path', '?')}"
        return self.name


class _PodSpec(Loose):
    node_name: str = Field("", alias="nodeName")
    node_selector: dict[str, str] = Field(default_factory=dict, alias="nodeSelector")
    containers: list[ContainerSpec] = Field(default_factory=list)
    init_containers: list[ContainerSpec] = Field(default_factory=list, alias="initContainers")
    volumes: list[Volume] = Field(default_factory=list)

    @field_validator("containers", "init_containers", "volumes", mode="before")
    @classmethod
    def _none_list(cls, value: Any) -> Any:
        return value or []


class _PodStatus(Loose):
    phase: str = ""
    reason: str = ""
    message: str = ""
    conditions: list[Condition] = Field(default_factory=list)
    container_statuses: list[ContainerStatus] = Field(default_factory=list, alias="containerStatuses")
    init_container_statuses: list[ContainerStatus] = Field(default_factory=list, alias="initContainerStatuses")
    host_ip: str = Field("", alias="hostIP")
    start_time: str = Field("", alias="startTime")

    @field_validator("conditions", "container_statuses", "init_container_statuses", mode="before")
    @classmethod
    def _none_list(cls, value: Any) -> Any:
        return value or []


class _PodMeta(Meta):
    deletion_timestamp: str | None = Field(None, alias="deletionTimestamp")


class Pod(NamespacedObject):
    metadata: _PodMeta = Field(default_factory=_PodMeta)
    spec: _PodSpec = Field(default_factory=_PodSpec)
    status: _PodStatus = Field(default_factory=_PodStatus)

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
        return [
            str(v.persistent_volume_claim.get("claimName", "")) for v in self.spec.volumes if v.persistent_volume_claim
        ]

    def secret_keys(self, secret: str) -> list[str]:
        """The keys of Secret ``secret`` this pod's containers read (env ``secretKeyRef``)."""
        keys: list[str] = []
        for container in [*self.spec.init_containers, *self.spec.containers]:
            for var in container.env:
                ref = var.value_from.secret_key_ref if var.value_from else None
                if ref is not None and ref.name == secret and ref.key and ref.key not in keys:
                    keys.append(ref.key)
        return keys

    def container_spec(self, name: str) -> ContainerSpec | None:
        return next((c for c in [*self.spec.containers, *self.spec.init_containers] if c.name == name), None)


def parse_pods(text: str) -> list[Pod]:
    """``kubectl get pods [-A] -o json`` (or one pod)."""
    return [validate(Pod, i, "kubectl get pods") for i in items(text, "kubectl get pods")]


# --- kubectl get events --------------------------------------------------------------------------


class _InvolvedObject(Loose):
    kind: str = ""
    name: str = ""
    namespace: str = ""


class Event(Loose):
    metadata: Meta = Field(default_factory=Meta)
    involved_object: _InvolvedObject = Field(default_factory=_InvolvedObject, alias="involvedObject")
    reason: str = ""
    message: str = ""
    type: str = ""
    count: int = 1
    first_timestamp: str | None = Field(None, alias="firstTimestamp")
    last_timestamp: str | None = Field(None, alias="lastTimestamp")
    event_time: str | None = Field(None, alias="eventTime")

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            return 1

    @property
    def when(self) -> str:
        return self.last_timestamp or self.event_time or self.first_timestamp or self.metadata.creation_timestamp or ""

    @property
    def warning(self) -> bool:
        return self.type == "Warning"

    def about(self, kind: str, name: str, namespace: str) -> bool:
        obj = self.involved_object
        ns = obj.namespace or self.metadata.namespace
        return obj.kind == kind and obj.name == name and (not ns or ns == namespace)


def parse_events(text: str) -> list[Event]:
    """``kubectl get events -A -o json``, oldest first."""
    events = [validate(Event, i, "kubectl get events") for i in items(text, "kubectl get events")]
    return sorted(events, key=lambda e: e.when)
