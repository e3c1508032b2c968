"""The release catalogue, the answers that pick a release or a ref, and `mipwizard releases`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.errors import UserError
from mipwizard.core.profile_kinds import Auth
from mipwizard.core.releases import CATALOGUE, DEFAULT_RELEASE, EngineLayout, ValuesModel, release_by_name
from mipwizard.core.releases.pins import mip_chart_dir, pins


def test_catalogue_has_the_three_supported_pairs() -> None:
    assert [r.name for r in CATALOGUE] == ["8.0.0", "guide-f7c6441", "9.0.2"]
    assert DEFAULT_RELEASE is CATALOGUE[0]
    assert (DEFAULT_RELEASE.mip_ref, DEFAULT_RELEASE.exareme2_ref) == ("8.0.0", "0.20.0")
    guide = release_by_name("guide-f7c6441")
    assert guide.mip_ref.startswith("f7c64415") and guide.exareme2_ref == "0.28.0"
    assert guide.values_model is ValuesModel.PROFILES_MASTER and guide.engine_layout is EngineLayout.HOSTPATH
    new = release_by_name("9.0.2")
    assert new.chart_folder == "deployment/kubernetes" and new.auth_kinds == (Auth.EXTERNAL,)
    assert "Medical-Informatics-Platform" in new.mip_repo_url and new.engine_layout is EngineLayout.EXAFLOW


def test_unknown_release_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'7\.0' is not a known release — choose one of: 8\.0\.0"):
        release_by_name("7.0")


def test_answers_without_release_pin_the_default(answers_data: dict) -> None:
    answers = answers_from_mapping(answers_data)
    assert answers.release == "8.0.0"
    exa, mip = pins(answers)
    assert (exa.url, exa.ref, exa.by_hand) == ("https://github.com/madgik/Exareme2", "0.20.0", False)
    assert (mip.url, mip.ref) == ("https://github.com/HBPMedical/mip-deployment", "8.0.0")
    assert "release: 8.0.0" in answers.to_yaml()


def test_refs_by_hand_override_the_release(answers_data: dict) -> None:
    answers_data["mip_deployment"] = {"ref": "master"}
    answers_data["exareme2"] = {"ref": "c1d4eb3d9d90", "repo_url": "/srv/mirror/exareme2"}
    exa, mip = pins(answers_from_mapping(answers_data))
    assert (mip.ref, mip.by_hand) == ("master", True)
    assert (exa.url, exa.ref) == ("/srv/mirror/exareme2", "c1d4eb3d9d90")


@pytest.mark.parametrize("ref", ["-u", "--upload-pack=x", "a..b", "two words", ""])
def test_a_ref_that_could_be_an_option_is_refused(answers_data: dict, ref: str) -> None:
    answers_data["exareme2"] = {"ref": ref}
    with pytest.raises(UserError) as info:
        answers_from_mapping(answers_data)
    assert "exareme2.ref:" in str(info.value) and "is not a git ref" in str(info.value)


def test_release_offers_only_its_auth_kinds(answers_data: dict) -> None:
    answers_data["release"] = "9.0.2"
    answers_data["active_profile"] = "direct.internal_auth"
    with pytest.raises(UserError) as info:
        answers_from_mapping(answers_data)
    assert "active_profile:" in str(info.value) and "release 9.0.2 does not support" in str(info.value)
    answers_data["active_profile"] = "proxied"
    answers = answers_from_mapping(answers_data)
    assert mip_chart_dir(answers).parts[-2:] == ("deployment", "kubernetes")


def test_unknown_release_in_answers(answers_data: dict) -> None:
    answers_data["release"] = "10.0"
    with pytest.raises(UserError, match=r"release: '10\.0' is not a known release"):
        answers_from_mapping(answers_data)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mipwizard", "releases", *args],
        capture_output=True, text=True, timeout=60, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )


def test_releases_command_lists_the_catalogue_in_80_columns() -> None:
    result = _cli()
    assert result.returncode == 0, result.stderr
    assert "8.0.0 (default)" in result.stdout and "deployment/kubernetes" in result.stdout
    assert "external, internal, internal_http, none" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_releases_json() -> None:
    result = _cli("--json")
    data = json.loads(result.stdout)
    assert [r["name"] for r in data] == ["8.0.0", "guide-f7c6441", "9.0.2"]
    assert data[0]["default"] is True and data[0]["exareme2"] == {
        "repo_url": "https://github.com/madgik/Exareme2", "ref": "0.20.0"}
    assert data[2]["auth_kinds"] == ["external"] and data[2]["values_model"] == "mip9-values"


# --- layout detection from the checkout (the real trees) -------------------------------------------

from pathlib import Path  # noqa: E402

from mipwizard.core.releases.layout import LayoutError, detect_engine, detect_mip  # noqa: E402
from tests.release_repos import CHARTS, requires_charts  # noqa: E402


@requires_charts
@pytest.mark.parametrize(("tree", "model", "folder"), [
    ("mip-deployment@8.0.0", ValuesModel.PROFILES_8, "kubernetes"),
    ("mip-deployment@f7c6441", ValuesModel.PROFILES_MASTER, "kubernetes"),
    ("mip-deployment@9.0.2", ValuesModel.VALUES_9, "deployment/kubernetes"),
])
def test_mip_layout_is_read_from_the_checkout(tree: str, model: ValuesModel, folder: str) -> None:
    found = detect_mip(CHARTS / tree)
    assert found.model is model and found.chart_dir == CHARTS / tree / folder


@requires_charts
@pytest.mark.parametrize(("tree", "layout"), [
    ("exareme2@0.20.0", EngineLayout.SEED),
    ("exareme2@0.28.0", EngineLayout.HOSTPATH),
    ("exareme2@ad132e20", EngineLayout.EXAFLOW),
])
def test_engine_layout_is_read_from_the_checkout(tree: str, layout: EngineLayout) -> None:
    assert detect_engine(CHARTS / tree).layout is layout


def test_unknown_layouts_say_what_was_found_and_which_release_to_pin(tmp_path: Path) -> None:
    chart = tmp_path / "kubernetes"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: mip\nversion: 10.0.0\n")
    (chart / "values.yaml").write_text("platform: {}\nfrontend: {}\n")
    with pytest.raises(LayoutError) as mip:
        detect_mip(tmp_path)
    assert "top-level keys: frontend, platform" in str(mip.value) and "pin a known release" in str(mip.value)
    with pytest.raises(LayoutError) as engine:
        detect_engine(tmp_path)
    assert "Exareme2 layout" in str(engine.value) and "8.0.0, guide-f7c6441, 9.0.2" in str(engine.value)
    with pytest.raises(LayoutError, match="holds no MIP chart"):
        detect_mip(tmp_path / "nothing")
