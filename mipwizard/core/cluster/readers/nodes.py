"""``kubectl get nodes -o json``."""

from __future__ import annotations

from .base import Condition, Field, Object, View, as_dict, as_text, child, children, read_all, text

MIP_LABELS = ("master", "worker", "smpc_player")


class Address(View):
    type = text("type")
    address = text("address")


class NodeStatus(View):
    conditions = children("conditions", Condition)
    addresses = children("addresses", Address)
    # of ``nodeInfo`` (kubelet, OS, runtime versions) only the kubelet's is shown
    kubelet_version = Field("nodeInfo", lambda info: as_text(as_dict(info).get("kubeletVersion")))


class Node(Object):
    status = child("status", NodeStatus)

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
        return self.status.kubelet_version

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
    return read_all(Node, text, "kubectl get nodes")
