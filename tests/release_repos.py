"""Local git repositories built from the real chart trees of ../shared/reference/charts, with the
upstream tags (8.0.0, 9.0.2, 0.20.0, 0.28.0) and branches, so the checkout step runs a REAL
``git clone`` + checkout (the fake git lets real repositories through).

    repos = build_release_repos(tmp)          # or the session fixture ``release_repos``
    repos.url("exareme2")                      # a bare repository's path, used as exareme2.repo_url
    repos.commit("mip-deployment@f7c6441")     # the local commit standing for an upstream snapshot

Upstream commit hashes cannot be reproduced locally, so a release pinned by commit (the guide's
snapshot, exaflow master) is reached by giving the local commit as ``*.ref`` (a ref by hand).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHARTS = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "charts"

# repository -> [(tree, tags, date)], in commit order; the last commit is the branch's head
HISTORY: dict[str, tuple[str, list[tuple[str, list[str], str]]]] = {
    "mip-deployment": ("master", [
        ("mip-deployment@8.0.0", ["8.0.0"], "2023-11-08T12:00:00Z"),
        ("mip-deployment@f7c6441", [], "2025-11-03T12:00:00Z"),
    ]),
    "mip-deployment-new": ("main", [
        ("mip-deployment@9.0.2", ["9.0.2"], "2026-03-10T12:00:00Z"),
    ]),
    "exareme2": ("master", [
        ("exareme2@0.20.0", ["0.20.0"], "2023-10-31T12:00:00Z"),
        ("exareme2@0.28.0", ["0.28.0"], "2025-10-31T12:00:00Z"),
        ("exareme2@ad132e20", [], "2026-01-30T12:00:00Z"),
    ]),
}

requires_charts = pytest.mark.skipif(not (CHARTS / "MANIFEST.md").is_file(),
                                     reason="../shared/reference/charts is not beside the checkout")


def real_git() -> str:
    """The system's git, never the fake one first on PATH."""
    found = shutil.which("git", path=os.defpath + ":/usr/local/bin")
    if found is None:
        pytest.skip("no git on this machine")
    return found


def git(cwd: Path, *args: str, date: str = "2026-01-01T00:00:00Z") -> str:
    env = {"PATH": os.defpath, "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "upstream", "GIT_AUTHOR_EMAIL": "upstream@example.org", "GIT_AUTHOR_DATE": date,
           "GIT_COMMITTER_NAME": "upstream", "GIT_COMMITTER_EMAIL": "upstream@example.org",
           "GIT_COMMITTER_DATE": date}
    done = subprocess.run([real_git(), *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _replace_tree(work: Path, tree: Path) -> None:
    for child in work.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(tree, work, dirs_exist_ok=True)
    for p in [work, *work.rglob("*")]:
        if ".git" not in p.relative_to(work).parts:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)  # the reference trees are read-only


def real_git_first(bin_dir: Path) -> str:
    """A folder holding only ``git`` -> the real git: put it before the fake toolchain on PATH when a
    test drives git through mipwizard itself (the upgrade fetches and checks out)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    link = bin_dir / "git"
    if not link.exists():
        link.symlink_to(real_git())
    return str(bin_dir)


@dataclass
class ReleaseRepos:
    root: Path
    commits: dict[str, str] = field(default_factory=dict)  # tree name -> local commit

    def url(self, repo: str) -> str:
        return str(self.root / f"{repo}.git")

    def commit(self, tree: str) -> str:
        return self.commits[tree]


def build_release_repos(root: Path) -> ReleaseRepos:
    repos = ReleaseRepos(root)
    for repo, (branch, history) in HISTORY.items():
        work = root / "work" / repo
        work.mkdir(parents=True)
        git(work, "init", "--quiet", "-b", branch)
        for tree, tags, date in history:
            _replace_tree(work, CHARTS / tree)
            git(work, "add", "-A")
            git(work, "commit", "--quiet", "-m", f"upstream {tree}", date=date)
            repos.commits[tree] = git(work, "rev-parse", "HEAD")
            for tag in tags:
                git(work, "tag", "-a", tag, "-m", f"release {tag}", date=date)
        git(root, "clone", "--quiet", "--bare", str(work), str(root / f"{repo}.git"))
    return repos


@pytest.fixture(scope="session")
def release_repos(tmp_path_factory: pytest.TempPathFactory) -> ReleaseRepos:
    if not (CHARTS / "MANIFEST.md").is_file():
        pytest.skip("../shared/reference/charts is not beside the checkout")
    return build_release_repos(tmp_path_factory.mktemp("release-repos"))
