"""Fake ``git``: clone (content chosen by URL, or a copy of a local repository), and the few
``git -C DIR …`` queries a probe needs. No network, ever.

Real repositories pass through to the real git: a clone whose source is a local git repository
with objects (tests/release_repos.py builds them from the real chart trees, with real tags), and
any ``git -C DIR`` inside a checkout that has a real ``.git`` (no FAKE_HEAD)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from _common import err, out, unsupported

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def main(ctx: Any) -> int:
    args = list(ctx.args)
    if _is_real(args):
        return _exec_real_git(ctx, args)
    cwd = None
    while args and args[0] in ("-C", "-c"):
        if len(args) < 2:
            return unsupported(ctx)
        if args[0] == "-C":
            cwd = args[1] if cwd is None else os.path.join(cwd, args[1])
        args = args[2:]
    if not args:
        return unsupported(ctx)
    if args == ["--version"] or args == ["version"]:
        out("git version 2.34.1")
        return 0
    verb, rest = args[0], args[1:]
    base = Path(cwd) if cwd else Path.cwd()
    if verb == "clone":
        return clone(ctx, rest, base)
    if cwd is not None and not base.is_dir():
        err(f"fatal: cannot change to '{cwd}': No such file or directory")
        return 128
    top = _toplevel(base)
    if verb == "rev-parse":
        if top is None:
            err("fatal: not a git repository (or any of the parent directories): .git")
            return 128
        if rest == ["--is-inside-work-tree"]:
            out("true")
            return 0
        if rest == ["--show-toplevel"]:
            out(str(top))
            return 0
        if rest in (["HEAD"], ["--verify", "HEAD"]):
            out(_head(top))
            return 0
        if rest[:2] == ["--verify", "--quiet"] and len(rest) == 3 and rest[2].endswith("^{commit}"):
            out(fake_commit(_remote_url(top, "origin") or "", rest[2].removesuffix("^{commit}")))
            return 0
        if rest == ["--abbrev-ref", "HEAD"]:
            out("main")
            return 0
        return unsupported(ctx)
    if verb == "remote" and rest[:1] == ["get-url"] and len(rest) == 2:
        if top is None:
            err("fatal: not a git repository (or any of the parent directories): .git")
            return 128
        url = _remote_url(top, rest[1])
        if url is None:
            err(f"error: No such remote '{rest[1]}'")
            return 2
        out(url)
        return 0
    if verb == "checkout" and top is not None and rest[:2] == ["--quiet", "--detach"] and len(rest) == 3:
        (top / ".git" / "FAKE_HEAD").write_text(fake_commit(_remote_url(top, "origin") or "", rest[2]) + "\n")
        return 0
    if verb == "fetch" and top is not None:
        return 0
    if verb == "status" and top is not None:
        if "--porcelain" in rest:
            return 0
        out("On branch main")
        out("Your branch is up to date with 'origin/main'.")
        out()
        out("nothing to commit, working tree clean")
        return 0
    if verb == "pull" and top is not None:
        out("Already up to date.")
        return 0
    return unsupported(ctx)


def fake_commit(url: str, ref: str) -> str:
    """The commit a fake repository's ref names: a commit hash stands for itself."""
    import hashlib

    ref = ref.removeprefix("origin/")
    if len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
        return ref
    return hashlib.sha1(f"{url.rstrip('/')}@{ref}".encode()).hexdigest()


def _head(top: Path) -> str:
    head = top / ".git" / "FAKE_HEAD"
    return head.read_text().strip() if head.exists() else "0" * 40


def _real_repo(path: Path) -> bool:
    """A repository the real git made: objects, and no FAKE_HEAD (bare or not)."""
    git = path / ".git" if (path / ".git").exists() else path
    return (git / "objects").is_dir() and (git / "HEAD").is_file() and not (git / "FAKE_HEAD").exists()


def _is_real(args: list[str]) -> bool:
    if len(args) >= 2 and args[0] == "-C":
        top = _toplevel(Path(args[1])) if Path(args[1]).exists() else None
        return top is not None and _real_repo(top)
    if args[:1] == ["clone"]:
        sources = [a for a in args[1:] if not a.startswith("-")]
        if sources:
            local = Path(sources[0].removeprefix("file://"))
            return local.is_absolute() and local.is_dir() and _real_repo(local)
    return False


def _exec_real_git(ctx: Any, args: list[str]) -> int:
    import shutil
    import sys

    here = str(Path(ctx.store.read().get("bin_dir", "")).resolve()) if hasattr(ctx, "store") else ""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and str(Path(p).resolve()) != here)
    real = shutil.which("git", path=path)
    if real is None:
        err("fake: no real git on PATH for a real repository")
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1")
    os.execve(real, [real, "-c", "advice.detachedHead=false", "-c", "safe.directory=*", *args], env)
    return 127  # not reached


def _toplevel(path: Path) -> Path | None:
    path = path.resolve()
    for p in (path, *path.parents):
        if (p / ".git").is_dir():
            return p
    return None


def _remote_url(top: Path, remote: str) -> str | None:
    try:
        text = (top / ".git" / "config").read_text(encoding="utf-8")
    except OSError:
        return None
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == f'[remote "{remote}"]' and line.startswith("url ="):
            return line.split("=", 1)[1].strip()
    return None


def clone(ctx: Any, rest: list[str], base: Path) -> int:
    positional: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a in ("--depth", "--branch", "-b", "--origin", "-o"):
            i += 2
            continue
        if a.startswith("--depth=") or a.startswith("--branch=") or a in ("-q", "--quiet", "--single-branch",
                                                                          "--no-single-branch", "--progress",
                                                                          "--no-checkout", "-n"):
            i += 1
            continue
        if a.startswith("-"):
            return unsupported(ctx)
        positional.append(a)
        i += 1
    if not positional or len(positional) > 2:
        err("usage: git clone [<options>] [--] <repo> [<dir>]")
        return 129
    url = positional[0]
    dest_arg = positional[1] if len(positional) == 2 else os.path.basename(url.rstrip("/")).removesuffix(".git")
    dest = base / dest_arg
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        err(f"fatal: destination path '{dest_arg}' already exists and is not an empty directory.")
        return 128
    lowered = url.lower()
    local = Path(url.removeprefix("file://"))
    if "exareme2" in lowered or "exaflow" in lowered:
        content = "exareme2"
    elif "mip-deployment" in lowered:
        content = "mip-deployment"
    elif local.is_dir() and (local / ".git").exists():
        content = "local"
    else:
        err(f"Cloning into '{dest_arg}'...")
        err(f"fatal: repository '{url}' not found")
        return 128
    err(f"Cloning into '{dest_arg}'...")
    if content == "local":
        shutil.copytree(local, dest, dirs_exist_ok=True)
    else:
        _populate(dest, content)
    _write_git_dir(dest, url)
    return 0


def _populate(dest: Path, content: str) -> None:
    kube = dest / "kubernetes"
    kube.mkdir(parents=True, exist_ok=True)
    if content == "exareme2":
        shutil.copyfile(DATA / "exareme2-Chart.yaml", kube / "Chart.yaml")
        shutil.copyfile(DATA / "exareme2-values.yaml", kube / "values.yaml")
        (kube / "templates").mkdir(exist_ok=True)
        (dest / "README.md").write_text("# Exareme2\n")
    else:
        for f in (DATA / "mip-deployment").iterdir():
            shutil.copyfile(f, kube / f.name)
        (kube / "templates").mkdir(exist_ok=True)
        (dest / "README.md").write_text("# mip-deployment\n")
        # The embedded Keycloak's realm import, with upstream's published client secret.
        realm = dest / "config" / "keycloak"
        realm.mkdir(parents=True, exist_ok=True)
        (realm / "keycloak.json").write_text(
            '{"realm": "MIP", "clients": [{"clientId": "account", "secret": "**********"},'
            ' {"clientId": "MIP", "secret": "dae83a6b-c769-4186-8383-f0984c6edf05"}]}\n'
        )
    for p in [dest, *dest.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def _write_git_dir(dest: Path, url: str) -> None:
    import hashlib

    git = dest / ".git"
    git.mkdir(parents=True, exist_ok=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "config").write_text(
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
        f'[remote "origin"]\n\turl = {url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
        '[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n'
    )
    (git / "FAKE_HEAD").write_text(hashlib.sha1(url.encode()).hexdigest() + "\n")
