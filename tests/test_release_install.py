"""Each catalogue release (and refs given by hand) installed on the fake machine with REAL git on
local repositories built from the real chart trees: the checkouts end at the right commits, the
writers produce what each layout reads, the Secrets exist, the realm import has the answers' secret."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.chartcheck.schema import validate
from mipwizard.core.install import InstallEngine, InstallSettings, Journal, build_plan
from mipwizard.core.install.checkout_step import read_checkouts
from mipwizard.core.redact import Redactor
from mipwizard.core.releases.realm import realm_secret
from mipwizard.core.runner import ProcessRunner
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET, fake_secret
from tests.realhelm import REAL_HELM, requires_real_helm
from tests.release_repos import ReleaseRepos, real_git

PUBLISHED_SECRET = "dae83a6b-c769-4186-8383-f0984c6edf05"  # upstream's keycloak.json, client MIP


@pytest.fixture
def site(tmp_path: Path, answers_data: dict, release_repos: ReleaseRepos) -> dict:
    data = dict(answers_data)
    data["data_root"] = str(tmp_path / "data")
    data["exareme2"] = {"path": str(tmp_path / "opt" / "exareme2"), "repo_url": release_repos.url("exareme2")}
    data["mip_deployment"] = {"path": str(tmp_path / "opt" / "mip-deployment"),
                              "repo_url": release_repos.url("mip-deployment")}
    return data


def install(data: dict, tmp_path: Path):
    answers = answers_from_mapping(data)
    settings = InstallSettings(poll_seconds=0.05, state_dir=tmp_path / "state")
    runner = ProcessRunner(redactor=Redactor(answers.secrets()))
    plan = build_plan(answers, settings)
    result = InstallEngine(plan, runner, Journal(tmp_path / "state" / "journal.json"), settings=settings).run()
    return answers, result


def head(path: Path) -> str:
    return subprocess.run([real_git(), "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def helm_values(fake, release: str) -> dict:
    """The values.mipwizard.yaml the release was deployed with (the fake keeps each -f file's text)."""
    files = fake.helm_releases()[release]["values_files"]
    return yaml.safe_load(next(f["text"] for f in files if f["path"].endswith("values.mipwizard.yaml")))


def all_data_paths(tree: object) -> list[str]:
    if isinstance(tree, dict):
        return [v for k, v in tree.items() if k == "data_path"] + [p for v in tree.values() for p in all_data_paths(v)]
    return []


def add_dataset(data_root: Path, code: str = "dementia") -> None:
    folder = data_root / "mipfed1" / code
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "CDEsMetadata.json").write_text(json.dumps({"code": code, "version": "0.1", "label": code}))
    (folder / "edsd0.csv").write_text("subjectcode,dataset\n1,edsd0\n")


def applied_secrets(fake) -> set[str]:
    """Secrets applied with kubectl (not made by a chart)."""
    return {o["metadata"]["name"] for o in fake.state().get("objects", []) if o.get("kind") == "Secret"}


# What 8.0.0's templates/mip-secret.yaml holds upstream (base64 there): the databases' and Keycloak admin's.
PUBLISHED_8_0_0_PASSWORDS = {"pass123", "test", "portalpwd", "password", "Pa55w0rd"}


def journal_message(tmp_path: Path, step: str) -> str:
    return json.loads((tmp_path / "state" / "journal.json").read_text())["steps"][step]["message"]


def no_secret_in_argv(fake) -> None:
    for call in fake.calls():
        joined = " ".join(call)
        assert EXTERNAL_SECRET not in joined and INTERNAL_SECRET not in joined, call


def test_default_release_8_0_0_with_embedded_keycloak(fake_toolchain, site, tmp_path, release_repos) -> None:
    site["active_profile"] = "direct.internal_auth"
    add_dataset(tmp_path / "data")
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    exa, mip = answers.exareme2.path, answers.mip_deployment.path
    assert head(exa) == release_repos.commit("exareme2@0.20.0")
    assert head(mip) == release_repos.commit("mip-deployment@8.0.0")
    recorded = read_checkouts(tmp_path / "state")
    assert recorded["mip_deployment"]["commit"] == release_repos.commit("mip-deployment@8.0.0")
    assert recorded["exareme2"]["ref"] == "0.20.0"
    journal = json.loads((tmp_path / "state" / "journal.json").read_text())
    assert release_repos.commit("exareme2@0.20.0")[:12] in journal["steps"]["checkouts"]["message"]
    # 0.20 (seed layout): the workers' data is data_root/federation
    exa_values = helm_values(fake_toolchain, "exareme2")
    assert exa_values["db"]["csvs_location"] == str(tmp_path / "data" / "mipfed1")
    # 8.0.0: the profile, then the overlay: namespace default, every hostPath under mip_deployment.path
    mip_release = fake_toolchain.helm_releases()["mip"]
    assert [Path(f["path"]).name for f in mip_release["values_files"]] == [".direct.internal_auth",
                                                                           "values.mipwizard.yaml"]
    overlay = helm_values(fake_toolchain, "mip")
    assert overlay["namespace"] == "default"
    paths = all_data_paths(overlay)
    assert len(paths) == 8 and all(p.startswith(str(mip) + "/") for p in paths), paths
    # the embedded Keycloak imports the answers' secret, not the published one; the previous file is kept
    realm = mip / "config" / "keycloak" / "keycloak.json"
    assert realm_secret(realm.read_text(), "MIP") == INTERNAL_SECRET
    kept = [p for p in realm.parent.iterdir() if p.name.startswith("keycloak.json") and p != realm]
    assert kept and PUBLISHED_SECRET in kept[0].read_text()
    # the chart creates its own mip-secret: mipwizard applies none, it fills the chart's template with the
    # kept passwords (upstream's are published: the embedded Keycloak's admin console is on the UI's host)
    assert not applied_secrets(fake_toolchain)
    kept = json.loads((tmp_path / "state" / "mip-secret.json").read_text())
    assert (tmp_path / "state" / "mip-secret.json").stat().st_mode & 0o777 == 0o600
    template = mip / "kubernetes" / "templates" / "mip-secret.yaml"
    assert template.stat().st_mode & 0o777 == 0o600
    assert not [p for p in template.parent.iterdir() if p.name.startswith("mip-secret.yaml.")]  # helm renders them all
    deployed = fake_secret(fake_toolchain.env(), "mip-secret")
    assert deployed == kept and deployed["keycloak.KEYCLOAK_USER"] == "admin"
    assert not PUBLISHED_8_0_0_PASSWORDS & set(deployed.values())
    said = journal_message(tmp_path, "mip-secrets")  # in words: nothing there looks like a secret to mask
    assert "now holds generated passwords in place of upstream's published ones" in said and "HIDDEN" not in said
    assert not [c for c in fake_toolchain.calls() if any(v in " ".join(c) for v in kept.values() if len(v) > 20)]
    # an install made before (the state folder's file gone, the template upstream's): the running Secret's
    # passwords are adopted — its databases were initialised with them — never replaced
    (tmp_path / "state" / "mip-secret.json").unlink()
    subprocess.run([real_git(), "-C", str(mip), "checkout", "--", "kubernetes/templates/mip-secret.yaml"], check=True)
    assert install(site, tmp_path)[1].ok
    readopted = json.loads((tmp_path / "state" / "mip-secret.json").read_text())
    assert readopted == kept == fake_secret(fake_toolchain.env(), "mip-secret")
    # the data is loaded, and visible as a data model
    assert [code for code, _v in next(iter(fake_toolchain.state()["mipdb"].values()))] == ["dementia"]
    no_secret_in_argv(fake_toolchain)


def test_guide_snapshot_with_exareme2_0_28(fake_toolchain, site, tmp_path, release_repos) -> None:
    site["release"] = "guide-f7c6441"
    site["mip_deployment"]["ref"] = release_repos.commit("mip-deployment@f7c6441")  # the local stand-in
    add_dataset(tmp_path / "data")
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    exa, mip = answers.exareme2.path, answers.mip_deployment.path
    assert head(exa) == release_repos.commit("exareme2@0.28.0")
    assert head(mip) == release_repos.commit("mip-deployment@f7c6441")
    # 0.28 mounts <localworker>/csvs: a link resolving to data_root/federation
    exa_values = helm_values(fake_toolchain, "exareme2")
    local = Path(exa_values["storage"]["hostPath"]["db"]["localworker"])
    assert (local / "csvs").resolve() == (tmp_path / "data" / "mipfed1").resolve()
    assert exa_values["federation"] == "mipfed1" and exa_values["managed_cluster"] is False
    # master: managed_cluster false, namespace default, datacatalog set, hostPaths under mip_deployment.path
    overlay = helm_values(fake_toolchain, "mip")
    assert overlay["managed_cluster"] is False and overlay["namespace"] == "default"
    assert overlay["datacatalog"]["HOST"] == "datacatalogue.mip.ebrains.eu"
    assert all(p.startswith(str(mip) + "/") for p in all_data_paths(overlay))
    # the Secrets no template creates, through stdin; passwords kept 0600, never rotated
    assert applied_secrets(fake_toolchain) == {"mip-secret", "keycloak-credentials"}
    kept = tmp_path / "state" / "mip-secret.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    before = kept.read_text()
    assert install(site, tmp_path)[1].ok
    assert kept.read_text() == before
    generated = [v for v in json.loads(before).values() if len(v) >= 24]  # not the fixed user names
    assert len(generated) == 5
    for password in generated:
        assert all(password not in " ".join(c) for c in fake_toolchain.calls())
    assert [c for c, _v in next(iter(fake_toolchain.state()["mipdb"].values()))] == ["dementia"]
    no_secret_in_argv(fake_toolchain)
    # the support bundle carries the state folder: the generated passwords are masked in it
    import tarfile

    from mipwizard.core.bundle import write_bundle
    from mipwizard.core.cluster.queries import ClusterQueries

    out = tmp_path / "bundle.tar.gz"
    write_bundle(out, queries=ClusterQueries(use_sudo=False), state_dir=tmp_path / "state", inspect=False)
    with tarfile.open(out) as tar:
        texts = [tar.extractfile(m).read().decode() for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
    joined = "\n".join(texts)
    assert release_repos.commit("exareme2@0.28.0") in joined  # checkouts.json
    assert not [p for p in generated if p in joined]


def test_status_shows_the_checked_out_commits(fake_toolchain, site, tmp_path, release_repos, monkeypatch) -> None:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    assert install(site, tmp_path)[1].ok
    env = {**fake_toolchain.env(), "MIPWIZARD_STATE_DIR": str(tmp_path / "state"), "NO_COLOR": "1"}
    import sys

    done = subprocess.run([sys.executable, "-m", "mipwizard", "status", "--json"], env=env, capture_output=True,
                          text=True, timeout=60)
    checkouts = json.loads(done.stdout)["checkouts"]
    assert checkouts["exareme2"]["commit"] == release_repos.commit("exareme2@0.20.0")
    done = subprocess.run([sys.executable, "-m", "mipwizard", "status"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert f"checkout mip_deployment: 8.0.0 = {release_repos.commit('mip-deployment@8.0.0')[:12]}" in done.stdout


def test_9_0_2_with_exaflow(fake_toolchain, site, tmp_path, release_repos) -> None:
    site["release"] = "9.0.2"
    site["active_profile"] = "proxied"
    site["mip_deployment"]["repo_url"] = release_repos.url("mip-deployment-new")
    site["exareme2"]["ref"] = release_repos.commit("exareme2@ad132e20")
    answers, result = install(site, tmp_path)
    exa, mip = answers.exareme2.path, answers.mip_deployment.path
    assert head(exa) == release_repos.commit("exareme2@ad132e20")
    assert head(mip) == release_repos.commit("mip-deployment@9.0.2")
    exa_values = helm_values(fake_toolchain, "exareme2")  # exaflow: <localworker>/csvs resolves to the data
    local = Path(exa_values["storage"]["hostPath"]["db"]["localworker"])
    assert (local / "csvs").resolve() == (tmp_path / "data" / "mipfed1").resolve()
    assert result.ok, result.message
    assert "values.mipwizard.yaml" in fake_toolchain.helm_releases()["mip"]["values_files"][0]["path"]
    no_secret_in_argv(fake_toolchain)


def test_refs_by_hand_move_the_checkout(fake_toolchain, site, tmp_path, release_repos) -> None:
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    site["exareme2"]["ref"] = "0.28.0"  # a tag by hand: the 0.28 layout is detected from the checkout
    site["mip_deployment"]["ref"] = "master"  # a branch by hand: the master layout
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    assert head(answers.exareme2.path) == release_repos.commit("exareme2@0.28.0")
    assert head(answers.mip_deployment.path) == release_repos.commit("mip-deployment@f7c6441")
    assert "storage" in helm_values(fake_toolchain, "exareme2")
    assert helm_values(fake_toolchain, "mip")["managed_cluster"] is False


def test_local_changes_and_foreign_repositories_are_refused(fake_toolchain, site, tmp_path, release_repos) -> None:
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    chart = answers.exareme2.path / "kubernetes" / "values.yaml"
    chart.write_text(chart.read_text() + "\n# my change\n")
    site["exareme2"]["ref"] = "0.28.0"
    _answers, result = install(site, tmp_path)
    assert result.failed_step == "checkouts"
    assert "has local changes (kubernetes/values.yaml)" in result.message and "stash" in result.message
    assert "# my change" in chart.read_text()  # never discarded
    subprocess.run([real_git(), "-C", str(answers.exareme2.path), "checkout", "--", "."], check=True)
    site["exareme2"]["repo_url"] = release_repos.url("mip-deployment")  # another repository
    _answers, result = install(site, tmp_path)
    assert result.failed_step == "checkouts" and "is a checkout of" in result.message
    assert "exareme2.repo_url" in result.message


def test_an_unknown_ref_or_layout_stops_before_deploying(fake_toolchain, site, tmp_path, release_repos) -> None:
    site["exareme2"]["ref"] = "0.99.0"
    _answers, result = install(site, tmp_path)
    assert result.failed_step == "checkouts" and "no tag, branch or commit '0.99.0'" in result.message
    assert not (tmp_path / "opt" / "exareme2").exists()  # the failed clone left nothing in place
    # the new home's chart for the Exareme2 checkout: no Exareme2 layout
    site["exareme2"] = {"path": str(tmp_path / "opt" / "exareme2"), "repo_url": release_repos.url("mip-deployment"),
                        "ref": "8.0.0"}
    _answers, result = install(site, tmp_path)
    assert result.failed_step == "checkouts", result.message  # read right after the checkout: before any deploy
    assert "Exareme2 layout mipwizard does not know" in result.message and "pin a known release" in result.message
    assert fake_toolchain.helm_releases() == {}
    assert install(site, tmp_path)[1].failed_step == "checkouts"  # a re-run stops there too (not "already done")


def test_an_unknown_mip_layout_stops_before_exareme2_deploys(fake_toolchain, site, tmp_path, release_repos) -> None:
    # the Exareme2 repository as mip-deployment: its chart is no MIP layout; Exareme2's own is fine
    site["mip_deployment"] = {"path": str(tmp_path / "opt" / "mip-deployment"),
                              "repo_url": release_repos.url("exareme2"), "ref": "0.20.0"}
    _answers, result = install(site, tmp_path)
    assert result.failed_step == "checkouts", result.message
    assert "has a layout mipwizard does not know" in result.message and "nothing was deployed" in result.message
    assert "set mip_deployment.ref" in result.message
    assert fake_toolchain.helm_releases() == {}  # not even Exareme2


# --- what a cluster would receive: the real charts rendered by a real helm 3 -----------------------


def render(helm: Path, release: dict) -> list[dict]:
    argv = [str(helm), "template", release["name"], release["chart_path"]]
    for f in release["values_files"]:
        argv += ["-f", f["path"]]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env={"HOME": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def secret_refs(tree: object) -> set[str]:
    """Names of the Secrets the manifests read (secretKeyRef, secretRef, secret volumes)."""
    found: set[str] = set()
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in ("secretKeyRef", "secretRef") and isinstance(value, dict) and "name" in value:
                found.add(value["name"])
            elif key == "secret" and isinstance(value, dict) and "secretName" in value:
                found.add(value["secretName"])
            else:
                found |= secret_refs(value)
    elif isinstance(tree, list):
        for item in tree:
            found |= secret_refs(item)
    return found


def host_paths(manifests: list[dict]) -> list[str]:
    found = []
    for m in manifests:
        spec = (m.get("spec") or {}).get("template", {}).get("spec") or m.get("spec") or {}
        for volume in spec.get("volumes") or []:
            if "hostPath" in volume:
                found.append(volume["hostPath"]["path"])
    return found


@requires_real_helm
@pytest.mark.parametrize("release", ["8.0.0", "guide-f7c6441", "9.0.2", "refs-by-hand"])
def test_real_helm_renders_what_microk8s_can_run(fake_toolchain, site, tmp_path, release_repos, release) -> None:
    assert REAL_HELM is not None
    helm = REAL_HELM
    site["release"] = "8.0.0" if release == "refs-by-hand" else release
    site["active_profile"] = "direct.internal_auth"
    if release == "refs-by-hand":  # a tag and a branch by hand on the default release: 0.28 + master layouts
        site["exareme2"]["ref"], site["mip_deployment"]["ref"] = "0.28.0", "master"
    if release == "guide-f7c6441":
        site["mip_deployment"]["ref"] = release_repos.commit("mip-deployment@f7c6441")
    if release == "9.0.2":
        site["active_profile"] = "proxied"
        site["mip_deployment"]["repo_url"] = release_repos.url("mip-deployment-new")
        site["exareme2"]["ref"] = release_repos.commit("exareme2@ad132e20")
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    expected = {"8.0.0": ("exareme2@0.20.0", "mip-deployment@8.0.0"),
                "guide-f7c6441": ("exareme2@0.28.0", "mip-deployment@f7c6441"),
                "9.0.2": ("exareme2@ad132e20", "mip-deployment@9.0.2"),
                "refs-by-hand": ("exareme2@0.28.0", "mip-deployment@f7c6441")}[release]
    assert (head(answers.exareme2.path), head(answers.mip_deployment.path)) == tuple(map(release_repos.commit,
                                                                                          expected))
    roots = tuple(str(p) for p in (answers.data_root, answers.exareme2.path, answers.mip_deployment.path))
    created = applied_secrets(fake_toolchain)
    data_dir = (answers.data_root / answers.federation).resolve()
    mounts_data = False
    for name in ("exareme2", "mip"):
        manifests = render(helm, fake_toolchain.helm_releases()[name])
        assert manifests
        assert {m["metadata"].get("namespace", "default") for m in manifests} == {"default"}
        for path in host_paths(manifests):
            assert path.startswith(roots), (name, path)
            assert Path(path).exists(), (name, path)
            mounts_data = mounts_data or Path(path).resolve() == data_dir
        classes = {m["spec"].get("storageClassName") for m in manifests if m["kind"] == "PersistentVolumeClaim"}
        assert not classes - {None, "k8s-local-storage", "microk8s-hostpath", ""}, classes
        for ingress in (m for m in manifests if m["kind"] == "Ingress"):  # microk8s serves the class "public"
            assert ingress["spec"].get("ingressClassName") == "public", ingress["metadata"]["name"]
            assert all(not r.get("host", "x")[0].isdigit() for r in ingress["spec"].get("rules", []))
        for m in manifests:  # what the API server of Kubernetes 1.32 accepts, unknown fields refused
            assert validate(m, "1.32") is None, (name, m["kind"], m["metadata"]["name"], validate(m, "1.32"))
        own = {m["metadata"]["name"] for m in manifests if m["kind"] == "Secret"}
        text = yaml.safe_dump_all(manifests)
        assert secret_refs(manifests) <= own | created, (name, secret_refs(manifests) - own - created)
        if name == "mip":
            assert "datacatalogue.mip.ebrains.eu" in text  # the data catalogue host is set
            exposed = [m for m in manifests if m["kind"] == "Ingress" or (m["kind"] == "Service" and m["spec"].get(
                "type") in ("NodePort", "LoadBalancer") and any("nodePort" in p for p in m["spec"]["ports"]))]
            assert exposed, "the UI is not exposed"  # an Ingress of class public, or a node port
    assert mounts_data  # the local workers mount data_root/federation
    # the chart check rendered each chart before its helm call, and found nothing
    calls = [c[2] for c in fake_toolchain.calls() if c[:2] == ["microk8s", "helm3"] and c[2] in ("template", "upgrade")]
    assert calls == ["template", "upgrade", "template", "upgrade"], calls
    templates = fake_toolchain.calls_of("microk8s", "helm3", "template")
    assert all("--kube-version" in c and "v1.32.3" in c for c in templates), templates
    no_secret_in_argv(fake_toolchain)


def test_a_chart_check_finding_stops_the_helm_call(fake_toolchain, site, tmp_path, release_repos) -> None:
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    # an untracked template (not a local change of the checkout) sends an object to a namespace nobody made
    extra = answers.exareme2.path / "kubernetes" / "templates" / "zz-elsewhere.yaml"
    extra.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stray, namespace: nowhere}\n")
    upgrades = len(fake_toolchain.calls_of("microk8s", "helm3", "upgrade"))
    settings = InstallSettings(poll_seconds=0.05, state_dir=tmp_path / "state")
    plan = build_plan(answers, settings)
    engine = InstallEngine(plan, ProcessRunner(redactor=Redactor(answers.secrets())),
                           Journal(tmp_path / "state" / "journal.json"), settings=settings)
    result = engine.run(only_step="exareme2-chart")
    assert result.failed_step == "exareme2-chart"
    assert "chart check found 1 problem(s) in the exareme2 chart, so helm did not run" in result.message
    assert "microk8s kubectl create namespace nowhere" in result.message
    assert len(fake_toolchain.calls_of("microk8s", "helm3", "upgrade")) == upgrades  # helm never ran


def test_switch_profile_keeps_the_overlay_and_updates_keycloak_credentials(
    fake_toolchain, site, tmp_path, release_repos
) -> None:

    from mipwizard.core.cluster.switch import plan_switch, run_switch

    site["release"] = "guide-f7c6441"
    site["mip_deployment"]["ref"] = release_repos.commit("mip-deployment@f7c6441")
    answers, result = install(site, tmp_path)
    assert result.ok, result.message
    answers_file = tmp_path / "answers.yaml"
    answers_file.write_text(yaml.safe_dump(site))
    plan = plan_switch("direct.internal_auth", chart=answers.mip_deployment.path / "kubernetes",
                       answers_path=answers_file)
    assert plan.argv[-2:] == ["-f", str(answers.mip_deployment.path / "kubernetes" / "values.mipwizard.yaml")]
    lines: list[str] = []
    assert run_switch(plan, on_lines=lines.extend).ok
    assert "keycloak-credentials updated for .direct.internal_auth" in lines
    secret = next(o for o in fake_toolchain.state()["objects"] if o["metadata"]["name"] == "keycloak-credentials")
    assert base64.b64decode(secret["data"]["client-id"]).decode() == "MIP"
    assert base64.b64decode(secret["data"]["client-secret"]).decode() == INTERNAL_SECRET
    no_secret_in_argv(fake_toolchain)
