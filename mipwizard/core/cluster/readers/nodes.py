"""``kubectl get nodes -o json``."""

from __future__ import annotations

from pydantic import Field

from .base import Condition, Loose, Meta, items, validate

MIP_LABELS = ("master", "worker", "smpc_player")


class _Address(Loose):
    type: str = ""
    address: str = ""


class _NodeInfo(Loose):
    kubelet_version: str = Field("", alias="kubeletVersion")
    os_image: str = Field("", alias="osImage")


class _NodeStatus(Loose):
    conditions: list[Condition] = Field(default_factory=list)
    addresses: list[_Address] = Field(default_factory=list)
    node_info: _NodeInfo = Field(default_factory=_NodeInfo, alias="nodeInfo")
    allocatable: dict[str, str] = Field(default_factory=dict)


class _NodeSpec(Loose):
    unschedulable: bool = False


class Node(Loose):
    metadata: Meta = Field(default_factory=Meta)
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


def parse_nodes(text: str) -> list[Node]:
    """``kubectl get nodes -o json``."""
    return [validate(Node, i, "kubectl get nodes") for i in items(text, "kubectl get nodes")]
