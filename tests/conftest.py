"""Shared fixtures. Tests never touch the real system: programs come from the fake toolchain
(tests/fake_toolchain), files from tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import snapshot_skips
from tests.fake_toolchain.fixture import fake_toolchain  # noqa: F401  (fixture: a fake machine on PATH)
from tests.release_repos import release_repos  # noqa: F401  (fixture: local git repos of the real charts)

snapshot_skips.install()  # a snapshot test skipped (no ../shared) does not fail the run as "unused"

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
UPSTREAM_PROFILES = REFERENCE / "mip-deployment-kubernetes"
TRANSCRIPTS = REFERENCE / "transcripts"
SHARED_DATA = SHARED / "data"

# Secrets used by test answers; artefact greps look for exactly these strings.
EXTERNAL_SECRET = "ext-Secret-7f3a9c1e-5b2d"
INTERNAL_SECRET = "int-Secret-0c4e8d2a-91f7"


def requires_shared() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared reference material is not present")


@pytest.fixture
def answers_data() -> dict:
    """A complete, valid answers mapping (all 8 profiles renderable)."""
    return {
        "role": "local",
        "machine_main_ip": "10.20.30.40",
        "machine_public_fqdn": "mip.example.org",
        "machine_private_fqdn_or_ip": "10.20.30.41",
        "active_profile": "direct",
        "keycloak": {
            "url": "iam.ebrains.eu",
            "realm": "MIP",
            "client_id": "mipfedqa",
            "client_secret": EXTERNAL_SECRET,
        },
        "internal_keycloak": {"realm": "MIP", "client_id": "MIP", "client_secret": INTERNAL_SECRET},
        "datacatalogue_host": "datacatalogue.mip.ebrains.eu",
        "federation": "mipfed1",
        "pathologies": ["dementia"],
    }


@pytest.fixture
def answers(answers_data: dict):
    from mipwizard.core.answers import answers_from_mapping

    return answers_from_mapping(answers_data)


@pytest.fixture
def answers_file(tmp_path: Path, answers_data: dict) -> Path:
    import yaml

    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers_data, sort_keys=False))
    path.chmod(0o600)
    return path


@pytest.fixture(autouse=True)
def _private_state_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read or write the real /var/lib/mipwizard or /var/log/mipwizard (we run as root).

    Tests that need particular folders set these variables again; subprocesses inherit them.
    """
    base = tmp_path_factory.mktemp("mipwizard-dirs")
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(base / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(base / "log"))
    monkeypatch.setenv("MIPWIZARD_MICROK8S_SNAP_DATA", str(base / "snap-data"))


def install_fake_cluster(fake: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make ``fake`` a fully installed MIP: our profiles in ``fake.chart``, answers in ``fake.answers``.

    The wizard's state and logs go to ``tmp_path/state`` and ``tmp_path/logs``; the answers file
    is saved where the wizard keeps it (``state/answers.yaml``).
    """
    import yaml

    from mipwizard.core.answers import answers_from_mapping
    from mipwizard.core.profiles import write_profiles

    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    answers_data.update(
        data_root=str(tmp_path / "data"),
        exareme2={"path": str(tmp_path / "exareme2")},
        mip_deployment={"path": str(tmp_path / "mip-deployment")},
    )
    fake.mark_fully_installed(answers_data)
    fake.chart = tmp_path / "mip-deployment" / "kubernetes"
    write_profiles(answers_from_mapping(answers_data), fake.chart)
    fake.answers = tmp_path / "state" / "answers.yaml"
    fake.answers.parent.mkdir(parents=True, exist_ok=True)
    fake.answers.write_text(yaml.safe_dump(answers_data))
    return fake


def disk_full_at_write(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """The ``nth`` temporary file ``core.fileio`` writes fails as on a full disk (ENOSPC)."""
    import mipwizard.core.fileio as fileio

    real, calls = fileio._write_temp, []

    def full_disk(path: Path, data: bytes, mode: int) -> str:
        calls.append(path)
        if len(calls) == nth:
            raise OSError(28, "No space left on device")
        return real(path, data, mode)

    monkeypatch.setattr(fileio, "_write_temp", full_disk)


def fake_secret(env: dict[str, str], name: str, namespace: str = "default") -> dict[str, str]:
    """A Secret's data, decoded, as the fake cluster's kubectl shows it (applied, or made by a chart's render)."""
    import base64
    import json
    import subprocess

    shown = subprocess.run(["microk8s", "kubectl", "get", "secret", name, "-n", namespace, "-o", "json"],
                           env=env, capture_output=True, text=True, timeout=60, check=True)
    return {k: base64.b64decode(v).decode() for k, v in json.loads(shown.stdout)["data"].items()}
