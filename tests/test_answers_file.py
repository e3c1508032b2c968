"""The answers file as users keep it: comments and order survive every update; broken files load in part."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.cli.main import main
from mipwizard.core.answers import answers_from_mapping, load_answers
from mipwizard.core.answers_file import read_partial, update_answers_file
from mipwizard.core.errors import UserError

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, fake_secret, install_fake_cluster, requires_shared

COMMENTED = """\
# Hospital X — written by hand, keep these notes
role: local          # one machine
machine_main_ip: 10.20.30.40
machine_public_fqdn: mip.example.org   # what users type
active_profile: direct.no_auth  # no login while we test
federation: mipfed1
pathologies: [dementia]  # more later
"""


def same_but_comment_columns(a: str, b: str) -> bool:
    """ruamel.yaml keeps a comment where it was, or one space after a value that grew into it."""
    return re.sub(r" +#", " #", a) == re.sub(r" +#", " #", b)


def test_answers_saved_without_secrets_load_and_say_which_secret_is_needed(answers_data: dict) -> None:
    answers_data["keycloak"]["client_secret"] = ""
    with pytest.raises(UserError) as caught:
        answers_from_mapping(answers_data)  # the install needs it: asked for by name
    assert "keycloak.client_secret: is empty" in "\n".join(caught.value.problems)
    answers = answers_from_mapping(answers_data, secrets_optional=True)  # loading does not
    assert answers.missing_secrets()[0][0] == "keycloak.client_secret"
    answers_data["active_profile"] = "direct.no_auth"
    assert answers_from_mapping(answers_data).missing_secrets() == []


def test_update_keeps_comments_order_and_flow_lists(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(COMMENTED)
    answers = load_answers(path)
    changed = answers.model_copy(update={"pathologies": ["dementia", "tbi"], "machine_main_ip": "10.20.30.50"})
    assert update_answers_file(path, changed) is True
    expected = COMMENTED.replace("10.20.30.40", "10.20.30.50").replace("[dementia]", "[dementia, tbi]")
    assert same_but_comment_columns(path.read_text(), expected)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_answers(path) == changed
    assert update_answers_file(path, changed) is False  # nothing to change: not rewritten


def test_update_adds_only_non_default_keys(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(COMMENTED)
    answers = load_answers(path)
    nested = answers.model_copy(update={"exareme2": answers.exareme2.model_copy(update={"localnodes": 2})})
    update_answers_file(path, nested)
    text = path.read_text()
    assert text.startswith(COMMENTED)  # everything the user wrote is still there, in order
    assert text[len(COMMENTED):] == "exareme2:\n  localnodes: 2\n"
    assert load_answers(path) == nested


def test_an_update_that_would_not_load_is_refused_and_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(COMMENTED)
    answers = load_answers(path)
    proxied = answers.model_copy(update={"active_profile": "proxied.no_auth"})  # no private address
    with pytest.raises(UserError) as caught:
        update_answers_file(path, proxied)
    assert "not updated" in str(caught.value)
    assert "machine_private_fqdn_or_ip" in str(caught.value)
    assert path.read_text() == COMMENTED
    assert not list(tmp_path.glob("answers.yaml.bak-*"))


def test_an_update_on_a_full_disk_leaves_the_commented_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import disk_full_at_write

    path = tmp_path / "answers.yaml"
    path.write_text(COMMENTED)
    changed = load_answers(path).model_copy(update={"federation": "mipfed2"})
    disk_full_at_write(monkeypatch, 1)
    with pytest.raises(OSError, match="No space"):
        update_answers_file(path, changed)
    assert path.read_text() == COMMENTED and load_answers(path).federation == "mipfed1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yaml"]  # no temporary file, no backup


def test_secrets_written_only_when_asked_and_kept_when_the_user_put_them(tmp_path: Path, answers: Any) -> None:
    path = tmp_path / "answers.yaml"
    update_answers_file(path, answers, include_secrets=False)
    text = path.read_text()
    assert EXTERNAL_SECRET not in text and INTERNAL_SECRET not in text
    assert load_answers(path, secrets_optional=True).machine_public_fqdn == "mip.example.org"
    update_answers_file(path, answers, include_secrets=True)
    assert EXTERNAL_SECRET in path.read_text()
    later = answers.model_copy(update={"federation": "mipfed2"})
    update_answers_file(path, later, include_secrets=False)  # the user's own secret stays
    assert EXTERNAL_SECRET in path.read_text() and "mipfed2" in path.read_text()


def test_a_file_with_one_bad_value_keeps_every_other_value(tmp_path: Path, answers_file: Path) -> None:
    text = answers_file.read_text().replace("10.20.30.40", "999.1.1.1")
    answers_file.write_text(text)
    partial = read_partial(answers_file)
    assert list(partial.problems) == ["machine_main_ip"]
    assert "'999.1.1.1' is not a valid IPv4" in partial.problems["machine_main_ip"]
    assert partial.data["machine_public_fqdn"] == "mip.example.org"
    assert partial.data["federation"] == "mipfed1"
    assert answers_file.read_text() == text  # reading never writes


def test_a_bad_nested_value_and_an_unknown_key(tmp_path: Path, answers_file: Path) -> None:
    data = yaml.safe_load(answers_file.read_text())
    data["exareme2"] = {"localnodes": 99}
    data["federaton"] = "typo"
    answers_file.write_text(yaml.safe_dump(data))
    partial = read_partial(answers_file)
    assert set(partial.problems) == {"exareme2.localnodes", "federaton"}
    assert partial.answers is not None and partial.answers.federation == "mipfed1"


# --- the CLI: install saves its answers; switch-profile keeps the user's file --------------------


@pytest.fixture
def installed(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)


def test_cli_install_saves_answers_without_secrets_then_switch_needs_no_flag(
    fake_toolchain: Any, answers_data: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = dict(answers_data)
    data.update(data_root=str(tmp_path / "data"), exareme2={"path": str(tmp_path / "opt" / "exareme2")},
                mip_deployment={"path": str(tmp_path / "opt" / "mip-deployment")})
    answers = tmp_path / "site.yaml"
    answers.write_text("# our site\n" + yaml.safe_dump(data, sort_keys=False))
    env = fake_toolchain.env()
    env.update(MIPWIZARD_STATE_DIR=str(tmp_path / "state"), MIPWIZARD_LOG_DIR=str(tmp_path / "logs"), NO_COLOR="1")
    done = subprocess.run([sys.executable, "-m", "mipwizard", "install", "--answers", str(answers), "--yes"],
                          env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    saved = tmp_path / "state" / "answers.yaml"
    assert f"Answers saved in {saved}" in done.stdout
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert EXTERNAL_SECRET not in saved.read_text() and INTERNAL_SECRET not in saved.read_text()
    bundled = subprocess.run([sys.executable, "-m", "mipwizard", "bundle", "-o", str(tmp_path / "b.tgz")], env=env,
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert bundled.returncode == 0, bundled.stdout + bundled.stderr
    with tarfile.open(tmp_path / "b.tgz") as tar:  # the chart at its custom path, found from the saved answers
        names = {name.split("/", 1)[1] for name in tar.getnames()}
    assert {"answers/answers.yaml", "profiles/.direct"} <= names
    switched = subprocess.run([sys.executable, "-m", "mipwizard", "switch-profile", "direct.no_auth", "--yes"],
                              env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert switched.returncode == 0, switched.stdout + switched.stderr
    assert "not updated" not in switched.stdout + switched.stderr  # keycloak-credentials too
    # the diff is against what helm gets (the profile with the overlay over it): no overlay key looks removed
    removed = [line for line in switched.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed and not [line for line in removed if "data_path" in line or "namespace" in line or
                            "managed_cluster" in line or "datacatalog:" in line], removed
    chart = tmp_path / "opt" / "mip-deployment" / "kubernetes"
    assert ["microk8s", "helm3", "upgrade", "--install", "mip", str(chart), "-f",
            str(chart / ".direct.no_auth"), "-f", str(chart / "values.mipwizard.yaml")] in fake_toolchain.calls()
    assert load_answers(saved).active_profile == "direct.no_auth"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert EXTERNAL_SECRET not in saved.read_text() and INTERNAL_SECRET not in saved.read_text()
    # another client: the Secret keycloak-credentials (which this chart reads) follows it, secret from the profile
    switched = subprocess.run([sys.executable, "-m", "mipwizard", "switch-profile", "direct.internal_auth", "--yes"],
                              env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert switched.returncode == 0, switched.stdout + switched.stderr
    assert INTERNAL_SECRET not in switched.stdout + switched.stderr
    assert fake_secret(env, "keycloak-credentials") == {"client-id": "MIP", "client-secret": INTERNAL_SECRET}
    assert INTERNAL_SECRET not in saved.read_text()


@requires_shared()
def test_switch_profile_keeps_comments_and_refuses_what_would_not_load(
    installed: Any, answers_data: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    data = dict(answers_data)
    data.pop("machine_private_fqdn_or_ip")
    body = yaml.safe_dump(data, sort_keys=False)
    original = "# our notes\n" + body.replace("role: local", "role: local  # single machine")
    installed.answers.write_text(original)
    code = main(["switch-profile", "proxied.no_auth", "--yes", "--no-wait"])
    err = capsys.readouterr().err
    assert code == 1 and "machine_private_fqdn_or_ip" in err and "Nothing was changed" in err
    assert installed.answers.read_text() == original
    assert not installed.calls_of("microk8s", "helm3", "upgrade")

    assert main(["switch-profile", "direct.no_auth", "--yes", "--no-wait"]) == 0
    text = installed.answers.read_text()
    assert text == original.replace("active_profile: direct\n", "active_profile: direct.no_auth\n")
    assert load_answers(installed.answers).active_profile == "direct.no_auth"


@requires_shared()
def test_cli_apply_shows_the_deployed_diff_then_changes_exactly_that_value(
    installed: Any, answers_data: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    from mipwizard.core.cluster.queries import ClusterQueries

    assert main(["apply", "--yes"]) == 0  # the fake was deployed from upstream's files: first ours
    capsys.readouterr()
    before = yaml.safe_load(ClusterQueries().helm_values("mip") or "")
    saved = installed.answers
    text = saved.read_text()
    # saved without secrets (the wizard's default): apply finds the secret in the profiles already written
    data = yaml.safe_load(text)
    data["keycloak"]["client_secret"] = ""
    data["keycloak"]["client_id"] = "mip-hospital-x"
    saved.write_text("# edited by hand\n" + yaml.safe_dump(data, sort_keys=False))
    code = main(["apply", "--yes"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    diff = out[out.index("compared with"):out.index("Profile files that change")]
    assert [line for line in diff.splitlines()[3:] if line.startswith(("+", "-"))] == [
        "-  CLIENT_ID: mipfedqa", "+  CLIENT_ID: mip-hospital-x"
    ]  # against what helm runs (profile + overlay): the overlay's data paths do not look removed
    assert EXTERNAL_SECRET not in out + err and INTERNAL_SECRET not in out + err
    after = yaml.safe_load(ClusterQueries().helm_values("mip") or "")
    assert after["keycloak"].pop("CLIENT_ID") == "mip-hospital-x"
    assert before["keycloak"].pop("CLIENT_ID") == "mipfedqa"
    assert after == before  # exactly that value changed in the deployed values
    assert after["keycloak"]["CLIENT_SECRET"] == EXTERNAL_SECRET  # the secret came from the profile
    assert saved.read_text().startswith("# edited by hand\n")
    assert EXTERNAL_SECRET not in saved.read_text()


@requires_shared()
def test_answers_saved_without_secrets_serve_backup_chart_check_preflight_and_upgrade(
    installed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default save keeps no secret: the commands that read the saved answers still run (a
    secret they need comes from the profile files; one nobody kept is named, not a crash)."""
    from mipwizard.cli.backup import load_saved_answers
    from tests.tui_fakes import MACHINES

    data = yaml.safe_load(installed.answers.read_text())
    data["keycloak"]["client_secret"] = data["internal_keycloak"]["client_secret"] = ""
    installed.answers.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["backup", "-o", str(tmp_path / "site.tar.gz"), "--no-dumps"]) == 0
    assert main(["chart", "check"]) != 2  # findings or none, but the answers were read
    assert main(["check", "--answers", str(installed.answers), "--machine",
                 str(MACHINES / "perfect-master.json")]) == 0
    assert "client_secret" not in capsys.readouterr().err
    upgrade_answers, _ = load_saved_answers(None)  # upgrade re-renders the profiles: it needs the secret
    assert upgrade_answers.keycloak.client_secret == EXTERNAL_SECRET  # from the profile files
    for profile in installed.chart.glob(".*"):
        if profile.is_file():
            profile.write_text(profile.read_text().replace(EXTERNAL_SECRET, ""))
    with pytest.raises(UserError) as caught:
        load_saved_answers(None)
    assert "keycloak.client_secret: is empty" in "\n".join(caught.value.problems)


@requires_shared()
@pytest.mark.parametrize("tree", ["mip-deployment@8.0.0", "mip-deployment@9.0.2"])
def test_apply_compares_with_what_helm_gets_from_the_answers(tmp_path: Path, answers_data: dict, tree: str) -> None:
    """8.x: the profile with the install's overlay merged over it (the -f order); 9.x: its values file."""
    import shutil

    from mipwizard.core.apply import helm_values_text
    from mipwizard.core.profiles import render_profile
    from mipwizard.core.releases import mip_values
    from mipwizard.core.releases.layout import detect_mip

    from .conftest import REFERENCE

    checkout = tmp_path / "mip-deployment"
    shutil.copytree(REFERENCE / "charts" / tree, checkout)
    data = dict(answers_data, mip_deployment={"path": str(checkout)}, release=tree.split("@")[1])
    answers = answers_from_mapping(data)
    profile = render_profile(answers, "direct")
    got = yaml.safe_load(helm_values_text(answers, profile))
    chart = detect_mip(checkout)
    if tree.endswith("9.0.2"):
        assert got == yaml.safe_load(mip_values.mip9_values_text(answers))
        return
    overlay = mip_values.mip_overlay(answers, chart.model, chart.values)
    assert got["namespace"] == overlay["namespace"] and got["mip"] == yaml.safe_load(profile)["mip"]
    for key, value in overlay.items():  # a section both set keeps the profile's keys, the overlay's win
        if isinstance(value, dict):
            assert {**(yaml.safe_load(profile).get(key) or {}), **value}.keys() == got[key].keys()
