"""Each diagnosis of #16, fed with real-format kubectl JSON: the pods' transcript, kubectl's
storage and ingress objects (tests/fake_toolchain/_objects.py) and real kubelet/registry messages."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import pytest

from mipwizard.core.cluster.diagnose import (
    cluster_problems,
    ingress_problems,
    node_ip_problems,
    release_problems,
    storage_problems,
)
from mipwizard.core.cluster.health import pod_health
from mipwizard.core.cluster.readers import (
    ObjectFacts,
    parse_events,
    parse_helm_list,
    parse_nodes,
    parse_objects,
    parse_pods,
)

from . import k8s_objects as k8s
from .conftest import TRANSCRIPTS, requires_shared

pytestmark = requires_shared()


def transcript(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TRANSCRIPTS / name).read_text().split("\n", 1)[1])
    return data


def objects(*items: dict[str, Any]) -> ObjectFacts:
    return parse_objects(json.dumps(k8s.object_list(list(items))))


def pod_from_transcript(status: dict[str, Any], spec: dict[str, Any], name: str = "portalbackend-7d9f") -> str:
    """The transcript's crash-looping pod with another status and spec (same real shape)."""
    doc = transcript("kubectl-get-pods.json")
    item = doc["items"][0]
    item["metadata"].pop("...", None)
    item["metadata"].update(name=name, namespace="default")
    item["spec"] = spec
    item["status"].update(status)
    return json.dumps(doc)


def waiting(reason: str, message: str, image: str = "hbpmip/portal-backend:8.0.0") -> dict[str, Any]:
    return {
        "phase": "Pending",
        "containerStatuses": [
            {
                "name": "portalbackend",
                "state": {"waiting": {"reason": reason, "message": message}},
                "lastState": {},
                "ready": False,
                "restartCount": 0,
                "image": image,
                "imageID": "",
                "started": False,
            }
        ],
    }


PORTAL_SPEC = {
    "containers": [
        {
            "name": "portalbackend",
            "image": "hbpmip/portal-backend:8.0.0",
            "env": [
                {
                    "name": "KEYCLOAK_CLIENT_ID",
                    "valueFrom": {"secretKeyRef": {"name": "keycloak-credentials", "key": "client-id"}},
                },
                {
                    "name": "KEYCLOAK_CLIENT_SECRET",
                    "valueFrom": {"secretKeyRef": {"name": "keycloak-credentials", "key": "client-secret"}},
                },
                {"name": "LOG_LEVEL", "value": "INFO"},
            ],
            "volumeMounts": [{"mountPath": "/opt/portal/config", "name": "config"}],
        }
    ],
    "nodeName": "mip-master",
    "volumes": [{"name": "config", "configMap": {"name": "portalbackend-config"}}],
}


# --- a Secret nobody created -----------------------------------------------------------------------


def test_missing_secret_named_with_how_mipwizard_creates_it() -> None:
    [pod] = parse_pods(
        pod_from_transcript(
            waiting("CreateContainerConfigError", 'secret "keycloak-credentials" not found'), PORTAL_SPEC
        )
    )
    [problem] = pod_health(pod).problems
    assert problem.reason == "SecretMissing"
    assert "secret default/keycloak-credentials does not exist" in problem.summary
    assert "mipwizard install" in problem.fix  # the install writes it from the answers
    assert "kubectl create secret generic keycloak-credentials -n default --from-env-file" in problem.fix
    assert "client-id, client-secret" in problem.fix  # the keys this pod reads


def test_missing_unknown_secret_gives_the_command_and_missing_key() -> None:
    [pod] = parse_pods(
        pod_from_transcript(waiting("CreateContainerConfigError", 'secret "smtp" not found'), PORTAL_SPEC)
    )
    [problem] = pod_health(pod).problems
    assert "no chart template creates it" in problem.fix and "create secret generic smtp" in problem.fix
    message = "couldn't find key client-secret in Secret default/keycloak-credentials"
    [pod] = parse_pods(pod_from_transcript(waiting("CreateContainerConfigError", message), PORTAL_SPEC))
    [problem] = pod_health(pod).problems
    assert problem.reason == "SecretKeyMissing" and "no key client-secret" in problem.summary


def test_secret_volume_mount_failure_from_events() -> None:
    [pod] = parse_pods(pod_from_transcript(waiting("ContainerCreating", ""), PORTAL_SPEC))
    events = parse_events(
        json.dumps(
            {
                "items": [
                    {
                        "involvedObject": {"kind": "Pod", "name": pod.name, "namespace": "default"},
                        "type": "Warning",
                        "reason": "FailedMount",
                        "count": 7,
                        "lastTimestamp": "2026-11-24T09:10:00Z",
                        "message": 'MountVolume.SetUp failed for volume "certs" : secret "mip-secret" not found',
                    }
                ]
            }
        )
    )
    [problem] = pod_health(pod, events).problems
    assert problem.reason == "SecretMissing" and "mip-secret" in problem.summary and "mipwizard install" in problem.fix


# --- PVC Pending ---------------------------------------------------------------------------------------


def test_pvc_with_a_class_that_does_not_exist_names_the_classes_that_do() -> None:
    facts = objects(k8s.storage_class(), k8s.pvc("mip-postgres", storage_class="ceph-rbd"))
    [problem] = storage_problems(facts)
    assert problem.target == "default/mip-postgres"
    assert "storage class ceph-rbd does not exist" in problem.summary and "microk8s-hostpath" in problem.summary
    assert "hostpath-storage" not in problem.fix  # it is there: no blaming the addon
    assert "to microk8s-hostpath" in problem.fix


def test_pvc_default_class_and_no_class_at_all() -> None:
    [problem] = storage_problems(objects(k8s.pvc("data")))
    assert "microk8s enable hostpath-storage" in problem.fix
    [problem] = storage_problems(objects(k8s.storage_class(default=False), k8s.pvc("data")))
    assert "none is marked default" in problem.summary and "is-default-class" in problem.fix
    assert storage_problems(objects(k8s.storage_class(), k8s.pvc("data", phase="Bound"))) == []


def test_static_volume_names_the_pv_it_should_bind() -> None:
    facts = objects(k8s.storage_class(), k8s.pvc("mip-data", storage_class="", volume_name="mip-data-pv"))
    [problem] = storage_problems(facts)
    assert "PersistentVolume mip-data-pv, which does not exist" in problem.summary
    taken = k8s.pv("mip-data-pv", path="/data/mip", phase="Bound", claim=("other", "old-claim"))
    facts = objects(k8s.pvc("mip-data", storage_class="", volume_name="mip-data-pv"), taken)
    [problem] = storage_problems(facts)
    assert "bound to other/old-claim" in problem.summary and "claimRef" in problem.fix
    [problem] = storage_problems(objects(k8s.pvc("mip-data", storage_class="")))
    assert "static PersistentVolume" in problem.summary and "hostpath-storage" not in problem.fix
    wrong = k8s.pv("pv1", storage_class="manual", claim=("default", "mip-data"))
    [problem] = storage_problems(objects(k8s.pvc("mip-data", storage_class=""), wrong))
    assert "pv1 has class 'manual'" in problem.summary


def test_pending_pod_names_its_claim_and_the_class_it_wants() -> None:
    spec = copy.deepcopy(PORTAL_SPEC)
    spec.pop("nodeName")
    spec["volumes"].append({"name": "db", "persistentVolumeClaim": {"claimName": "mip-postgres"}})
    message = "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    status = {
        "phase": "Pending",
        "containerStatuses": [],
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}],
    }
    [pod] = parse_pods(pod_from_transcript(status, spec))
    facts = objects(k8s.storage_class(), k8s.pvc("mip-postgres", storage_class="ceph-rbd"))
    [problem] = pod_health(pod, (), (), facts).problems
    assert "PVC mip-postgres" in problem.summary and "ceph-rbd does not exist" in problem.summary


# --- Ingress class -------------------------------------------------------------------------------------


def test_ingress_class_not_served() -> None:
    served = [k8s.ingress_class("nginx"), k8s.ingress_class("public", default=True)]
    [problem] = ingress_problems(objects(*served, k8s.ingress("mip-ingress", class_name="nginx-public")))
    assert problem.reason == "IngressClassNotServed"
    assert "nginx-public" in problem.summary and "public" in problem.summary
    assert '"ingressClassName":"public"' in problem.fix
    [problem] = ingress_problems(objects(*served, k8s.ingress("old", class_annotation="traefik")))
    assert "traefik" in problem.summary
    assert ingress_problems(objects(*served, k8s.ingress("ok", class_name="public"))) == []
    assert ingress_problems(objects(*served, k8s.ingress("default-class"))) == []  # public is the default
    [problem] = ingress_problems(objects(k8s.ingress("nothing", class_name="public")))
    assert "microk8s enable ingress" in problem.summary


# --- node InternalIP ----------------------------------------------------------------------------------


def test_node_internal_ip_is_not_machine_main_ip() -> None:
    doc = transcript("kubectl-get-nodes.json")
    doc["items"][0]["metadata"]["labels"]["master"] = "true"
    nodes = parse_nodes(json.dumps(doc))
    [problem] = node_ip_problems(nodes, "192.168.1.230")
    assert problem.reason == "NodeIPMismatch" and "10.168.0.26" in problem.summary
    assert "--node-ip=192.168.1.230" in problem.fix and "--advertise-address=192.168.1.230" in problem.fix
    assert node_ip_problems(nodes, "10.168.0.26") == [] and node_ip_problems(nodes, None) == []


# --- image pulls --------------------------------------------------------------------------------------

RATE_LIMIT = (
    'failed to pull and unpack image "docker.io/madgik/exareme2_controller:0.20.0": failed to copy: '
    "httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/madgik/"
    "exareme2_controller/manifests/sha256:5d1f: 429 Too Many Requests - Server message: toomanyrequests: "
    "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: "
    "https://www.docker.com/increase-rate-limit"
)


def test_image_pull_rate_limit_and_wrong_tag() -> None:
    image = "madgik/exareme2_controller:0.20.0"
    [pod] = parse_pods(pod_from_transcript(waiting("ErrImagePull", RATE_LIMIT, image), PORTAL_SPEC))
    [problem] = pod_health(pod).problems
    assert "pull rate limit" in problem.summary and "ctr image pull --user" in problem.fix
    missing = f'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/{image}": not found'
    [pod] = parse_pods(pod_from_transcript(waiting("ErrImagePull", missing, image), PORTAL_SPEC))
    [problem] = pod_health(pod).problems
    assert "no such image or tag" in problem.summary and "rate limit" not in problem.summary


# --- helm releases -------------------------------------------------------------------------------------


@dataclass
class Finding:  # the shape of mipwizard.core.chartcheck.Finding
    kind: str
    what: str
    why: str
    fix: str
    obj: str


def test_failed_release_shows_the_chart_checks_findings() -> None:
    [rel] = parse_helm_list('[{"name":"mip","namespace":"default","revision":"3","status":"failed"}]')
    found = [
        Finding(
            "secret",
            "Secret keycloak-credentials is read but never created",
            "no template",
            "let mipwizard install create it",
            "Deployment/portalbackend",
        )
    ]
    [problem] = release_problems([rel], {"mip": found})
    assert "chart check found 1 problem" in problem.summary and "keycloak-credentials" in problem.detail
    assert problem.fix.startswith("let mipwizard install create it")
    [plain] = release_problems([rel], {})
    assert "mipwizard chart check" in plain.fix


def test_pending_release_offers_the_guarded_recovery() -> None:
    [rel] = parse_helm_list('[{"name":"exareme2","namespace":"default","revision":"2","status":"pending-upgrade"}]')
    [problem] = cluster_problems(None, [], [rel], ObjectFacts())
    assert "interrupted" in problem.summary
    assert "mipwizard recover-release exareme2 -n default" in problem.fix


@pytest.mark.parametrize("healthy", [k8s.pvc("ok", phase="Bound"), k8s.ingress("ok", class_name="public")])
def test_healthy_objects_raise_nothing(healthy: dict[str, Any]) -> None:
    facts = objects(k8s.storage_class(), k8s.ingress_class("public", default=True), healthy)
    assert cluster_problems(None, [], [], facts) == []
