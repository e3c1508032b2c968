"""Typed readers for what microk8s, kubectl and helm print.

Built on the real outputs in ``shared/reference/transcripts``. Every reader is tolerant: missing
fields get defaults, unknown ones are ignored, odd variants (Python-style ``True``, helm's
revision as a string, empty lists, the "not running" message) parse instead of raising. A text
that is not the expected format at all raises ``ReaderError`` naming the command.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PERMISSION_MARK = "Insufficient permissions to access MicroK8s"
NOT_RUNNING_MARK = "microk8s is not running"
MIP_LABELS = ("master", "worker", "smpc_player")


class ReaderError(ValueError):
    """Output that is not in the format a reader expects (message names the command)."""


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _load(text: str, what: str) -> Any:
    """JSON, or YAML (a superset); raises ``ReaderError`` naming ``what``."""
    stripped = text.strip()
    if not stripped:
        raise ReaderError(f"{what}: empty output")
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    try:
        return yaml.safe_load(stripped)
    except yaml.YAMLError as exc:
        raise ReaderError(f"{what}: not JSON or YAML ({str(exc).splitlines()[0]})") from None


def _validate(model: type[Any], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReaderError(f"{what}: unexpected shape at {where or 'top'} ({first['msg']})") from None


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "y", "on"}


# --- microk8s status -----------------------------------------------------------------------------


class Addon(_Loose):
    name: str
    repository: str = ""
    description: str = ""
    version: str = ""
    status: str = ""

    @field_validator("version", "description", "repository", "status", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)

    @property
    def enabled(self) -> bool:
        return self.status.strip().lower() == "enabled"


class HaNode(_Loose):
    address: str = ""
    role: str = ""


class MicroK8sStatus(_Loose):
    running: bool = False
    message: str = ""
    ha_enabled: bool | None = None
    ha_nodes: list[HaNode] = Field(default_factory=list)
    addons: list[Addon] = Field(default_factory=list)

    @property
    def enabled_addons(self) -> list[str]:
        return [a.name for a in self.addons if a.enabled]

    def addon_enabled(self, name: str) -> bool:
        return any(a.enabled and (a.name == name or a.name.endswith("/" + name)) for a in self.addons)


def status_problem(text: str) -> str | None:
    """``"permission"`` or ``"not-running"`` when ``microk8s status`` printed one of those messages."""
    if PERMISSION_MARK.lower() in text.lower():
        return "permission"
    if NOT_RUNNING_MARK in text.lower() and "microk8s is running" not in text.lower():
        return "not-running"
    return None


def parse_status(text: str) -> MicroK8sStatus:
    """``microk8s status`` in any format: yaml (2020 or current), pretty, or short."""
    body = text.lstrip()
    if body.startswith("microk8s:"):
        return parse_status_yaml(text)
    return parse_status_pretty(text)


def parse_status_yaml(text: str) -> MicroK8sStatus:
    """``microk8s status --format yaml``: ``running: True`` (Python bool), addon list or mapping."""
    if status_problem(text) == "permission":
        raise ReaderError("microk8s status: insufficient permissions to access MicroK8s")
    data = _load(text, "microk8s status --format yaml")
    if not isinstance(data, dict) or "microk8s" not in data:
        raise ReaderError("microk8s status --format yaml: no `microk8s:` section")
    top = data.get("microk8s") or {}
    running = _as_bool(top.get("running", False)) if isinstance(top, dict) else False
    message = str(top.get("message") or "") if isinstance(top, dict) else ""
    ha = data.get("high-availability") or data.get("ha") or {}
    ha_enabled = _as_bool(ha["enabled"]) if isinstance(ha, dict) and "enabled" in ha else None
    nodes = (
        [HaNode.model_validate(n) for n in (ha.get("nodes") or []) if isinstance(n, dict)]
        if isinstance(ha, dict)
        else []
    )
    return MicroK8sStatus(
        running=running, message=message, ha_enabled=ha_enabled, ha_nodes=nodes, addons=_addons(data.get("addons"))
    )


def _addons(raw: Any) -> list[Addon]:
    if isinstance(raw, dict):  # old short yaml: ``dns: enabled``
        return [Addon(name=str(k), status=str(v)) for k, v in raw.items()]
    addons = []
    for item in raw or []:
        if isinstance(item, dict) and item.get("name"):
            addons.append(Addon.model_validate(item))
    return addons


_PRETTY_ROW = re.compile(r"^\s+(?P<name>[\w./-]+)\s+#\s*(?:\((?P<repo>[^)]*)\)\s*)?(?P<desc>.*)$")
_SHORT_ROW = re.compile(r"^(?P<name>[\w./-]+):\s+(?P<status>enabled|disabled)\s*$")


def parse_status_pretty(text: str) -> MicroK8sStatus:
    """``microk8s status`` (pretty, the default on current snaps) or ``--format short``."""
    if status_problem(text) == "permission":
        raise ReaderError("microk8s status: insufficient permissions to access MicroK8s")
    lines = text.splitlines()
    running = any(line.strip() == "microk8s is running" for line in lines)
    not_running = next((line.strip() for line in lines if NOT_RUNNING_MARK in line.lower()), "")
    if not running and not not_running:
        raise ReaderError("microk8s status: neither 'microk8s is running' nor 'not running' in the output")
    status = MicroK8sStatus(running=running, message=not_running)
    section = ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("high-availability:"):
            status.ha_enabled = _as_bool(stripped.split(":", 1)[1])
        elif stripped.startswith("datastore master nodes:"):
            status.ha_nodes += [HaNode(address=a, role="voter") for a in stripped.split(":", 1)[1].split()]
        elif stripped.startswith("datastore standby nodes:"):
            rest = stripped.split(":", 1)[1].split()
            status.ha_nodes += [HaNode(address=a, role="standby") for a in rest if a != "none"]
        elif stripped in ("enabled:", "disabled:"):
            section = stripped[:-1]
        elif section and (row := _PRETTY_ROW.match(line)):
            status.addons.append(
                Addon(name=row["name"], repository=row["repo"] or "", description=row["desc"].strip(), status=section)
            )
        elif short := _SHORT_ROW.match(stripped):
            name = short["name"]
            repo, _, base = name.rpartition("/")
            status.addons.append(Addon(name=base, repository=repo, status=short["status"]))
    return status


# --- kubectl get nodes ---------------------------------------------------------------------------


class Condition(_Loose):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""


class _Address(_Loose):
    type: str = ""
    address: str = ""


class _NodeInfo(_Loose):
    kubelet_version: str = Field("", alias="kubeletVersion")
    os_image: str = Field("", alias="osImage")


class _NodeStatus(_Loose):
    conditions: list[Condition] = Field(default_factory=list)
    addresses: list[_Address] = Field(default_factory=list)
    node_info: _NodeInfo = Field(default_factory=_NodeInfo, alias="nodeInfo")
    allocatable: dict[str, str] = Field(default_factory=dict)


class _Meta(_Loose):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: str = Field("", alias="creationTimestamp")

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> dict[str, str]:
        return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}


class _NodeSpec(_Loose):
    unschedulable: bool = False


class Node(_Loose):
    metadata: _Meta = Field(default_factory=_Meta)
    spec: _NodeSpec = Field(default_factory=_NodeSpec)
    status: _NodeStatus = Field(default_factory=_NodeStatus)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.labels

    def condition(self, kind: str) -> Condition | None:
        return next((c for c in self.status.conditions if c.type == kind), None)

    @property
    def ready(self) -> bool:
        cond = self.condition("Ready")
        return cond is not None and cond.status == "True"

    @property
    def kubelet_version(self) -> str:
        return self.status.node_info.kubelet_version

    @property
    def addresses(self) -> dict[str, str]:
        return {a.type: a.address for a in self.status.addresses if a.type}

    @property
    def internal_ip(self) -> str:
        return self.addresses.get("InternalIP", "")

    @property
    def mip_roles(self) -> list[str]:
        """Which of the MIP labels (master / worker / smpc_player) are ``true`` on this node."""
        return [label for label in MIP_LABELS if self.labels.get(label, "").lower() == "true"]

    @property
    def pressures(self) -> list[str]:
        return [c.type for c in self.status.conditions if c.type.endswith("Pressure") and c.status == "True"]


class _List(_Loose):
    items: list[dict[str, Any]] | None = None

    @field_validator("items", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or []


def _items(text: str, what: str) -> list[dict[str, Any]]:
    data = _load(text, what)
    if not isinstance(data, dict) or ("items" not in data and not ("kind" in data and "metadata" in data)):
        raise ReaderError(f"{what}: expected a JSON object with `items`")
    if "items" not in data:
        return [data]  # a single object (``get pod NAME -o json``)
    return [i for i in (_validate(_List, data, what).items or []) if isinstance(i, dict)]


def parse_nodes(text: str) -> list[Node]:
    """``kubectl get nodes -o json``."""
    return [_validate(Node, i, "kubectl get nodes") for i in _items(text, "kubectl get nodes")]


# --- kubectl get pods ----------------------------------------------------------------------------


class Waiting(_Loose):
    reason: str = ""
    message: str = ""


class Running(_Loose):
    started_at: str = Field("", alias="startedAt")


class Terminated(_Loose):
    exit_code: int = Field(0, alias="exitCode")
    reason: str = ""
    message: str = ""
    signal: int | None = None
    finished_at: str = Field("", alias="finishedAt")


class ContainerState(_Loose):
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None


class ContainerStatus(_Loose):
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


class _ContainerSpec(_Loose):
    name: str = ""
    image: str = ""


class _PodSpec(_Loose):
    node_name: str = Field("", alias="nodeName")
    node_selector: dict[str, str] = Field(default_factory=dict, alias="nodeSelector")
    containers: list[_ContainerSpec] = Field(default_factory=list)
    init_containers: list[_ContainerSpec] = Field(default_factory=list, alias="initContainers")


class _PodStatus(_Loose):
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


class _PodMeta(_Meta):
    deletion_timestamp: str | None = Field(None, alias="deletionTimestamp")


class Pod(_Loose):
    metadata: _PodMeta = Field(default_factory=_PodMeta)
    spec: _PodSpec = Field(default_factory=_PodSpec)
    status: _PodStatus = Field(default_factory=_PodStatus)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"

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


def parse_pods(text: str) -> list[Pod]:
    """``kubectl get pods [-A] -o json`` (or one pod)."""
    return [_validate(Pod, i, "kubectl get pods") for i in _items(text, "kubectl get pods")]


# --- kubectl get events --------------------------------------------------------------------------


class _InvolvedObject(_Loose):
    kind: str = ""
    name: str = ""
    namespace: str = ""


class Event(_Loose):
    metadata: _Meta = Field(default_factory=_Meta)
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
    events = [_validate(Event, i, "kubectl get events") for i in _items(text, "kubectl get events")]
    return sorted(events, key=lambda e: e.when)


# --- helm ----------------------------------------------------------------------------------------


class HelmRelease(_Loose):
    name: str
    namespace: str = "default"
    revision: int = 0
    updated: str = ""
    status: str = "unknown"
    chart: str = ""
    app_version: str = ""

    @field_validator("revision", mode="before")
    @classmethod
    def _revision(cls, value: Any) -> int:  # helm list prints it as a string
        try:
            return int(str(value).strip())
        except ValueError:
            return 0

    @field_validator("updated", "app_version", "chart", "status", "namespace", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)

    @property
    def healthy(self) -> bool:
        return self.status == "deployed"


def parse_helm_list(text: str) -> list[HelmRelease]:
    """``helm3 list -A -o json`` (or ``-o yaml``); ``[]`` when there is no release."""
    data = _load(text, "helm list")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ReaderError("helm list: expected a JSON list of releases")
    return [_validate(HelmRelease, i, "helm list") for i in data if isinstance(i, dict) and i.get("name")]


class HelmInfo(_Loose):
    status: str = "unknown"
    description: str = ""
    first_deployed: str = ""
    last_deployed: str = ""
    notes: str = ""


class HelmStatus(_Loose):
    name: str = ""
    namespace: str = ""
    version: int = 0
    info: HelmInfo = Field(default_factory=HelmInfo)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> int:
        try:
            return int(str(value).strip())
        except ValueError:
            return 0


def parse_helm_status(text: str) -> HelmStatus:
    """``helm3 status NAME -o json``. A cut-off output (huge manifest, timeout) still yields
    name and info, which come first."""
    try:
        data = _load(text, "helm status")
    except ReaderError:
        data = _salvage_json_object(text)
    if not isinstance(data, dict) or not ("info" in data or "name" in data):
        raise ReaderError("helm status: expected a JSON object with `name` and `info`")
    status: HelmStatus = _validate(HelmStatus, data, "helm status")
    return status


def _salvage_json_object(text: str) -> dict[str, Any]:
    """The complete leading ``"key": value`` pairs of a truncated JSON object."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    if start < 0:
        raise ReaderError("helm status: not JSON")
    pos, found = start + 1, {}
    key_re = re.compile(r'\s*,?\s*"((?:[^"\\]|\\.)*)"\s*:\s*')
    while True:
        match = key_re.match(text, pos)
        if not match:
            break
        try:
            value, end = decoder.raw_decode(text, match.end())
        except ValueError:
            break
        found[match.group(1)] = value
        pos = end
    if not found:
        raise ReaderError("helm status: not JSON")
    return found
