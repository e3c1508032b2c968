"""The import contracts in pyproject.toml hold, and they would catch the breaks they exist for.

``lint-imports`` reads the contracts (``[tool.importlinter]``); ARCHITECTURE.md explains them.
Each mutation test copies the package, adds one forbidden import and expects that contract broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install .[dev])")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(root))  # the copy under test, not the installed package
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " broken" not in done.stdout.replace("0 broken", "")
    assert done.stdout.count(" KEPT") >= 7


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "mipwizard", tmp_path / "mipwizard", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # the break the issue found: the answers model reaching the cluster through federation
        ("core/answers.py", "from . import federation", "The engine's own layers"),
        ("core/errors.py", "import textual", "Only the TUI imports textual"),
        ("core/profiles.py", "from ..tui import state", "The engine never imports the faces"),
        # the cycle that was broken: a step screen importing the app that imports it
        ("tui/screens/base.py", "from .. import app", "No import cycles"),
        ("tui/widgets/field.py", "from ..dialogs import confirm", "The wizard's own layers"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy: Path, module: str, line: str, contract: str) -> None:
    path = copy / "mipwizard" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    done = lint_imports(copy)
    assert done.returncode == 1, done.stdout
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, done.stdout
