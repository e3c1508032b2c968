"""The answers model: clear messages naming the key, unknown keys rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from mipwizard.core.answers import answers_from_mapping, load_answers, save_answers
from mipwizard.core.errors import UserError

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET


def problems_for(data: dict) -> str:
    with pytest.raises(UserError) as info:
        answers_from_mapping(data)
    return str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("machine_main_ip", "999.1.1.1", "machine_main_ip: '999.1.1.1' is not a valid IPv4 or IPv6 address"),
        ("machine_main_ip", "<MACHINE_MAIN_IP>", "machine_main_ip: <MACHINE_MAIN_IP> is a template placeholder"),
        ("machine_public_fqdn", "https://x/", "machine_public_fqdn: 'https://x/' has a scheme"),
        ("machine_public_fqdn", "mip.example.org/path", "has a path"),
        ("machine_public_fqdn", "my host.org", "contains spaces"),
        ("machine_public_fqdn", "mip.example.org:443", "has a port"),
        (
            "machine_private_fqdn_or_ip",
            "under_score.example",
            "machine_private_fqdn_or_ip: 'under_score.example' is not a valid",
        ),
        ("federation", "../etc", "federation: '../etc' is not safe as a folder name"),
        ("active_profile", "direct.oops", "active_profile: 'direct.oops' is not a MIP profile"),
        ("datacatalogue_host", "", "datacatalogue_host: is empty"),
        ("admin_user", "Root Admin", "admin_user: 'Root Admin' is not a valid Linux user name"),
    ],
)
def test_bad_values_name_the_key(answers_data: dict, key: str, value: str, expected: str) -> None:
    answers_data[key] = value
    assert expected in problems_for(answers_data)


def test_unknown_key_is_an_error(answers_data: dict) -> None:
    answers_data["machine_main_iq"] = "10.0.0.1"
    message = problems_for(answers_data)
    assert "machine_main_iq: is not a known key" in message


def test_unknown_nested_key_lists_known_ones(answers_data: dict) -> None:
    answers_data["keycloak"]["client_secert"] = "x"
    message = problems_for(answers_data)
    assert "keycloak.client_secert: is not a known key" in message
    assert "client_secret" in message


def test_empty_secret_needed_by_active_profile(answers_data: dict) -> None:
    answers_data["keycloak"]["client_secret"] = ""
    message = problems_for(answers_data)
    assert "keycloak.client_secret: is empty" in message


def test_empty_internal_secret_is_fine_when_not_used(answers_data: dict) -> None:
    answers_data["internal_keycloak"]["client_secret"] = ""
    answers_from_mapping(answers_data)  # .direct is active; internal profiles are just skipped


def test_missing_required_key(answers_data: dict) -> None:
    del answers_data["federation"]
    assert "federation: is required" in problems_for(answers_data)


def test_error_messages_never_echo_secrets(answers_data: dict) -> None:
    answers_data["keycloak"]["client_secret"] = EXTERNAL_SECRET + "\n"  # multi-line: rejected
    answers_data["keycloak"]["unknown"] = INTERNAL_SECRET
    message = problems_for(answers_data)
    assert EXTERNAL_SECRET not in message and INTERNAL_SECRET not in message


def test_hostnames_are_lowercased(answers_data: dict) -> None:
    answers_data["machine_public_fqdn"] = "MIP.Example.ORG"
    assert answers_from_mapping(answers_data).machine_public_fqdn == "mip.example.org"


def test_smpc_refused_for_local_install(answers_data: dict) -> None:
    answers_data["exareme2"] = {"smpc": True}
    assert "exareme2.smpc" in problems_for(answers_data)


def test_save_and_load_round_trip_0600(answers, tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    save_answers(answers, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_answers(path) == answers


def test_save_without_secrets(answers, tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    save_answers(answers, path, include_secrets=False)
    text = path.read_text()
    assert EXTERNAL_SECRET not in text and INTERNAL_SECRET not in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "expected a mapping"),
        ("role: [local\n", "not valid YAML at line"),
        ("\x00\x01", "not valid YAML"),
    ],
)
def test_bad_files(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(content)
    with pytest.raises(UserError, match=expected):
        load_answers(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such answers file"):
        load_answers(tmp_path / "nope.yaml")


# --- a worker has no addresses of its own --------------------------------------------------------

WORKER_JOIN = "microk8s join 192.168.1.230:25000/5f0c2a9e7d1b4c3a8e6f2d0b9a7c5e1f/e3b0c44298fc1c14 --worker"


@pytest.mark.parametrize("key", ["machine_main_ip", "machine_public_fqdn"])
@pytest.mark.parametrize("role", ["local", "master"])
def test_addresses_are_required_for_local_and_master(answers_data: dict, key: str, role: str) -> None:
    data = {k: v for k, v in answers_data.items() if k != key}
    data["role"] = role
    text = problems_for(data)
    assert key in text and "is required" in text and role in text


def test_a_worker_needs_no_addresses_and_renders_no_profile(answers_data: dict, tmp_path: Path) -> None:
    from mipwizard.core.profiles import render_all

    data = {k: v for k, v in answers_data.items() if k not in ("machine_main_ip", "machine_public_fqdn")}
    data.update(role="worker", join_command=WORKER_JOIN, machine_main_ip="")
    answers = answers_from_mapping(data)
    assert answers.machine_main_ip is None and answers.machine_public_fqdn is None
    with pytest.raises(UserError, match="worker uses the master's profiles"):
        render_all(answers)
    path = tmp_path / "answers.yaml"
    save_answers(answers, path, include_secrets=False)
    again = load_answers(path)  # round-trips with the addresses unset (null)
    assert again.role.value == "worker" and again.machine_main_ip is None and again.join_command is None
