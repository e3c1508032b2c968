"""Find an interpreter of a given Python version on this machine (PATH, /usr/bin, pyenv)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess


def find_python(version: str) -> str | None:
    """Path of a working ``python<version>`` with the venv module, or None."""
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [shutil.which(f"python{version}") or "", f"/usr/bin/python{version}",
                  *sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            probe = subprocess.run([candidate, "-c", "import venv, sys; print(sys.executable)"],
                                   capture_output=True, text=True)
            if probe.returncode == 0:
                return probe.stdout.strip()
    return None
