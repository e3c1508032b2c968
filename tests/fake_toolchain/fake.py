"""Entry point of every fake program: ``fake.py NAME ARGS…`` (called by the bin/ wrappers).

Logs the call, applies the faults the test configured (fail / hang / slow), then dispatches to
the program's module. Stdlib only; imports are kept lazy so a call starts in a few milliseconds.
"""

from __future__ import annotations

import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import err, sleep_forever, unsupported
from _state import STATE_ENV, Store, prefix_matches

AS_ROOT_ENV = "MIPWIZARD_FAKE_AS_ROOT"


def stdin_is_open() -> bool:
    """False when stdin is closed or /dev/null (what a runner should give a child)."""
    try:
        st = os.fstat(0)
    except OSError:
        return False
    if stat.S_ISCHR(st.st_mode):
        try:
            return os.stat(os.devnull).st_rdev != st.st_rdev
        except OSError:
            return True
    return True


def take_fault(store: Store, argv: list[str]) -> dict | None:
    """The most recently added active fault whose prefix matches ``argv`` (one use consumed)."""
    state = store.read()
    if not any(prefix_matches(f["prefix"], argv) for f in state["faults"]):
        return None
    with store.update() as state:
        for fault in reversed(state["faults"]):
            if not prefix_matches(fault["prefix"], argv):
                continue
            if fault["times"] is not None and fault["times"] <= 0:
                continue
            if fault.get("skip"):  # let this many matching calls through first
                fault["skip"] -= 1
                return None
            if fault["times"] is not None:
                fault["times"] -= 1
            return dict(fault)
    return None


def apply_fault(fault: dict, argv: list[str]) -> int | None:
    """Run a fault; an exit code ends the call, None lets the real fake behaviour follow."""
    kind = fault["kind"]
    if kind == "slow":
        time.sleep(fault["seconds"])
        return None
    if kind == "hang":
        if fault.get("fork"):
            fork_stubborn_grandchild(ignore_term=fault.get("stubborn", True))
        # `kubectl logs -f` that hangs: print the log first, like a followed log going quiet.
        if argv[:3] == ["microk8s", "kubectl", "logs"] and ("-f" in argv or "--follow" in argv):
            return None
        sys.stdout.flush()
        sleep_forever()
    if fault.get("stdout"):
        sys.stdout.write(fault["stdout"])
        if not fault["stdout"].endswith("\n"):
            sys.stdout.write("\n")
    if fault.get("stderr"):
        sys.stderr.write(fault["stderr"])
        if not fault["stderr"].endswith("\n"):
            sys.stderr.write("\n")
    return int(fault["exit_code"])


FORKED_PIDS = "forked.pids"  # "<call pid> <grandchild pid>" per forking hang, in the state dir


def fork_stubborn_grandchild(*, ignore_term: bool) -> None:
    """Fork a grandchild in our process group that ignores SIGHUP (and SIGTERM if ``ignore_term``),
    keeps our stdout and stderr open and never notices being orphaned — what snap's and sudo's
    helpers can leave behind. It gives up by itself after 10 minutes."""
    import signal

    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if ignore_term:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            time.sleep(0.5)
        os._exit(0)
    with open(os.path.join(os.environ[STATE_ENV], FORKED_PIDS), "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {pid}\n")


class Ctx:
    """What a program module gets: the store, the argv, whether it runs as root (via sudo)."""

    def __init__(self, store: Store, name: str, args: list[str], fault: dict | None) -> None:
        self.store = store
        self.name = name
        self.args = args
        self.fault = fault
        self.via_sudo = os.environ.get(AS_ROOT_ENV) == "1"

    def state(self) -> dict:
        return self.store.read()

    def is_root(self) -> bool:
        if self.via_sudo:
            return True
        return bool(self.store.read()["current_user"] == "root")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        err("fake: usage: fake.py NAME ARGS...")
        return 2
    name, args = os.path.basename(argv[1]), argv[2:]
    state_dir = os.environ.get(STATE_ENV)
    if not state_dir:
        err(f"fake: {STATE_ENV} is not set — use the fake_toolchain fixture / FakeToolchain.env()")
        return 97
    store = Store(state_dir)
    call = [name, *args]
    store.log_call(call, stdin_is_open())

    if name == "sudo":
        # sudo's own faults match on the full argv ("sudo", …); the inner call checks its own.
        fault = take_fault(store, call)
        if fault is not None:
            code = apply_fault(fault, call)
            if code is not None:
                return code
        import prog_system

        return prog_system.sudo(Ctx(store, name, args, None))

    fault = take_fault(store, call)
    if fault is not None:
        code = apply_fault(fault, call)
        if code is not None:
            return code
    ctx = Ctx(store, name, args, fault)
    if name in ("snap",):
        import prog_snap

        return prog_snap.main(ctx)
    if name == "microk8s":
        import prog_microk8s

        return prog_microk8s.main(ctx)
    if name == "git":
        import prog_git

        return prog_git.main(ctx)
    import prog_system

    handler = prog_system.HANDLERS.get(name)
    if handler is None:
        return unsupported(ctx)
    return handler(ctx)


if __name__ == "__main__":
    try:
        code = main(sys.argv)
        sys.stdout.flush()
    except BrokenPipeError:
        code = 141
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
