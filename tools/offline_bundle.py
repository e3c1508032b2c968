#!/usr/bin/env python3
"""Build the offline archive: mipwizard and every dependency as wheels, with an installer.

    python3 tools/offline_bundle.py [--out DIR] [--arch x86_64|aarch64]

Writes ``DIR/mipwizard-<version>-offline-<arch>.tar.gz`` (default DIR: ``dist/``) for Ubuntu 22.04
(Python 3.10, glibc 2.35) and 24.04 (Python 3.12): binary wheels only, the versions in
constraints.txt, pip itself (Ubuntu's python3 has no pip). On the offline machine::

    tar xzf mipwizard-<version>-offline-x86_64.tar.gz
    sudo mipwizard-<version>-offline/install.sh          # → /opt/mipwizard/bin/mipwizard

Needs network access to PyPI (or your pip index) on the machine that builds it, nothing on the
machine that installs it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Python version → the newest glibc its Ubuntu release has (22.04: 2.35, 24.04: 2.39).
TARGETS = {"3.10": 35, "3.12": 39}
OLDEST_MANYLINUX_GLIBC = 17  # manylinux2014


def bundle_name() -> str:
    init = (ROOT / "mipwizard" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE)
    assert match, "mipwizard/__init__.py has no __version__"
    return f"mipwizard-{match.group(1)}-offline"


def platform_tags(glibc_minor: int, arch: str) -> list[str]:
    """Every manylinux tag a glibc 2.<minor> machine runs: pip does not widen ``--platform`` itself."""
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc_minor, OLDEST_MANYLINUX_GLIBC - 1, -1)]
    tags.append(f"manylinux2014_{arch}")
    if arch == "x86_64":
        tags += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    return tags


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def build(out: Path, arch: str) -> Path:
    name = bundle_name()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / name
        wheels = bundle / "wheels"
        wheels.mkdir(parents=True)
        pip("wheel", "-q", "--no-deps", "--wheel-dir", str(wheels), str(ROOT))
        (own_wheel,) = wheels.glob("mipwizard-*.whl")
        for python, glibc in TARGETS.items():
            platforms = [arg for tag in platform_tags(glibc, arch) for arg in ("--platform", tag)]
            pip("download", "-q", "--dest", str(wheels), "--only-binary=:all:", "--implementation", "cp",
                "--python-version", python, *platforms, "--constraint", str(ROOT / "constraints.txt"),
                str(own_wheel), "pip")
        shutil.copy2(ROOT / "constraints.txt", bundle / "constraints.txt")
        shutil.copy2(ROOT / "tools" / "install-offline.sh", bundle / "install.sh")
        (bundle / "install.sh").chmod(0o755)
        out.mkdir(parents=True, exist_ok=True)
        archive = out / f"{name}-{arch}.tar.gz"
        partial = archive.with_name(archive.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(bundle, arcname=name)
        partial.replace(archive)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the archive (default dist/)")
    parser.add_argument("--arch", choices=["x86_64", "aarch64"], default="x86_64")
    args = parser.parse_args(argv)
    try:
        archive = build(args.out, args.arch)
    except subprocess.CalledProcessError as exc:
        print(f"error: {' '.join(exc.cmd[:5])} … failed (exit {exc.returncode}); see pip's message above",
              file=sys.stderr)
        return 1
    size = archive.stat().st_size / 1e6
    print(f"wrote {archive} ({size:.1f} MB); on the server: tar xzf {archive.name} && sudo {bundle_name()}/install.sh")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
