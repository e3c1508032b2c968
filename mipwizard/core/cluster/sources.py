"""The troubleshooting tools' sources: the saved answers, the chart folder and its profiles,
what they say (the main IP, the secret values to seed a ``Redactor``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..redact import Redactor

# The profile and secret rules are imported where they are used: ``status`` reads only the main IP.

DEFAULT_CHART = Path("/opt/mip-deployment/kubernetes")
CHECKOUTS_FILE = "checkouts.json"  # in the state folder, written by the install's checkouts step


def default_answers_path() -> Path | None:
    """The answers file the wizard saved, if there is one."""
    from ..paths import state_dir

    path = state_dir() / "answers.yaml"
    return path if path.is_file() else None


def chart_dir_from(answers_path: Path | None) -> Path:
    """The mip chart folder named by the answers (``mip_deployment.path``/kubernetes), else the default."""
    if answers_path is not None:
        data = _read_yaml(answers_path)
        path = (data.get("mip_deployment") or {}).get("path") if isinstance(data, dict) else None
        if isinstance(path, str) and path:
            return Path(path) / "kubernetes"
    return DEFAULT_CHART


def answers_values(answers_path: Path | None) -> dict[str, str]:
    """The saved answers' top-level text values (``machine_main_ip``, ``active_profile``…); {} if none."""
    data = _read_yaml(answers_path) if answers_path is not None else None
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str) and v}


def main_ip_from(answers_path: Path | None) -> str | None:
    """``machine_main_ip`` from the saved answers (the master node's InternalIP must be it)."""
    return answers_values(answers_path).get("machine_main_ip")


def read_checkouts(state_dir: Path) -> dict[str, dict[str, str]]:
    """The commits the last install checked out: key -> {url, ref, commit, path}."""
    try:
        data = json.loads((state_dir / CHECKOUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def profile_files(chart_dir: Path) -> list[Path]:
    """The 8 profile files present in ``chart_dir`` (``.direct``, ``.proxied.no_auth``...)."""
    from ..profile_kinds import PROFILE_NAMES

    return [chart_dir / f".{name}" for name in PROFILE_NAMES if (chart_dir / f".{name}").is_file()]


def _read_text(path: Path) -> str:
    """A small regular file's text, or "" (a FIFO or a device is never opened for a read that hangs)."""
    from ..errors import UserError
    from ..safe_fs import read_regular_file
    from ..yamlutil import MAX_INPUT_BYTES

    try:
        return read_regular_file(path, max_bytes=MAX_INPUT_BYTES).decode("utf-8", "replace")
    except UserError:
        return ""


def _read_yaml(path: Path) -> Any:
    from ..yamlutil import YamlProblem, parse_yaml

    try:
        return parse_yaml(_read_text(path))
    except YamlProblem:
        return None


def secrets_in_data(data: Any) -> list[str]:
    """Secret values in ``data`` (the one rule lives in ``redact.secrets_in``)."""
    from ..redact import secrets_in

    return secrets_in(data)


def known_secrets(chart_dir: Path | None, answers_path: Path | None) -> list[str]:
    """Secrets in the profiles and answers, and in their kept backups (an old secret may be in a log)."""
    from ..fileio import list_backups
    from ..redact import secrets_in_text

    found: list[str] = []
    for path in [*(profile_files(chart_dir) if chart_dir else []), *([answers_path] if answers_path else [])]:
        for version in [path, *list_backups(path)]:
            found += secrets_in_text(_read_text(version))
    return found


def redactor_for(chart_dir: Path | None, answers_path: Path | None, extra: list[str] | None = None) -> Redactor:
    from ..redact import Redactor

    return Redactor([*known_secrets(chart_dir, answers_path), *(extra or [])])
