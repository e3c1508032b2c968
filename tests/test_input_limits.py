"""Input limits: hostile or broken input gets a clear error naming the problem, in bounded time.

Every loader — answers, profiles, chart values, CDEsMetadata.json, CSV cells — is fed the shapes
the attack used (deep nesting, billion laughs, huge numbers, duplicate keys, a FIFO, /dev/zero,
a 60 MB file) and a Hypothesis fuzz of them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mipwizard.core import validators as v
from mipwizard.core.answers import answers_from_mapping, load_answers
from mipwizard.core.data.metadata import read_metadata
from mipwizard.core.data.report import FileReport
from mipwizard.core.errors import UserError
from mipwizard.core.lint import lint_directory
from mipwizard.core.profiles import read_profile_file
from mipwizard.core.yamlutil import YamlProblem, parse_json, parse_yaml

BOUND_SECONDS = 10.0  # generous: each case takes milliseconds; a hang or a blow-up takes forever

LAUGHS = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
HOSTILE_YAML = {
    "deep-flow": "a: " + "[" * 5000 + "]" * 5000,
    "deep-block": "".join("  " * i + f"k{i}:\n" for i in range(400)) + "  " * 400 + "x: 1\n",
    "billion-laughs": LAUGHS,
    "huge-int": "role: " + "9" * 5000 + "\n",
    "duplicate-key": "role: local\nfederation: a\nrole: master\n",
    "duplicate-nested": "keycloak:\n  client_secret: aaaaaaaaaa\n  client_secret: bbbbbbbbbb\nfederation: x\n",
    "binary": "\x00\x01\x02",
    "many-aliases": "a: &x 1\nb: [" + ",".join(["*x"] * 500) + "]\n",
}


def bounded(call: Any) -> Any:
    started = time.monotonic()
    try:
        return call()
    finally:
        assert time.monotonic() - started < BOUND_SECONDS


@pytest.mark.parametrize("name", HOSTILE_YAML)
def test_hostile_yaml_is_a_clear_error(name: str, tmp_path: Path) -> None:
    with pytest.raises(YamlProblem) as caught:
        bounded(lambda: parse_yaml(HOSTILE_YAML[name]))
    assert str(caught.value)
    path = tmp_path / "answers.yaml"
    path.write_text(HOSTILE_YAML[name])
    with pytest.raises(UserError, match=str(path)):
        bounded(lambda: load_answers(path))
    profile = tmp_path / ".direct"
    profile.write_text(HOSTILE_YAML[name])
    with pytest.raises(UserError, match=r"\.direct"):
        bounded(lambda: read_profile_file(profile))
    problems = bounded(lambda: lint_directory(tmp_path))
    assert any(p.file == ".direct" for p in problems)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge", "folder"])
def test_answers_file_that_is_not_a_small_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "answers.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(60 * 1024 * 1024)  # 60 MB (sparse: costs no disk)
    else:
        path.mkdir()
    with pytest.raises(UserError, match=str(path)):
        bounded(lambda: load_answers(path))


HOSTILE_JSON = {
    "deep": "[" * 100_000 + "]" * 100_000,
    "huge-int": '{"version": "1", "variables": [{"code": "a", "minValue": ' + "9" * 5000 + "}]}",
    "duplicate": '{"code": "a", "code": "b"}',
    "nan": '{"code": "a", "minValue": NaN}',
}


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_hostile_metadata_is_reported_not_raised(name: str, tmp_path: Path) -> None:
    with pytest.raises(YamlProblem):
        bounded(lambda: parse_json(HOSTILE_JSON[name]))
    path = tmp_path / "CDEsMetadata.json"
    path.write_text(HOSTILE_JSON[name])
    report = FileReport(str(path))
    assert bounded(lambda: read_metadata(path, report)) is None
    assert report.problems and all(p.message for p in report.problems)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("exareme2.path", "-rf", "starts with '-'"),
        ("exareme2.path", "relative/exareme2", "relative path"),
        ("mip_deployment.path", "/", "system folder"),
        ("mip_deployment.path", "/opt/../etc", "system folder"),
        ("data_root", "/usr", "system folder"),
        ("exareme2.repo_url", "--upload-pack=touch /tmp/pwned", "starts with '-'"),
        ("mip_deployment.repo_url", "ext::sh%-c%touch%/tmp/pwned", "not a repository URL"),
        ("mip_deployment.repo_url", "https:///no-host", "no host"),
        ("microk8s_channel", "--dangerous", "not a snap channel"),
        ("keycloak.client_secret", "short", "only 5 characters"),
        ("internal_keycloak.client_secret", "two\nlines-here", "several lines"),
    ],
)
def test_answer_fields_that_would_reach_argv_are_refused(answers_data: dict, field: str, value: str, says: str) -> None:
    section, _, key = field.rpartition(".")
    target = answers_data.setdefault(section, {}) if section else answers_data
    target[key] = value
    with pytest.raises(UserError) as caught:
        answers_from_mapping(answers_data)
    problems = "\n".join(caught.value.problems)
    assert field in problems and says in problems
    if "secret" in field:
        assert value not in problems and value not in str(caught.value)  # never echoed


def test_good_values_pass_normalised(answers_data: dict) -> None:
    answers_data.update(
        data_root="/data//",
        microk8s_channel="1.28/stable",
        exareme2={"path": "/opt/./exareme2", "repo_url": "git@github.com:madgik/Exareme2.git"},
        mip_deployment={"repo_url": "/srv/mirrors/mip-deployment"},
    )
    answers = answers_from_mapping(answers_data)
    assert str(answers.data_root) == "/data" and str(answers.exareme2.path) == "/opt/exareme2"


@pytest.mark.parametrize("cell", ["1_0", "١٢", "nan", "inf", "-Infinity", " 5", "1e999", "9" * 5000, "0x10", "٣.٥"])
def test_csv_numbers_follow_the_mip_rules(cell: str) -> None:
    for integer in (True, False):
        with pytest.raises(ValueError):
            v.parse_mip_number(cell, integer=integer)


@pytest.mark.parametrize(("cell", "integer", "value"), [("42", True, 42), ("-7", True, -7), ("1.5", False, 1.5),
                                                        ("2e3", False, 2000.0), (".5", False, 0.5)])  # fmt: skip
def test_csv_numbers_that_are_fine(cell: str, integer: bool, value: float) -> None:
    assert v.parse_mip_number(cell, integer=integer) == value


# --- fuzz: every loader, these shapes and random ones ----------------------------------------

fuzz = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
pieces = st.sampled_from(["[", "]", "{", "}", "&a ", "*a", ": ", "\n", "  ", "- ", "'", '"', "9" * 50, "a", ",", "#"])
yamlish = st.lists(pieces, max_size=80).map("".join) | st.sampled_from(list(HOSTILE_YAML.values()))


@fuzz
@given(yamlish)
def test_fuzz_yaml_loaders(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "answers.yaml").write_text(text)
        (folder / ".direct").write_text(text)
        for load in (lambda: load_answers(folder / "answers.yaml"), lambda: read_profile_file(folder / ".direct")):
            try:
                bounded(load)
            except UserError as exc:
                assert str(exc)
        assert all(str(p) for p in bounded(lambda: lint_directory(folder)))


jsonish = st.lists(st.sampled_from(["[", "]", "{", "}", '"a"', ":", ",", "NaN", "1" * 40, "null"]), max_size=80)


@fuzz
@given(jsonish.map("".join) | st.sampled_from(list(HOSTILE_JSON.values())))
def test_fuzz_metadata_loader(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "CDEsMetadata.json"
        path.write_text(text)
        report = FileReport(str(path))
        bounded(lambda: read_metadata(path, report))


@fuzz
@given(st.text(max_size=30))
def test_fuzz_mip_numbers(cell: str) -> None:
    for integer in (True, False):
        try:
            number = v.parse_mip_number(cell, integer=integer)
        except ValueError:
            continue
        assert cell.isascii() and "_" not in cell and number == number  # never nan


def test_values_round_trip_through_the_loader() -> None:
    data = {"a": [1, 2, {"b": "c"}], "d": None}
    assert parse_yaml(yaml.safe_dump(data)) == data and parse_json(json.dumps(data)) == data
