"""``microk8s status`` in its formats (yaml old and current, pretty, short) and its failure texts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .base import ReaderError, as_bool, as_text, load

PERMISSION_MARK = "Insufficient permissions to access MicroK8s"
NOT_RUNNING_MARK = "microk8s is not running"
# A joined worker's wrappers (status, kubectl, helm…) print this and stop: the control plane is elsewhere.
WORKER_MARK = "acting as a node in a cluster"


@dataclass
class Addon:
    name: str
    repository: str = ""
    description: str = ""
    version: str = ""
    status: str = ""

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Addon:
        fields = ("repository", "description", "version", "status")
        return cls(str(row["name"]), *(str(row[key]) if row.get(key) is not None else "" for key in fields))

    @property
    def enabled(self) -> bool:
        return self.status.strip().lower() == "enabled"


@dataclass
class HaNode:
    address: str = ""
    role: str = ""


@dataclass
class MicroK8sStatus:
    running: bool = False
    message: str = ""
    ha_enabled: bool | None = None
    ha_nodes: list[HaNode] = field(default_factory=list)
    addons: list[Addon] = field(default_factory=list)

    @property
    def enabled_addons(self) -> list[str]:
        return [a.name for a in self.addons if a.enabled]

    @property
    def enabled(self) -> set[str]:
        """Enabled addons by short name (``core/dns`` -> ``dns``)."""
        return {name.rsplit("/", 1)[-1] for name in self.enabled_addons}

    def addon_enabled(self, name: str) -> bool:
        return any(a.enabled and (a.name == name or a.name.endswith("/" + name)) for a in self.addons)


def status_problem(text: str) -> str | None:
    """``"permission"``, ``"worker"`` or ``"not-running"`` when microk8s printed one of those messages."""
    if PERMISSION_MARK.lower() in text.lower():
        return "permission"
    if WORKER_MARK in text.lower():
        return "worker"
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
    data = load(text, "microk8s status --format yaml")
    if not isinstance(data, dict) or "microk8s" not in data:
        raise ReaderError("microk8s status --format yaml: no `microk8s:` section")
    top = data.get("microk8s") or {}
    running = as_bool(top.get("running", False)) if isinstance(top, dict) else False
    message = str(top.get("message") or "") if isinstance(top, dict) else ""
    ha = data.get("high-availability") or data.get("ha") or {}
    ha_enabled = as_bool(ha["enabled"]) if isinstance(ha, dict) and "enabled" in ha else None
    listed = ha.get("nodes") if isinstance(ha, dict) else None
    nodes = [
        HaNode(as_text(n.get("address")), as_text(n.get("role")))
        for n in (listed if isinstance(listed, list) else [])
        if isinstance(n, dict)
    ]
    return MicroK8sStatus(
        running=running, message=message, ha_enabled=ha_enabled, ha_nodes=nodes, addons=_addons(data.get("addons"))
    )


def _addons(raw: Any) -> list[Addon]:
    if isinstance(raw, dict):  # old short yaml: ``dns: enabled``
        return [Addon(name=str(k), status=str(v)) for k, v in raw.items()]
    addons = []
    for item in raw or []:
        if isinstance(item, dict) and item.get("name"):
            addons.append(Addon.from_json(item))
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
            status.ha_enabled = as_bool(stripped.split(":", 1)[1])
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
