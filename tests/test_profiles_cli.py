"""`mipwizard profiles …` end to end: exit codes, untouched folders on errors, no secret shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mipwizard.cli.main import main
from mipwizard.core.profile_kinds import PROFILE_NAMES

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, UPSTREAM_PROFILES, requires_shared


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mipwizard", *args], capture_output=True, text=True, timeout=60, check=False
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert EXTERNAL_SECRET not in text
        assert INTERNAL_SECRET not in text


def test_version_and_help() -> None:
    from mipwizard import __version__

    assert __version__ in run("--version").stdout
    for args in (
        ["--help"],
        ["profiles", "--help"],
        ["profiles", "write", "--help"],
        ["profiles", "show", "--help"],
        ["profiles", "diff", "--help"],
        ["profiles", "lint", "--help"],
    ):
        result = run(*args)
        assert result.returncode == 0, args
        assert "usage:" in result.stdout


def test_usage_error_exits_2() -> None:
    result = run("profiles", "write", "--answers")
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert run("no-such-command").returncode == 2


def test_write_show_diff(answers_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "chart"
    assert main(["profiles", "write", "--answers", str(answers_file), "--out", str(out), "--yes"]) == 0
    written = capsys.readouterr()
    assert len(list(out.glob(".*"))) == 8
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in out.iterdir())

    assert main(["profiles", "show", str(out)]) == 0
    shown = capsys.readouterr()
    assert "CLIENT_SECRET: ***HIDDEN***" in shown.out
    assert "EXTERNAL_IP: 10.20.30.40" in shown.out

    assert main(["profiles", "diff", "--answers", str(answers_file), str(out)]) == 0
    diffed = capsys.readouterr()
    assert "no changes" in diffed.out
    assert_no_secret(written.out, written.err, shown.out, shown.err, diffed.out, diffed.err)


def test_write_is_same_as_library(answers, answers_file: Path, tmp_path: Path) -> None:
    from mipwizard.core.profiles import render_all

    out = tmp_path / "chart"
    assert run("profiles", "write", "--answers", str(answers_file), "--out", str(out), "--yes").returncode == 0
    for name, text in render_all(answers).files.items():
        assert (out / name).read_text() == text


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("machine_main_ip", "999.1.1.1", "machine_main_ip"),
        ("machine_public_fqdn", "https://x/", "machine_public_fqdn"),
        ("machine_main_iq", "10.0.0.1", "machine_main_iq"),
        ("keycloak.client_secret", "", "keycloak.client_secret"),
    ],
)
def test_bad_answers_exit_1_and_leave_folder_unchanged(
    answers, answers_data: dict, tmp_path: Path, key: str, value: str, message: str
) -> None:
    from mipwizard.core.profiles import write_profiles

    out = tmp_path / "chart"
    write_profiles(answers, out)
    before = snapshot(out)
    section, _, leaf = key.partition(".")
    if leaf:
        answers_data[section][leaf] = value
    else:
        answers_data[key] = value
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(answers_data))
    for command in (
        ["profiles", "write", "--answers", str(bad), "--out", str(out), "--yes"],
        ["profiles", "diff", "--answers", str(bad), str(out)],
    ):
        result = run(*command)
        assert result.returncode == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr
        assert_no_secret(result.stdout, result.stderr)
    assert snapshot(out) == before


def test_write_without_yes_and_no_terminal_changes_nothing(answers, answers_data, tmp_path: Path) -> None:
    from mipwizard.core.profiles import write_profiles

    out = tmp_path / "chart"
    write_profiles(answers, out)
    before = snapshot(out)
    answers_data["machine_public_fqdn"] = "other.example.org"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(answers_data))
    result = run("profiles", "write", "--answers", str(changed), "--out", str(out))
    assert result.returncode == 2  # no terminal to ask on: a usage error, as for `install`
    assert "--yes" in result.stderr
    assert snapshot(out) == before


@requires_shared()
def test_lint_upstream_reports_placeholders_and_exits_1() -> None:
    result = run("profiles", "lint", str(UPSTREAM_PROFILES))
    assert result.returncode == 1
    assert ".direct:EXTERNAL_IP: '<MACHINE_MAIN_IP>' is an unfilled placeholder — " in result.stdout
    assert ".proxied:mip.PUBLIC_HOST: '<MACHINE_PRIVATE_FQDN_OR_IP>'" in result.stdout
    assert "iam.ebraine.eu' looks like a typo" in result.stdout


@requires_shared()
def test_lint_with_chart_values_flags_datacatalogue(answers, tmp_path: Path) -> None:
    from mipwizard.core.profiles import write_profiles

    write_profiles(answers, tmp_path)
    result = run("profiles", "lint", str(tmp_path), "--chart-values", str(UPSTREAM_PROFILES / "values.yaml"), "--json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert {(p["file"], p["key"]) for p in problems} == {(f".{n}", "datacatalogue") for n in PROFILE_NAMES}
    assert all("datacatalog'" in p["fix"] for p in problems)


def test_lint_written_folder_is_clean(answers, tmp_path: Path) -> None:
    from mipwizard.core.profiles import write_profiles

    write_profiles(answers, tmp_path)
    result = run("profiles", "lint", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace("SSL_REQUIRED: external", "SSL_REQUIRED: none"),
            ".direct:keycloak.SSL_REQUIRED: is 'none'",
        ),
        (
            lambda t: t.replace("EXTERNAL_IP: 10.20.30.40", "EXTERNAL_IP: 10.20.30"),
            ".direct:EXTERNAL_IP: '10.20.30' is not",
        ),
        (lambda t: t.replace("mip:\n", "mip: [\n"), ".direct: line "),
        (
            lambda t: t.replace(f"CLIENT_SECRET: {EXTERNAL_SECRET}", "CLIENT_SECRET: ''"),
            ".direct:keycloak.CLIENT_SECRET: is empty",
        ),
        (
            lambda t: t.replace("PUBLIC_PROTOCOL: https", "PUBLIC_PROTOCOL: http"),
            ".direct:mip.PUBLIC_PROTOCOL: is 'http'",
        ),
    ],
)
def test_lint_finds_hand_edits(answers, tmp_path: Path, edit, expected: str) -> None:
    from mipwizard.core.profiles import write_profiles

    write_profiles(answers, tmp_path)
    path = tmp_path / ".direct"
    path.write_text(edit(path.read_text()))
    result = run("profiles", "lint", str(tmp_path))
    assert result.returncode == 1
    assert expected in result.stdout
    assert_no_secret(result.stdout, result.stderr)


def test_lint_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run("profiles", "lint", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such folder" in result.stderr and "Traceback" not in result.stderr
    a_file = tmp_path / "values.yaml"
    a_file.write_text("a: 1\n")
    result = run("profiles", "lint", str(a_file))
    assert result.returncode == 2 and "is a file" in result.stderr
    result = run("profiles", "lint", str(tmp_path), "--chart-values", str(tmp_path / "none.yaml"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_diff_exit_code_tells_drift(answers, answers_data, tmp_path: Path) -> None:
    from mipwizard.core.profiles import write_profiles

    out = tmp_path / "chart"
    write_profiles(answers, out)
    same = tmp_path / "same.yaml"
    same.write_text(yaml.safe_dump(answers_data))
    assert run("profiles", "diff", "--answers", str(same), str(out), "--exit-code").returncode == 0
    answers_data["machine_public_fqdn"] = "other.example.org"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(answers_data))
    drift = run("profiles", "diff", "--answers", str(changed), str(out), "--exit-code")
    assert drift.returncode == 1 and "+  PUBLIC_HOST: other.example.org" in drift.stdout
    assert run("profiles", "diff", "--answers", str(changed), str(out)).returncode == 0  # only a listing
