"""`mipwizard check`: exit codes, JSON, human output, and the figures of THIS machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from mipwizard.cli.main import main
from mipwizard.core.preflight.probe import nearest_existing

MACHINES = Path(__file__).parent / "machines"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_a_synthetic_machine(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--machine", str(MACHINES / "laptop-2core-4gb.json"), "--role", "master",
                           "--json")
    data = json.loads(out)
    assert code == 1 and data["role"] == "master" and data["ok"] is False
    by_id = {c["id"]: c for c in data["checks"]}
    assert {"id", "status", "summary", "fix", "title"} <= set(by_id["cpu"])
    assert by_id["cpu"]["status"] == "fail" and by_id["cpu"]["measured"] == 2
    assert by_id["snap"]["status"] == "pass" and by_id["snap"]["fix"] is None


def test_exit_zero_for_a_perfect_master_and_with_ignored_failures(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--machine", str(MACHINES / "perfect-master.json"), "--role", "master")[0] == 0
    laptop = str(MACHINES / "laptop-2core-4gb.json")
    code, out, _ = run_cli(capsys, "--machine", laptop, "--role", "worker", "--ignore", "memory", "--json")
    assert code == 0
    memory = next(c for c in json.loads(out)["checks"] if c["id"] == "memory")
    assert memory["status"] == "warn" and memory["ignored"] is True
    # comma lists and repeated ids both work (kubeadm spells it --ignore-preflight-errors=a,b)
    assert run_cli(capsys, "--machine", laptop, "--role", "master", "--ignore", "cpu,memory")[0] == 0
    assert run_cli(capsys, "--machine", laptop, "--role", "master", "--ignore", "cpu", "memory")[0] == 0


def test_unknown_ignore_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--machine", str(MACHINES / "perfect-master.json"), "--ignore", "NumCPU")
    assert code == 2 and out == ""
    assert "numcpu" in err and "valid ids: cpu, memory" in err


def test_bad_role_and_bad_answers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--role", "boss"])
    assert info.value.code == 2
    capsys.readouterr()
    missing = tmp_path / "nope.yaml"
    code, _, err = run_cli(capsys, "--answers", str(missing), "--machine", str(MACHINES / "perfect-master.json"))
    assert code == 1 and "no such answers file" in err and "Traceback" not in err


def test_answers_set_the_role_and_enable_the_ip_checks(capsys: pytest.CaptureFixture[str],
                                                       answers_file: Path) -> None:
    code, out, _ = run_cli(capsys, "--answers", str(answers_file), "--machine",
                           str(MACHINES / "perfect-master.json"), "--json")
    data = json.loads(out)
    assert code == 0 and data["role"] == "local"
    by_id = {c["id"]: c for c in data["checks"]}
    assert by_id["main-ip-assigned"]["summary"] == "10.20.30.40 is on eth0"


@pytest.mark.parametrize("name", sorted(p.stem for p in MACHINES.glob("*.json")))
def test_piped_output_is_not_wrapped_and_has_no_colour(capsys: pytest.CaptureFixture[str], name: str,
                                                       answers_file: Path) -> None:
    code, out, _ = run_cli(capsys, "--machine", str(MACHINES / f"{name}.json"), "--role", "master",
                           "--answers", str(answers_file))
    lines = out.splitlines()
    assert "\x1b[" not in out  # not a terminal: no colour
    check_lines = [line for line in lines if line[2:6] in {"PASS", "WARN", "FAIL", "SKIP"}]
    assert len(check_lines) == 20
    for index, line in enumerate(lines):
        if line[2:6] in {"WARN", "FAIL"}:  # a pipe: one line per check, its fix on the next
            assert lines[index + 1].startswith("        fix: "), line
    closing = [line for line in lines if line.endswith("skipped.")]
    assert len(closing) == 1 and (code == 0) == closing[0].startswith("0 failed")
    assert not [line for line in lines if line.startswith(" " * 26)]  # no continuation lines


@pytest.mark.parametrize("name", sorted(p.stem for p in MACHINES.glob("*.json")))
def test_results_wrap_to_80_columns_without_splitting_a_command(name: str, answers: Any) -> None:
    from mipwizard.cli.check import format_result
    from mipwizard.core.preflight import FakeProbe, run_checks

    for result in run_checks("master", probe=FakeProbe.from_json(MACHINES / f"{name}.json"), answers=answers):
        lines = format_result(result, width=80)
        assert all(len(line) <= 80 for line in lines), lines
        text = " ".join(line.strip() for line in lines)
        for command in ("sudo systemctl disable --now", "sudo hostnamectl set-hostname", "sudo ss -ltnp"):
            if command in (result.fix or ""):
                assert any(command in line for line in lines), lines  # on one line, copyable
        assert result.summary.split()[0] in text


@pytest.mark.parametrize("columns", [60, 160])
def test_a_terminal_gets_output_wrapped_to_its_real_width(columns: int, answers_file: Path) -> None:
    from tests.ptyrun import run_on_terminal

    laptop = str(MACHINES / "uppercase-ports-taken.json")
    code, out = run_on_terminal(
        [sys.executable, "-m", "mipwizard", "check", "--machine", laptop, "--role", "master",
         "--answers", str(answers_file)], columns=columns, env={**os.environ, "NO_COLOR": "1"},
    )
    lines = out.splitlines()
    assert code == 1, out
    # Only an unbreakable option list may be longer: it gets a line of its own, whole.
    too_long = [line for line in lines if len(line) > columns and not line.startswith("--ignore ")]
    assert not too_long
    assert max(len(line) for line in lines) > (columns - 20)  # it uses the width it has
    advice = next(i for i, line in enumerate(lines) if line.startswith("Fix the failures above"))
    ignore = " ".join(lines[advice:advice + 3])
    assert "--ignore hostname,port-80,port-443,port-30000,main-ip-assigned" in ignore  # never split mid-id
    assert any("sudo systemctl disable --now nginx" in line for line in lines)


def test_a_main_ip_that_is_not_on_this_machine_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     answers_data: dict) -> None:
    import yaml

    natted = tmp_path / "answers.yaml"
    natted.write_text(yaml.safe_dump({**answers_data, "machine_main_ip": "192.168.1.230"}))
    code, out, _ = run_cli(capsys, "--answers", str(natted), "--machine", str(MACHINES / "perfect-master.json"),
                           "--json")
    by_id = {c["id"]: c for c in json.loads(out)["checks"]}
    assert code == 1 and by_id["main-ip-assigned"]["status"] == "fail"
    assert "NAT" in by_id["main-ip-assigned"]["fix"]


def test_this_machine_json_matches_psutil(tmp_path: Path) -> None:
    """`mipwizard check --json` on THIS machine. PATH is an empty folder, so no system program
    (snap, microk8s, sudo) can run: only psutil, file reads and a 1 s name look-up."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mipwizard", "check", "--role", "master", "--json"],
                          capture_output=True, text=True, env=env, timeout=60, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    by_id = {c["id"]: c for c in data["checks"]}
    assert by_id["cpu"]["measured"] == psutil.cpu_count(logical=True)
    assert by_id["memory"]["measured"] == psutil.virtual_memory().total
    for check_id, path in (("disk-root", "/"), ("disk-snap", "/var/snap"), ("disk-data", "/data")):
        measured = by_id[check_id]["measured"]
        where = nearest_existing(path, os.path.exists)
        usage = psutil.disk_usage(where)
        assert measured["path"] == path and measured["measured_at"] == where
        assert measured["total"] == usage.total
        assert abs(measured["free"] - usage.free) < 2 * 10**9  # others write meanwhile
    assert by_id["snap"]["status"] == "fail"  # PATH is empty
    assert "Traceback" not in proc.stderr


def test_json_has_every_role_check(capsys: pytest.CaptureFixture[str]) -> None:
    from mipwizard.core.preflight import check_specs

    for role in ("local", "master", "worker"):
        _, out, _ = run_cli(capsys, "--machine", str(MACHINES / "perfect-master.json"), "--role", role, "--json")
        ids: list[Any] = [c["id"] for c in json.loads(out)["checks"]]
        assert ids == [s.id for s in check_specs(role)]
