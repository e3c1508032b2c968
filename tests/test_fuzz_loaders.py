"""Hypothesis: the answers loader and the profile loader/linter never raise anything but clean errors."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mipwizard.core.answers import answers_from_mapping, load_answers
from mipwizard.core.errors import UserError
from mipwizard.core.lint import lint_directory
from mipwizard.core.profiles import load_profiles

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
KEYS = [
    "role",
    "machine_main_ip",
    "machine_public_fqdn",
    "machine_private_fqdn_or_ip",
    "active_profile",
    "keycloak",
    "internal_keycloak",
    "datacatalogue_host",
    "federation",
    "pathologies",
    "exareme2",
    "data_root",
    "admin_user",
]
answers_like = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=12), values, max_size=10)
fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(answers_like)
def test_answers_mapping_fuzz(data: dict) -> None:
    try:
        answers_from_mapping(data)
    except UserError as exc:
        assert str(exc)


@fuzz
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_answers_file_fuzz(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.yaml"
        path.write_bytes(raw)
        try:
            load_answers(path)
        except UserError as exc:
            assert str(exc)


@fuzz
@given(
    st.dictionaries(
        st.sampled_from([".direct", ".proxied", ".direct.no_auth", ".proxied.internal_auth"]),
        st.one_of(values.map(lambda v: yaml.safe_dump(v)), st.text(max_size=200)),
        min_size=1,
        max_size=4,
    )
)
def test_profile_dir_fuzz(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, text in files.items():
            (folder / name).write_bytes(text.encode("utf-8", "replace"))
        try:
            load_profiles(folder)
        except UserError as exc:
            assert str(exc)
        problems = lint_directory(folder)
        assert all(str(p) for p in problems)
