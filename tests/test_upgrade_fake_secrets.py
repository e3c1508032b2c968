"""The fake kubelet's Secret check (tests/fake_toolchain/_secret_refs.py): the real 9.0.2 chart,
rendered by the real helm, deployed without the Secrets it reads but no template creates, leaves
its pods in CreateContainerConfigError and its Deployments unready, as on a real cluster; the
Secrets the install's code makes (releases/secrets.py) bring them up."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.releases.catalogue import ValuesModel
from mipwizard.core.releases.secrets import load_or_make_passwords, secrets_manifest
from mipwizard.core.upgrade.values import mip_files
from tests.realhelm import REAL_CHARTS, requires_real_charts, requires_real_helm

pytestmark = [requires_real_helm, requires_real_charts]


def kubectl(fake, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["microk8s", "kubectl", *args], input=stdin, capture_output=True, text=True, check=True,
                          env=fake.env())
    return done.stdout


def waiting(fake) -> dict[str, tuple[str, str]]:
    """container -> (reason, message) of every container of the mip release that is not Ready."""
    found = {}
    for pod in json.loads(kubectl(fake, "get", "pods", "-A", "-o", "json"))["items"]:
        if pod["metadata"]["labels"].get("app.kubernetes.io/instance") != "mip":
            continue
        for cs in pod["status"]["containerStatuses"]:
            if not cs["ready"]:
                w = cs["state"]["waiting"]
                found[cs["name"]] = (w["reason"], w.get("message", ""))
    return found


def unready(fake) -> set[str]:
    items = json.loads(kubectl(fake, "get", "deployments,statefulsets", "-A", "-o", "json"))["items"]
    return {d["metadata"]["name"] for d in items if d["status"].get("readyReplicas") != d["spec"]["replicas"]}


def test_pods_wait_in_create_container_config_error_until_their_secrets_exist(fake_toolchain, answers_data,
                                                                               tmp_path):
    checkout = tmp_path / "mip-deployment"
    answers_data.update(active_profile="proxied", mip_deployment={"path": str(checkout)},
                        exareme2={"path": str(tmp_path / "exareme2")}, data_root=str(tmp_path / "data"))
    fake_toolchain.mark_fully_installed(answers_data)
    assert REAL_CHARTS is not None
    shutil.rmtree(checkout)  # the fake machine's own (8.x-like) checkout
    shutil.copytree(REAL_CHARTS / "mip-deployment@9.0.2", checkout)
    for path in [checkout, *checkout.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the reference trees are read-only
    answers = answers_from_mapping(answers_data)
    values = mip_files(answers, checkout)
    for path, text in values.files:
        path.write_text(text)
    argv = ["microk8s", "helm3", "upgrade", "--install", "mip", str(values.chart_dir)]
    subprocess.run([*argv, *[a for p in values.paths for a in ("-f", str(p))]], check=True, capture_output=True,
                   env=fake_toolchain.env())

    blocked = waiting(fake_toolchain)
    assert blocked["platform-backend-db"] == ("CreateContainerConfigError", 'secret "mip-secret" not found')
    assert blocked["platform-backend"][0] == "CreateContainerConfigError"
    assert "platform-ui" not in blocked  # it reads no Secret
    assert unready(fake_toolchain) == {"platform-backend"}
    events = json.loads(kubectl(fake_toolchain, "get", "events", "-A", "-o", "json"))["items"]
    assert any(e["reason"] == "Failed" and e["message"] == 'Error: secret "mip-secret" not found' for e in events)

    # A Secret without the key the container reads is refused the same way, with the kubelet's words.
    partial = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mip-secret", "namespace": "default"},
               "data": {"platform-backend-db.DB_ADMIN_USER": base64.b64encode(b"postgres").decode()}}
    kubectl(fake_toolchain, "apply", "-f", "-", stdin=json.dumps(partial))
    assert waiting(fake_toolchain)["platform-backend-db"] == (
        "CreateContainerConfigError",
        "couldn't find key platform-backend-db.DB_ADMIN_PASSWORD in Secret default/mip-secret")

    # What the install (and now the upgrade) applies: every pod starts.
    passwords = load_or_make_passwords(tmp_path / "state", ValuesModel.VALUES_9)
    kubectl(fake_toolchain, "apply", "-f", "-", stdin=secrets_manifest(answers, passwords))
    assert waiting(fake_toolchain) == {} and unready(fake_toolchain) == set()


def test_optional_references_never_block(tmp_path: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "fake_toolchain"))
    try:
        import _secret_refs
    finally:
        sys.path.pop(0)
    spec = {"containers": [{"name": "app", "env": [
        {"name": "A", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k", "optional": True}}}],
        "envFrom": [{"secretRef": {"name": "nope", "optional": True}}]}],
        "volumes": [{"name": "v", "secret": {"secretName": "nope", "optional": True}}]}
    assert _secret_refs.problems(spec, "default", {}) == {}
    spec["volumes"][0]["secret"].pop("optional")
    assert _secret_refs.problems(spec, "default", {}) == {
        "app": ("ContainerCreating", 'MountVolume.SetUp failed for volume "v" : secret "nope" not found')}
