"""``kubectl get pods -o json`` and ``kubectl get events -o json``."""

from __future__ import annotations

from typing import Any

from .base import Condition, Meta, NamespacedObject, View, as_dict, cached_property, read_all


class _Why(View):
    @property
    def reason(self) -> str:
        return self.text("reason")

    @property
    def message(self) -> str:
        return self.text("message")


class Waiting(_Why):
    """Why a container waits (``reason``, ``message``)."""


class Running(View):
    @property
    def started_at(self) -> str:
        return self.text("startedAt")


class Terminated(_Why):
    @property
    def exit_code(self) -> int:
        return self.number("exitCode")

    @property
    def signal(self) -> int | None:
        return self.number("signal") if self.raw.get("signal") is not None else None

    @property
    def finished_at(self) -> str:
        return self.text("finishedAt")


class ContainerState(View):
    @cached_property
    def waiting(self) -> Waiting | None:
        return self.optional_view("waiting", Waiting)

    @cached_property
    def running(self) -> Running | None:
        return self.optional_view("running", Running)

    @cached_property
    def terminated(self) -> Terminated | None:
        return self.optional_view("terminated", Terminated)


class ContainerStatus(View):
    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def ready(self) -> bool:
        return self.flag("ready")

    @property
    def started(self) -> bool | None:
        return None if self.raw.get("started") is None else self.flag("started")

    @property
    def restart_count(self) -> int:
        return self.number("restartCount")

    @property
    def image(self) -> str:
        return self.text("image")

    @cached_property
    def state(self) -> ContainerState:
        return self.view("state", ContainerState)

    @cached_property
    def last_state(self) -> ContainerState:
        return self.view("lastState", ContainerState)


class KeyRef(View):
    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def key(self) -> str:
        return self.text("key")


class VolumeMount(View):
    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def mount_path(self) -> str:
        return self.text("mountPath")

    @property
    def read_only(self) -> bool:
        return self.flag("readOnly")


class ContainerSpec(View):
    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def image(self) -> str:
        return self.text("image")

    @cached_property
    def volume_mounts(self) -> list[VolumeMount]:
        return self.views("volumeMounts", VolumeMount)

    @cached_property
    def secret_refs(self) -> list[KeyRef]:
        """The env ``valueFrom.secretKeyRef``s: which Secret keys this container reads."""
        env = self.raw.get("env")
        refs = [as_dict(as_dict(var).get("valueFrom")).get("secretKeyRef") for var in env or []]
        return [KeyRef(ref) for ref in refs if isinstance(ref, dict)]


class Volume(View):
    """A pod volume; only the sources a diagnosis names are read."""

    @property
    def name(self) -> str:
        return self.text("name")

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
    @property
    def node_name(self) -> str:
        return self.text("nodeName")

    @property
    def node_selector(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in as_dict(self.raw.get("nodeSelector")).items()}

    @cached_property
    def containers(self) -> list[ContainerSpec]:
        return self.views("containers", ContainerSpec)

    @cached_property
    def init_containers(self) -> list[ContainerSpec]:
        return self.views("initContainers", ContainerSpec)

    @cached_property
    def volumes(self) -> list[Volume]:
        return self.views("volumes", Volume)


class PodStatus(View):
    @property
    def phase(self) -> str:
        return self.text("phase")

    @property
    def reason(self) -> str:
        return self.text("reason")

    @property
    def message(self) -> str:
        return self.text("message")

    @cached_property
    def conditions(self) -> list[Condition]:
        return self.views("conditions", Condition)

    @cached_property
    def container_statuses(self) -> list[ContainerStatus]:
        return self.views("containerStatuses", ContainerStatus)

    @cached_property
    def init_container_statuses(self) -> list[ContainerStatus]:
        return self.views("initContainerStatuses", ContainerStatus)

    @property
    def host_ip(self) -> str:
        return self.text("hostIP")

    @property
    def start_time(self) -> str:
        return self.text("startTime")


class Pod(NamespacedObject):
    @cached_property
    def spec(self) -> PodSpec:
        return self.view("spec", PodSpec)

    @cached_property
    def status(self) -> PodStatus:
        return self.view("status", PodStatus)

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


class InvolvedObject(View):
    @property
    def kind(self) -> str:
        return self.text("kind")

    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def namespace(self) -> str:
        return self.text("namespace")


class Event(View):
    @cached_property
    def metadata(self) -> Meta:
        return self.view("metadata", Meta)

    @cached_property
    def involved_object(self) -> InvolvedObject:
        return self.view("involvedObject", InvolvedObject)

    @property
    def reason(self) -> str:
        return self.text("reason")

    @property
    def message(self) -> str:
        return self.text("message")

    @property
    def type(self) -> str:
        return self.text("type")

    @property
    def count(self) -> int:
        return self.number("count", 1)

    @property
    def last_timestamp(self) -> str | None:
        return self.optional_text("lastTimestamp")

    @property
    def when(self) -> str:
        for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
            if found := self.text(key):
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
