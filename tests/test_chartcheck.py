"""The chart check on real renders (real helm, ../shared's chart trees) and on small hand-made manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mipwizard.core.chartcheck import ChartCall, check_manifests, schema_version, supported_versions

from .chartcheck_helpers import (
    EXA_020,
    EXAFLOW,
    MIP_800,
    MIP_902,
    MIP_MASTER,
    chart_path,
    helm_render,
    kinds,
    microk8s_facts,
)
from .realhelm import requires_real_charts, requires_real_helm


def real(test):  # type: ignore[no-untyped-def]
    return requires_real_helm(requires_real_charts(test))


def values(tmp_path: Path, text: str, name: str = "values.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- real renders ------------------------------------------------------------------------------
@real
def test_the_guides_master_snapshot_is_refused_on_microk8s() -> None:
    """HBPMedical master as the guide deploys it: every trap of issue #11, each with what/why/fix."""
    found = check_manifests(helm_render(MIP_MASTER, chart_path(MIP_MASTER) / ".direct"), microk8s_facts())
    assert {"namespace", "storage-class", "secret", "ingress-class"} <= kinds(found)
    text = "\n".join(f.what for f in found)
    assert 'namespace "federation-b" does not exist' in text
    assert 'storage class "ceph-corbo-cephfs-retain"' in text
    assert 'Secret "mip-secret" (namespace federation-b) does not exist' in text
    assert 'Secret "keycloak-credentials"' in text
    assert 'ingress class "nginx-public", which no controller here serves' in text
    assert all(f.what and f.why and f.fix and f.obj for f in found)
    assert len([f for f in found if f.kind == "namespace"]) == 1  # one finding per namespace, not per object


@real
def test_800_direct_profile_passes_on_microk8s() -> None:
    """8.0.0 creates its own StorageClass, PVs and mip-secret, in default: nothing to refuse."""
    assert check_manifests(helm_render(MIP_800, chart_path(MIP_800) / ".direct"), microk8s_facts()) == []


@real
def test_800_pvs_need_a_node_labelled_master() -> None:
    facts = microk8s_facts(node_labels={"mip-master": {"kubernetes.io/hostname": "mip-master"}})
    found = check_manifests(helm_render(MIP_800, chart_path(MIP_800) / ".direct"), facts)
    assert kinds(found) == {"node-label"}
    assert any("PersistentVolume/" in f.obj and "master In true" in f.what for f in found)


@real
def test_a_storage_class_the_cluster_lacks(tmp_path: Path) -> None:
    found = check_manifests(helm_render(MIP_902), microk8s_facts(secrets=_mip_secrets()))
    storage = [f for f in found if f.kind == "storage-class"]
    assert len(storage) == 1  # one finding per missing class, naming how many claims ask for it
    assert 'storage class "ceph-corbo-cephfs" does not exist (the cluster has: microk8s-hostpath)' in storage[0].what
    assert "3 claim(s)" in storage[0].what


@real
def test_an_existing_secret_clears_the_finding_and_a_missing_key_does_not() -> None:
    rendered = helm_render(MIP_MASTER, chart_path(MIP_MASTER) / ".direct")
    facts = microk8s_facts(namespaces=microk8s_facts().namespaces | {"federation-b"},
                           secrets={"federation-b": {"mip-secret": frozenset({"gateway-db.POSTGRES_PASSWORD"})}})
    found = check_manifests(rendered, facts)
    assert not any(f.kind == "secret" and '"mip-secret"' in f.what for f in found)
    missing_keys = [f for f in found if f.kind == "secret-key"]
    assert missing_keys and all('of Secret "mip-secret"' in f.what for f in missing_keys)


@real
def test_902_unmanaged_puts_nodeport_where_the_schema_rejects_it() -> None:
    found = check_manifests(helm_render(MIP_902, values(Path(_tmp()), "cluster:\n  managed: false\n")),
                            microk8s_facts(secrets=_mip_secrets()))
    schema = [f for f in found if f.kind == "schema"]
    assert [f.obj for f in schema] == ["Service/default/platform-ui"]
    assert 'spec: unknown field "nodePort"' in schema[0].what and "1.32" in schema[0].what


@real
def test_an_ip_address_as_ingress_host(tmp_path: Path) -> None:
    overlay = values(tmp_path, "cluster: {managed: false}\nnetwork: {publicHost: 192.168.1.230}\n"
                     "platform-ui: {service: {nodePort: null}, ingress: {className: public, tlsSecretName: null}}\n")
    found = check_manifests(helm_render(MIP_902, overlay), microk8s_facts(secrets=_mip_secrets()))
    assert [(f.kind, f.obj) for f in found] == [("ingress-host", "Ingress/default/platform-ui-ingress")]
    assert '"192.168.1.230"' in found[0].what and "DNS name" in found[0].why


@real
def test_exareme2_needs_its_node_labels_and_its_host_paths(tmp_path: Path) -> None:
    bare = microk8s_facts(node_labels={"mip-master": {"kubernetes.io/hostname": "mip-master"}},
                          host_paths=frozenset())
    found = check_manifests(helm_render(EXA_020), bare)
    assert kinds(found) == {"node-label", "host-path"}
    assert any("master=true" in f.what for f in found) and any("worker=true" in f.what for f in found)
    assert any("/opt/exareme2/csvs" in f.what for f in found if f.kind == "host-path")
    # With the answers' folders (they exist) and the labels: clean, and under the answers' roots.
    folders = {k: tmp_path / k for k in ("credentials", "db", "csvs", "cleanup")}
    for p in folders.values():
        p.mkdir()
    overlay = values(tmp_path, f"db:\n  credentials_location: {folders['credentials']}\n  storage_location: "
                     f"{folders['db']}\n  csvs_location: {folders['csvs']}\ncontroller:\n  cleanup_file_folder: "
                     f"{folders['cleanup']}\n")
    rendered = helm_render(EXA_020, overlay)
    existing = frozenset(str(p) for p in folders.values())
    assert check_manifests(rendered, microk8s_facts(host_paths=existing), host_roots=(str(tmp_path),)) == []
    outside = check_manifests(helm_render(EXA_020), microk8s_facts(), host_roots=(str(tmp_path),))
    assert outside and all(f.kind == "host-path" and "outside the answers' folders" in f.what for f in outside)


@real
def test_every_reference_chart_renders_schema_valid_for_132_with_defaults() -> None:
    """The upstream defaults are schema-valid except 9.0.2's known nodePort trap (managed: false only)."""
    for name in (MIP_800, MIP_MASTER, MIP_902, EXA_020, EXAFLOW):
        found = check_manifests(helm_render(name), microk8s_facts())
        assert not [f for f in found if f.kind in ("schema", "unknown-kind")], name


def _mip_secrets() -> dict[str, dict[str, frozenset[str]]]:
    keys = frozenset({"portalbackend-db.PORTAL_DB_USER", "portalbackend-db.PORTAL_DB_PASSWORD",
                      "platform-backend-db.DB_ADMIN_USER", "platform-backend-db.DB_ADMIN_PASSWORD",
                      "platform-backend-db.PLATFORM_DB_USER", "platform-backend-db.PLATFORM_DB_PASSWORD"})
    return {"default": {"mip-secret": keys, "keycloak-credentials": frozenset({"client-id", "client-secret"}),
                        "platform-ui-tls": frozenset({"tls.crt", "tls.key"})}}


def _tmp() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="chartcheck-")


# --- hand-made manifests (no helm needed) ------------------------------------------------------
def _deployment(**pod: object) -> dict[str, object]:
    spec = {"containers": [{"name": "c", "image": "busybox"}], **pod}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}}


def _ingress(host: str, cls: str | None = "public", annotation: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"name": "ui"}
    if annotation:
        meta["annotations"] = {"kubernetes.io/ingress.class": annotation}
    spec: dict[str, object] = {"rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                "backend": {"service": {"name": "ui", "port": {"number": 80}}}}]}}]}
    if cls:
        spec["ingressClassName"] = cls
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def test_secret_references_of_every_shape() -> None:
    pod = _deployment(
        containers=[{"name": "c", "image": "x",
                     "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "env-ref", "key": "k"}}},
                             {"name": "B", "valueFrom": {"secretKeyRef": {"name": "opt", "key": "k",
                                                                           "optional": True}}}],
                     "envFrom": [{"secretRef": {"name": "env-from"}}]}],
        volumes=[{"name": "v", "secret": {"secretName": "vol"}}],
    )
    found = check_manifests([pod], microk8s_facts(), schema=False)
    assert sorted(f.what.split('"')[1] for f in found) == ["env-from", "env-ref", "vol"]
    created = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "vol"}, "stringData": {"a": "b"}}
    assert len(check_manifests([pod, created], microk8s_facts(), schema=False)) == 2


def test_namespace_created_by_the_chart_or_by_helm_counts() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "mip"}}
    assert kinds(check_manifests([cm], microk8s_facts())) == {"namespace"}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mip"}}
    assert check_manifests([ns, cm], microk8s_facts()) == []
    plain = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert kinds(check_manifests([plain], microk8s_facts(), namespace="mip")) == {"namespace"}
    assert check_manifests([plain], microk8s_facts(), namespace="mip", create_namespace=True) == []


def test_ingress_class_unserved_mismatched_and_ip_hosts() -> None:
    assert check_manifests([_ingress("mip.example.org")], microk8s_facts()) == []
    assert kinds(check_manifests([_ingress("mip.example.org", "nginx-public")], microk8s_facts())) == {"ingress-class"}
    assert check_manifests([_ingress("mip.example.org", None)], microk8s_facts()) == []  # default: public
    assert kinds(check_manifests([_ingress("mip.example.org", None)],
                                 microk8s_facts(ingress_classes=frozenset(), default_ingress_class=None))) == {
        "ingress-class"}
    mismatch = check_manifests([_ingress("mip.example.org", "public", annotation="nginx")], microk8s_facts())
    assert [f.kind for f in mismatch] == ["ingress-class"] and "annotation" in mismatch[0].what
    for host in ("10.0.0.7", "[fe80::1]", "2001:db8::1"):
        assert kinds(check_manifests([_ingress(host)], microk8s_facts(), schema=False)) == {"ingress-host"}, host


def test_claims_without_a_default_storage_class() -> None:
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    assert check_manifests([pvc], microk8s_facts()) == []
    bare = microk8s_facts(storage_classes=frozenset(), default_storage_class=None)
    found = check_manifests([pvc], bare)
    assert kinds(found) == {"storage-class"} and "hostpath-storage" in found[0].fix


def test_schema_strictness_and_unknown_kinds() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"ports": [{"port": 80}], "nodePort": 30080}}
    found = check_manifests([svc], microk8s_facts())
    assert [f.kind for f in found] == ["schema"] and 'unknown field "nodePort"' in found[0].what
    cert = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "c"}, "spec": {}}
    assert kinds(check_manifests([cert], microk8s_facts())) == {"unknown-kind"}


def test_schema_version_follows_the_cluster() -> None:
    versions = supported_versions()
    assert "1.32" in versions
    assert schema_version("v1.32.3") == "1.32"
    assert schema_version("1.99.0") == versions[-1]
    assert schema_version("1.10.0") == versions[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["microk8s", "helm3", "upgrade", "--install", "mip", "/c", "-f", "/a.yaml", "-f", "/b.yaml"],
         ChartCall("mip", Path("/c"), (Path("/a.yaml"), Path("/b.yaml")))),
        (["sudo", "-n", "microk8s", "helm3", "upgrade", "--install", "exareme2", "/e", "--namespace=mip",
          "--create-namespace", "--timeout", "10m"],
         ChartCall("exareme2", Path("/e"), (), "mip", True)),
        (["microk8s", "helm3", "list", "-A"], None),
        (["microk8s", "kubectl", "get", "pods"], None),
    ],
)
def test_chart_call_from_argv(argv: list[str], expected: ChartCall | None) -> None:
    assert ChartCall.from_argv(argv) == expected
