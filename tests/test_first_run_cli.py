"""First run from the command line: the install's preflight, no-terminal refusals, the wizard's options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from .ptyrun import run_on_terminal
from .test_exit_codes import Machine, machine  # noqa: F401  (fixture)
from .test_install import mutating_calls


def test_install_runs_the_preflight_first_and_stops_before_any_change(machine: Machine) -> None:  # noqa: F811
    natted = machine.answers_with(machine_main_ip="192.168.1.230")
    result = machine.run("install", "--answers", str(natted), "--yes")
    assert result.returncode == 1
    out = result.stdout
    assert out.startswith("Preflight for role local")
    assert "FAIL  Main IP on host   192.168.1.230 is not on any interface here" in out
    assert "fix: set machine_main_ip to an address this machine has, e.g. 10.20.30.40" in out
    assert "Nothing was changed." in out and "--ignore main-ip-assigned" in out
    assert "Log:" not in out  # the install itself never started
    assert mutating_calls(machine.fake) == []


def test_install_preflight_fails_on_a_small_machine_and_ignore_goes_on(machine: Machine) -> None:  # noqa: F811
    result = machine.run("install", "--answers", str(machine.answers), "--yes", machine="laptop-2core-4gb")
    assert result.returncode == 1
    assert "FAIL  CPU cores" in result.stdout and "FAIL  Memory" in result.stdout
    assert mutating_calls(machine.fake) == []
    # The same ids as `check`; a comma list or `all`. Past the preflight, no terminal to ask on: exit 2.
    for ignore in (["--ignore", "cpu,memory,main-ip-assigned,fqdn-resolves"], ["--ignore", "all"]):
        passed = machine.run("install", "--answers", str(machine.answers), *ignore, machine="laptop-2core-4gb")
        assert passed.returncode == 2, passed.stdout + passed.stderr
        assert "WARN  CPU cores" in passed.stdout and "[failure ignored]" in passed.stdout
        assert "no terminal to ask on" in passed.stderr
    assert mutating_calls(machine.fake) == []


def test_install_passes_a_good_machine_and_prints_only_what_needs_attention(machine: Machine) -> None:  # noqa: F811
    result = machine.run("install", "--answers", str(machine.answers))
    assert result.returncode == 2  # preflight passed; then no terminal to confirm on
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Preflight for role local")
    assert not [line for line in lines if line.startswith("  PASS")]
    assert any(line.startswith("  0 failed") for line in lines)


def test_dry_run_changes_nothing_and_needs_no_preflight(machine: Machine) -> None:  # noqa: F811
    result = machine.run("install", "--answers", str(machine.answers), "--dry-run", machine="laptop-2core-4gb")
    assert result.returncode == 0 and "Preflight" not in result.stdout
    assert machine.run("install", "--answers", str(machine.answers), "--dry-run", "--ignore", "cpus").returncode == 2


def test_the_wizard_refuses_without_a_terminal_in_one_line(machine: Machine) -> None:  # noqa: F811
    for argv in ([], ["--answers", str(machine.answers)], [f"--answers={machine.answers}"]):
        result = machine.run(*argv)
        assert result.returncode == 2
        assert result.stdout == ""  # no escape codes written to a pipe
        [line] = result.stderr.splitlines()
        assert "ssh -t" in line and "mipwizard install --answers FILE" in line


@pytest.mark.parametrize("form", ["equals", "space"])
def test_answers_equals_file_opens_the_wizard_like_the_space_form(form: str, answers_file: Path,
                                                                 tmp_path: Path) -> None:
    """On a real terminal both spellings reach the wizard with the answers loaded (it then quits)."""
    from mipwizard.cli import main as cli_main

    seen: dict[str, Any] = {}

    def fake_run_wizard(answers_file: str | None = None, profiles_dir: str | None = None) -> int:
        seen.update(answers=answers_file, profiles=profiles_dir)
        return 0

    argv = ([f"--answers={answers_file}", f"--profiles-dir={tmp_path}"] if form == "equals"
            else ["--answers", str(answers_file), "--profiles-dir", str(tmp_path)])
    monkey = pytest.MonkeyPatch()
    try:
        import mipwizard.tui.app as tui_app

        monkey.setattr(tui_app, "run_wizard", fake_run_wizard)
        monkey.setattr(sys.stdin, "isatty", lambda: True, raising=False)
        monkey.setattr(sys.stdout, "isatty", lambda: True, raising=False)
        assert cli_main.main(argv) == 0
    finally:
        monkey.undo()
    assert seen == {"answers": str(answers_file), "profiles": str(tmp_path)}


def test_the_wizard_starts_on_a_real_terminal_with_answers_equals(answers_file: Path, tmp_path: Path) -> None:
    """`mipwizard --answers=FILE` on a terminal draws the wizard (Ctrl+Q quits: nothing is dirty)."""
    import os

    env = {**os.environ, "MIPWIZARD_STATE_DIR": str(tmp_path / "state"), "MIPWIZARD_LOG_DIR": str(tmp_path)}
    _, out = run_on_terminal([sys.executable, "-m", "mipwizard", f"--answers={answers_file}"], env=env,
                             stdin_text=None, timeout=20, quit_after=("Welcome", "\x11"))
    assert "Welcome" in out and "ssh -t" not in out


@pytest.mark.parametrize("signum,code", [(15, 143), (1, 129)])
def test_the_wizard_stopped_by_sigterm_or_sighup_restores_the_terminal_and_exits_128_plus(
    answers_file: Path, tmp_path: Path, signum: int, code: int
) -> None:
    """An SSH drop (SIGHUP) or a kill (SIGTERM) ends the wizard like the CLI: the terminal is given back
    (alternate screen left, mouse off) and the exit code says which signal."""
    import os

    env = {**os.environ, "MIPWIZARD_STATE_DIR": str(tmp_path / "state"), "MIPWIZARD_LOG_DIR": str(tmp_path)}
    exit_code, out = run_on_terminal([sys.executable, "-m", "mipwizard", f"--answers={answers_file}"], env=env,
                                     timeout=30, signal_after=("Welcome", signum))
    assert exit_code == code, out[-500:]
    tail = out[out.rindex("Welcome"):]
    assert "\x1b[?1049l" in tail  # the alternate screen was left: the user's shell is back as it was
    assert "stopped by SIG" in tail and "Traceback" not in out
