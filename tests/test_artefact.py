"""The built artefact, as a user gets it: tools/offline_bundle.py builds the wheel and the offline
archive; the archive installs with ``--no-index`` into a fresh Python 3.10 venv (and 3.12), and
the installed tool works from a folder far from the checkout.

Needs PyPI (or the configured index) to download the wheels, so it is marked ``artefact``: the
default run skips it, CI runs it once (``pytest -m artefact``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mipwizard import __version__

from .conftest import ROOT
from .test_packaging import shipped_files

pytestmark = pytest.mark.artefact

sys.path.insert(0, str(ROOT / "tools"))
from _pythons import find_python  # noqa: E402

BUNDLE = f"mipwizard-{__version__}-offline"


def offline_env(**extra: str) -> dict[str, str]:
    """No pip configuration at all (this machine's find-links could hide a missing wheel)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", **extra)
    return env


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, str(ROOT / "tools" / "offline_bundle.py"), "--out", str(out)], check=True,
                   timeout=600)
    (path,) = out.glob(f"{BUNDLE}-x86_64.tar.gz")
    return path


@pytest.fixture(scope="module")
def bundle(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("offline")
    with tarfile.open(archive) as tar:
        tar.extractall(where, filter="data")
    return where / BUNDLE


def install(bundle: Path, python: str, prefix: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bundle / "install.sh"), str(prefix)], env=offline_env(PYTHON=python),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    python = find_python("3.10")
    if python is None:
        pytest.skip("Python 3.10 (Ubuntu 22.04's python3) is not on this machine")
    prefix = tmp_path_factory.mktemp("opt") / "mipwizard"
    done = install(bundle, python, prefix)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"installed mipwizard {__version__} in {prefix}"
    yield prefix


def test_the_wheel_ships_every_data_file(bundle: Path) -> None:
    (wheel,) = (bundle / "wheels").glob("mipwizard-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        for name in shipped_files():
            assert zf.read(f"mipwizard/_data/{name}") == (ROOT / name).read_bytes(), name


def test_the_archive_holds_binary_wheels_for_both_ubuntu_pythons(bundle: Path) -> None:
    names = [p.name for p in (bundle / "wheels").iterdir()]
    for tag in ("cp310", "cp312"):
        assert any(n.startswith("pydantic_core-") and f"-{tag}-" in n for n in names), tag
    assert not any(n.endswith((".tar.gz", ".zip")) for n in names)  # nothing to compile offline


def test_installed_from_the_archive_with_no_index(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(installed / "bin" / "mipwizard"), "--version"], cwd=tmp_path, capture_output=True,
                          text=True, env=offline_env(), timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, f"mipwizard {__version__}")
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import mipwizard; print(mipwizard.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=offline_env(), check=True).stdout
    assert where.startswith(str(installed)), where  # the installed copy, not the checkout


def test_python_312_installs_too(bundle: Path, tmp_path: Path) -> None:
    python = find_python("3.12")
    if python is None:
        pytest.skip("Python 3.12 (Ubuntu 24.04's python3) is not on this machine")
    done = install(bundle, python, tmp_path / "mipwizard")
    assert done.returncode == 0, done.stderr


def test_installed_tool_writes_profiles_and_plans_outside_the_checkout(
    installed: Path, tmp_path: Path, answers_data: dict, fake_toolchain: object
) -> None:
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(answers_data))
    env = offline_env(PATH=os.environ["PATH"])  # the fake toolchain first: nothing real is probed

    def mipwizard(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(installed / "bin" / "mipwizard"), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    wrote = mipwizard("profiles", "write", "--answers", "answers.yaml", "--out", "kubernetes", "--yes")
    assert wrote.returncode == 0, wrote.stderr
    assert sorted(p.name for p in (tmp_path / "kubernetes").iterdir() if p.name.startswith(".")) == [
        ".direct", ".direct.internal_auth", ".direct.internal_auth.http", ".direct.no_auth",
        ".proxied", ".proxied.internal_auth", ".proxied.internal_auth.http", ".proxied.no_auth",
    ]
    plan = mipwizard("install", "--dry-run", "--answers", "answers.yaml")
    assert plan.returncode == 0, plan.stderr
    assert "Install plan for mip.example.org" in plan.stdout and "snap install microk8s --classic" in plan.stdout


FIRST_FRAME = """
import asyncio, sys
from pathlib import Path
from mipwizard.tui.app import make_app

async def main() -> int:
    app = make_app(machine_file=Path(sys.argv[1]))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):
            if type(app.screen).__name__ == "WelcomeScreen" and app.screen.is_mounted:
                break
            await pilot.pause(0.05)
        print(type(app.screen).__name__)
        print(app.export_screenshot())
        await pilot.press("ctrl+q")
    return app.return_code
raise SystemExit(asyncio.run(main()))
"""


def test_installed_wizard_draws_its_first_frame_and_quits(installed: Path, tmp_path: Path,
                                                          fake_toolchain: object) -> None:
    machine = ROOT / "tests" / "machines" / "perfect-master.json"
    done = subprocess.run([str(installed / "bin" / "python"), "-c", FIRST_FRAME, str(machine)], cwd=tmp_path,
                          env=offline_env(PATH=os.environ["PATH"]), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("WelcomeScreen\n")
    assert "What is this machine?" in done.stdout.replace("&#160;", " ")  # drawn with the wheel's stylesheet
