"""YAML helpers: scalar quoting for templates, and the one bounded loader for YAML/JSON input."""

from __future__ import annotations

from pathlib import Path
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


# Bounds for every YAML/JSON input (answers, profiles, values, CDEsMetadata.json): each real file
# is far inside them; a hostile or broken one gets a clear error in bounded time and memory.
MAX_INPUT_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 200_000  # after expanding aliases (a "billion laughs" file expands to 10**9)


class YamlProblem(Exception):
    """Unparseable or refused YAML/JSON, with the 1-based line where the problem is (if known)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _line(node_or_mark: Any) -> int | None:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return mark.line + 1 if mark is not None and hasattr(mark, "line") else None


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with duplicate keys refused and depth, aliases and size bounded."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                where = _line(self.peek_event())  # type: ignore[no-untyped-call]
                raise YamlProblem(f"more than {MAX_ALIASES} aliases (*name) — write the values out", where)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            where = _line(self.peek_event())  # type: ignore[no-untyped-call]
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep — flatten the file", where)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int | None] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key, -1)
                except TypeError:
                    continue  # an unhashable key: the base constructor reports it
                if first != -1:
                    raise YamlProblem(
                        f"the key {key!r} is written twice (lines {first} and {_line(key_node)}) — keep one",
                        _line(key_node),
                    )
                seen[key] = _line(key_node)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[id(node)] = size
    return size


def parse_yaml(text: str) -> Any:
    """Parse one YAML document safely within the bounds above; ``YamlProblem`` for anything wrong."""
    if len(text) > MAX_INPUT_BYTES:
        raise YamlProblem(f"is {len(text):,} characters long, more than {MAX_INPUT_BYTES:,} — check the file", None)
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise YamlProblem(f"expands to more than {MAX_NODES:,} values (aliases) — write it out plainly", None)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YamlProblem(str(problem), _line(mark)) from None
    except RecursionError:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep — flatten the file", None) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of 5,000 digits
        raise YamlProblem(f"a value cannot be read ({str(exc).splitlines()[0][:80]})", None) from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_json(text: str) -> Any:
    """``json.loads`` within the same bounds, duplicate keys refused; ``YamlProblem`` when wrong."""
    import json

    if len(text) > MAX_INPUT_BYTES * 4:
        raise YamlProblem(f"is {len(text):,} characters long, more than {MAX_INPUT_BYTES * 4:,}", None)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise YamlProblem(f"the key {key!r} is written twice — keep one", None)
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise YamlProblem(f"{name} is not a number JSON allows — write a number, or leave the value out", None)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise YamlProblem(f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep — flatten the file", None) from None
    except ValueError as exc:
        raise YamlProblem(f"a value cannot be read ({str(exc).splitlines()[0][:80]})", None) from None
    if _depth(data) > MAX_DEPTH:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep — flatten the file", None)
    return data


def _depth(data: Any) -> int:
    deepest, todo = 0, [(data, 1)]
    while todo:
        node, level = todo.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            todo.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            todo.extend((v, level + 1) for v in node)
    return deepest


def load_yaml_file(path: Path, *, what: str = "file", max_bytes: int = MAX_INPUT_BYTES) -> Any:
    """Read and parse a YAML file: regular files only, bounded; ``UserError`` naming file and line."""
    from .errors import UserError
    from .safe_fs import read_regular_file

    raw = read_regular_file(path, max_bytes=max_bytes, what=what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text — save the {what} as UTF-8") from None
    try:
        return parse_yaml(text)
    except YamlProblem as exc:
        where = f" at line {exc.line}" if exc.line else ""
        raise UserError(f"{path}: not valid YAML{where}: {exc} — fix the {what}") from None


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
