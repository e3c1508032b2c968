"""The values file of the MIP 9.x chart (Medical-Informatics-Platform/mip-deployment, tag 9.0.2,
``deployment/kubernetes``) from the answers, for a microk8s cluster.

What 9.0.2 reads and why each value is what it is (checked by rendering with a real helm and
validating strictly against the Kubernetes 1.32 schemas, tests/test_mip9_values.py):

- ``cluster.managed: false``: microk8s has no CephFS; the chart then creates its own StorageClass
  (``k8s-local-storage``) and hostPath PersistentVolumes on the node labelled ``master=true``.
- ``platform-ui.service.nodePort: null``: with ``managed: false`` the chart writes ``nodePort`` at
  ``Service.spec`` level (not in a port) whenever it is set, and the API server rejects the
  Service (``unknown field "nodePort"``). Unset, the Service is a valid NodePort Service (its port
  auto-assigned) and users come in through the Ingress.
- ``platform-ui.ingress``: class ``public`` (what microk8s' ingress addon serves; upstream says
  ``nginx-public``), no cert-manager issuer and no TLS Secret (microk8s has neither: nginx serves
  its own certificate), and no root redirect: that needs a ``configuration-snippet`` annotation,
  which current ingress-nginx refuses unless snippets are allowed.
- ``network.publicHost``: ``machine_public_fqdn``. An Ingress host must be a DNS name, so an IP
  address is refused (``Mip9ValuesRefused``): with the nodePort trap above, 9.0.2 has no other
  fixed way in.
- Every hostPath moves under ``mip_deployment.path`` (upstream: ``/opt/mip-deployment``).
- Keycloak is external only (9.0.2 embeds none); the client id goes here, the client secret only
  into the Secret ``keycloak-credentials`` (never into this file or an argv).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..profile_kinds import Auth, Link, profile_kind
from ..validators import is_ip

if TYPE_CHECKING:
    from ..answers import Answers

INGRESS_CLASS = "public"  # microk8s' ingress addon
LOCAL_STORAGE_CLASS = "k8s-local-storage"  # created by the chart itself when cluster.managed is false
EXAFLOW_URL = "http://exaflow-controller-service:5000"  # the exaflow chart's controller Service


class Mip9ValuesRefused(ValueError):
    """The answers ask for something MIP 9.x cannot deploy on microk8s; the message says why and what to do."""


def render_mip9_values(answers: Answers) -> dict[str, Any]:
    """The 9.x values (a mapping to dump as YAML, passed with ``helm -f``). Raises
    Mip9ValuesRefused when 9.0.2 cannot be deployed from these answers."""
    kind = profile_kind(answers.active_profile)
    if kind.auth is not Auth.EXTERNAL:
        raise Mip9ValuesRefused(
            f"active_profile: {answers.active_profile!r} needs {kind.auth.value} authentication; MIP 9.x only "
            "logs in through an external Keycloak — choose the profile "
            f"{kind.link.value!r}, or a release with an embedded Keycloak (8.0.0)")
    host = answers.machine_public_fqdn
    if not host:
        raise Mip9ValuesRefused("machine_public_fqdn: MIP 9.x needs the server's DNS name (its Ingress host)")
    if is_ip(host):
        raise Mip9ValuesRefused(
            f"machine_public_fqdn: {host} is an IP address; MIP 9.x is reached through an Ingress, whose host "
            "must be a DNS name (and its fixed nodePort cannot be used: the chart writes it where Kubernetes "
            "rejects it) — give the server a DNS name, or install release 8.0.0")
    mip = str(answers.mip_deployment.path).rstrip("/")
    proxied = kind.link is Link.PROXIED
    datacatalog = {"protocol": "https", "host": answers.datacatalogue_host}
    return {
        "cluster": {
            "namespace": "default",
            "managed": False,
            "storageClasses": {"local": LOCAL_STORAGE_CLASS},
        },
        "network": {
            "externalIP": str(answers.machine_main_ip or ""),
            "link": kind.link.value,
            "externalProtocol": "https",
            # Behind the reverse proxy the proxy ends TLS and talks plain http to us (as the 8.x .proxied profiles).
            "publicProtocol": "http" if proxied else "https",
            "publicHost": host,
        },
        "engines": {"exaflow": {"url": EXAFLOW_URL}},
        "datacatalog": dict(datacatalog),
        "platform-ui": {
            "service": {"nodePort": None},
            "ingress": {
                "enabled": True,
                "className": INGRESS_CLASS,
                "certManagerClusterIssuer": None,
                "tlsSecretName": None,
                "redirectRootTo": None,
            },
            "config": {"datacatalog": dict(datacatalog)},
        },
        "platform-backend": {
            "persistence": {
                "data": {"localPath": f"{mip}/config"},
                "logs": {"localPath": f"{mip}/logs"},
            },
        },
        "platformBackendDatabase": {"persistence": {"localPath": f"{mip}/.stored_data/platform_backenddb"}},
        "keycloak": {
            "enabled": True,
            "host": answers.keycloak.url,
            "protocol": "https",
            "realm": answers.keycloak.realm,
            "clientId": answers.keycloak.client_id,
            "sslRequired": "external",
            "proxyAddressForwarding": True,
        },
    }
