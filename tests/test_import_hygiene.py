"""The engine and the CLI never import textual; the wizard's first import stays light."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import mipwizard.core

ROOT = Path(__file__).resolve().parents[1]


def engine_modules() -> list[str]:
    found = ["mipwizard.core", "mipwizard.cli.main"]
    for info in pkgutil.walk_packages(mipwizard.core.__path__, "mipwizard.core."):
        found.append(info.name)
    cli = ROOT / "mipwizard" / "cli"
    found += [f"mipwizard.cli.{p.stem}" for p in sorted(cli.glob("*.py")) if p.stem != "__init__"]
    return sorted(set(found))


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_engine_and_cli_never_import_textual() -> None:
    modules = engine_modules()
    assert len(modules) > 10
    imports = "\n".join(f"import {name}" for name in modules)
    code = (
        f"{imports}\nimport sys\nleaked = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\nprint(leaked)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"textual imported by the engine or CLI: {result.stdout}"


def test_cli_entry_runs_a_command_without_textual(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom mipwizard.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual imported'\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr


def test_wizard_app_module_loads_no_heavy_engine_modules() -> None:
    """pydantic, psutil and the install engine load in workers, after the first frame."""
    code = (
        "import sys\nimport mipwizard.tui.app\n"
        "heavy = [m for m in ('pydantic', 'psutil', 'yaml', 'mipwizard.core.install', 'mipwizard.core.answers')"
        " if m in sys.modules]\nprint(heavy)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_status_loads_only_what_it_reads_with(tmp_path: Path) -> None:
    """At scale every import competes with status's own reads (benchmarks/bench_status.py): it
    builds only its command's parser and never loads pydantic, the install engine or the chart check."""
    code = (
        "import sys, os\nos.environ['PATH'] = ''\nfrom mipwizard.cli.main import main\n"
        "code = main(['status', '--json'])\n"
        "heavy = [m for m in ('pydantic', 'mipwizard.core.install', 'mipwizard.core.chartcheck', "
        "'mipwizard.cli.install', 'mipwizard.cli.backup', 'mipwizard.cli.profiles') if m in sys.modules]\n"
        "print(code, heavy)"
    )
    env = {
        "MIPWIZARD_STATE_DIR": str(tmp_path / "state"),
        "MIPWIZARD_LOG_DIR": str(tmp_path / "logs"),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "3 []"  # no microk8s on PATH: unreachable
