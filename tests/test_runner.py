"""ProcessRunner: batching, redaction, timeouts, cancel, PATH lookup, log file, paths."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from mipwizard.core import paths, process
from mipwizard.core.logfile import LogFile
from mipwizard.core.redact import MASK, Redactor
from mipwizard.core.runner import ProcessRunner

SECRET = "s3cr3t-Value-42"


def make_runner(tmp_path: Path, **kwargs) -> tuple[ProcessRunner, LogFile]:
    log = LogFile(tmp_path / "logs" / "install.log")
    return ProcessRunner(redactor=Redactor([SECRET]), log=log, as_root=True, **kwargs), log


def test_output_is_redacted_batched_and_logged(tmp_path: Path) -> None:
    runner, log = make_runner(tmp_path)
    batches: list[list[str]] = []
    result = runner.run(
        ["sh", "-c", f"echo hello; echo 'token: {SECRET}' >&2; printf 'crlf\\r\\nprogress 1%%\\rprogress 99%%\\nlast'"],
        on_lines=batches.append,
    )
    log.close()
    lines = [line for batch in batches for line in batch]
    assert result.ok and result.exit_code == 0
    assert lines == ["hello", f"token: {MASK}", "crlf", "progress 99%", "last"]
    assert result.tail == lines
    text = (tmp_path / "logs" / "install.log").read_text()
    assert SECRET not in text and "hello" in text and "$ sh -c" in text


def test_many_lines_arrive_in_few_batches(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path, batch_lines=5000)
    calls: list[int] = []
    result = runner.run(["seq", "200000"], on_lines=lambda lines: calls.append(len(lines)), tail_lines=3)
    assert result.ok
    assert sum(calls) == 200000
    assert len(calls) <= 200000 // 1000  # batches, not one call per line
    assert max(calls) <= 5000
    assert result.tail == ["199998", "199999", "200000"]


def test_slow_output_is_delivered_without_waiting_for_more(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path, batch_seconds=0.05)
    seen: list[float] = []
    start = time.monotonic()
    script = "echo first; sleep 1; echo second"
    runner.run(["sh", "-c", script], on_lines=lambda _l: seen.append(time.monotonic() - start))
    assert seen[0] < 0.6  # the first line did not wait for the second


def test_exit_code_and_describe(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path)
    result = runner.run(["sh", "-c", "echo boom >&2; exit 3"])
    assert not result.ok and result.exit_code == 3
    assert result.describe() == "failed with exit code 3"
    assert result.tail == ["boom"]


def test_missing_program_is_a_clear_result(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path)
    got: list[str] = []
    result = runner.run(["no-such-program-xyz"], on_lines=got.extend)
    assert result.exit_code == 127
    assert "was not found on PATH" in result.describe()
    assert got == result.tail


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path)
    pidfile = tmp_path / "pid"
    start = time.monotonic()
    result = runner.run(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], timeout=0.5)
    assert time.monotonic() - start < 5
    assert result.timed_out and not result.ok
    assert "timed out after 0.5 s" in result.describe()
    assert "timed out" in result.tail[-1]
    grandchild = int(pidfile.read_text())
    assert not _alive(grandchild)


def test_cancel_kills_the_child(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    start = time.monotonic()
    result = runner.run(["sleep", "60"], cancel=cancel)
    assert result.cancelled and time.monotonic() - start < 5


def test_child_stdin_is_closed_without_password(tmp_path: Path) -> None:
    runner, _log = make_runner(tmp_path)
    result = runner.run(["sh", "-c", "cat; echo end"], timeout=5)
    assert result.ok and result.tail == ["end"]


def _stand_in_sudo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sudo = bin_dir / "sudo"
    sudo.write_text("#!/bin/sh\n" + body)
    sudo.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def test_sudo_password_answers_the_prompt_and_never_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a stand-in sudo that prompts (-p PROMPT, on stderr) and then echoes what it read: the worst case
    _stand_in_sudo(tmp_path, monkeypatch, 'printf "%s" "$3" >&2\nread pw\necho "sudo got: $pw args: $1 $2 $4"\n')
    log = LogFile(tmp_path / "install.log")
    runner = ProcessRunner(redactor=Redactor(), log=log, sudo_password="pw-Hunter-2!", as_root=False)
    result = runner.run(["true"], privileged=True)
    log.close()
    assert result.ok
    assert result.tail == [f"sudo got: {MASK} args: -S -p --"]  # the prompt marker itself is not shown
    assert "pw-Hunter-2!" not in (tmp_path / "install.log").read_text()


def test_sudo_password_never_reaches_a_command_when_sudo_does_not_ask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cached credentials / NOPASSWD: sudo runs the command at once; the command reads its stdin
    _stand_in_sudo(tmp_path, monkeypatch, 'shift 4\nexec "$@"\n')
    monkeypatch.setattr(process, "PROMPT_WAIT_SECONDS", 0.2)  # sudo would have asked by then
    for run in ("run", "query"):
        runner = ProcessRunner(redactor=Redactor(patterns=False), sudo_password="pw-Hunter-2!", as_root=False)
        argv = ["sh", "-c", "cat; echo end"]
        if run == "run":
            output = "\n".join(runner.run(argv, privileged=True, timeout=20).tail)
        else:
            output = runner.query(argv, privileged=True, timeout=20).stdout
        assert output.strip() == "end", run


def test_log_file_rotates_and_stays_bounded(tmp_path: Path) -> None:
    log = LogFile(tmp_path / "x.log", max_bytes=4096, backups=2)
    for n in range(2000):
        log.write_lines([f"line {n:05d} " + "x" * 40])
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["x.log", "x.log.1", "x.log.2"]
    assert all((tmp_path / f).stat().st_size < 4096 + 100 for f in files)
    assert (tmp_path / "x.log").stat().st_mode & 0o777 == 0o600


def test_paths_follow_env_root_and_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    assert paths.state_dir() == tmp_path / "state"
    assert paths.install_log_path() == tmp_path / "logs" / "install.log"
    monkeypatch.delenv("MIPWIZARD_STATE_DIR")
    monkeypatch.delenv("MIPWIZARD_LOG_DIR")
    monkeypatch.setattr(paths, "is_root", lambda: True)
    assert paths.state_dir() == Path("/var/lib/mipwizard")
    assert paths.log_dir() == Path("/var/log/mipwizard")
    monkeypatch.setattr(paths, "is_root", lambda: False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert paths.state_dir() == tmp_path / "xdg" / "mipwizard"
    assert paths.log_dir() == tmp_path / "xdg" / "mipwizard" / "logs"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
