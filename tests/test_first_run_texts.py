"""Texts that agree with the program and with each other: every `mipwizard …` a text names exists,
the join token is described the same way everywhere, and `status` never cuts a label silently."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from mipwizard.core.textfit import ellipsize
from tests.conftest import ROOT, requires_shared
from tests.test_exit_codes import MACHINES, help_commands, installed  # noqa: F401  (the fixture)

TEXTS = [*sorted((ROOT / "assets" / "help").glob("*.md")), *sorted((ROOT / "mipwizard").rglob("*.py")),
         ROOT / "README.md"]
NAMED = re.compile(r"`mipwizard ([^`]*)`")
WIZARD_OPTIONS = ("--answers", "--profiles-dir", "--help", "--version", "-h")


def named_commands() -> list[tuple[str, str]]:
    """(file, what follows `mipwizard `) for each `mipwizard …` a help page, a screen or the README names."""
    found = []
    for path in TEXTS:
        for match in NAMED.finditer(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(ROOT)), match.group(1)))
    return found


def test_every_command_a_text_names_exists() -> None:
    """Welcome's F1 help named `mipwizard node join`, which does not exist: a user's copy-paste fails."""
    commands = help_commands()
    groups = {c.split()[0] for c in commands if " " in c}
    wrong = []
    named = named_commands()
    assert len(named) > 50  # the check reads the texts it means to
    for where, text in named:
        words = text.replace("…", " ").split()
        if not words or words[0].startswith(WIZARD_OPTIONS) or words[0] in ("X", "COMMAND", "<command>"):
            continue
        for command in words[0].split("|"):  # `mipwizard backup|restore|upgrade …`: each of them
            if command in groups and len(words) > 1 and not words[1].startswith(("-", "<", "[")):
                command = f"{command} {words[1].split('|')[0]}"
            if command not in commands:
                wrong.append(f"{where}: `mipwizard {text}`")
    assert not wrong, "texts name commands that do not exist:\n" + "\n".join(wrong)


def test_the_join_token_is_described_the_same_everywhere() -> None:
    """A failed `microk8s join` uses up its token: no text may say it can be retried with the same one."""
    help_text = subprocess.run([sys.executable, "-m", "mipwizard", "node", "join-command", "--help"],
                               capture_output=True, text=True, check=True).stdout
    flat = " ".join(help_text.split())
    assert "a failed `microk8s join` uses it up" in flat and "run this command again for a new one" in flat
    join_help = " ".join((ROOT / "assets" / "help" / "join.md").read_text(encoding="utf-8").split())
    assert "A failed join **uses up the token**" in join_help
    for path in TEXTS:
        text = " ".join(path.read_text(encoding="utf-8").split()).lower()
        assert "with the same token" not in text and "same token again" not in text, path


def test_ellipsize_marks_what_it_cuts() -> None:
    assert ellipsize("master,worker,smpc_player", 26) == "master,worker,smpc_player"
    cut = ellipsize("hospital-geneva-worker-node-0001", 28)
    assert len(cut) == 28 and cut.endswith("…") and cut.startswith("hospital-geneva-worker-node")


@requires_shared()
def test_status_at_80_columns_shows_labels_whole_and_marks_a_cut_name(installed: Any) -> None:  # noqa: F811
    """`status` cut `smpc_player` (and the kubelet version) with no sign: now each is whole, a cut ends with …"""
    from tests.ptyrun import run_on_terminal

    long_name = "hospital-geneva-worker-node-0001-long"
    installed.fake.add_node(long_name, labels={"worker": "true", "smpc_player": "true", "master": "true"})
    env = installed.fake.env()
    env.update(MIPWIZARD_MACHINE=str(MACHINES / "perfect-master.json"), NO_COLOR="1")
    _, out = run_on_terminal([sys.executable, "-m", "mipwizard", "status"], columns=80, env=env)
    rows = [line for line in out.splitlines() if line.startswith("node ")]
    assert len(rows) == 2, out
    long_row = next(row for row in rows if "hospital-geneva" in row)
    assert all(re.search(r" v\d+\.\d+\.\d+$", row) for row in rows), rows  # the kubelet version whole
    assert "…" in long_row and long_name not in long_row  # cut, and says so
    assert "master,worker,smpc_player" in long_row, long_row  # the labels whole
    assert all(len(line) <= 80 for line in out.splitlines())
    piped = subprocess.run([sys.executable, "-m", "mipwizard", "status"], env=env, capture_output=True, text=True,
                           timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert any("smpc_player" in line and "hospital-geneva" in line for line in piped.stdout.splitlines())


def test_the_texts_checked_are_real_files() -> None:
    assert all(isinstance(p, Path) and p.is_file() for p in TEXTS)


ONE_PLURAL = re.compile(r"\b1 (warnings|failures|nodes|problems|checks|steps|files|errors|pods)\b")


def test_check_says_1_warning_not_1_warnings(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "MIPWIZARD_MACHINE": str(MACHINES / "laptop-2core-4gb.json"), "NO_COLOR": "1",
           "MIPWIZARD_STATE_DIR": str(tmp_path / "state"), "MIPWIZARD_LOG_DIR": str(tmp_path / "logs")}
    result = subprocess.run([sys.executable, "-m", "mipwizard", "check", "--ignore", "cpu"], env=env,
                            capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert "1 failed, 1 warning, " in result.stdout, result.stdout
    assert not ONE_PLURAL.search(result.stdout + result.stderr)


@requires_shared()
def test_node_list_and_status_count_in_the_right_number(installed: Any) -> None:  # noqa: F811
    env = installed.fake.env()
    env.update(MIPWIZARD_MACHINE=str(MACHINES / "perfect-master.json"), NO_COLOR="1")
    installed.fake.pod_scenario("crashloop")  # one pod crash-looping: one problem
    outputs = {}
    for argv in (["node", "list"], ["status"]):
        outputs[argv[-1]] = subprocess.run([sys.executable, "-m", "mipwizard", *argv], env=env, capture_output=True,
                                           text=True, timeout=60, check=False, stdin=subprocess.DEVNULL).stdout
    assert "1 node, " in outputs["list"], outputs["list"]
    assert re.search(r"UNHEALTHY — 1 not ready, \d+ problems?\b", outputs["status"]), outputs["status"]
    for out in outputs.values():
        assert not ONE_PLURAL.search(out), out
