"""``kubectl get ingress -A -o json`` and ``kubectl get ingressclasses -o json``."""

from __future__ import annotations

from pydantic import Field

from .base import Loose, Meta, NamespacedObject, items, validate

# Before ``spec.ingressClassName`` (and still in old charts) the class was this annotation.
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


class _IngressRule(Loose):
    host: str = ""


class _IngressSpec(Loose):
    ingress_class_name: str | None = Field(None, alias="ingressClassName")
    rules: list[_IngressRule] = Field(default_factory=list)


class Ingress(NamespacedObject):
    spec: _IngressSpec = Field(default_factory=_IngressSpec)

    @property
    def ingress_class(self) -> str | None:
        """The class asked for (None: the cluster's default class)."""
        return self.spec.ingress_class_name or self.metadata.annotations.get(CLASS_ANNOTATION) or None

    @property
    def hosts(self) -> list[str]:
        return [r.host for r in self.spec.rules if r.host]


class _IngressClassSpec(Loose):
    controller: str = ""


class IngressClass(Loose):
    metadata: Meta = Field(default_factory=Meta)
    spec: _IngressClassSpec = Field(default_factory=_IngressClassSpec)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def is_default(self) -> bool:
        return self.metadata.annotations.get(DEFAULT_CLASS_ANNOTATION, "").lower() == "true"


def parse_ingresses(text: str) -> list[Ingress]:
    return [validate(Ingress, i, "kubectl get ingress") for i in items(text, "kubectl get ingress")]


def parse_ingress_classes(text: str) -> list[IngressClass]:
    what = "kubectl get ingressclasses"
    return [validate(IngressClass, i, what) for i in items(text, what)]
