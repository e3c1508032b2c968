"""``kubectl get ingress -A -o json`` and ``kubectl get ingressclasses -o json``."""

from __future__ import annotations

from .base import NamespacedObject, Object, View, as_text, read_all

# Before ``spec.ingressClassName`` (and still in old charts) the class was this annotation.
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


class Ingress(NamespacedObject):
    @property
    def ingress_class(self) -> str | None:
        """The class asked for (None: the cluster's default class)."""
        asked = self.view("spec", View).text("ingressClassName")
        return asked or self.metadata.annotations.get(CLASS_ANNOTATION) or None

    @property
    def hosts(self) -> list[str]:
        rules = self.view("spec", View).views("rules", View)
        return [host for host in (as_text(r.raw.get("host")) for r in rules) if host]


class IngressClass(Object):
    @property
    def controller(self) -> str:
        return self.view("spec", View).text("controller")

    @property
    def is_default(self) -> bool:
        return self.metadata.annotations.get(DEFAULT_CLASS_ANNOTATION, "").lower() == "true"


def parse_ingresses(text: str) -> list[Ingress]:
    return read_all(Ingress, text, "kubectl get ingress")


def parse_ingress_classes(text: str) -> list[IngressClass]:
    return read_all(IngressClass, text, "kubectl get ingressclasses")
