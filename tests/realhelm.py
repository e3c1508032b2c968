"""A real helm 3 for the tests: ``REAL_HELM`` (a Path, or None) and the ``requires_real_helm`` marker.

Found, in order: ``$MIPWIZARD_TEST_HELM`` (a helm binary; empty or ``none`` turns the real helm off),
then the cache ``tests/get_real_helm.py`` fills (``.ci/run`` runs it). It must say it is helm v3.
The fake toolchain's ``microk8s helm3`` renders through it (``MIPWIZARD_REAL_HELM`` in the fake's
environment) so install tests see what a cluster would receive.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .get_real_helm import cached_binary

HELM_ENV = "MIPWIZARD_TEST_HELM"
FAKE_ENV = "MIPWIZARD_REAL_HELM"  # what the fake microk8s helm3 reads
SHARED_CHARTS = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "charts"


def _is_helm3(path: Path) -> bool:
    try:
        done = subprocess.run([str(path), "version", "--short"], capture_output=True, text=True, timeout=20,
                              check=False, env={"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent"})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.startswith("v3.")


def find_real_helm() -> Path | None:
    configured = os.environ.get(HELM_ENV)
    if configured is not None:
        if configured.strip().lower() in ("", "none", "0", "off"):
            return None
        candidate = Path(configured)
    else:
        candidate = cached_binary()
    return candidate if candidate.is_file() and _is_helm3(candidate) else None


def shared_charts() -> Path | None:
    """../shared/reference/charts (the real upstream trees), or None when it is not beside the checkout."""
    return SHARED_CHARTS if (SHARED_CHARTS / "MANIFEST.md").is_file() else None


REAL_HELM: Path | None = find_real_helm()
REAL_CHARTS: Path | None = shared_charts()

requires_real_helm = pytest.mark.skipif(
    REAL_HELM is None, reason="no real helm 3 (python3 tests/get_real_helm.py fetches it; or set MIPWIZARD_TEST_HELM)"
)
requires_real_charts = pytest.mark.skipif(
    REAL_CHARTS is None, reason="../shared/reference/charts is not beside the checkout"
)
