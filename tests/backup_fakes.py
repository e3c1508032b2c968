"""An installed MIP on the fake machine, as backup/restore/upgrade tests need it: the workloads
the 8.0.0 chart runs (templates/{portalbackend,gateway,keycloak,frontend}.yaml: deployment names,
database containers and images, hostPaths from values.yaml under mip_deployment.path), their data
folders with files, and the fake databases' contents (see fake_toolchain/prog_kubectl_exec.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.fake_toolchain._state import Store

# (deployment, [(container, image, data folder under mip_deployment.path or None)]) — mip-deployment 8.0.0
MIP_800 = [
    ("frontend", [("frontend", "hbpmip/portal-frontend:9.4.0", None)]),
    ("gateway", [("gateway-db", "postgres:14-alpine", ".stored_data/gatewaydb"),
                 ("gateway", "hbpmip/gateway:1.6.0", None)]),
    ("portalbackend", [("portalbackend-db", "postgres:11.3-alpine", ".stored_data/portalbackenddb"),
                       ("portalbackend", "hbpmip/portal-backend:8.0.2", None)]),
    ("keycloak", [("keycloak-db", "postgres:12.2", ".stored_data/keycloak"),
                  ("keycloak", "jboss/keycloak:15.0.2", None)]),
]
# mip-deployment 9.0.2: platform-backend's database is PostgreSQL 18.3 on another path
MIP_902 = [
    ("platform-ui", [("platform-ui", "hbpmip/platform-ui:1.0.1", None)]),
    ("platform-backend", [("platform-backend-db", "postgres:18.3-alpine", ".stored_data/platform_backenddb"),
                          ("platform-backend", "hbpmip/platform-backend:9.1.1", None)]),
]


def workloads_for(mip_path: Path, layout: list[Any], namespace: str = "default") -> list[dict[str, Any]]:
    found = []
    for name, containers in layout:
        found.append({
            "kind": "deployment", "name": name, "namespace": namespace, "release": "mip", "replicas": 1,
            "containers": [
                {"name": c, "image": image, **({"data": str(mip_path / data)} if data else {})}
                for c, image, data in containers
            ],
        })
    found.append({"kind": "deployment", "name": "exareme2-controller", "namespace": "default",
                  "release": "exareme2", "replicas": 1,
                  "containers": [{"name": "controller", "image": "madgik/exareme2_controller:0.20.0"}]})
    return found


def set_workloads(fake: Any, workloads: list[dict[str, Any]]) -> None:
    with Store(fake.state_dir).update() as state:
        state["workloads"] = workloads


def seed_mip_state(fake: Any, mip_path: Path, layout: list[Any] = MIP_800) -> dict[str, str]:
    """Workloads + data folders with content; returns {relative path: content} of what was written."""
    set_workloads(fake, workloads_for(mip_path, layout))
    written: dict[str, str] = {}

    def put(rel: str, text: str, mode: int = 0o600) -> None:
        path = mip_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, mode)
        written[rel] = text

    for _name, containers in layout:
        for c, image, data in containers:
            if data:
                major = image.split(":")[1].split(".")[0].split("-")[0]
                pg = f"{data}/{major}/docker" if int(major) >= 18 else data
                put(f"{pg}/PG_VERSION", f"{major}\n")
                put(f"{pg}/base/16384/2619", f"heap pages of {c}\n" * 50)
                put(f"{pg}/fake-db.sql", f"INSERT INTO users VALUES ('alice', '{c}');\n")
    put("config/keycloak/keycloak.json", '{"realm": "MIP"}\n', 0o644)
    put("config/disabledAlgorithms.json", "[]\n", 0o644)
    put(".stored_data/caddy/caddy_data/cert.pem", "-----BEGIN CERTIFICATE-----\n", 0o600)
    return written


def tree(root: Path) -> dict[str, tuple[str, int]]:
    """{relative path: (sha256 or 'dir' / 'link->target', mode)} of everything under ``root``."""
    import hashlib

    found: dict[str, tuple[str, int]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            if path.is_symlink():
                found[rel] = (f"link->{os.readlink(path)}", st.st_mode)
            elif path.is_dir():
                found[rel] = ("dir", st.st_mode)
            else:
                found[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mode)
    return found


def live_workloads(fake: Any) -> list[dict[str, Any]]:
    """The workloads the fake kubectl serves now (with the replicas `kubectl scale` set)."""
    import sys

    folder = str(Path(__file__).resolve().parent / "fake_toolchain")
    sys.path.insert(0, folder)
    try:  # the fake's modules import each other as it runs them (a flat folder on sys.path)
        import prog_kubectl_exec

        return list(prog_kubectl_exec.live_workloads(fake.state()))
    finally:
        sys.path.remove(folder)


def replicas(fake: Any) -> dict[str, int]:
    return {w["name"]: w["replicas"] for w in live_workloads(fake)}
