"""Code rules the linters do not know: no dispatch on class names anywhere in mipwizard/.

Events and results are typed; code tells them apart with ``isinstance`` or ``match`` on the class,
never by comparing ``type(x).__name__`` (a rename or a subclass silently breaks that). A class name
in a message (``f"{type(exc).__name__}: {exc}"``) is fine.
"""

from __future__ import annotations

import ast

from .conftest import ROOT


def _is_class_name(node: ast.AST) -> bool:
    """``type(x).__name__``, ``x.__class__.__name__`` (or ``__qualname__``)."""
    if not isinstance(node, ast.Attribute) or node.attr not in ("__name__", "__qualname__"):
        return False
    value = node.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "type":
        return True
    return isinstance(value, ast.Attribute) and value.attr == "__class__"


def _dispatching(expr: ast.AST, names: set[str]) -> bool:
    """The expression is a class name, or a variable that holds one."""
    return _is_class_name(expr) or (isinstance(expr, ast.Name) and expr.id in names)


def class_name_dispatch(source: str, filename: str = "<source>") -> list[int]:
    """Line numbers where code decides by a class name: compares it, matches on it, looks it up,
    or builds a method name from it."""
    tree = ast.parse(source, filename)
    found: list[int] = []
    for scope in [tree, *[n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]]:
        holders = {
            target.id
            for node in ast.walk(scope) if isinstance(node, ast.Assign) and _is_class_name(node.value)
            for target in node.targets if isinstance(target, ast.Name)
        }
        for node in ast.walk(scope):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                hit = any(_dispatching(side, holders) for side in sides)
            elif isinstance(node, ast.Match):
                hit = _dispatching(node.subject, holders)
            elif isinstance(node, ast.Subscript):
                hit = _dispatching(node.slice, holders)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                hit = any(_dispatching(part, holders) for arg in node.args[1:2] for part in ast.walk(arg))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                hit = bool(node.args) and _dispatching(node.args[0], holders)
            else:
                hit = False
            if hit:
                found.append(node.lineno)
    return sorted(set(found))


def test_the_detector_finds_the_patterns_it_exists_for() -> None:
    old_install_screen = (
        "def on_event(event):\n"
        "    if type(event).__name__ == 'StepOutput':\n"
        "        pass\n"
        "def handle(event):\n"
        "    kind = type(event).__name__\n"
        "    if kind == 'StepStarted':\n"
        "        pass\n"
        "def table(event, handlers):\n"
        "    handlers[event.__class__.__name__](event)\n"
        "    getattr(self, f'on_{type(event).__name__}')(event)\n"
        "    match type(event).__name__:\n"
        "        case 'StepFinished':\n"
        "            pass\n"
    )
    assert class_name_dispatch(old_install_screen) == [2, 6, 9, 10, 11]
    message = (
        "def fail(exc):\n"
        "    raise ValueError(f'{type(exc).__name__}: {exc}')\n"
        "    name = exc.__class__.__name__\n"
    )
    assert class_name_dispatch(message) == []


def test_no_class_name_dispatch_in_mipwizard() -> None:
    offenders = []
    for path in sorted((ROOT / "mipwizard").rglob("*.py")):
        lines = class_name_dispatch(path.read_text(encoding="utf-8"), str(path))
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert offenders == [], f"dispatch on a class name (use isinstance or match on the class): {offenders}"
