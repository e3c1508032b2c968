"""The headless install: one at a time, and nothing of it left running however it is stopped."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.test_install_cli import cli, wait_for_call  # noqa: F401 (cli is a fixture)


def processes_of(fake: Any) -> list[int]:
    """Live processes started for this test's fake machine (they carry its state path)."""
    marker = f"MIPWIZARD_FAKE_STATE={fake.env()['MIPWIZARD_FAKE_STATE']}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                if stat.split(") ", 1)[1][0] != "Z":
                    found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def gone(fake: Any, timeout: float = 15.0) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = processes_of(fake)
        if not left:
            return []
        time.sleep(0.05)
    return processes_of(fake)


def test_a_second_install_is_refused_while_one_runs(cli: Any, fake_toolchain: Any) -> None:  # noqa: F811
    fake_toolchain.hang("snap", "install")
    first = cli.start("--yes")
    try:
        wait_for_call(fake_toolchain, "snap", "install")
        second = cli.run("--yes", timeout=60)
        assert second.returncode == 1
        assert f"another install is running: pid {first.pid}, started " in second.stderr
        assert "Traceback" not in second.stderr
        assert len(fake_toolchain.calls_of("snap", "install")) == 1  # the second changed nothing
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 143
    assert not gone(fake_toolchain)
    # the lock died with its holder: the next install takes it over
    fake_toolchain.fail("snap", "install", exit_code=1)
    third = cli.run("--yes", timeout=120)
    assert "another install is running" not in third.stderr


STEP_COMMANDS = [("snap", "install"), ("microk8s", "enable"), ("git", "clone")]


@pytest.mark.parametrize("prefix", STEP_COMMANDS, ids=lambda p: " ".join(p))
@pytest.mark.parametrize(("how", "code"), [(signal.SIGKILL, -9), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_nothing_of_the_install_survives_it(
    cli: Any,  # noqa: F811
    fake_toolchain: Any,
    prefix: tuple[str, ...],
    how: int,
    code: int,
) -> None:
    fake_toolchain.hang(*prefix)
    install = cli.start("--yes")
    wait_for_call(fake_toolchain, *prefix)
    assert processes_of(fake_toolchain)  # the hung command is running
    install.send_signal(how)
    assert install.wait(timeout=30) == code
    assert not gone(fake_toolchain), f"left running after {signal.Signals(how).name} at {' '.join(prefix)}"
