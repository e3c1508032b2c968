"""MIP 9.0.2's values from the answers: rendered with the real helm, they pass the chart check on microk8s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.chartcheck import check_manifests
from mipwizard.core.releases.mip9_values import Mip9ValuesRefused, render_mip9_values

from .chartcheck_helpers import MIP_902, helm_render, microk8s_facts
from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET
from .realhelm import requires_real_charts, requires_real_helm

MIP9_SECRETS = {"default": {
    "mip-secret": frozenset({"platform-backend-db.DB_ADMIN_USER", "platform-backend-db.DB_ADMIN_PASSWORD",
                             "platform-backend-db.PLATFORM_DB_USER", "platform-backend-db.PLATFORM_DB_PASSWORD"}),
    "keycloak-credentials": frozenset({"client-id", "client-secret"}),
}}


def _answers(data: dict[str, Any], tmp_path: Path, **changes: Any) -> Any:
    data = {**data, "release": "9.0.2", "mip_deployment": {"path": str(tmp_path / "mip")},
            "data_root": str(tmp_path / "data"), **changes}
    return answers_from_mapping(data)


def _values_file(tmp_path: Path, values: dict[str, Any]) -> Path:
    path = tmp_path / "values.mip9.yaml"
    path.write_text(yaml.safe_dump(values, sort_keys=False))
    return path


def test_values_hold_no_secret_and_read_the_answers(answers_data: dict[str, Any], tmp_path: Path) -> None:
    values = render_mip9_values(_answers(answers_data, tmp_path))
    text = yaml.safe_dump(values)
    assert EXTERNAL_SECRET not in text and INTERNAL_SECRET not in text
    assert values["cluster"]["managed"] is False
    assert values["platform-ui"]["service"]["nodePort"] is None
    assert values["platform-ui"]["ingress"]["className"] == "public"
    assert values["network"]["publicHost"] == "mip.example.org"
    assert values["keycloak"]["clientId"] == "mipfedqa" and values["keycloak"]["host"] == "iam.ebrains.eu"
    assert values["datacatalog"]["host"] == "datacatalogue.mip.ebrains.eu"
    assert values["platformBackendDatabase"]["persistence"]["localPath"].startswith(str(tmp_path / "mip"))


def test_proxied_profile_is_plain_http_behind_the_proxy(answers_data: dict[str, Any], tmp_path: Path) -> None:
    values = render_mip9_values(_answers(answers_data, tmp_path, active_profile="proxied"))
    assert (values["network"]["link"], values["network"]["publicProtocol"]) == ("proxied", "http")


def test_an_ip_address_as_public_host_is_refused_with_the_reason(answers_data: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    answers = _answers(answers_data, tmp_path).model_copy(update={"machine_public_fqdn": "10.20.30.40"})
    with pytest.raises(Mip9ValuesRefused, match=r"IP address.*DNS name"):
        render_mip9_values(answers)


def test_embedded_keycloak_is_refused(answers_data: dict[str, Any], tmp_path: Path) -> None:
    answers = _answers(answers_data, tmp_path).model_copy(update={"active_profile": "direct.internal_auth"})
    with pytest.raises(Mip9ValuesRefused, match="external Keycloak"):
        render_mip9_values(answers)


@requires_real_helm
@requires_real_charts
def test_902_with_these_values_passes_the_chart_check(answers_data: dict[str, Any], tmp_path: Path) -> None:
    answers = _answers(answers_data, tmp_path)
    manifests = helm_render(MIP_902, _values_file(tmp_path, render_mip9_values(answers)))
    roots = (str(answers.mip_deployment.path), str(answers.data_root))
    assert check_manifests(manifests, microk8s_facts(secrets=MIP9_SECRETS), host_roots=roots) == []
    by_kind = {(m["kind"], m["metadata"]["name"]): m for m in manifests}
    ui = by_kind[("Service", "platform-ui")]["spec"]
    assert ui["type"] == "NodePort" and "nodePort" not in ui
    ingress = by_kind[("Ingress", "platform-ui-ingress")]
    assert ingress["spec"]["ingressClassName"] == "public"
    assert ingress["spec"]["rules"][0]["host"] == "mip.example.org"
    assert "tls" not in ingress["spec"]
    assert not any("snippet" in k for k in ingress["metadata"]["annotations"])
    config = by_kind[("ConfigMap", "mip-config")]["data"]
    assert config["platform-ui.DATACATALOG_SERVER"] == "https://datacatalogue.mip.ebrains.eu"
    assert config["mip.PLATFORM_UI_URL"] == "https://mip.example.org"
    assert config["keycloak.AUTH_URL"] == "https://iam.ebrains.eu/auth/"


@requires_real_helm
@requires_real_charts
def test_upstream_defaults_for_microk8s_fail_the_check_as_the_issue_says(tmp_path: Path) -> None:
    """Only cluster.managed: false, as the README suggests: the nodePort trap, nginx-public, a TLS Secret."""
    manifests = helm_render(MIP_902, _values_file(tmp_path, {"cluster": {"managed": False}}))
    found = check_manifests(manifests, microk8s_facts(secrets=MIP9_SECRETS))
    assert {f.kind for f in found} == {"schema", "ingress-class", "secret"}
