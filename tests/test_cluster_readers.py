"""Readers parse every real transcript and the odd variants."""

from __future__ import annotations

import json

import pytest

from mipwizard.core.cluster.diagnose import addon_problems, node_problems, release_problems
from mipwizard.core.cluster.health import pod_health
from mipwizard.core.cluster.readers import (
    ReaderError,
    parse_events,
    parse_helm_list,
    parse_nodes,
    parse_pods,
    parse_status,
    parse_status_pretty,
    parse_status_yaml,
    status_problem,
)

from .conftest import TRANSCRIPTS, requires_shared

pytestmark = requires_shared()


def body(name: str) -> str:
    """A transcript without its first (source) line."""
    return (TRANSCRIPTS / name).read_text().split("\n", 1)[1]


def sections(name: str) -> dict[str, str]:
    """``## (a) ...`` blocks of a multi-issue transcript, keyed by letter."""
    out: dict[str, str] = {}
    for chunk in body(name).split("\n## (")[1:]:
        letter, rest = chunk.split(")", 1)
        out[letter] = rest.split("\n", 1)[1]
    return out


# --- microk8s status ----------------------------------------------------------------------------


def test_status_yaml_2020_sample() -> None:
    text = "\n".join(line for line in body("microk8s-status-yaml.txt").splitlines() if not line.startswith("# NOTE"))
    status = parse_status_yaml(text)
    assert status.running is True
    assert status.ha_enabled is True
    assert status.ha_nodes[0].address == "127.0.0.1:19001"
    assert [a.name for a in status.addons] == ["dns", "ha-cluster"]
    assert status.addons[0].version == "1.6.6" and status.addon_enabled("dns")


CURRENT_YAML = """microk8s:
  running: True
high-availability:
  enabled: False
  nodes:
    - address: 10.0.0.5:19001
      role: voter
addons:
  - name: dns
    repository: core
    description: CoreDNS
    version: 1.10.1
    status: enabled
  - name: ingress
    repository: core
    description: Ingress controller for external access
    version: 1.8.0
    status: disabled
"""


def test_status_yaml_current_format() -> None:
    status = parse_status(CURRENT_YAML)
    assert status.running and status.ha_enabled is False
    assert status.addons[0].repository == "core"
    assert status.enabled_addons == ["dns"]
    assert not status.addon_enabled("ingress")
    assert {p.target for p in addon_problems(status)} == {"helm3", "ingress"}


def test_status_yaml_not_running_message() -> None:
    text = (
        "microk8s:\n  running: False\n"
        "  message: microk8s is not running. Use microk8s inspect for a deeper inspection.\n"
    )
    status = parse_status(text)
    assert status.running is False and "inspect" in status.message
    assert status.addons == []
    assert status_problem(text) == "not-running"


def test_status_yaml_old_short_mapping_and_empty_addons() -> None:
    status = parse_status_yaml("microk8s:\n  running: true\naddons:\n  dns: enabled\n  helm3: disabled\n")
    assert status.enabled_addons == ["dns"]
    assert parse_status_yaml("microk8s:\n  running: True\naddons:\n").addons == []
    assert parse_status_yaml("microk8s:\n").running is False


def test_status_pretty_ha_cluster() -> None:
    status = parse_status(body("microk8s-status.txt"))
    assert status.running and status.ha_enabled is True
    assert len(status.ha_nodes) == 3
    assert "registry" in status.enabled_addons and "helm3" in status.enabled_addons
    assert status.addons[0].repository == "core"
    assert "cert-manager" not in status.enabled_addons  # cut off mid-row: not an enabled addon


def test_status_pretty_wait_ready_and_short() -> None:
    lines = body("microk8s-status-wait-ready.txt").splitlines()[1:]  # drop the "$ sudo ..." line
    status = parse_status_pretty("\n".join(lines))
    assert status.enabled_addons == ["ha-cluster"]
    assert {"dns", "helm3"} <= {a.name for a in status.addons if not a.enabled}
    short = parse_status_pretty("\n".join(body("microk8s-status-short.txt").splitlines()[1:]))
    assert short.running and short.enabled_addons == ["ha-cluster"]
    assert parse_status_pretty("microk8s is running\naddons:\ncore/dns: enabled\n").enabled_addons == ["dns"]


def test_status_error_variants() -> None:
    errors = sections("microk8s-status-errors.txt")
    assert status_problem(errors["a"]) == "not-running"
    assert parse_status(errors["a"]).running is False
    for letter in ("b", "c"):
        assert status_problem(errors[letter]) == "permission"
        with pytest.raises(ReaderError, match="permission"):
            parse_status(errors[letter])
    with pytest.raises(ReaderError):
        parse_status(errors["d"])  # a traceback is not a status
    with pytest.raises(ReaderError):
        parse_status("")


# --- nodes, pods, events ------------------------------------------------------------------------


def test_nodes_transcript() -> None:
    [node] = parse_nodes(body("kubectl-get-nodes.json"))
    assert node.name == "repldev-marc" and node.ready
    assert node.kubelet_version == "v1.16.2"
    assert node.internal_ip == "10.168.0.26"
    assert node.labels["microk8s.io/cluster"] == "true"
    assert node.mip_roles == [] and node.pressures == []
    assert {p.reason for p in node_problems([node])} == {"no-master", "no-worker"}


def test_nodes_variants() -> None:
    assert parse_nodes('{"kind":"NodeList","items":[]}') == []
    assert parse_nodes('{"kind":"NodeList","items":null}') == []
    [bare] = parse_nodes('{"items":[{"metadata":{"name":"n1","labels":{"master":"true","worker":"true"}}}]}')
    assert not bare.ready and bare.mip_roles == ["master", "worker"]
    assert [p.reason for p in node_problems([bare])] == ["NotReady"]
    with pytest.raises(ReaderError):
        parse_nodes("error: You must be logged in to the server")


def test_pods_transcript_crashloop_despite_running_phase() -> None:
    [pod] = parse_pods(body("kubectl-get-pods.json"))
    assert pod.phase == "Running" and pod.restarts == 4
    health = pod_health(pod)
    assert not health.healthy and health.state == "CrashLoopBackOff"
    [problem] = health.problems
    assert "ContainerCannotRun" in problem.summary and "127" in problem.summary
    assert "mipwizard logs init-demo -n message-pod-crashloop-backoff -c nginx" in problem.fix
    assert "wge" in problem.detail
    assert health.to_json()["ready"] == "0/1"


def _pod(status: dict, spec: dict | None = None, name: str = "p") -> str:
    item = {"metadata": {"name": name, "namespace": "ns"}, "spec": spec or {}, "status": status}
    return json.dumps({"kind": "PodList", "items": [item]})


def test_pod_variants() -> None:
    [pull] = parse_pods(
        _pod(
            {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "c",
                        "image": "madgik/x",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ImagePullBackOff", "message": "toomanyrequests: rate limit"}},
                    }
                ],
            }
        )
    )
    problem = pod_health(pull).problems[0]
    assert "rate limit" in problem.summary and "microk8s enable registry" in problem.fix
    assert "ClusterInstallWithMicrok8s" in problem.fix

    [init] = parse_pods(
        _pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "wait-db", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}, "lastState": None}
                ],
            }
        )
    )
    assert pod_health(init).problems[0].container == "wait-db"

    [pending] = parse_pods(
        _pod(
            {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
                    }
                ],
            },
            {"nodeSelector": {"worker": "true"}},
        )
    )
    problem = pod_health(pending).problems[0]
    assert problem.reason == "Pending" and "worker=true" in problem.fix

    [ok] = parse_pods(
        _pod(
            {
                "phase": "Running",
                "containerStatuses": [{"name": "c", "ready": True, "state": {"running": {"startedAt": "x"}}}],
            }
        )
    )
    assert pod_health(ok).healthy and pod_health(ok).state == "Ready"
    [done] = parse_pods(_pod({"phase": "Succeeded"}))
    assert pod_health(done).state == "Completed"
    [starting] = parse_pods(
        _pod(
            {
                "phase": "Pending",
                "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}],
            }
        )
    )
    assert pod_health(starting).state == "Starting" and not pod_health(starting).problems
    assert parse_pods('{"items": []}') == []


def test_pending_uses_events_for_pvc() -> None:
    [pod] = parse_pods(_pod({"phase": "Pending"}))
    events = parse_events(
        json.dumps(
            {
                "items": [
                    {
                        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"},
                        "type": "Warning",
                        "reason": "FailedScheduling",
                        "message": "pod has unbound immediate PersistentVolumeClaims",
                        "lastTimestamp": "2024-01-01T00:00:00Z",
                        "count": "3",
                    }
                ]
            }
        )
    )
    assert events[0].count == 3
    [problem] = pod_health(pod, events).problems
    # Without the claims read, no guess: the PVC's own diagnosis (test_cluster_diagnose) names the cause.
    assert "PVC" in problem.summary and "hostpath-storage" not in problem.fix


def test_events_variants() -> None:
    assert parse_events('{"kind":"List","items":[]}') == []
    [ev] = parse_events('{"items":[{"eventTime":"2024-02-01T00:00:00Z","reason":"Pulled","involvedObject":{}}]}')
    assert ev.when.startswith("2024-02-01") and not ev.warning


# --- helm ---------------------------------------------------------------------------------------


def test_helm_list_json_and_yaml() -> None:
    json_block, yaml_block = body("helm-list.json").split("\n\n", 1)
    [rel] = parse_helm_list(json_block)
    assert rel.name == "nginx-ingress-controller" and rel.revision == 1 and rel.healthy
    assert rel.chart == "ingress-nginx-4.4.2" and rel.app_version == "1.5.1"
    [rel2] = parse_helm_list(yaml_block)
    assert rel2.revision == 1 and rel2.app_version == "2020.11"
    assert parse_helm_list("[]") == []
    [failed] = parse_helm_list('[{"name":"mip","revision":"x","status":"pending-upgrade"}]')
    assert failed.revision == 0 and "mipwizard recover-release mip" in release_problems([failed], {})[0].fix


def test_helm_error_texts_are_not_lists() -> None:
    for block in sections("helm-errors.txt").values():
        with pytest.raises(ReaderError):
            parse_helm_list(block)
