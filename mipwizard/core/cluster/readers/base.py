"""What every reader shares: the error, loading JSON/YAML, list documents, and ``View``.

A ``View`` is a typed, read-only window on one parsed JSON object: each field is read when it is
asked for, with a default when it is missing or of the wrong type, and nested objects are views
too. Nothing is copied or validated up front — ``status`` reads 600 pods and looks at a few fields
of each, so a model per pod (pydantic: ~0.3 s to import and ~0.2 s per 600 pods) cost more than
the read itself (benchmarks/bench_status.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

V = TypeVar("V", bound="View")
T = TypeVar("T")


class Field(Generic[T]):
    """One field of a view's JSON object, read as ``T`` on first access (``convert`` gives the
    default for a missing or mistyped value), then kept on the instance, where it shadows this
    descriptor: the diagnosis reads a pod's fields many times (40,000 reads for 600 pods)."""

    def __init__(self, key: str, convert: Callable[[Any], T]) -> None:
        self.key, self.convert = key, convert
        self.name = key

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Field[T]: ...

    @overload
    def __get__(self, obj: View, owner: type | None = None) -> T: ...

    def __get__(self, obj: View | None, owner: type | None = None) -> T | Field[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.convert(obj.raw.get(self.key))
        return value


def text(key: str, default: str = "") -> Field[str]:
    return Field(key, lambda value: as_text(value, default))


def optional_text(key: str) -> Field[str | None]:
    return Field(key, lambda value: None if value is None else as_text(value))


def flag(key: str) -> Field[bool]:
    return Field(key, lambda value: value is not None and as_bool(value))


def number(key: str, default: int = 0) -> Field[int]:
    return Field(key, lambda value: as_int(value, default))


def optional_number(key: str) -> Field[int | None]:
    return Field(key, lambda value: None if value is None else as_int(value))


def child(key: str, kind: type[V]) -> Field[V]:
    """A nested object as a view (empty when missing)."""
    return Field(key, kind)


def optional_child(key: str, kind: type[V]) -> Field[V | None]:
    return Field(key, lambda value: kind(value) if isinstance(value, dict) else None)


def children(key: str, kind: type[V]) -> Field[list[V]]:
    """A list of objects as views (what is not an object is left out)."""
    def views(value: Any) -> list[V]:
        return [kind(item) for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    return Field(key, views)


def mapping(key: str) -> Field[dict[str, str]]:
    """Labels, annotations, selectors: text keys and values (``true`` may come as a YAML bool)."""
    return Field(key, as_labels)


class ReaderError(ValueError):
    """Output that is not in the format a reader expects (message names the command)."""


def load(text: str, what: str) -> Any:
    """JSON, or YAML (a superset); raises ``ReaderError`` naming ``what``."""
    stripped = text.strip()
    if not stripped:
        raise ReaderError(f"{what}: empty output")
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    import yaml  # only for YAML outputs (``microk8s status --format yaml``, ``helm -o yaml``)

    try:
        return yaml.safe_load(stripped)
    except yaml.YAMLError as exc:
        raise ReaderError(f"{what}: not JSON or YAML ({str(exc).splitlines()[0]})") from None


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "y", "on"}


def as_text(value: Any, default: str = "") -> str:
    """A string field: numbers become their text; ``None``, lists and objects the default."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return default


def as_int(value: Any, default: int = 0) -> int:
    """An integer field: ``3``, ``"3"`` or ``3.0``; anything else the default (helm prints revisions as text)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            return int(float(str(value)))
        except ValueError:
            return default


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_labels(value: Any) -> dict[str, str]:
    """Labels and annotations: text keys and values (``true`` may come as a YAML bool)."""
    return {str(k): v if isinstance(v, str) else str(v) for k, v in as_dict(value).items()}


class View:
    """A typed view on one JSON object (``raw``); subclasses declare a ``Field`` per key they read."""

    def __init__(self, raw: Any = None) -> None:
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, View) and other.raw == self.raw

    __hash__ = None  # type: ignore[assignment]  # a view of mutable JSON: equal by content, not hashable

    def __repr__(self) -> str:
        name = as_dict(self.raw.get("metadata")).get("name") or self.raw.get("name") or ""
        return f"{type(self).__name__}({name!r})" if name else f"{type(self).__name__}({self.raw!r})"


class Named(View):
    """A nested object that has a name (a container, a volume, a reference)."""

    name = text("name")


class Explained(View):
    """What Kubernetes says about a state: its ``reason`` (a CamelCase word) and ``message``."""

    reason = text("reason")
    message = text("message")


class Condition(Explained):
    type = text("type")
    status = text("status")


class Meta(View):
    name = text("name")
    namespace = text("namespace")
    labels = mapping("labels")
    annotations = mapping("annotations")
    creation_timestamp = text("creationTimestamp")
    deletion_timestamp = optional_text("deletionTimestamp")


class Object(View):
    """A Kubernetes object: its metadata and name."""

    metadata = child("metadata", Meta)

    @property
    def name(self) -> str:
        return self.metadata.name


class NamespacedObject(Object):
    """An object in a namespace (pod, PVC, Ingress): "default" when none is given."""

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"


def items(text: str, what: str) -> list[dict[str, Any]]:
    data = load(text, what)
    if not isinstance(data, dict) or ("items" not in data and not ("kind" in data and "metadata" in data)):
        raise ReaderError(f"{what}: expected a JSON object with `items`")
    if "items" not in data:
        return [data]  # a single object (``get pod NAME -o json``)
    found = data["items"] or []
    if not isinstance(found, list):
        raise ReaderError(f"{what}: unexpected shape at items (not a list)")
    return [i for i in found if isinstance(i, dict)]


def read_all(kind: type[V], text: str, what: str) -> list[V]:
    """Every item of a ``kubectl get … -o json`` list as a ``kind`` view."""
    return [kind(item) for item in items(text, what)]
