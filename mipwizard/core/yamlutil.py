"""Small YAML helpers: scalar quoting for templates, and parse errors with line numbers."""

from __future__ import annotations

from typing import Any

import yaml


def yaml_scalar(value: str) -> str:
    """``value`` as one YAML scalar that parses back to the same string.

    Plain where that is safe (``iam.ebrains.eu``), quoted where YAML would change its type or
    meaning (``'123'``, ``'yes'``, ``'a: b'``, ``''``).
    """
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, allow_unicode=True)
    for end in ("\n...\n", "\n"):
        if dumped.endswith(end):
            dumped = dumped[: -len(end)]
            break
    return dumped


class YamlProblem(Exception):
    """Unparseable YAML, with the 1-based line where the parser gave up."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YamlProblem(str(problem), line) from None


def dig(data: Any, dotted: str) -> Any:
    """``data['a']['b']`` for ``'a.b'``; None when any level is missing or not a mapping."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def walk_scalars(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every leaf as (dotted key, value)."""
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for key, value in data.items():
            out.extend(walk_scalars(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list):
        out = []
        for i, value in enumerate(data):
            out.extend(walk_scalars(value, f"{prefix}[{i}]"))
        return out
    return [(prefix, data)]
