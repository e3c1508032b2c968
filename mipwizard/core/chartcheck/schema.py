"""Strict, offline validation of manifests against the Kubernetes schemas of the cluster's version.

kubernetes-validate ships the OpenAPI-derived JSON schemas (strict variants: no unknown field)
of Kubernetes 1.25 onwards inside the wheel: nothing is fetched. The API server runs the same
check when helm sends a manifest, and helm stops at the first ``unknown field``. Validators are
built once per kind and version (its library's own ``validate`` reloads the shared definitions
at every call: 20 times slower).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .model import Finding, Manifest

_UNEXPECTED = re.compile(r"\('(?P<field>[^']+)' was unexpected\)|\((?P<fields>'[^)]+') were unexpected\)")


@lru_cache(maxsize=1)
def supported_versions() -> tuple[str, ...]:
    """The Kubernetes minor versions whose schemas are installed, oldest first ("1.25", …)."""
    from kubernetes_validate import utils

    minors = {utils.major_minor(v) for v in utils.all_versions()}
    return tuple(sorted(minors, key=lambda v: tuple(int(p) for p in v.split("."))))


def schema_version(k8s_version: str) -> str:
    """The schema set used for a cluster of ``k8s_version`` ("v1.32.3" -> "1.32"): the newest one not
    newer than the cluster, else the oldest installed."""
    wanted = _minor_tuple(k8s_version)
    versions = supported_versions()
    fitting = [v for v in versions if _minor_tuple(v) <= wanted]
    return fitting[-1] if fitting else versions[0]


def _minor_tuple(version: str) -> tuple[int, int]:
    numbers = re.findall(r"\d+", version)
    if len(numbers) < 2:
        return (1, 0)
    return int(numbers[0]), int(numbers[1])


@lru_cache(maxsize=8)
def _registry(schema_dir: str) -> Any:
    """The shared definitions of one schema set, loaded once (a few MB of JSON)."""
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    definitions = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", schema_dir)
    return Resource.from_contents(definitions) @ Registry()


@lru_cache(maxsize=512)
def _validator(version: str, kind: str, api_version: str) -> Any:
    """A strict validator of ``kind``/``api_version`` for schema set ``version`` (cached: the check
    runs before every helm call). LookupError when that set has no such kind."""
    import jsonschema
    from kubernetes_validate import utils
    from referencing import Resource

    full = next(v for v in utils.all_versions() if utils.major_minor(v) == version)
    schema_dir = f"v{full}-local-strict"
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)  # rbac.authorization.k8s.io/v1 -> rbac-v1
    try:
        schema = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", full)
    except FileNotFoundError:
        raise LookupError(f"no schema for {kind} {api_version} in Kubernetes {version}") from None
    registry = Resource.from_contents(schema) @ _registry(schema_dir)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def validate(manifest: Manifest, version: str) -> str | None:
    """None when ``manifest`` passes the strict schemas of ``version`` ("1.32"); else why not
    (``spec: unknown field "nodePort"``). LookupError when the cluster knows no such kind (no
    schema: a CRD it does not have)."""
    validator = _validator(version, str(manifest["kind"]), str(manifest["apiVersion"]))
    error = next(iter(sorted(validator.iter_errors(manifest), key=lambda e: list(e.path))), None)
    if error is None:
        return None
    where = ".".join(str(p) for p in error.path) or "(top level)"
    return f"{where}: {_reason(error.message)}"


def _reason(message: str) -> str:
    m = _UNEXPECTED.search(message)
    if m and m["field"]:
        return f'unknown field "{m["field"]}"'
    if m:
        return f"unknown fields {m['fields']}"
    return message if len(message) <= 300 else message[:297] + "..."


def schema_findings(manifests: list[Manifest], k8s_version: str, oid: Callable[[Manifest], str]) -> list[Finding]:
    version = schema_version(k8s_version)
    found: list[Finding] = []
    for m in manifests:
        if not isinstance(m.get("apiVersion"), str) or not isinstance(m.get("kind"), str):
            found.append(Finding("schema", f"a rendered document has no apiVersion/kind: {_brief(m)}",
                                 "the API server cannot take it; helm stops", "fix the chart template", oid(m)))
            continue
        try:
            problem = validate(m, version)
        except LookupError:
            found.append(Finding(
                "unknown-kind", f"{oid(m)}: Kubernetes {version} has no {m['kind']} in {m['apiVersion']}",
                "helm stops at `no matches for kind` (a CRD the cluster does not have, e.g. cert-manager's)",
                "disable that part of the chart in the values, or install what provides the kind", oid(m)))
            continue
        if problem is not None:
            found.append(Finding(
                "schema", f"{oid(m)} fails the Kubernetes {version} schema: {problem}",
                "the API server validates every manifest strictly; helm stops at `error validating data`",
                "change the values that produce it, or pin a release whose chart renders valid manifests", oid(m)))
    return found


def _brief(m: Any) -> str:
    text = repr(m)
    return text if len(text) <= 80 else text[:77] + "..."
