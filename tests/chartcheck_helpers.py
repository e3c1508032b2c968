"""Helpers for the chart-check tests: real renders of ../shared's chart trees and microk8s-like facts."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from mipwizard.core.chartcheck import ClusterFacts

from .realhelm import REAL_CHARTS, REAL_HELM

MIP_800 = "mip-deployment@8.0.0/kubernetes"
MIP_MASTER = "mip-deployment@f7c6441/kubernetes"
MIP_902 = "mip-deployment@9.0.2/deployment/kubernetes"
EXA_020 = "exareme2@0.20.0/kubernetes"
EXA_028 = "exareme2@0.28.0/kubernetes"
EXAFLOW = "exareme2@ad132e20/kubernetes"


def chart_path(name: str) -> Path:
    assert REAL_CHARTS is not None
    return REAL_CHARTS / name


def helm_render(
    chart: str | Path, *values: Path, namespace: str = "default", kube: str = "v1.32.3"
) -> list[dict[str, Any]]:
    """What the real helm renders for ``chart`` (a name under ../shared/reference/charts, or a path)."""
    assert REAL_HELM is not None
    path = chart if isinstance(chart, Path) else chart_path(chart)
    argv = [str(REAL_HELM), "template", "t", str(path), "--namespace", namespace, "--kube-version", kube]
    for v in values:
        argv += ["-f", str(v)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env={"HOME": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if isinstance(d, dict)]


def microk8s_facts(**changes: Any) -> ClusterFacts:
    """A one-node microk8s 1.32 with dns, ingress and hostpath-storage, node labelled master+worker."""
    base: dict[str, Any] = {
        "k8s_version": "1.32.3",
        "namespaces": frozenset({"default", "kube-system", "kube-public", "kube-node-lease", "ingress"}),
        "storage_classes": frozenset({"microk8s-hostpath"}),
        "default_storage_class": "microk8s-hostpath",
        "ingress_classes": frozenset({"public", "nginx"}),
        "default_ingress_class": "public",
        "node_labels": {"mip-master": {"kubernetes.io/hostname": "mip-master", "master": "true", "worker": "true"}},
        "secrets": {},
        "host_paths": None,
    }
    base.update(changes)
    return ClusterFacts(**base)


def kinds(findings: list[Any]) -> set[str]:
    return {f.kind for f in findings}
