"""Real local git repositories for upgrade tests, built from ../shared/reference/charts: the old
home of mip-deployment with 8.0.0 (tagged) then the guide's snapshot f7c6441 (master), and the
new home with 9.0.2 (tagged). Upstream commit hashes cannot be made locally, so the snapshot is
reached with ``--ref <local commit>``. Tests put the real git before the fake one on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHARTS = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "charts"
HISTORY = {
    "mip-deployment": ("master", [("mip-deployment@8.0.0", "8.0.0"), ("mip-deployment@f7c6441", None)]),
    "mip-deployment-new": ("main", [("mip-deployment@9.0.2", "9.0.2")]),
}


def real_git() -> str:
    found = shutil.which("git", path="/usr/bin:/usr/local/bin:/bin")
    if found is None:
        pytest.skip("no git on this machine")
    return found


def git(cwd: Path, *args: str) -> str:
    env = {"PATH": os.defpath, "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "upstream",
           "GIT_AUTHOR_EMAIL": "upstream@example.org", "GIT_COMMITTER_NAME": "upstream",
           "GIT_COMMITTER_EMAIL": "upstream@example.org", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    return subprocess.run([real_git(), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def build(root: Path) -> dict[str, str]:
    """Bare repositories ``root/<name>.git``; returns tree name -> local commit."""
    commits = {}
    for repo, (branch, history) in HISTORY.items():
        work = root / "work" / repo
        work.mkdir(parents=True)
        git(work, "init", "--quiet", "-b", branch)
        for tree, tag in history:
            for child in work.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            shutil.copytree(CHARTS / tree, work, dirs_exist_ok=True)
            for p in [work, *work.rglob("*")]:
                if ".git" not in p.relative_to(work).parts:
                    os.chmod(p, 0o755 if p.is_dir() else 0o644)
            git(work, "add", "-A")
            git(work, "commit", "--quiet", "-m", f"upstream {tree}")
            commits[tree] = git(work, "rev-parse", "HEAD")
            if tag:
                git(work, "tag", "-a", tag, "-m", f"release {tag}")
        git(root, "clone", "--quiet", "--bare", str(work), str(root / f"{repo}.git"))
    return commits


def real_git_first(bin_dir: Path) -> str:
    """A folder holding only ``git`` → the real git; put it before the fake toolchain on PATH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    link = bin_dir / "git"
    if not link.exists():
        link.symlink_to(real_git())
    return str(bin_dir)
