"""What every reader shares: the error, a tolerant base model, loading JSON/YAML, list documents."""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ReaderError(ValueError):
    """Output that is not in the format a reader expects (message names the command)."""


class Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def load(text: str, what: str) -> Any:
    """JSON, or YAML (a superset); raises ``ReaderError`` naming ``what``."""
    stripped = text.strip()
    if not stripped:
        raise ReaderError(f"{what}: empty output")
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    try:
        return yaml.safe_load(stripped)
    except yaml.YAMLError as exc:
        raise ReaderError(f"{what}: not JSON or YAML ({str(exc).splitlines()[0]})") from None


def validate(model: type[Any], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReaderError(f"{what}: unexpected shape at {where or 'top'} ({first['msg']})") from None


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "y", "on"}


class Condition(Loose):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""


class Meta(Loose):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: str = Field("", alias="creationTimestamp")

    @field_validator("labels", "annotations", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> dict[str, str]:
        return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}


class ListDoc(Loose):
    items: list[dict[str, Any]] | None = None

    @field_validator("items", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or []


def items(text: str, what: str) -> list[dict[str, Any]]:
    data = load(text, what)
    if not isinstance(data, dict) or ("items" not in data and not ("kind" in data and "metadata" in data)):
        raise ReaderError(f"{what}: expected a JSON object with `items`")
    if "items" not in data:
        return [data]  # a single object (``get pod NAME -o json``)
    return [i for i in (validate(ListDoc, data, what).items or []) if isinstance(i, dict)]


class NamespacedObject(Loose):
    """An object in a namespace (pod, PVC, Ingress): its name, and "default" when none is given."""

    metadata: Meta = Field(default_factory=Meta)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"
