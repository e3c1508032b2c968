"""The MIP's workloads as the cluster runs them: list, scale to 0 and back, exec into a container.

Everything goes through ``microk8s kubectl`` (found on PATH, sudo when the user is outside the
microk8s group) as argv lists. Streams (a dump to a file, a file into ``psql``) never pass through
Python strings, so a dump of any size costs no memory and no secret is ever in an argv.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..process import run_streams
from ..system import Captured, find_program

RELEASE_ANNOTATION = "meta.helm.sh/release-name"  # helm 3 sets it on every object it manages
KINDS = ("deployment", "statefulset")


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    claims: tuple[str, ...] = ()  # PersistentVolumeClaims it mounts

    @property
    def postgres_major(self) -> int | None:
        """11 for ``postgres:11.3-alpine``, None when the image is not PostgreSQL."""
        repo, _, tag = self.image.rpartition(":") if ":" in self.image.split("/")[-1] else (self.image, "", "")
        if repo.split("/")[-1] not in ("postgres", "postgresql"):
            return None
        digits = ""
        for ch in tag:
            if not ch.isdigit():
                break
            digits += ch
        return int(digits) if digits else None


@dataclass(frozen=True)
class Workload:
    kind: str
    name: str
    namespace: str
    replicas: int
    ready: int
    release: str | None
    containers: tuple[Container, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"


def parse_workloads(text: str) -> list[Workload]:
    try:
        doc = json.loads(text)
        items = doc["items"] if isinstance(doc, dict) and "items" in doc else [doc]
        return [_workload(item) for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read the workloads kubectl listed ({exc.__class__.__name__}: {exc})") from None


def _workload(item: dict[str, Any]) -> Workload:
    meta, spec = item["metadata"], item.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in pod.get("volumes", []) or []
        if isinstance(v, dict) and v.get("persistentVolumeClaim")
    }
    containers = tuple(
        Container(
            c["name"],
            str(c.get("image", "")),
            tuple(claims[m["name"]] for m in c.get("volumeMounts", []) or [] if m.get("name") in claims),
        )
        for c in pod.get("containers", []) or []
    )
    status = item.get("status", {})
    return Workload(
        kind=str(item.get("kind", "Deployment")).lower(),
        name=str(meta["name"]),
        namespace=str(meta.get("namespace", "default")),
        replicas=int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1),
        ready=int(status.get("readyReplicas", 0) or 0),
        release=(meta.get("annotations") or {}).get(RELEASE_ANNOTATION),
        containers=containers,
    )


@dataclass
class Kube:
    """``microk8s kubectl`` for backup, restore and upgrade."""

    sudo: bool = False
    timeout: float = 60.0
    poll_seconds: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def argv(self, *args: str) -> list[str]:
        from ..system import privileged_argv

        base = [find_program("microk8s"), "kubectl", *args]
        return privileged_argv(base) if self.sudo else base

    def _run(self, *args: str, timeout: float | None = None) -> Captured:
        result = run_streams(self.argv(*args), timeout=timeout or self.timeout)
        if result.timed_out:
            raise UserError(f"`microk8s kubectl {' '.join(args[:2])}` did not answer within "
                            f"{timeout or self.timeout:g} s — is microk8s running? (mipwizard status)")
        return result

    def _checked(self, *args: str, timeout: float | None = None) -> str:
        result = self._run(*args, timeout=timeout)
        if result.exit_code != 0:
            first = next((line for line in result.stderr.splitlines() if line.strip()), f"exit {result.exit_code}")
            raise UserError(f"`microk8s kubectl {' '.join(args[:3])}` failed: {first.strip()} — "
                            "check the cluster with `mipwizard status`")
        return result.stdout

    def workloads(self, releases: set[str] | None = None) -> list[Workload]:
        found = parse_workloads(self._checked("get", "deployments,statefulsets", "-A", "-o", "json"))
        return [w for w in found if releases is None or w.release in releases]

    def claim_paths(self) -> dict[tuple[str, str], str]:
        """(namespace, claim) -> hostPath of the bound PersistentVolume (empty when unreadable)."""
        result = self._run("get", "pv", "-o", "json")
        paths: dict[tuple[str, str], str] = {}
        try:
            for pv in json.loads(result.stdout).get("items", []) if result.exit_code == 0 else []:
                ref, host = pv["spec"].get("claimRef") or {}, pv["spec"].get("hostPath") or {}
                if ref and host.get("path"):
                    paths[(str(ref.get("namespace", "default")), str(ref["name"]))] = str(host["path"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return {}
        return paths

    def read_secret(self, namespace: str, name: str) -> dict[str, Any]:
        """A Secret as a minimal object to apply again (name, namespace, type, data): never printed."""
        try:
            doc = json.loads(self._checked("get", "secret", name, "-n", namespace, "-o", "json"))
        except ValueError:
            raise UserError(f"cannot read Secret {namespace}/{name} (kubectl printed no JSON)") from None
        return {"apiVersion": "v1", "kind": "Secret", "type": doc.get("type", "Opaque"),
                "metadata": {"name": name, "namespace": namespace}, "data": dict(doc.get("data") or {})}

    def secret_values(self, namespace: str, name: str) -> dict[str, str] | None:
        """A Secret's data, decoded (None when there is none): for the caller's memory only, never printed."""
        from ..releases.secrets import secret_data

        result = self._run("get", "secret", name, "-n", namespace, "-o", "json")
        if result.exit_code != 0:
            return None
        try:
            return secret_data(result.stdout)
        except ValueError:
            raise UserError(f"cannot read Secret {namespace}/{name} (kubectl printed no readable JSON)") from None

    def apply_secret(self, secret: dict[str, Any], *, release: str | None = None) -> None:
        """``kubectl apply -f -`` with the Secret on stdin (never in a file or argv). With ``release``,
        it carries helm's ownership marks, so a later ``helm rollback`` adopts it instead of failing."""
        doc = json.loads(json.dumps(secret))
        if release:
            meta = doc["metadata"]
            meta["labels"] = {"app.kubernetes.io/managed-by": "Helm"}
            meta["annotations"] = {RELEASE_ANNOTATION: release, "meta.helm.sh/release-namespace": meta["namespace"]}
        result = run_streams(self.argv("apply", "-f", "-"), input_bytes=json.dumps(doc).encode(), timeout=self.timeout)
        if not result.ok:
            name = doc["metadata"]["name"]
            raise UserError(f"cannot apply Secret {name}: exit {result.exit_code} (kubectl apply -f -)")

    def scale(self, workload: Workload, replicas: int) -> None:
        self._checked("scale", workload.ref, "-n", workload.namespace, f"--replicas={replicas}")

    def wait_scaled(self, targets: dict[str, int], *, timeout: float, cancel: threading.Event | None = None) -> None:
        """Until every workload (by key) reports ``replicas`` ready (0: none left)."""
        deadline = time.monotonic() + timeout
        while True:
            now = {w.key: w for w in self.workloads()}
            waiting = [k for k, n in targets.items() if k in now and (now[k].ready != n)]
            if not waiting:
                return
            if time.monotonic() >= deadline:
                raise UserError(f"still waiting after {timeout:g} s for {', '.join(waiting[:4])} — "
                                "see `mipwizard status`; run the same command again to go on")
            if cancel is not None and cancel.is_set():
                raise UserError("cancelled")
            self.sleep(self.poll_seconds)

    def exec_stream(
        self, workload: Workload, container: str, script: str, *, stdin: Path | None = None,
        stdout: Path | None = None, timeout: float = 3600.0,
    ) -> tuple[int, str]:
        """Run ``sh -c SCRIPT`` in the container; stdin/stdout from/to files. Returns (exit, stderr)."""
        args = ["exec", *(["-i"] if stdin else []), "-n", workload.namespace, workload.ref, "-c", container,
                "--", "sh", "-c", script]
        with (open(stdin, "rb") if stdin else open("/dev/null", "rb")) as fin, \
                (open(stdout, "wb") if stdout else open("/dev/null", "wb")) as fout:
            result = run_streams(self.argv(*args), stdin=fin, stdout=fout, timeout=timeout)
        if result.timed_out:
            return 124, result.stderr
        return result.exit_code, result.stderr
