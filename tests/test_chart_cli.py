"""``mipwizard chart check``: real charts, real helm, the fake cluster; honest exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.cli.main import main

from .chartcheck_helpers import EXA_020, MIP_800, chart_path
from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET
from .fake_toolchain import FakeToolchain
from .realhelm import REAL_CHARTS, requires_real_charts, requires_real_helm


@pytest.fixture
def machine(fake_toolchain: FakeToolchain, answers_data: dict[str, Any], tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[FakeToolchain, Path]:
    """microk8s with ingress + hostpath-storage, the node labelled, both real charts checked out
    under tmp_path with the files the install writes; returns (fake, answers file)."""
    from mipwizard.core.answers import answers_from_mapping
    from mipwizard.core.profiles import write_profiles
    from mipwizard.core.releases import EngineLayout
    from mipwizard.core.releases.engine_values import engine_values, overlay_path
    from mipwizard.core.releases.layout import detect_mip
    from mipwizard.core.releases.mip_values import OVERLAY_NAME, mip_overlay, overlay_text

    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    fake_toolchain.install_microk8s(addons=("dns", "helm3", "ingress", "hostpath-storage"))
    node = fake_toolchain.state()["hostname"].lower()
    with fake_toolchain._store.update() as state:
        state["nodes"][node]["labels"].update(master="true", worker="true")
    answers_data.update(data_root=str(tmp_path / "data"), exareme2={"path": str(tmp_path / "exareme2")},
                        mip_deployment={"path": str(tmp_path / "mip-deployment")})
    answers = answers_from_mapping(answers_data)
    if REAL_CHARTS is not None and chart_path(MIP_800).is_dir():  # the bare clone: no charts
        shutil.copytree(chart_path(MIP_800), tmp_path / "mip-deployment" / "kubernetes")
        write_profiles(answers, tmp_path / "mip-deployment" / "kubernetes")
        shutil.copytree(chart_path(EXA_020), tmp_path / "exareme2" / "kubernetes")
        overlay_path(tmp_path / "exareme2" / "kubernetes").write_text(
            engine_values(answers, EngineLayout.SEED).text())
        chart = detect_mip(tmp_path / "mip-deployment")  # the install's microk8s overlay for 8.0.0
        (chart.chart_dir / OVERLAY_NAME).write_text(overlay_text(mip_overlay(answers, chart.model, chart.values)))
        for folder in ("credentials", ".stored_data/db", ".stored_data/cleanup"):
            (tmp_path / "exareme2" / folder).mkdir(parents=True)
        (tmp_path / "data" / answers.federation).mkdir(parents=True)
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers_data))
    return fake_toolchain, path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@requires_real_helm
@requires_real_charts
def _without_hostpath_rebasing(answers: Path) -> None:
    """The MIP overlay without its data_path keys: 8.0.0's hostPaths then stay under /opt."""
    mip = Path(yaml.safe_load(answers.read_text())["mip_deployment"]["path"])
    (mip / "kubernetes" / "values.mipwizard.yaml").write_text("namespace: default\n")


@requires_real_helm
@requires_real_charts
def test_800_passes_with_the_install_s_overlay(machine, capsys) -> None:
    fake, answers = machine
    code, out, err = _run(capsys, "chart", "check", "--answers", str(answers))
    assert code == 0, out + err
    assert not fake.calls_of("microk8s", "helm3", "upgrade")
    assert out.count("ok   exareme2:") == 1 and out.count("ok   mip:") == 1


@requires_real_helm
@requires_real_charts
def test_800_mip_hostpaths_stay_under_opt_whatever_the_answers_say(machine, capsys) -> None:
    fake, answers = machine
    _without_hostpath_rebasing(answers)
    code, out, err = _run(capsys, "chart", "check", "--answers", str(answers))
    assert code == 1, err
    assert "Chart check against Kubernetes 1.32.3 (schemas 1.32)" in out
    assert out.count("ok   exareme2:") == 1
    assert "FAIL mip:" in out and "[host-path]" in out and "/opt/mip-deployment" in out
    assert "why: " in out and "fix: " in out
    assert not fake.calls_of("microk8s", "helm3", "upgrade")
    for secret in (EXTERNAL_SECRET, INTERNAL_SECRET):
        assert secret not in out + err
        assert all(secret not in " ".join(c) for c in fake.calls())


@requires_real_helm
@requires_real_charts
def test_json_report(machine, capsys) -> None:
    _, answers = machine
    _without_hostpath_rebasing(answers)
    code, out, _ = _run(capsys, "chart", "check", "--answers", str(answers), "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["kubernetes"] == "1.32.3"
    by_release = {r["release"]: r for r in report["releases"]}
    assert by_release["exareme2"]["ok"] is True
    assert {f["kind"] for f in by_release["mip"]["findings"]} == {"host-path"}
    assert set(by_release["mip"]["findings"][0]) == {"kind", "object", "what", "why", "fix"}


def test_a_missing_checkout_is_a_finding(machine, capsys, tmp_path: Path) -> None:
    _, answers = machine
    shutil.rmtree(tmp_path / "mip-deployment", ignore_errors=True)
    code, out, _ = _run(capsys, "chart", "check", "--answers", str(answers))
    assert code == 1
    assert "holds no chart (no Chart.yaml)" in out and "checkouts step" in out


def test_stopped_cluster_exits_3(machine, capsys) -> None:
    fake, answers = machine
    fake.set_running(False)
    code, _, err = _run(capsys, "chart", "check", "--answers", str(answers))
    assert code == 3
    assert "cluster unreachable: microk8s is not running" in err and "fix: " in err


def test_usage_errors_exit_2(machine, capsys, tmp_path: Path) -> None:
    assert _run(capsys, "chart", "check")[0] == 2  # no saved answers in this state dir
    bad = tmp_path / "bad.yaml"
    bad.write_text("role: [unclosed\n")
    code, _, err = _run(capsys, "chart", "check", "--answers", str(bad))
    assert code == 2 and "Traceback" not in err
    assert _run(capsys, "chart")[0] == 2
