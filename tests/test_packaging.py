"""Package data comes through importlib.resources; the wizard's crash is one line and exit 1;
``python -m mipwizard`` works. (The built wheel and the offline archive: tests/test_artefact.py.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mipwizard import __version__
from mipwizard.resources import MissingResource, asset_text, data, data_path, data_text

from .conftest import EXTERNAL_SECRET, ROOT


def shipped_files() -> list[str]:
    """Every data file of the checkout, as the package names it (``profiles/…``, ``assets/…``)."""
    return sorted(
        str(path.relative_to(ROOT))
        for top in ("profiles", "assets")
        for path in (ROOT / top).rglob("*")
        if path.is_file()
    )


def test_every_data_file_is_found_through_importlib_resources() -> None:
    names = shipped_files()
    assert "assets/wizard.tcss" in names and "profiles/direct.yaml.tmpl" in names
    for name in names:
        assert data(name).is_file(), name
        assert data(name).read_bytes() == (ROOT / name).read_bytes(), name
    assert data_path("assets/wizard.tcss").read_text(encoding="utf-8") == data_text("assets/wizard.tcss")


def test_a_missing_data_file_names_the_fix() -> None:
    with pytest.raises(MissingResource, match=r"profiles/nope\.tmpl is missing — reinstall mipwizard"):
        data_text("profiles/nope.tmpl")
    assert asset_text("help/nope.md", "fallback") == "fallback"


def run_python(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_python_dash_m_mipwizard(tmp_path: Path) -> None:
    done = run_python("-m", "mipwizard", "--version", cwd=tmp_path, env=dict(os.environ))
    assert (done.returncode, done.stdout.strip()) == (0, f"mipwizard {__version__}")


CRASH = """
import sys
from mipwizard.tui import app
def mount(self):
    self.state.load_mapping({"keycloak": {"client_secret": sys.argv[1]}})   # a secret the app holds
    raise RuntimeError(f"screen broke while holding {sys.argv[1]}")
app.WizardApp.on_mount = mount
raise SystemExit(app.run_wizard())   # what `mipwizard` runs once it has a terminal
"""


def test_a_wizard_crash_exits_1_with_one_line_and_the_log(tmp_path: Path, fake_toolchain: object) -> None:
    env = dict(
        os.environ,
        MIPWIZARD_LOG_DIR=str(tmp_path / "logs"),
        TEXTUAL_DRIVER="textual.drivers.headless_driver:HeadlessDriver",  # no terminal needed
    )
    done = run_python("-c", CRASH, EXTERNAL_SECRET, cwd=tmp_path, env=env)
    log = tmp_path / "logs" / "wizard.log"
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"error: the wizard stopped on an unexpected error (RuntimeError: screen broke while holding ***HIDDEN***)"
        f" — details in {log}"
    ]
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "in mount" in text
    assert EXTERNAL_SECRET not in text + done.stdout + done.stderr
    assert log.stat().st_mode & 0o077 == 0


def test_a_missing_stylesheet_says_reinstall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from mipwizard.tui import app

    monkeypatch.setattr(app.WizardApp, "CSS_PATH", str(tmp_path / "wizard.tcss"))
    assert app.run_wizard() == 1
    assert capsys.readouterr().err == (
        "error: mipwizard's data file assets/wizard.tcss is missing — reinstall mipwizard (pipx reinstall mipwizard)\n"
    )


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_constraints_pin_every_dependency_the_tests_run_with() -> None:
    """A dependency added to pyproject without a pin in constraints.txt fails here, not in an offline install."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

    pins = {
        canonical(line.split("==")[0])
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    needed: set[str] = set()
    todo = [("mipwizard", {"test", "dev"})]
    while todo:
        name, extras = todo.pop()
        try:
            requirements = distribution(name).requires or []
        except PackageNotFoundError:
            continue  # not installed here (a marker for another Python): pinned by update_constraints
        for text in requirements:
            req = Requirement(text)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
                continue
            if canonical(req.name) not in needed and canonical(req.name) != "mipwizard":
                needed.add(canonical(req.name))
                todo.append((req.name, set(req.extras)))
            elif canonical(req.name) == "mipwizard":
                todo.append((req.name, set(req.extras)))
    assert "textual" in needed and "pytest" in needed
    assert needed - pins == set(), "pin these in constraints.txt (python3 tools/update_constraints.py)"
