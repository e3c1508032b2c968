"""Chart check speed: each real chart tree of ../shared rendered once with the real helm, then
``check_manifests`` (every rule, strict schemas for Kubernetes 1.32) timed warm (median).

The check runs before every helm call, so it must cost little next to helm itself. Goal: the
check of any chart ≤ 0.5 s warm. Also the first check in a fresh process (imports and the schema
files loaded). Needs the test helm (python3 tests/get_real_helm.py).
Usage: python benchmarks/bench_chartcheck.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, median_seconds, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ROOT.parent / "shared" / "reference" / "charts"
TREES = ("mip-deployment@8.0.0/kubernetes", "mip-deployment@f7c6441/kubernetes",
         "mip-deployment@9.0.2/deployment/kubernetes", "exareme2@0.20.0/kubernetes",
         "exareme2@0.28.0/kubernetes", "exareme2@ad132e20/kubernetes")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import yaml

    from tests.get_real_helm import cached_binary

    helm = cached_binary()
    if not helm.is_file() or not CHARTS.is_dir():
        print("needs the test helm (python3 tests/get_real_helm.py) and ../shared/reference/charts", file=sys.stderr)
        return 1
    started = time.perf_counter()
    from mipwizard.core.chartcheck import ClusterFacts, check_manifests

    facts = ClusterFacts(k8s_version="1.32.3", storage_classes=frozenset({"microk8s-hostpath"}),
                         ingress_classes=frozenset({"public"}), default_ingress_class="public",
                         node_labels={"n": {"master": "true", "worker": "true"}})
    figures: dict[str, object] = {}
    first = None
    for tree in TREES:
        rendered = subprocess.run([str(helm), "template", "t", str(CHARTS / tree), "--kube-version", "v1.32.3"],
                                  capture_output=True, text=True, check=True).stdout
        manifests = [d for d in yaml.safe_load_all(rendered) if isinstance(d, dict)]
        if first is None:
            check_manifests(manifests, facts)
            first = time.perf_counter() - started
        seconds = median_seconds(lambda m=manifests: check_manifests(m, facts), args.repeat)
        figures[tree.split("/")[0]] = {"manifests": len(manifests), "check_seconds": round(seconds, 3)}
    emit("chartcheck", first_check_with_imports_seconds=round(first or 0, 3), charts=figures,
         peak_rss_mb=peak_rss_mb())
    return 0


if __name__ == "__main__":
    sys.exit(main())
