"""mipwizard upgrade --to: 8.0.0 → the guide's snapshot and → 9.0.2 with real-helm renders of both
sides, the diff shown, the deploy, the portal database carried across PostgreSQL 11 → 18, and a
failing upgrade rolled back (helm rollback + the old checkout)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mipwizard.cli.main import main
from tests.backup_fakes import live_workloads, seed_mip_state
from tests.conftest import EXTERNAL_SECRET, install_fake_cluster
from tests.realhelm import requires_real_charts, requires_real_helm
from tests.release_repos import ReleaseRepos, git, real_git_first

pytestmark = [requires_real_helm, requires_real_charts]


@pytest.fixture
def mip8(fake_toolchain, answers_data, tmp_path, monkeypatch, release_repos: ReleaseRepos):
    """An 8.0.0 MIP with Exareme2 0.20.0, real checkouts of both, deployed through the fake helm (real
    renders, the install's writers), with data in its databases."""
    fake_toolchain.git_first = real_git_first(tmp_path / "realgit")
    monkeypatch.setenv("PATH", f"{fake_toolchain.git_first}{os.pathsep}{os.environ['PATH']}")
    checkouts = {"mip_deployment": (tmp_path / "mip-deployment", "8.0.0"),
                 "exareme2": (tmp_path / "exareme2", "0.20.0")}
    for key, (path, tag) in checkouts.items():
        git(tmp_path, "clone", "--quiet", release_repos.url(key.replace("_", "-")), str(path))
        git(path, "checkout", "--quiet", "--detach", tag)
    fake = install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    for key in checkouts:
        answers_data[key]["repo_url"] = release_repos.url(key.replace("_", "-"))
    fake.answers.write_text("# my MIP\n" + yaml.safe_dump(answers_data))
    import subprocess

    from mipwizard.core.answers import answers_from_mapping
    from mipwizard.core.upgrade.values import engine_files, mip_files, write

    answers = answers_from_mapping(answers_data)
    for release, values in (("exareme2", engine_files(answers, checkouts["exareme2"][0])),
                            ("mip", mip_files(answers, checkouts["mip_deployment"][0]))):
        write(values, answers)
        argv = ["microk8s", "helm3", "upgrade", "--install", release, str(values.chart_dir)]
        subprocess.run([*argv, *[a for p in values.paths for a in ("-f", str(p))]], check=True, capture_output=True,
                       env=fake.env())
        assert fake.helm_releases()[release].get("manifests"), "the fake helm did not render through the real helm"
    seed_mip_state(fake, checkouts["mip_deployment"][0])
    fake.mip_path, fake.exa_path, fake.repos = checkouts["mip_deployment"][0], checkouts["exareme2"][0], release_repos
    fake.rev0 = fake.helm_releases()["mip"]["revision"]
    fake.exa_rev0 = fake.helm_releases()["exareme2"]["revision"]
    return fake


def to_902(fake, *extra: str) -> list[str]:
    """9.0.2 from its new home; exaflow's upstream commit is a local one here (a ref by hand)."""
    return ["upgrade", "--to", "9.0.2", "--repo", fake.repos.url("mip-deployment-new"), "--exareme2-ref",
            fake.repos.commit("exareme2@ad132e20"), "--yes", "--timeout", "5", *extra]


def _head(path: Path) -> str:
    return git(path, "rev-parse", "HEAD")


def test_dry_run_shows_the_differences_and_changes_nothing(mip8, capsys):
    before = _head(mip8.mip_path)
    assert main(["upgrade", "--to", "guide-f7c6441", "--ref", mip8.repos.commit("mip-deployment@f7c6441"),
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "MIP 8.0.0 → guide-f7c6441" in out
    assert "gateway image hbpmip/gateway:1.6.0 → hbpmip/gateway:1.8.0" in out
    assert "portalbackend image hbpmip/portal-backend:8.0.2 → hbpmip/portal-backend:8.2.0" in out
    assert "- Job/default/create-dbs" in out
    assert "Exareme2 8.0.0 → guide-f7c6441" in out and "(0.28.0)" in out  # its diff too
    assert "+ StatefulSet/default/exareme2-localworker" in out
    assert _head(mip8.exa_path) == mip8.repos.commit("exareme2@0.20.0")
    assert "dry run: nothing was deployed" in out
    assert _head(mip8.mip_path) == before
    assert mip8.helm_releases()["mip"]["revision"] == mip8.rev0
    assert not (Path(os.environ["MIPWIZARD_STATE_DIR"]) / "backups").exists()


def test_the_filled_secret_template_of_8_0_0_is_not_carried_into_the_new_chart(mip8, capsys):
    """The install fills 8.0.0's templates/mip-secret.yaml with the kept passwords: the upgrade puts it back to
    upstream like the profiles; kept as a user's change, it would add a second mip-secret to a chart that has none."""
    from mipwizard.core.releases.catalogue import ValuesModel
    from mipwizard.core.releases.secrets import MIP_SECRET_KEYS, patched_secret_template

    template = mip8.mip_path / "kubernetes" / "templates" / "mip-secret.yaml"
    kept = {k: user or f"kept-{n}-a-long-generated-password" for n, (k, user) in
            enumerate(MIP_SECRET_KEYS[ValuesModel.PROFILES_8].items())}
    template.write_text(patched_secret_template(template.read_text(), kept))
    ref = mip8.repos.commit("mip-deployment@f7c6441")
    assert main(["upgrade", "--to", "guide-f7c6441", "--ref", ref, "--yes", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert not template.exists() and "mip-secret.yaml" not in out
    assert _head(mip8.mip_path) == ref


def test_upgrade_to_the_guide_snapshot_deploys_it(mip8, capsys):
    ref = mip8.repos.commit("mip-deployment@f7c6441")
    assert main(["upgrade", "--to", "guide-f7c6441", "--ref", ref, "--yes", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert "upgraded:" in out and "backing up first" in out
    assert _head(mip8.mip_path) == ref
    release = mip8.helm_releases()["mip"]
    assert release["revision"] == mip8.rev0 + 1 and release["status"] == "deployed"
    images = {c["image"] for w in live_workloads(mip8) if w["release"] == "mip" for c in w["containers"]}
    assert "hbpmip/gateway:1.8.0" in images
    # The snapshot's chart no longer creates mip-secret (helm deletes it) and reads keycloak-credentials,
    # which no template creates: both made by the install's code, the databases' passwords adopted.
    assert "Secrets default/mip-secret and default/keycloak-credentials (the new chart reads them" in out
    secrets = {o["metadata"]["name"]: o for o in mip8.state().get("objects", []) if o.get("kind") == "Secret"}
    assert set(secrets) == {"mip-secret", "keycloak-credentials"}
    password = secrets["mip-secret"]["data"]["portalbackend-db.DB_ADMIN_PASSWORD"]
    assert base64.b64decode(password).decode() == "test"  # what 8.0.0's own mip-secret held
    kept = Path(os.environ["MIPWIZARD_STATE_DIR"]) / "mip-secret.json"
    assert (kept.stat().st_mode & 0o777) == 0o600 and json.loads(kept.read_text())["keycloak-db.POSTGRES_USER"]
    generated = [v for v in json.loads(kept.read_text()).values() if len(v) > 20]
    assert generated == [] and password not in out
    text = mip8.answers.read_text()
    assert text.startswith("# my MIP\n") and "release: guide-f7c6441" in text and f"ref: {ref}" in text
    # Exareme2 moved to the release's 0.28.0 with the values of its hostPath layout, through helm upgrade.
    assert _head(mip8.exa_path) == mip8.repos.commit("exareme2@0.28.0")
    engine = mip8.helm_releases()["exareme2"]
    assert engine["revision"] == mip8.exa_rev0 + 1 and engine["status"] == "deployed"
    assert engine_values(mip8)["storage"]["hostPath"]["controller_cleanup"].endswith("/.stored_data/cleanup")
    (backup,) = (Path(os.environ["MIPWIZARD_STATE_DIR"]) / "backups").glob("mipwizard-backup-*.tar.gz")
    assert (backup.stat().st_mode & 0o777) == 0o600


def test_upgrade_to_902_carries_the_portal_database_from_postgresql_11_to_18(mip8, capsys):
    new_home = mip8.repos.url("mip-deployment-new")
    assert main(to_902(mip8)) == 0
    out = capsys.readouterr().out
    assert "+ Deployment/default/platform-backend" in out and "- Deployment/default/portalbackend" in out
    assert "portalbackend-db (PostgreSQL 11" in out and "platform-backend-db (PostgreSQL 18" in out
    new_db = mip8.mip_path / ".stored_data" / "platform_backenddb" / "18" / "docker"
    assert (new_db / "PG_VERSION").read_text().strip() == "18"
    assert "INSERT INTO users VALUES ('alice', 'portalbackend-db');" in (new_db / "fake-db.sql").read_text()
    # The 8.0.0 database folder is untouched (and in the backup).
    assert (mip8.mip_path / ".stored_data" / "portalbackenddb" / "PG_VERSION").read_text().strip() == "11"
    assert "release: 9.0.2" in mip8.answers.read_text() and new_home in mip8.answers.read_text()
    # 9.0.2 reads mip-secret's platform-backend-db.* keys and keycloak-credentials, which no template
    # creates: made by the install's code, so its pods start (the fake kubelet refuses missing ones).
    secrets = {o["metadata"]["name"]: o["data"] for o in mip8.state()["objects"] if o.get("kind") == "Secret"}
    assert set(secrets["mip-secret"]) == {"platform-backend-db.DB_ADMIN_USER", "platform-backend-db.DB_ADMIN_PASSWORD",
                                          "platform-backend-db.PLATFORM_DB_USER",
                                          "platform-backend-db.PLATFORM_DB_PASSWORD"}
    assert base64.b64decode(secrets["keycloak-credentials"]["client-secret"]).decode() == EXTERNAL_SECRET
    pods = pods_of(mip8, "mip")
    assert {p["metadata"]["name"] for p in pods} >= {"mip-platform-backend-db", "mip-platform-backend"}
    assert all(c["ready"] for p in pods for c in p["status"]["containerStatuses"])
    kept = Path(os.environ["MIPWIZARD_STATE_DIR"]) / "mip-secret.json"
    assert (kept.stat().st_mode & 0o777) == 0o600
    passwords = [v for k, v in json.loads(kept.read_text()).items() if k.endswith("PASSWORD")]
    assert len(passwords) == 2 and all(len(p) > 20 for p in passwords)
    assert_nowhere(passwords, out, mip8)
    # Exareme2: exaflow at the commit given by hand (kept in the answers), its workers' data linked.
    exaflow = mip8.repos.commit("exareme2@ad132e20")
    assert _head(mip8.exa_path) == exaflow and f"ref: {exaflow}" in mip8.answers.read_text()
    local = Path(engine_values(mip8)["storage"]["hostPath"]["db"]["localworker"])
    assert (local / "csvs").resolve() == (mip8.mip_path.parent / "data" / "mipfed1").resolve()
    assert mip8.helm_releases()["exareme2"]["revision"] == mip8.exa_rev0 + 1
    # exaflow's new hostPath folders are the admin user's, as the install leaves them.
    assert any(c[-1] == str(mip8.exa_path / ".stored_data") for c in mip8.calls_of("chown", "-R"))


def engine_values(fake) -> dict:
    files = fake.helm_releases()["exareme2"]["values_files"]
    return yaml.safe_load(next(f["text"] for f in files if f["path"].endswith("values.mipwizard.yaml")))


def pods_of(fake, release: str) -> list[dict]:
    import subprocess

    done = subprocess.run(["microk8s", "kubectl", "get", "pods", "-A", "-o", "json"], capture_output=True, text=True,
                          check=True, env=fake.env())
    pods = json.loads(done.stdout)["items"]
    for pod in pods:  # the generated names end in a hash: keep the part that names the container
        pod["metadata"]["name"] = pod["metadata"]["name"].rsplit("-", 2)[0]
    return [p for p in pods if p["metadata"]["labels"].get("app.kubernetes.io/instance") == release]


def assert_nowhere(passwords: list[str], out: str, fake) -> None:
    """Generated passwords never in the output, a log, a call's argv or a backup's manifest."""
    from mipwizard.core.backup.archive import read_manifest

    logs = [p.read_text(errors="replace") for p in Path(os.environ["MIPWIZARD_LOG_DIR"]).rglob("*") if p.is_file()]
    argv = [" ".join(call) for call in fake.calls()]
    manifests = [json.dumps(read_manifest(b).to_json())
                 for b in (Path(os.environ["MIPWIZARD_STATE_DIR"]) / "backups").glob("*.tar.gz")]
    for password in passwords:
        assert password not in out and not any(password in t for t in [*logs, *argv, *manifests])


def test_a_new_database_is_never_started_on_an_old_data_folder(mip8, capsys):
    old = mip8.mip_path / ".stored_data" / "platform_backenddb"
    old.mkdir(parents=True)
    (old / "PG_VERSION").write_text("11\n")
    before = _head(mip8.mip_path)
    assert main(to_902(mip8)) == 1
    captured = capsys.readouterr()
    assert "holds PostgreSQL 11 files" in captured.out and "refused" in captured.err
    assert _head(mip8.mip_path) == before and mip8.helm_releases()["mip"]["revision"] == mip8.rev0


def test_a_failing_upgrade_is_rolled_back(mip8, capsys):
    before = _head(mip8.mip_path)
    mip8.fail("microk8s", "kubectl", "exec", "-i", stderr="error: unable to upgrade connection: container not found")
    assert main(to_902(mip8)) == 1
    captured = capsys.readouterr()
    assert "the upgrade failed" in captured.out and f"helm rollback mip {mip8.rev0}: done" in captured.out
    assert "rolled back to 8.0.0" in captured.err
    assert _head(mip8.mip_path) == before
    release = mip8.helm_releases()["mip"]
    assert release["revision"] == mip8.rev0 + 2 and release["description"] == f"Rollback to {mip8.rev0}"
    assert {w["name"] for w in live_workloads(mip8) if w["release"] == "mip"} >= {"portalbackend", "gateway"}
    assert "release: 9.0.2" not in mip8.answers.read_text()
    # Exareme2 too: its checkout, its values (the seed layout of 0.20.0) and its release.
    assert _head(mip8.exa_path) == mip8.repos.commit("exareme2@0.20.0")
    engine = mip8.helm_releases()["exareme2"]
    assert engine["revision"] == mip8.exa_rev0 + 2 and engine["description"] == f"Rollback to {mip8.exa_rev0}"
    assert "csvs_location" in engine_values(mip8)["db"]
    overlay = yaml.safe_load((mip8.exa_path / "kubernetes" / "values.mipwizard.yaml").read_text())
    assert "csvs_location" in overlay["db"] and "storage" not in overlay
    assert json.loads((Path(os.environ["MIPWIZARD_STATE_DIR"]) / "upgrade-journal.json").read_text())["stage"] == \
        "rolled-back"


def _cli(fake, *args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = fake.env()
    env["PATH"] = f"{fake.git_first}{os.pathsep}{env['PATH']}"
    if crash:
        env["MIPWIZARD_TEST_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "mipwizard", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.parametrize("stage", ["checked-out", "deployed", "ready"])
def test_kill_9_mid_upgrade_then_the_same_command_rolls_back(mip8, stage):
    before = (_head(mip8.mip_path), _head(mip8.exa_path))
    db = mip8.mip_path / ".stored_data" / "portalbackenddb"
    files = {p: p.read_bytes() for p in db.rglob("*") if p.is_file()}
    killed = _cli(mip8, *to_902(mip8), crash=f"upgrade-{stage}")
    assert killed.returncode == -9, killed.stdout + killed.stderr
    deployed = stage != "checked-out"
    assert _head(mip8.mip_path) != before[0]
    assert mip8.helm_releases()["mip"]["revision"] == mip8.rev0 + deployed
    again = _cli(mip8, *to_902(mip8))
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"was interrupted (after stage '{stage}')" in again.stdout
    assert "the interrupted upgrade to 9.0.2 was rolled back to 8.0.0" in again.stderr
    assert (_head(mip8.mip_path), _head(mip8.exa_path)) == before
    releases = mip8.helm_releases()
    for name, rev0 in (("mip", mip8.rev0), ("exareme2", mip8.exa_rev0)):
        assert releases[name]["revision"] == rev0 + 2 * deployed
        assert (releases[name]["description"] == f"Rollback to {rev0}") is deployed
    assert {p: p.read_bytes() for p in db.rglob("*") if p.is_file()} == files  # nothing lost
    assert "release: 9.0.2" not in mip8.answers.read_text()
    assert all(c["ready"] for p in pods_of(mip8, "mip") for c in p["status"]["containerStatuses"])
    if stage == "deployed":  # the journal is closed: the next run is a fresh upgrade, and it goes through
        third = _cli(mip8, *to_902(mip8))
        assert third.returncode == 0, third.stdout + third.stderr
        assert "release: 9.0.2" in mip8.answers.read_text()


def test_kill_9_once_everything_is_migrated_then_the_same_command_finishes(mip8):
    killed = _cli(mip8, *to_902(mip8), crash="upgrade-migrated")
    assert killed.returncode == -9, killed.stdout + killed.stderr
    assert "release: 9.0.2" not in mip8.answers.read_text()
    again = _cli(mip8, *to_902(mip8))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "the interrupted upgrade to 9.0.2 is finished" in again.stdout
    assert "release: 9.0.2" in mip8.answers.read_text() and mip8.helm_releases()["mip"]["revision"] == mip8.rev0 + 1
