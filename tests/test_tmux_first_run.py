"""The real `mipwizard` in tmux on a 16-colour Linux console (80×24) and on a small terminal (60×20):
states readable without colour, the guide's main-IP warning, every action on screen, nothing wider
than the terminal. Nothing is installed (the Install question is answered No)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.test_tmux_wizard import Tmux, pytestmark, start_wizard_in_tmux  # noqa: F401  (same markers: needs tmux)


@pytest.fixture
def start(tmp_path: Path, fake_toolchain: object) -> Iterator[Callable[[int, int, str], Tmux]]:
    started: list[Tmux] = []

    def start_wizard(width: int, height: int, term: str) -> Tmux:
        started.append(start_wizard_in_tmux(tmp_path, width, height, term))
        return started[-1]

    yield start_wizard
    if started:
        subprocess.run([*started[0].base, "kill-server"], capture_output=True, timeout=20)


def fits(screen: str, width: int) -> None:
    lines = screen.splitlines()
    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]


def walk_to_network(tmux: Tmux, main_ip: str) -> str:
    tmux.wait_for("What is this machine?")
    tmux.keys("C-n")
    tmux.wait_for("Done:", timeout=30)
    tmux.keys("C-n")
    tmux.wait_for("e.g. 10.20.30.40")  # the field's placeholder: Network is drawn
    for _ in range(10):  # the field takes the focus just after the first frame: type again until it shows
        tmux.keys("End")
        tmux.keys("C-u")  # clear a half-typed value
        tmux.keys(main_ip, literal=True)
        try:
            tmux.wait_for(main_ip, timeout=2)
            break
        except AssertionError:
            continue
    tmux.keys("Tab")
    tmux.keys("mip.example.org", literal=True)
    return tmux.wait_for("mip.example.org", "[Network]", "Next >")


def test_linux_console_at_80x24_states_by_glyph_and_the_main_ip_failure(start: Callable[..., Tmux]) -> None:
    tmux = start(80, 24, "linux")
    screen = tmux.wait_for("What is this machine?", "(*) Single machine", "( ) Federation master")  # not colour
    fits(screen, 80)
    walk_to_network(tmux, "192.168.1.230")  # not on this machine (it has 10.20.30.40)
    tmux.keys("C-p")
    screen = tmux.wait_for("Search for commands")
    assert "🔎" not in screen
    tmux.keys("Go to Preflight", literal=True)
    tmux.keys("Enter")
    screen = tmux.wait_for("1 fail", "[FAIL]", "Main IP on host", "Ignore this failure", "Next >", timeout=30)
    assert "Fix: set machine_main_ip to an address this machine has, e.g. 10.20.30.40" in " ".join(
        line.strip() for line in screen.splitlines())
    assert "Ignore this failure" in screen and "Next >" in screen
    fits(screen, 80)


def test_small_terminal_60x20_on_the_linux_console_every_action_stays_on_screen(
    start: Callable[..., Tmux],
) -> None:
    tmux = start(60, 20, "linux")  # both at once: the smallest terminal, and 16 colours
    screen = tmux.wait_for("What is this machine?", "Next >", "< Back", "[Welcome]")
    assert "(*) Single machine" in screen and "( ) Federation master" in screen  # not colour alone
    fits(screen, 60)
    screen = walk_to_network(tmux, "10.20.30.40")
    assert "[Network]" in screen and "Next >" in screen
    assert "┌" not in screen and "┐" not in screen  # the wide diagram steps aside instead of breaking
    fits(screen, 60)
    tmux.keys("C-p")
    tmux.wait_for("Search for commands")
    tmux.keys("Go to Preflight", literal=True)
    tmux.keys("Enter")
    screen = tmux.wait_for("[Preflight]")
    screen = tmux.wait_for("Re-run checks", "Next >", "CPU cores", timeout=30)  # table, details and buttons fit
    fits(screen, 60)
    tmux.keys("C-p")
    tmux.wait_for("Search for commands")
    tmux.keys("Go to Data", literal=True)
    tmux.keys("Enter")
    screen = tmux.wait_for("[Data]")
    # the SMPC switch says so in a word, not by the slider's colour
    screen = tmux.wait_for("[ ] off", "Secure multi-party computation (SMPC)", "Next >")
    fits(screen, 60)
