"""Cluster-level diagnoses: nodes, addons, helm releases, storage claims and Ingress classes.

Each names the cause the real charts produce on microk8s and a fix the user can run: a storage
class that does not exist (the classes that do), a static volume with no PersistentVolume to
bind, an Ingress class no controller serves (microk8s serves ``public``), a node whose InternalIP
is not MACHINE_MAIN_IP, a release that failed or is stuck in ``pending-*``.
"""

from __future__ import annotations

from typing import Any, Protocol

from .problem import Problem, short
from .readers import HelmRelease, MicroK8sStatus, Node, ObjectFacts, Pvc

REQUIRED_ADDONS = ("dns", "helm3", "ingress")  # the guide: microk8s enable dns helm3 ingress
MICROK8S_INGRESS_CLASS = "public"
HOSTPATH_CLASS = "microk8s-hostpath"
SNAP_ARGS = "/var/snap/microk8s/current/args"


class Finding(Protocol):
    """What the chart check (``mipwizard.core.chartcheck.Finding``) reports; only these are shown."""

    what: str
    fix: str


def cluster_problems(
    status: MicroK8sStatus | None,
    nodes: list[Node],
    releases: list[HelmRelease],
    objects: ObjectFacts,
    *,
    main_ip: str | None = None,
    findings: dict[str, list[Any]] | None = None,
) -> list[Problem]:
    found = addon_problems(status) if status else []
    found += node_problems(nodes)
    found += node_ip_problems(nodes, main_ip)
    found += release_problems(releases, findings or {})
    found += storage_problems(objects)
    found += ingress_problems(objects)
    return found


# --- nodes and addons ----------------------------------------------------------------------------


def node_problems(nodes: list[Node]) -> list[Problem]:
    problems: list[Problem] = []
    for node in nodes:
        if not node.ready:
            cond = node.condition("Ready")
            detail = short(f"{cond.reason}: {cond.message}") if cond else "no Ready condition"
            fix = (
                "sudo microk8s start; if it stays NotReady: sudo microk8s inspect, "
                "journalctl -u snap.microk8s.daemon-kubelite"
            )
            problems.append(
                Problem("node", node.name, "NotReady", f"node {node.name} is not Ready", fix, detail=detail)
            )
        for pressure in node.pressures:
            fix = "free disk space (df -h; /var/snap/microk8s) or memory on this node"
            problems.append(Problem("node", node.name, pressure, f"node {node.name} reports {pressure}", fix))
    if nodes:
        for label in ("master", "worker"):
            if not any(label in n.mip_roles for n in nodes):
                fix = f"microk8s kubectl label node <hostname> {label}=true (a local install labels its one node both)"
                problems.append(Problem("node", "*", f"no-{label}", f"no node is labelled {label}=true", fix))
    return problems


def node_ip_problems(nodes: list[Node], main_ip: str | None) -> list[Problem]:
    """The master's InternalIP must be MACHINE_MAIN_IP: with several interfaces (or a VPN) the
    kubelet picks another one, and workers, the Ingress and the charts' URLs point elsewhere."""
    if not main_ip or not nodes:
        return []
    masters = [n for n in nodes if "master" in n.mip_roles] or (nodes if len(nodes) == 1 else [])
    problems = []
    for node in masters:
        if node.internal_ip and node.internal_ip != main_ip:
            fix = (
                f"on {node.name}: echo '--node-ip={main_ip}' | sudo tee -a {SNAP_ARGS}/kubelet; "
                f"echo '--advertise-address={main_ip}' | sudo tee -a {SNAP_ARGS}/kube-apiserver; "
                "sudo microk8s stop; sudo microk8s start (or set machine_main_ip to "
                f"{node.internal_ip} if that is the right address)"
            )
            summary = f"node {node.name} uses InternalIP {node.internal_ip}, not MACHINE_MAIN_IP {main_ip}"
            problems.append(Problem("node", node.name, "NodeIPMismatch", summary, fix))
    return problems


def addon_problems(status: MicroK8sStatus) -> list[Problem]:
    if not status.running or not status.addons:
        return []
    return [
        Problem("addon", name, "disabled", f"addon {name} is not enabled", f"microk8s enable {name}")
        for name in REQUIRED_ADDONS
        if not status.addon_enabled(name)
    ]


# --- helm releases -------------------------------------------------------------------------------


def release_problems(releases: list[HelmRelease], findings: dict[str, list[Any]]) -> list[Problem]:
    problems = []
    for rel in releases:
        if rel.healthy:
            continue
        summary = f"helm release {rel.name} is {rel.status} (revision {rel.revision})"
        detail = ""
        if rel.status.startswith("pending"):
            summary += ": an install or upgrade was interrupted, and helm refuses every later one"
            fix = (
                f"mipwizard recover-release {rel.name} -n {rel.namespace} (rolls back to the last deployed "
                "revision, or uninstalls a release that never deployed; asks first)"
            )
        else:
            chart = findings.get(rel.name, [])
            if chart:
                detail = "; ".join(f"{f.what}: {f.fix}" for f in chart[:3])
                summary += f"; the chart check found {len(chart)} problem(s): {short(chart[0].what, 80)}"
                fix = f"{chart[0].fix}; then re-deploy (mipwizard switch-profile <profile>)"
            else:
                fix = (
                    f"why: microk8s helm3 history {rel.name} -n {rel.namespace}; check the chart: "
                    "mipwizard chart check; re-deploy with mipwizard switch-profile <profile>"
                )
        problems.append(Problem("release", rel.name, rel.status, summary, fix, detail=short(detail, 400)))
    return problems


# --- storage -------------------------------------------------------------------------------------


def pvc_diagnosis(pvc: Pvc, objects: ObjectFacts) -> tuple[str, str]:
    """Why this claim is not Bound, and what to do: (summary, fix)."""
    classes = [c.name for c in objects.storage_classes]
    existing = ", ".join(classes) or "none"
    wanted = pvc.storage_class
    where = f"-n {pvc.namespace}"
    if pvc.spec.volume_name or wanted == "":
        return _static_diagnosis(pvc, objects)
    if wanted is None:
        default = next((c for c in objects.storage_classes if c.is_default), None)
        if default is not None:
            return (
                f"waits for storage class {default.name} (the default) to provision it",
                f"why: microk8s kubectl describe pvc {pvc.name} {where}",
            )
        if not classes:
            return (
                "it asks for the default storage class and this cluster has none",
                "microk8s enable hostpath-storage (creates the default class microk8s-hostpath)",
            )
        return (
            f"it asks for the default storage class and none is marked default (classes: {existing})",
            f"microk8s kubectl patch storageclass {classes[0]} -p "
            '\'{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}\'',
        )
    if wanted not in classes:
        use = HOSTPATH_CLASS if HOSTPATH_CLASS in classes else (classes[0] if classes else HOSTPATH_CLASS)
        enable = "" if classes else "microk8s enable hostpath-storage, then "
        return (
            f"storage class {wanted} does not exist here (classes: {existing})",
            f"{enable}set the chart's storage class to {use} in the release's values and re-deploy "
            "(a claim's class cannot change: delete the Pending claim first: "
            f"microk8s kubectl delete pvc {pvc.name} {where})",
        )
    return (
        f"storage class {wanted} has not provisioned it yet",
        f"why: microk8s kubectl describe pvc {pvc.name} {where} (the provisioner's events)",
    )


def _static_diagnosis(pvc: Pvc, objects: ObjectFacts) -> tuple[str, str]:
    """A claim for a static PersistentVolume (``storageClassName: ""`` or ``volumeName``)."""
    wanted = pvc.spec.volume_name
    pv = next((v for v in objects.pvs if v.name == wanted), None) if wanted else None
    pv = pv or next((v for v in objects.pvs if v.claimed_by(pvc)), None)
    cls = pvc.storage_class or ""
    if pv is None and wanted:
        return (
            f"it names PersistentVolume {wanted}, which does not exist",
            f"the chart's PersistentVolume template did not render (check the values that enable it) "
            f"or create PV {wanted} (hostPath) by hand, then re-deploy",
        )
    if pv is None:
        free = [v.name for v in objects.pvs if v.phase == "Available" and v.spec.storage_class_name == cls]
        if free:
            return (
                f"no PersistentVolume is reserved for it (free ones with class '{cls}': {', '.join(free)})",
                f"why: microk8s kubectl describe pvc {pvc.name} -n {pvc.namespace} (size or access mode?)",
            )
        return (
            "it wants a static PersistentVolume (no storage class) and none exists",
            "the chart's PersistentVolume is missing: check the values that enable it and re-deploy",
        )
    if pv.spec.storage_class_name != cls:
        return (
            f"PersistentVolume {pv.name} has class '{pv.spec.storage_class_name}', the claim asks for '{cls}'",
            "make both the same in the chart's values and re-deploy",
        )
    ref = pv.spec.claim_ref
    if ref is not None and not pv.claimed_by(pvc):
        return (
            f"PersistentVolume {pv.name} is bound to {ref.namespace}/{ref.name}",
            f'free it: microk8s kubectl patch pv {pv.name} -p \'{{"spec":{{"claimRef":null}}}}\'',
        )
    if pv.phase in ("Released", "Failed"):
        return (
            f"PersistentVolume {pv.name} is {pv.phase} (it kept an old claim)",
            f'free it: microk8s kubectl patch pv {pv.name} -p \'{{"spec":{{"claimRef":null}}}}\'',
        )
    return (
        f"it should bind PersistentVolume {pv.name} ({pv.path or 'no path'}), still {pv.phase}",
        f"why: microk8s kubectl describe pv {pv.name}",
    )


def storage_problems(objects: ObjectFacts) -> list[Problem]:
    problems = []
    for pvc in objects.pvcs:
        if pvc.phase == "Bound":
            continue
        why, fix = pvc_diagnosis(pvc, objects)
        reason = "ClaimPending" if pvc.phase == "Pending" else f"Claim{pvc.phase}"
        problems.append(Problem("pvc", f"{pvc.namespace}/{pvc.name}", reason, f"claim is {pvc.phase}: {why}", fix))
    return problems


# --- ingress -------------------------------------------------------------------------------------


def ingress_problems(objects: ObjectFacts) -> list[Problem]:
    served = [c.name for c in objects.ingress_classes]
    default = next((c.name for c in objects.ingress_classes if c.is_default), None)
    listed = ", ".join(served) or "none (microk8s enable ingress)"
    problems = []
    for ing in objects.ingresses:
        wanted = ing.ingress_class
        use = MICROK8S_INGRESS_CLASS if MICROK8S_INGRESS_CLASS in served or not served else served[0]
        patch = (
            f"microk8s kubectl patch ingress {ing.name} -n {ing.namespace} --type merge "
            f'-p \'{{"spec":{{"ingressClassName":"{use}"}}}}\''
        )
        lasting = f"set the chart's ingress class to {use} in the release's values and re-deploy"
        if wanted is None and default is None:
            summary = f"Ingress {ing.name} names no class and no class is the default (served: {listed})"
        elif wanted is not None and wanted not in served:
            summary = f"Ingress {ing.name} asks for class {wanted}, which no controller serves (served: {listed})"
        else:
            continue
        problems.append(
            Problem(
                "ingress", f"{ing.namespace}/{ing.name}", "IngressClassNotServed", summary, f"{lasting} (now: {patch})"
            )
        )
    return problems
