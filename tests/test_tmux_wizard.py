"""The real `mipwizard` in tmux at 80×24: type through Welcome → Network and read the screen back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.polling import until

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Tmux:
    def __init__(self, socket: Path, session: str) -> None:
        self.base = ["tmux", "-S", str(socket)]
        self.session = session

    def run(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=20, check=True)
        return done.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)
        time.sleep(0.3)  # one keystroke batch at a time, like a person

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, *more: str, timeout: float = 20.0) -> str:
        """The screen once ``text`` (and every one of ``more``) shows in one capture: a frame can be
        caught half drawn, so what a test then asserts on must be waited for too."""
        last = [""]

        def shown() -> str:
            last[0] = self.screen()
            return last[0] if all(piece in last[0] for piece in (text, *more)) else ""

        try:
            return until(shown, timeout=timeout)
        except AssertionError:
            raise AssertionError(f"{(text, *more)!r} never all appeared; the screen was:\n{last[0]}") from None


def start_wizard_in_tmux(tmp_path: Path, width: int, height: int, term: str) -> Tmux:
    """The real `mipwizard` in a new tmux session of that size and TERM, on the fake machine
    (its own tmux server under tmp_path; the caller kills it)."""
    session = f"wizard-{uuid.uuid4().hex[:8]}"
    env = {
        "PATH": os.environ["PATH"],  # the fake toolchain first
        "MIPWIZARD_FAKE_STATE": os.environ.get("MIPWIZARD_FAKE_STATE", ""),
        "MIPWIZARD_FAKE_PYTHON": os.environ.get("MIPWIZARD_FAKE_PYTHON", ""),
        "MIPWIZARD_STATE_DIR": str(tmp_path / "state"),
        "MIPWIZARD_LOG_DIR": str(tmp_path / "logs"),
        "MIPWIZARD_MACHINE": str(ROOT / "tests" / "machines" / "perfect-master.json"),
        "HOME": str(tmp_path),
        "TERM": term,
        "PYTHONPATH": str(ROOT),
    }
    command = ["env", "-i", *(f"{k}={v}" for k, v in env.items()),
               sys.executable, "-m", "mipwizard", "--profiles-dir", str(tmp_path / "kubernetes")]
    tmux = Tmux(tmp_path / "tmux.sock", session)
    tmux.run("new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), *command)
    return tmux


@pytest.fixture
def tmux(tmp_path: Path, fake_toolchain: object) -> Iterator[Tmux]:
    tmux = start_wizard_in_tmux(tmp_path, 80, 24, "xterm-256color")
    try:
        yield tmux
    finally:
        subprocess.run([*tmux.base, "kill-server"], capture_output=True, timeout=20)


def test_welcome_to_network_at_80x24(tmux: Tmux) -> None:
    screen = tmux.wait_for("What is this machine?", "[Welcome]", "Single machine")
    assert all(len(line) <= 80 for line in screen.splitlines())
    tmux.keys("Down")  # federation master
    tmux.keys("Up")  # back to single machine
    tmux.keys("C-n")
    screen = tmux.wait_for("Done:", "[Preflight]", "[ ok ]", timeout=30)
    tmux.keys("C-n")
    tmux.wait_for("MACHINE_MAIN_IP")
    tmux.keys("10.20.30", literal=True)
    screen = tmux.wait_for("is not a valid IPv4")
    assert "'10.20.30' is not a valid IPv4 or IPv6" in screen
    tmux.keys(".40", literal=True)
    tmux.keys("Tab")
    tmux.keys("mip.example.org", literal=True)
    screen = tmux.wait_for("https://mip.example.org", "[Network]", "10.20.30.40")
    assert "is not a valid" not in screen
    tmux.keys("C-n")
    screen = tmux.wait_for("[Auth]", "External Keycloak")
