"""The backup archive: a gzipped tar whose last member, ``MANIFEST.json``, lists every other member
with its size and sha256 (and the release, commits, roots and database dumps it holds).

The hash of a file is taken over the bytes written into the archive while they are written, so the
manifest always describes the archive itself, even for files that change while they are read (a
running database's folder: that copy is what upstream prescribes; the dumps are the consistent one).
Secrets inside members are never copied into the manifest: it holds names, sizes and hashes only.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import UserError
from .sources import Root

FORMAT = "mipwizard-backup/1"
MANIFEST_NAME = "MANIFEST.json"
CHUNK = 1024 * 1024
Progress = Callable[[str], None]


@dataclass
class DatabaseDump:
    """One ``pg_dumpall`` taken through ``kubectl exec``."""

    namespace: str
    workload: str  # e.g. deployment/portalbackend
    container: str
    image: str
    major: int | None
    data_path: str | None  # the hostPath of its data folder, when known
    member: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatabaseDump:
        major = data.get("major")
        return cls(
            str(data["namespace"]), str(data["workload"]), str(data["container"]), str(data["image"]),
            int(major) if major is not None else None, data.get("data_path"), str(data.get("member", "")),
        )


@dataclass
class Manifest:
    created: str
    host: str
    mipwizard: str
    release: str | None
    commits: dict[str, str]
    roots: list[Root]
    databases: list[DatabaseDump]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    with_data: bool = False
    format: str = FORMAT

    @property
    def total_bytes(self) -> int:
        return sum(int(m.get("size", 0)) for m in self.members.values())

    @property
    def file_count(self) -> int:
        return sum(1 for m in self.members.values() if m["type"] == "file")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "created": self.created,
            "host": self.host,
            "mipwizard": self.mipwizard,
            "release": self.release,
            "commits": self.commits,
            "with_data": self.with_data,
            "roots": [r.to_json() for r in self.roots],
            "databases": [d.to_json() for d in self.databases],
            "totals": {"files": self.file_count, "bytes": self.total_bytes},
            "members": self.members,
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        return cls(
            created=str(data["created"]),
            host=str(data.get("host", "")),
            mipwizard=str(data.get("mipwizard", "")),
            release=data.get("release"),
            commits={str(k): str(v) for k, v in (data.get("commits") or {}).items()},
            roots=[Root.from_json(r) for r in data["roots"]],
            databases=[DatabaseDump.from_json(d) for d in data.get("databases", [])],
            members={str(k): dict(v) for k, v in data["members"].items()},
            with_data=bool(data.get("with_data", False)),
        )


class _HashingReader:
    """Reads exactly ``size`` bytes from ``handle`` (zero-padded if the file shrank) and hashes them."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self.handle = handle
        self.left = size
        self.sha = hashlib.sha256()
        self.short = False

    def read(self, n: int = -1) -> bytes:
        want = self.left if n is None or n < 0 else min(n, self.left)
        data = self.handle.read(want) if want else b""
        if len(data) < want:
            self.short = True
            data += b"\0" * (want - len(data))
        self.left -= len(data)
        self.sha.update(data)
        return data


class ArchiveWriter:
    """Writes ``path`` atomically (temp file in the same folder, mode 0600, renamed at the end)."""

    def __init__(self, path: Path, *, on_progress: Progress | None = None) -> None:
        self.path = path
        self.on_progress = on_progress or (lambda _line: None)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.fchmod(fd, 0o600)
        self.tmp = Path(tmp)
        self._raw = os.fdopen(fd, "wb")
        self._tar = tarfile.open(  # noqa: SIM115 - closed in finish() or abort()
            fileobj=self._raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT
        )
        self.members: dict[str, dict[str, Any]] = {}
        self.warnings: list[str] = []

    def add_root(self, root: Root) -> None:
        if root.kind == "file":
            self._add_path(root.path, root.member)
            return
        self._add_path(root.path, root.member)
        for folder, dirs, files in os.walk(root.path, followlinks=False):
            dirs.sort()
            rel = os.path.relpath(folder, root.path)
            base = root.member if rel == "." else f"{root.member}/{Path(rel).as_posix()}"
            for name in sorted(dirs) + sorted(files):
                self._add_path(Path(folder) / name, f"{base}/{name}")
        self.on_progress(f"archived {root.path}")

    def add_spooled(self, member: str, source: Path) -> None:
        """A file made by mipwizard (a dump), stored with mode 0600 and root ownership."""
        info = tarfile.TarInfo(member)
        info.size = source.stat().st_size
        info.mode = 0o600
        with open(source, "rb") as handle:
            self._add_file(info, handle)

    def _add_path(self, path: Path, member: str) -> None:
        try:
            info = self._tar.gettarinfo(str(path), arcname=member)
        except FileNotFoundError:
            self.warnings.append(f"{path} disappeared while it was archived (skipped)")
            return
        if info.isreg():
            try:
                handle = open(path, "rb")  # noqa: SIM115 - closed below
            except FileNotFoundError:
                self.warnings.append(f"{path} disappeared while it was archived (skipped)")
                return
            with handle:
                self._add_file(info, handle)
        elif info.isdir() or info.issym():
            self._tar.addfile(info)
            entry: dict[str, Any] = {"type": "dir" if info.isdir() else "symlink", "mode": info.mode}
            if info.issym():
                entry["target"] = info.linkname
            self.members[member] = entry
        else:
            self.warnings.append(f"{path}: not a file, folder or symlink (skipped)")

    def _add_file(self, info: tarfile.TarInfo, handle: IO[bytes]) -> None:
        reader = _HashingReader(handle, info.size)
        self._tar.addfile(info, reader)
        if reader.short:
            self.warnings.append(f"{info.name}: the file shrank while it was read (padded; the dump is consistent)")
        self.members[info.name] = {"type": "file", "size": info.size, "sha256": reader.sha.hexdigest(),
                                   "mode": info.mode}

    def finish(self, manifest: Manifest) -> Path:
        manifest.members = dict(self.members)
        data = json.dumps(manifest.to_json(), indent=1, sort_keys=False).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(data)
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.tmp, self.path)
        os.chmod(self.path, 0o600)
        return self.path

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._tar.close()
        with contextlib.suppress(Exception):
            self._raw.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


def _safe_member(name: str) -> bool:
    parts = Path(name).parts
    return (
        not name.startswith("/")
        and ".." not in parts
        and (name == MANIFEST_NAME or (len(parts) >= 2 and parts[0] in ("roots", "dumps")))
    )


def damaged(path: Path, why: str) -> UserError:
    return UserError(f"{path}: the backup is damaged or not a mipwizard backup ({why}) — nothing was changed; "
                     "use another backup (mipwizard backup --list shows them)")


def iter_members(path: Path) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    """Every member in order, streaming; any corruption becomes ``damaged``."""
    try:
        with tarfile.open(path, mode="r|gz") as tar:
            for info in tar:
                if not _safe_member(info.name):
                    raise damaged(path, f"unexpected member {info.name!r}")
                yield tar, info
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise damaged(path, f"{exc.__class__.__name__}: {exc}") from None


def verify(path: Path) -> Manifest:
    """Read the whole archive, hash every member and check it against the manifest."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_data: bytes | None = None
    for tar, info in iter_members(path):
        if info.name == MANIFEST_NAME:
            handle = tar.extractfile(info)
            manifest_data = handle.read() if handle else b""
            continue
        entry: dict[str, Any] = {"type": "dir" if info.isdir() else "symlink" if info.issym() else "file"}
        if info.isreg():
            sha = hashlib.sha256()
            handle = tar.extractfile(info)
            assert handle is not None
            while chunk := handle.read(CHUNK):
                sha.update(chunk)
            entry.update(size=info.size, sha256=sha.hexdigest())
        seen[info.name] = entry
    if manifest_data is None:
        raise damaged(path, "no MANIFEST.json: the archive is incomplete")
    try:
        manifest = Manifest.from_json(json.loads(manifest_data))
    except (ValueError, KeyError, TypeError) as exc:
        raise damaged(path, f"unreadable manifest: {exc}") from None
    for name, want in manifest.members.items():
        got = seen.get(name)
        if got is None:
            raise damaged(path, f"{name} is listed in the manifest but missing")
        if want["type"] == "file" and (got.get("sha256") != want.get("sha256") or got.get("size") != want.get("size")):
            raise damaged(path, f"{name} does not match its sha256 in the manifest")
    extra = sorted(set(seen) - set(manifest.members))
    if extra:
        raise damaged(path, f"{extra[0]} is not in the manifest")
    return manifest


def read_manifest(path: Path) -> Manifest:
    """Only the manifest (still a full read: it is the last member), without checking hashes."""
    for tar, info in iter_members(path):
        if info.name == MANIFEST_NAME:
            handle = tar.extractfile(info)
            try:
                return Manifest.from_json(json.loads(handle.read() if handle else b""))
            except (ValueError, KeyError, TypeError) as exc:
                raise damaged(path, f"unreadable manifest: {exc}") from None
    raise damaged(path, "no MANIFEST.json: the archive is incomplete")
