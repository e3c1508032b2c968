"""The secret-variant matrix over the install's own artefacts: its output, log, journal, saved answers.

``test_secret_matrix.py`` greps what shows, diffs, logs and bundles an installed MIP; here the
install itself runs with each awkward secret, and the Secrets' ``kubectl apply`` fails printing the
secret in each encoding a program could echo it in (raw, JSON, YAML single- and double-quoted).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_secret_matrix import VARIANTS, leaks


@pytest.mark.parametrize("secret", VARIANTS)
def test_no_install_artefact_shows_the_secret(
    secret: str, fake_toolchain: Any, answers_data: dict, tmp_path: Path
) -> None:
    answers_data["keycloak"]["client_secret"] = secret
    answers_data["internal_keycloak"]["client_secret"] = secret + "-internal"
    answers_data.update(data_root=str(tmp_path / "data"), exareme2={"path": str(tmp_path / "opt" / "exareme2")},
                        mip_deployment={"path": str(tmp_path / "opt" / "mip-deployment")})
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(answers_data))
    fake_toolchain.mark_fully_installed(answers_data)  # the checkouts the Secrets step reads
    echoed = [secret, json.dumps(secret), "'" + secret.replace("'", "''") + "'", json.dumps(secret + "-internal")]
    fake_toolchain.fail("microk8s", "kubectl", "apply", stdout="\n".join(f"secret/x data: {e}" for e in echoed),
                        stderr=f"Error from server: invalid value {secret}")
    env = fake_toolchain.env()
    env.update(MIPWIZARD_STATE_DIR=str(tmp_path / "state"), MIPWIZARD_LOG_DIR=str(tmp_path / "logs"), NO_COLOR="1")
    result = subprocess.run(
        [sys.executable, "-m", "mipwizard", "install", "--answers", str(answers), "--yes", "--only", "mip-secrets"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1 and "step mip-secrets failed" in result.stderr, result.stdout + result.stderr
    artefacts = {"stdout": result.stdout, "stderr": result.stderr}
    for folder in (tmp_path / "logs", tmp_path / "state"):
        for path in folder.rglob("*"):
            if path.is_file() and path.name != "fingerprint.key":
                artefacts[str(path.relative_to(tmp_path))] = path.read_text(encoding="utf-8", errors="replace")
    assert "logs/install.log" in artefacts and "state/install-journal.json" in artefacts
    assert "secret/x data: ***" in artefacts["logs/install.log"]  # the echoed lines were logged, masked
    found = {where: leaks(text, s) for where, text in artefacts.items() for s in (secret, secret + "-internal")}
    assert not {where: forms for where, forms in found.items() if forms}
