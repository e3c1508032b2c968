"""Finding and running external programs: always by PATH lookup at run time, always as argv.

Never a shell string. When the wizard is not root, privileged commands get a ``sudo`` prefix;
a sudo password, if one is needed, goes to sudo on stdin (``-S``) and nowhere else.
"""

from __future__ import annotations

import os

from .errors import UserError


class ProgramNotFound(UserError):
    pass


# What to install when a program is missing (the fix shown to the user).
INSTALL_HINTS = {
    "snap": "sudo apt-get install snapd",
    "microk8s": "sudo snap install microk8s --classic",
    "git": "sudo apt-get install git",
    "sudo": "apt-get install sudo (as root)",
}


def on_path(name: str) -> str | None:
    """Where ``name`` runs from: the first executable file of that name in a PATH directory (a name
    with a ``/`` is taken as it is). ``shutil.which``'s lookup on Linux, but an empty PATH entry is
    not the current directory, and without ``shutil``, whose import (bz2, lzma, zlib: ~4 ms) would
    come before ``status``' reads start (benchmarks/bench_status.py)."""
    if os.sep in name:
        candidates = [name]
    else:
        path = os.environ.get("PATH", os.defpath)
        candidates = [os.path.join(folder, name) for folder in path.split(os.pathsep) if folder]
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and os.path.isfile(candidate):
            return candidate
    return None


def find_program(name: str) -> str:
    """Absolute path of ``name`` found through PATH now (tests put a fake toolchain first)."""
    path = on_path(name)
    if path is None:
        hint = INSTALL_HINTS.get(name, f"install {name}")
        raise ProgramNotFound(f"`{name}` was not found on PATH — {hint}")
    return path


def is_root() -> bool:
    return os.geteuid() == 0


def privileged_argv(argv: list[str], *, as_root: bool | None = None, password_on_stdin: bool = False) -> list[str]:
    """``argv`` prefixed with sudo when this process is not root.

    ``-n`` (never prompt) unless a password will be written to sudo's stdin (``-S``), so a
    missing password fails fast instead of hanging on an invisible prompt.
    """
    root = is_root() if as_root is None else as_root
    if root:
        return list(argv)
    sudo = find_program("sudo")
    flags = ["-S", "-p", ""] if password_on_stdin else ["-n"]
    return [sudo, *flags, "--", *argv]


class Captured:
    """What a query printed and how it ended. A plain class, not a dataclass: ``status`` starts its
    reads before anything else is imported, and ``dataclasses`` (with ``inspect``) costs ~10 ms."""

    __slots__ = ("argv", "exit_code", "stderr", "stdout", "timed_out")

    def __init__(self, argv: list[str], exit_code: int, stdout: str, stderr: str, timed_out: bool = False) -> None:
        self.argv, self.exit_code, self.stdout, self.stderr, self.timed_out = argv, exit_code, stdout, stderr, timed_out

    def _fields(self) -> tuple[object, ...]:
        return (self.argv, self.exit_code, self.stdout, self.stderr, self.timed_out)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Captured) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return (
            f"Captured(argv={self.argv!r}, exit_code={self.exit_code!r}, stdout={self.stdout!r}, "
            f"stderr={self.stderr!r}, timed_out={self.timed_out!r})"
        )

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def capture(argv: list[str], *, timeout: float = 30.0, stdin_text: str | None = None) -> Captured:
    """Run a short query (``kubectl get … -o json``, ``id -nG``) and collect its output.

    ``argv[0]`` is looked up on PATH. The child gets no stdin. A timeout kills its whole process
    group and is reported in the result, never raised. (``stdin_text`` is not supported any more:
    a sudo password goes to sudo's prompt through ``process.capture_output(privileged=True)``.)
    """
    if stdin_text is not None:
        raise ValueError("capture() takes no stdin text; use process.capture_output for a sudo password")
    from .process import capture_output

    return capture_output(argv, timeout=timeout)
