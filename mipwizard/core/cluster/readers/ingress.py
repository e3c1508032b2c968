"""``kubectl get ingress -A -o json`` and ``kubectl get ingressclasses -o json``."""

from __future__ import annotations

from .base import NamespacedObject, Object, View, child, children, read_all, text

# Before ``spec.ingressClassName`` (and still in old charts) the class was this annotation.
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


class IngressRule(View):
    host = text("host")


class IngressSpec(View):
    ingress_class_name = text("ingressClassName")
    rules = children("rules", IngressRule)


class Ingress(NamespacedObject):
    spec = child("spec", IngressSpec)

    @property
    def ingress_class(self) -> str | None:
        """The class asked for (None: the cluster's default class)."""
        return self.spec.ingress_class_name or self.metadata.annotations.get(CLASS_ANNOTATION) or None

    @property
    def hosts(self) -> list[str]:
        return [r.host for r in self.spec.rules if r.host]


class IngressClassSpec(View):
    controller = text("controller")


class IngressClass(Object):
    spec = child("spec", IngressClassSpec)

    @property
    def is_default(self) -> bool:
        return self.metadata.annotations.get(DEFAULT_CLASS_ANNOTATION, "").lower() == "true"


def parse_ingresses(text: str) -> list[Ingress]:
    return read_all(Ingress, text, "kubectl get ingress")


def parse_ingress_classes(text: str) -> list[IngressClass]:
    return read_all(IngressClass, text, "kubectl get ingressclasses")
