"""Support bundle: one tar.gz with everything a helper needs, every secret masked.

Each member is text passed through a ``Redactor`` seeded with the secrets found in the profiles
and the answers (plus the patterns: ``CLIENT_SECRET:``, passwords, tokens, URL credentials). The
``microk8s inspect`` report tarball is unpacked and re-packed member by member, redacted the same
way; binary files in it are left out (they cannot be checked). Written atomically, mode 0600.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .redact import Redactor
from .system import ProgramNotFound, capture, privileged_argv

if TYPE_CHECKING:
    from .cluster.queries import ClusterQueries

MEMBER_LIMIT = 8 * 1024 * 1024  # bytes kept from the end of a huge log
INSPECT_TIMEOUT = 300.0
# The allow-list: only these files of the wizard's folders go in, never a backup (``.bak-*``), a
# temporary file, the fingerprint key or the lock; the answers and profiles are added by name.
LOG_FILES = re.compile(r"install\.log(\.[0-9]{1,3})?")
STATE_FILES = re.compile(r"install-journal\.json|checkouts\.json")  # checkouts: the commits deployed
_TARBALL_LINE = re.compile(r"Report tarball is at\s+(\S+\.tar\.gz)")


@dataclass
class BundleReport:
    path: Path
    members: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what could not be collected, and why


class _Bundle:
    def __init__(self, root: str, redactor: Redactor, handle: BinaryIO) -> None:
        self.root = root
        self.redactor = redactor
        self.tar = tarfile.open(fileobj=handle, mode="w:gz")  # noqa: SIM115 (closed by close())
        self.members: list[str] = []
        self.missing: list[str] = []

    def add(self, name: str, text: str) -> None:
        data = self.redactor.redact(text).encode("utf-8")
        info = tarfile.TarInfo(f"{self.root}/{name}")
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.members.append(name)

    def add_file(self, name: str, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                size = path.stat().st_size
                if size > MEMBER_LIMIT:
                    handle.seek(size - MEMBER_LIMIT)
                raw = handle.read(MEMBER_LIMIT)
        except OSError as exc:
            self.missing.append(f"{name}: {exc.strerror}")
            return
        text = _text(raw)
        if text is None:
            self.missing.append(f"{name}: binary, left out")
            return
        self.add(name, text)

    def close(self) -> None:
        self.tar.close()


def allowed_files(folder: Path | None, names: re.Pattern[str]) -> list[Path]:
    """Regular files (not links) directly in ``folder`` whose whole name matches ``names``."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if names.fullmatch(p.name) and p.is_file() and not p.is_symlink())


def _text(raw: bytes) -> str | None:
    if b"\x00" in raw[:8192]:
        return None
    return raw.decode("utf-8", "replace")


def write_bundle(
    out: Path,
    *,
    queries: ClusterQueries | None = None,
    chart: Path | None = None,
    answers_path: Path | None = None,
    log_dir: Path | None = None,
    state_dir: Path | None = None,
    tail_lines: int = 200,
    inspect: bool = True,
) -> BundleReport:
    """Collect and write the bundle to ``out``; never raises for a missing piece (it is listed)."""
    from .cluster.queries import ClusterQueries
    from .cluster.sources import known_secrets, profile_files

    out = Path(out)
    q = queries if queries is not None else ClusterQueries()
    redactor = Redactor(known_secrets(chart, answers_path))
    if state_dir is not None:  # the MIP's generated database passwords, kept in the state folder
        from .releases.secrets import kept_passwords

        for password in kept_passwords(state_dir):
            redactor.add(password)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with _atomic_output(out) as handle:  # streamed to disk: memory stays small
        bundle = _Bundle(f"mipwizard-bundle-{stamp}", redactor, handle)

        for label, folder in (("logs", log_dir), ("state", state_dir)):
            for path in allowed_files(folder, STATE_FILES if label == "state" else LOG_FILES):
                bundle.add_file(f"wizard/{label}/{path.name}", path)
        if chart is not None:
            for path in profile_files(chart):
                bundle.add_file(f"profiles/{path.name}", path)
        if answers_path is not None and answers_path.is_file():
            bundle.add_file("answers/answers.yaml", answers_path)

        _collect_cluster(bundle, q, tail_lines)
        if inspect:
            _collect_inspect(bundle)

        summary = ["mipwizard support bundle", time.strftime("%Y-%m-%d %H:%M:%S %Z"), "", "members:"]
        summary += [f"  {m}" for m in bundle.members]
        summary += ["", "not collected:"] + [f"  {m}" for m in bundle.missing or ["(nothing)"]]
        bundle.add("README.txt", "\n".join(summary) + "\n")
        bundle.close()
    return BundleReport(out, bundle.members, bundle.missing)


def _collect_cluster(bundle: _Bundle, q: ClusterQueries, tail_lines: int) -> None:
    from .cluster.queries import ClusterUnreachable
    from .cluster.report import format_status

    raw = {
        "cluster/status.yaml": ("status", "--format", "yaml"),
        "cluster/nodes.json": ("kubectl", "get", "nodes", "-o", "json"),
        "cluster/pods.json": ("kubectl", "get", "pods", "-A", "-o", "json"),
        "cluster/events.json": ("kubectl", "get", "events", "-A", "-o", "json"),
        "cluster/helm-releases.json": ("helm3", "list", "-A", "-o", "json"),
    }
    try:
        for name, args in raw.items():
            result = q.run(*args)
            bundle.add(name, result.stdout + (f"\n# stderr:\n{result.stderr}" if result.stderr.strip() else ""))
    except ClusterUnreachable as exc:
        bundle.missing.append(f"cluster: {exc.unreachable.message} ({exc.unreachable.fix})")
    snap = q.snapshot()
    bundle.add("cluster/summary.txt", format_status(snap))
    for rel in snap.releases:
        with contextlib.suppress(ClusterUnreachable):
            result = q.run("helm3", "status", rel.name, "-n", rel.namespace, "-o", "json")
            bundle.add(f"cluster/helm-status-{rel.name}.json", result.stdout or result.stderr)
    for health in snap.pod_health:
        if health.healthy:
            continue
        pod = health.pod
        for container in [*pod.init_container_names, *pod.container_names]:
            text = q.pod_logs(pod.name, pod.namespace, container=container, tail=tail_lines)
            bundle.add(f"pod-logs/{pod.namespace}_{pod.name}_{container}.log", text)


def _collect_inspect(bundle: _Bundle) -> None:
    try:
        result = capture(privileged_argv(["microk8s", "inspect"]), timeout=INSPECT_TIMEOUT)
    except ProgramNotFound as exc:
        bundle.missing.append(f"microk8s inspect: {exc}")
        return
    if result.exit_code == 127 and not result.stdout:
        bundle.missing.append("microk8s inspect: microk8s not found")
        return
    bundle.add(
        "inspect/inspect.txt", result.stdout + (f"\n# stderr:\n{result.stderr}" if result.stderr.strip() else "")
    )
    match = _TARBALL_LINE.search(result.stdout)
    if not match:
        bundle.missing.append("microk8s inspect: no report tarball named in its output")
        return
    try:
        with tarfile.open(match.group(1), "r:*") as report:
            for member in report:
                if not member.isfile():
                    continue
                handle = report.extractfile(member)
                if handle is None:
                    continue
                raw = handle.read(MEMBER_LIMIT + 1)[:MEMBER_LIMIT]
                text = _text(raw)
                name = "inspect/report/" + member.name.lstrip("/").replace("../", "")
                if text is None:
                    bundle.missing.append(f"{name}: binary, left out")
                else:
                    bundle.add(name, text)
    except (OSError, tarfile.TarError) as exc:
        bundle.missing.append(f"microk8s inspect report {match.group(1)}: {exc}")


@contextlib.contextmanager
def _atomic_output(out: Path) -> Iterator[BinaryIO]:
    """A 0600 temporary file next to ``out``, renamed over it only when the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
