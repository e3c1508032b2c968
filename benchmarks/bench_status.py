"""Troubleshooting at scale: a fake federation of 30 nodes and 600 pods (tests/fake_federation.py).

Figures (the same fake toolchain and federation for both sides, bytecode caches warm on both as
on an installed system, one warm-up run each, then ``--repeat`` runs alternating raw/status so a
change of load on the machine hits both alike):
- raw_seconds: ``microk8s kubectl get pods -A -o json`` alone (the fake kubectl; median);
- status_seconds: ``mipwizard status --json`` as a user runs it — the console script of a wheel
  installed in a venv of its own (``--checkout``: ``python -m mipwizard`` from this checkout, whose
  editable install's import hook alone adds ~17 ms to every start) — (a fresh process: start, its two reads — one get of
  every kind, helm list; ``microk8s status`` only when something is off — diagnosis, JSON out
  (one line: stdout is a pipe); median) → ratio, goal ≤ 1.5, and the
  median of the per-pair ratios; the CPU seconds of each (the command and all its children),
  which load on the machine cannot move;
- raw_all_kinds_seconds: the one ``kubectl get pods,nodes,events,…`` status itself makes (context:
  what is left of the ratio above it is Python's start, helm list, the guards and the diagnosis);
The Troubleshoot screen at this scale: benchmarks/bench_troubleshoot_refresh.py.
Usage: python benchmarks/bench_status.py [--repeat 9] [--checkout]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit

# The fake toolchain has its own top-level ``_common``: let it import that one.
sys.path.pop(0)
del sys.modules["_common"]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS: dict[str, Any] = {
    "role": "local",
    "machine_main_ip": "192.168.1.230",
    "machine_public_fqdn": "mip.example.org",
    "active_profile": "direct.no_auth",
    "federation": "mipfed1",
    "pathologies": ["dementia"],
}


def build(tmp: Path) -> tuple[Any, dict[str, str]]:
    import yaml

    from tests.fake_federation import make_federation
    from tests.fake_toolchain import FakeToolchain

    fake = FakeToolchain(tmp / "fake")
    answers = dict(
        ANSWERS,
        data_root=str(tmp / "data"),
        exareme2={"path": str(tmp / "exareme2")},
        mip_deployment={"path": str(tmp / "mip-deployment")},
    )
    fake.mark_fully_installed(answers)
    make_federation(fake)
    env = fake.env()
    env.update(MIPWIZARD_STATE_DIR=str(tmp / "state"), MIPWIZARD_LOG_DIR=str(tmp / "logs"))
    (tmp / "state").mkdir()
    (tmp / "state" / "answers.yaml").write_text(yaml.safe_dump(answers))
    return fake, env


def installed_mipwizard(tmp: Path) -> list[str]:
    """The ``mipwizard`` console script of this checkout built as a wheel and installed (no
    dependencies: a .pth line lends it this interpreter's; pip fetches only the build backend)."""
    import sysconfig

    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    wheels, venv = tmp / "wheel", tmp / "venv"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], **quiet)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], **quiet)
    python = venv / "bin" / "python"
    [wheel] = wheels.glob("mipwizard-*.whl")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], **quiet)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_bench_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return [str(venv / "bin" / "mipwizard")]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the command and every child: load cannot move it), stdout."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd="/")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, done.stdout


def timed_pairs(commands: dict[str, list[str]], env: dict[str, str], repeat: int) -> dict[str, Any]:
    """Each command once to warm up, then ``repeat`` rounds running each in turn."""
    runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name in commands}
    for argv in commands.values():
        run_once(argv, env)
    for _ in range(repeat):
        for name, argv in commands.items():
            runs[name].append(run_once(argv, env))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--checkout", action="store_true", help="python -m mipwizard from this checkout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-status-") as tmp:
        _fake, env = build(Path(tmp))
        mipwizard = [sys.executable, "-m", "mipwizard"] if args.checkout else installed_mipwizard(Path(tmp))
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # both sides run from cached bytecode, as installed
        from mipwizard.core.cluster.readers import CLUSTER_KINDS

        runs = timed_pairs(
            {
                "raw": ["microk8s", "kubectl", "get", "pods", "-A", "-o", "json"],
                "status": [*mipwizard, "status", "--json"],
                "all_kinds": ["microk8s", "kubectl", "get", CLUSTER_KINDS, "-A", "-o", "json"],
            },
            env,
            args.repeat,
        )
        data = json.loads(runs["status"][-1][2])
        if len(data["pods"]) != len(json.loads(runs["raw"][-1][2])["items"]) or len(data["nodes"]) != 30:
            raise SystemExit(f"status saw {len(data['pods'])} pods, {len(data['nodes'])} nodes")

    def median(name: str, column: int) -> float:
        return statistics.median(run[column] for run in runs[name])

    raw, raw_cpu, status, status_cpu = median("raw", 0), median("raw", 1), median("status", 0), median("status", 1)
    pair_ratios = [s[0] / r[0] for s, r in zip(runs["status"], runs["raw"], strict=True)]
    emit(
        "status",
        nodes=len(data["nodes"]),
        pods=len(data["pods"]),
        raw_seconds=round(raw, 3),
        status_seconds=round(status, 3),
        ratio=round(status / raw, 2),
        pair_ratio=round(statistics.median(pair_ratios), 2),
        raw_all_kinds_seconds=round(median("all_kinds", 0), 3),
        raw_cpu_seconds=round(raw_cpu, 3),
        status_cpu_seconds=round(status_cpu, 3),
        cpu_ratio=round(status_cpu / raw_cpu, 2),
        mipwizard="checkout (python -m)" if args.checkout else "installed wheel",
        goal_ratio=1.5,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
