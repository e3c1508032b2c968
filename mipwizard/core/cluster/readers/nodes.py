"""``kubectl get nodes -o json``."""

from __future__ import annotations

from .base import Condition, Object, View, cached_property, read_all

MIP_LABELS = ("master", "worker", "smpc_player")


class Node(Object):
    @cached_property
    def _status(self) -> View:
        return self.view("status", View)

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.labels

    @cached_property
    def conditions(self) -> list[Condition]:
        return self._status.views("conditions", Condition)

    def condition(self, kind: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == kind), None)

    @property
    def ready(self) -> bool:
        cond = self.condition("Ready")
        return cond is not None and cond.status == "True"

    @property
    def kubelet_version(self) -> str:
        return self._status.view("nodeInfo", View).text("kubeletVersion")

    @property
    def addresses(self) -> dict[str, str]:
        found = (a.raw for a in self._status.views("addresses", View))
        return {str(a["type"]): str(a.get("address", "")) for a in found if a.get("type")}

    @property
    def internal_ip(self) -> str:
        return self.addresses.get("InternalIP", "")

    @property
    def mip_roles(self) -> list[str]:
        """Which of the MIP labels (master / worker / smpc_player) are ``true`` on this node."""
        return [label for label in MIP_LABELS if self.labels.get(label, "").lower() == "true"]

    @property
    def pressures(self) -> list[str]:
        return [c.type for c in self.conditions if c.type.endswith("Pressure") and c.status == "True"]


def parse_nodes(text: str) -> list[Node]:
    """``kubectl get nodes -o json``."""
    return read_all(Node, text, "kubectl get nodes")
