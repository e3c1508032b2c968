#!/usr/bin/env python3
"""Re-pin constraints.txt: the exact versions of mipwizard's dependencies (with the test tools).

    python3 tools/update_constraints.py          # then run `bash .ci/run` and commit constraints.txt

It installs ``.[dev]`` without constraints into a fresh venv per supported Python found here
(3.10 = Ubuntu 22.04, 3.11, 3.12 = Ubuntu 24.04) and writes the versions pip chose. CI, the
README's set-up and the offline bundle install with ``-c constraints.txt``, so every install runs
the versions the tests ran with. A package whose newest version differs between Pythons is pinned
to the lowest one chosen (it installs on all of them).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pythons import find_python

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3.10", "3.11", "3.12")
HEADER = """\
# The versions the tests ran with (mipwizard's dependencies and its test tools).
# CI, the README's set-up and tools/offline_bundle.py install with `-c constraints.txt`.
# Update: python3 tools/update_constraints.py, then bash .ci/run, then commit this file.
"""


def frozen(python: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", f"{ROOT}[dev]"], check=True)
        out = subprocess.run([*pip, "freeze", "--all"], check=True, capture_output=True, text=True).stdout
    pins: dict[str, str] = {}
    for line in out.splitlines():
        name, sep, version = line.partition("==")
        if sep and name.lower() not in {"mipwizard", "pip", "setuptools", "wheel"}:
            pins[name.lower().replace("_", "-")] = version
    return pins


def lowest(a: str, b: str) -> str:
    def key(v: str) -> list[int | str]:
        return [int(p) if p.isdigit() else p for p in v.replace("-", ".").split(".")]

    try:
        return min(a, b, key=key)  # type: ignore[arg-type]
    except TypeError:
        return a


def main() -> int:
    pins: dict[str, str] = {}
    for version in VERSIONS:
        python = find_python(version)
        if python is None:
            print(f"skipping Python {version}: not found")
            continue
        print(f"resolving on Python {version} ({python})")
        for name, pinned in frozen(python).items():
            pins[name] = lowest(pins[name], pinned) if name in pins else pinned
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())]
    (ROOT / "constraints.txt").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {ROOT / 'constraints.txt'} ({len(lines)} pins)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
