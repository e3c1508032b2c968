"""The troubleshooting tools' sources: the saved answers, the chart folder and its profiles,
what they say (the main IP, the secret values to seed a ``Redactor``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..profile_kinds import PROFILE_NAMES
from ..redact import Redactor

DEFAULT_CHART = Path("/opt/mip-deployment/kubernetes")
_SECRET_KEY = re.compile(r"secret|password|passwd|token|api_?key|credential", re.IGNORECASE)
_URL_CRED = re.compile(r"[a-z][a-z0-9+.-]*://([^/\s:@]+):([^/\s@]+)@", re.IGNORECASE)


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


def profile_files(chart_dir: Path) -> list[Path]:
    """The 8 profile files present in ``chart_dir`` (``.direct``, ``.proxied.no_auth``...)."""
    return [chart_dir / f".{name}" for name in PROFILE_NAMES if (chart_dir / f".{name}").is_file()]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return None


def secrets_in_data(data: Any) -> list[str]:
    """String values of secret-named keys anywhere in ``data``, plus URL passwords."""
    found: list[str] = []

    def walk(node: Any, secret: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, secret or bool(_SECRET_KEY.search(str(key))))
        elif isinstance(node, list):
            for item in node:
                walk(item, secret)
        elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
            text = str(node)
            if secret and text:
                found.append(text)
            found.extend(m.group(2) for m in _URL_CRED.finditer(text))

    walk(data, False)
    return found


def secrets_in_text(text: str) -> list[str]:
    try:
        return secrets_in_data(yaml.safe_load(text))
    except yaml.YAMLError:
        return []


def known_secrets(chart_dir: Path | None, answers_path: Path | None) -> list[str]:
    found: list[str] = []
    for path in [*(profile_files(chart_dir) if chart_dir else []), *([answers_path] if answers_path else [])]:
        found += secrets_in_data(_read_yaml(path))
    return found


def redactor_for(chart_dir: Path | None, answers_path: Path | None, extra: list[str] | None = None) -> Redactor:
    return Redactor([*known_secrets(chart_dir, answers_path), *(extra or [])])
