"""The ``fake_toolchain`` pytest fixture (registered by tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import FakeToolchain


@pytest.fixture
def fake_toolchain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeToolchain:
    """A fresh fake Ubuntu machine under ``tmp_path/"fake"``, first on PATH for this test."""
    fake = FakeToolchain(tmp_path / "fake")
    env = fake.env()
    keys = ("PATH", "MIPWIZARD_FAKE_STATE", "MIPWIZARD_FAKE_PYTHON", "MIPWIZARD_MICROK8S_SNAP_DATA",
            "MIPWIZARD_LOGIN_CHECK_URL")
    for key in keys:
        monkeypatch.setenv(key, env[key])
    if "MIPWIZARD_REAL_HELM" in env:  # the real helm 3 the fake renders through (tests/realhelm.py)
        monkeypatch.setenv("MIPWIZARD_REAL_HELM", env["MIPWIZARD_REAL_HELM"])
    monkeypatch.delenv("MIPWIZARD_FAKE_AS_ROOT", raising=False)
    return fake
