"""An answers file with several problems is reported in one run: each problem names its key and fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.errors import UserError


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(UserError) as info:
        answers_from_mapping(data)
    return info.value.problems


def test_four_missing_keys_are_reported_at_once() -> None:
    """The issue's case: 4 runs to learn 4 required keys. Now one run names all four."""
    problems = problems_of({"role": "master", "active_profile": "direct"})
    keys = [p.split(":", 1)[0] for p in problems]
    assert keys == ["federation", "machine_main_ip", "machine_public_fqdn", "keycloak.client_id"] or (
        set(keys) >= {"federation", "machine_main_ip", "machine_public_fqdn"} and len(keys) >= 4
    ), problems
    for problem in problems:
        assert " — " in problem or "add it" in problem, problem  # each says what to do


def test_cross_field_problems_are_all_listed(answers_data: dict[str, Any]) -> None:
    data = {**answers_data, "role": "local", "join_command": "microk8s join 1.2.3.4:25000/abc/def --worker",
            "exareme2": {"smpc": True}}
    data.pop("machine_main_ip")
    keys = {p.split(":", 1)[0] for p in problems_of(data)}
    assert {"machine_main_ip", "join_command", "exareme2.smpc"} <= keys


def test_a_field_error_does_not_hide_the_others(answers_data: dict[str, Any]) -> None:
    data = {**answers_data, "pathologies": [], "admin_user": "Bad User"}
    data.pop("machine_public_fqdn")
    problems = problems_of(data)
    keys = [p.split(":", 1)[0] for p in problems]
    assert "pathologies" in keys and "admin_user" in keys and "machine_public_fqdn" in keys, problems
    assert len(keys) == len(set(keys))  # nothing said twice


def test_the_cli_prints_every_problem_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"role": "master", "machine_main_ip": "999.1.1.1"}))
    result = subprocess.run([sys.executable, "-m", "mipwizard", "profiles", "write", "--answers", str(path),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    keys = {line[4:].split(":", 1)[0] for line in listed}
    assert {"machine_main_ip", "federation", "machine_public_fqdn"} <= keys, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("value", "says", "never"),
    [
        ("10.20.30.40", "is an IP address, not a host name", "not a valid one"),
        ("a" * 70 + ".org", "has a part of 70 characters", "use letters, digits"),
        ("999.1.1.1", "looks like an IP address but is not a valid one", "is an IP address, not"),
    ],
)
def test_host_name_messages_say_what_is_really_wrong(value: str, says: str, never: str) -> None:
    from mipwizard.core.validators import check_hostname

    with pytest.raises(ValueError) as info:
        check_hostname(value)
    assert says in str(info.value) and never not in str(info.value)


def test_counts_agree_with_their_nouns() -> None:
    from mipwizard.core.textfit import plural

    assert [plural(1, "warning"), plural(2, "node"), plural(1, "pathology", "pathologies"),
            plural(0, "pathology", "pathologies")] == ["1 warning", "2 nodes", "1 pathology", "0 pathologies"]
