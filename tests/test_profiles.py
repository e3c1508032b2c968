"""Profiles rendered from answers equal upstream's templates with the placeholders filled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.errors import UserError
from mipwizard.core.fileio import list_backups
from mipwizard.core.profile_kinds import PROFILE_NAMES, PROFILES
from mipwizard.core.profiles import diff_profiles, load_profiles, render_all, write_profiles

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, UPSTREAM_PROFILES, requires_shared

SUBSTITUTIONS = {
    "<MACHINE_MAIN_IP>": "10.20.30.40",
    "<MACHINE_PUBLIC_FQDN>": "mip.example.org",
    "<MACHINE_PRIVATE_FQDN_OR_IP>": "10.20.30.41",
}


def upstream_filled(name: str) -> dict:
    """Upstream's file, parsed, with placeholders and client id/secret substituted."""
    text = (UPSTREAM_PROFILES / f".{name}").read_text()
    for placeholder, value in SUBSTITUTIONS.items():
        text = text.replace(placeholder, value)
    data = yaml.safe_load(text)
    internal = "internal_auth" in name
    data["keycloak"]["CLIENT_ID"] = "MIP" if internal else "mipfedqa"
    data["keycloak"]["CLIENT_SECRET"] = INTERNAL_SECRET if internal else EXTERNAL_SECRET
    # Upstream's .proxied.no_auth misspells the external Keycloak host; ours comes from the answers.
    data["keycloak"]["URL"] = data["keycloak"]["URL"].replace("iam.ebraine.eu", "iam.ebrains.eu")
    return data


def key_paths(data: object, prefix: str = "") -> list[str]:
    if not isinstance(data, dict):
        return []
    out = []
    for key, value in data.items():
        out.append(prefix + key)
        out.extend(key_paths(value, prefix + key + "."))
    return out


@requires_shared()
@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_rendered_profile_equals_upstream_filled(answers, name: str) -> None:
    text = render_all(answers).files[f".{name}"]
    rendered = yaml.safe_load(text)
    expected = upstream_filled(name)
    assert rendered == expected
    assert key_paths(rendered) == key_paths(expected), "key order differs from upstream"
    # value types too: AUTHENTICATION is an int, not "1"
    assert type(rendered["keycloak"]["AUTHENTICATION"]) is int


def test_all_eight_files_are_written_0600(answers, tmp_path: Path) -> None:
    report = write_profiles(answers, tmp_path)
    assert sorted(report.written) == sorted(p.filename for p in PROFILES)
    for kind in PROFILES:
        assert (tmp_path / kind.filename).stat().st_mode & 0o777 == 0o600


def test_proxied_profiles_skipped_without_private_address(answers_data, tmp_path: Path) -> None:
    del answers_data["machine_private_fqdn_or_ip"]
    answers = answers_from_mapping(answers_data)
    report = write_profiles(answers, tmp_path)
    assert len(report.written) == 4
    assert set(report.skipped) == {p.filename for p in PROFILES if p.name.startswith("proxied")}
    assert all("machine_private_fqdn_or_ip" in reason for reason in report.skipped.values())
    assert not any("<" in p.read_text() for p in tmp_path.iterdir())


def test_round_trip_load_then_write_is_byte_identical(answers, tmp_path: Path) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    write_profiles(answers, first)
    loaded = load_profiles(first, base=answers)
    write_profiles(loaded, second)
    for kind in PROFILES:
        assert (first / kind.filename).read_bytes() == (second / kind.filename).read_bytes()
    assert loaded == answers


def test_round_trip_without_base_keeps_profile_facts(answers, tmp_path: Path) -> None:
    write_profiles(answers, tmp_path / "a")
    loaded = load_profiles(tmp_path / "a")
    write_profiles(loaded, tmp_path / "b")
    for kind in PROFILES:
        assert (tmp_path / "a" / kind.filename).read_bytes() == (tmp_path / "b" / kind.filename).read_bytes()


def test_odd_values_are_quoted_and_round_trip(answers_data, tmp_path: Path) -> None:
    answers_data["keycloak"]["client_secret"] = "1234567890"  # would become an int unquoted
    answers_data["internal_keycloak"]["client_secret"] = "a: b #c, d"
    answers = answers_from_mapping(answers_data)
    write_profiles(answers, tmp_path)
    assert yaml.safe_load((tmp_path / ".direct").read_text())["keycloak"]["CLIENT_SECRET"] == "1234567890"
    assert yaml.safe_load((tmp_path / ".direct.internal_auth").read_text())["keycloak"]["CLIENT_SECRET"] == "a: b #c, d"
    assert load_profiles(tmp_path, base=answers) == answers


def test_ipv6_main_ip_is_bracketed_in_engine_url(answers_data) -> None:
    answers_data["machine_main_ip"] = "2001:db8::10"
    text = render_all(answers_from_mapping(answers_data)).files[".direct"]
    assert yaml.safe_load(text)["engines"]["exareme2"]["URL"] == "http://[2001:db8::10]:30000"


def test_rewrite_keeps_previous_version_and_bounds_backups(answers, answers_data, tmp_path: Path) -> None:
    write_profiles(answers, tmp_path)
    original = (tmp_path / ".direct").read_bytes()
    for n in range(8):
        answers_data["machine_public_fqdn"] = f"mip{n}.example.org"
        write_profiles(answers_from_mapping(answers_data), tmp_path)
    backups = list_backups(tmp_path / ".direct")
    assert 1 <= len(backups) <= 5
    assert all(b.stat().st_mode & 0o777 == 0o600 for b in backups)
    # the newest backup is the previous version
    assert b"mip6.example.org" in backups[-1].read_bytes()
    assert original != (tmp_path / ".direct").read_bytes()


def test_unchanged_write_touches_nothing(answers, tmp_path: Path) -> None:
    write_profiles(answers, tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    report = write_profiles(answers, tmp_path)
    assert report.written == [] and len(report.unchanged) == 8
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_diff_masks_secrets(answers, answers_data, tmp_path: Path) -> None:
    diffs = diff_profiles(answers, tmp_path)
    assert len(diffs) == 8
    write_profiles(answers, tmp_path)
    answers_data["keycloak"]["client_secret"] = "another-Secret-123"
    changed = diff_profiles(answers_from_mapping(answers_data), tmp_path)
    assert set(changed) == {".direct", ".direct.no_auth", ".proxied", ".proxied.no_auth"}
    text = "".join(changed.values()) + "".join(diffs.values())
    for secret in (EXTERNAL_SECRET, INTERNAL_SECRET, "another-Secret-123"):
        assert secret not in text


@requires_shared()
def test_loading_upstream_placeholders_is_a_clean_error() -> None:
    with pytest.raises(UserError, match="placeholder"):
        load_profiles(UPSTREAM_PROFILES)


def test_loading_broken_yaml_names_file_and_line(answers, tmp_path: Path) -> None:
    write_profiles(answers, tmp_path)
    (tmp_path / ".direct").write_text("EXTERNAL_IP: 10.0.0.1\nmip: [unclosed\n")
    with pytest.raises(UserError, match=r"\.direct: not valid YAML at line \d"):
        load_profiles(tmp_path)


def test_writing_into_a_file_path_fails_cleanly(answers, tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        write_profiles(answers, target)
    assert os.path.isfile(target)
