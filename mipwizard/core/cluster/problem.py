"""A problem found in the cluster: what is wrong, what it means, and a fix the user can run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Problem:
    kind: str  # "pod", "node", "release", "addon", "pvc", "ingress", "cluster"
    target: str  # "namespace/pod", node name, release name, addon name, "namespace/pvc"
    reason: str  # e.g. CrashLoopBackOff, SecretMissing, StorageClassMissing
    summary: str
    fix: str
    container: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
