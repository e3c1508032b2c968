"""Nothing left running: every child's whole process group ends with it, however mipwizard ends.

The fakes fork a grandchild the way snap does (same process group) and the way sudo does with
use_pty (a new session, signals relayed by sudo); each writes its pid so we can look for it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from mipwizard.core.process import capture_output
from mipwizard.core.redact import Redactor
from mipwizard.core.runner import ProcessRunner

# Forks a grandchild that stays in our group (snap-like), records both pids, prints, then hangs.
FORKER = """#!/bin/sh
sleep 300 &
echo "$$ $!" >> "$PIDS"
echo started
wait
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_until(predicate: Any, timeout: float = 15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def recorded_pids(pids_file: Path) -> list[int]:
    if not pids_file.exists():
        return []
    return [int(p) for p in pids_file.read_text().split()]


@pytest.fixture
def forker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "forker"
    script.write_text(FORKER)
    script.chmod(0o755)
    pids = tmp_path / "pids"
    monkeypatch.setenv("PIDS", str(pids))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return pids


MIPWIZARD_STANDIN = """
import sys
from mipwizard.cli.main import main
from mipwizard.core.process import stop_signals_interrupt
from mipwizard.core.redact import Redactor
from mipwizard.core.runner import ProcessRunner
stop_signals_interrupt()
runner = ProcessRunner(redactor=Redactor(), as_root={as_root})
try:
    runner.run({argv!r}, privileged={privileged}, on_lines=lambda lines: print(*lines, flush=True))
except KeyboardInterrupt as exc:
    sys.exit(getattr(exc, "exit_code", 130))
"""


def start_standin(argv: list[str], *, privileged: bool = False) -> subprocess.Popen[str]:
    code = MIPWIZARD_STANDIN.format(argv=argv, privileged=privileged, as_root=not privileged)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize(("how", "code"), [(signal.SIGKILL, -9), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_mipwizard_dying_takes_the_whole_group(forker: Path, how: int, code: int) -> None:
    proc = start_standin(["forker"])
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    pids = recorded_pids(forker)
    assert len(pids) == 2 and all(alive(p) for p in pids)
    proc.send_signal(how)
    assert proc.wait(timeout=20) == code
    assert wait_until(lambda: not any(alive(p) for p in pids)), "a child outlived mipwizard"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_command_under_sudo_dies_too(fake_toolchain: Any, forker: Path, how: int) -> None:
    # the fake sudo runs its command in a new session (like use_pty) and relays signals to it
    proc = start_standin(["forker"], privileged=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    pids = recorded_pids(forker)
    os.kill(proc.pid, how)
    proc.wait(timeout=20)
    assert wait_until(lambda: not any(alive(p) for p in pids)), "sudo's command outlived mipwizard"


def test_timeout_and_normal_exit_leave_no_stray(forker: Path) -> None:
    runner = ProcessRunner(redactor=Redactor(), as_root=True)
    result = runner.run(["forker"], timeout=1.0)
    assert result.timed_out and not result.ok
    assert wait_until(lambda: not any(alive(p) for p in recorded_pids(forker)))
    # a program that exits but leaves a grandchild holding the pipe: the stray is killed, no wait
    forker.unlink()
    started = time.monotonic()
    result = runner.run(["sh", "-c", 'sleep 300 & echo "$!" > "$PIDS"; echo bye'])
    assert result.ok and result.tail == ["bye"] and time.monotonic() - started < 5
    assert wait_until(lambda: not any(alive(p) for p in recorded_pids(forker)))


def test_query_timeout_kills_its_group_and_reports_progress(forker: Path) -> None:
    seen: list[float] = []
    result = capture_output(["forker"], timeout=0.6, on_wait=seen.append, wait_every=0.2)
    assert result.timed_out and not result.ok and "timed out" in result.stderr
    assert seen  # progress while it hung
    assert wait_until(lambda: not any(alive(p) for p in recorded_pids(forker)))


def test_hung_check_fails_the_step_never_passes(forker: Path) -> None:
    from mipwizard.core.install.facts import Facts
    from mipwizard.core.install.settings import InstallSettings
    from mipwizard.core.install.steps import StepContext, StepFailed

    lines: list[str] = []
    ctx = StepContext(
        ProcessRunner(redactor=Redactor(), as_root=True), step_id="x", on_lines=lines.extend, cancel=None,
        facts=Facts(InstallSettings()),
    )
    with pytest.raises(StepFailed, match="did not answer within"):
        ctx.query(["forker"], timeout=0.5)


def test_the_guard_runs_no_shell_and_reports_exec_failure(tmp_path: Path) -> None:
    runner = ProcessRunner(redactor=Redactor(), as_root=True)
    missing = tmp_path / "not-there"
    result = runner.run([str(missing)])
    assert result.exit_code == 127 and "cannot run" in result.tail[-1]
    script = textwrap.dedent("""\
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    killed = runner.run([sys.executable, "-c", script])
    assert killed.exit_code == -9 and "SIGKILL" in killed.describe()


def test_a_started_query_nobody_collects_is_stopped_with_its_group(forker: Path) -> None:
    from mipwizard.core.process import start_capture

    pending = start_capture(["forker"], drain_timeout=30.0)  # what `status` prefetches before it imports
    assert wait_until(lambda: len(recorded_pids(forker)) == 2)
    pending.stop()
    assert wait_until(lambda: not any(alive(p) for p in recorded_pids(forker)))


def test_a_started_query_is_read_while_nobody_waits_and_times_out_from_its_start(tmp_path: Path) -> None:
    """``status`` starts its reads, then imports: the output (more than a pipe holds) is read
    meanwhile, so the program ends without waiting for the caller; the timeout counts from the start."""
    from mipwizard.core.process import start_capture

    done = tmp_path / "done"
    script = f"import sys; sys.stdout.write('x' * 3_000_000); sys.stdout.flush(); open({str(done)!r}, 'w').close()"
    pending = start_capture([sys.executable, "-c", script], drain_timeout=30.0)
    assert wait_until(done.exists), "the program blocked on a full pipe: nobody read it"
    result = pending.result()
    assert result.ok and len(result.stdout) == 3_000_000
    hung = start_capture([sys.executable, "-c", "import time; time.sleep(60)"], drain_timeout=0.5)
    time.sleep(1.0)
    started = time.monotonic()
    late = hung.result(timeout=30.0)
    assert late.timed_out and "0.5 s" in late.stderr and time.monotonic() - started < 5


def test_programs_are_found_on_path_as_shutil_finds_them_but_never_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from mipwizard.core.system import ProgramNotFound, find_program, on_path

    first, second, here = tmp_path / "first", tmp_path / "second", tmp_path / "here"
    for folder in (first, second, here):
        folder.mkdir()
    (first / "tool").write_text("not executable\n")
    (first / "dir-tool").mkdir()
    for program in (second / "tool", second / "dir-tool", here / "local-tool"):
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join(["", str(first), str(second)]))
    monkeypatch.chdir(here)
    for name in ("tool", "dir-tool"):
        assert on_path(name) == shutil.which(name) == str(second / name)  # not the file, not the folder
    assert on_path("local-tool") is None  # an empty PATH entry is not the current folder
    assert on_path(str(second / "tool")) == str(second / "tool") and on_path(str(first / "tool")) is None
    with pytest.raises(ProgramNotFound, match="`missing` was not found on PATH"):
        find_program("missing")
