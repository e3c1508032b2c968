"""The MIP steps: its values (profiles + overlay, or the 9.x values file), the Secrets its chart
reads but does not create, the embedded Keycloak's realm import, and its chart."""

from __future__ import annotations

import json
from pathlib import Path

from ..answers import Answers
from ..profile_kinds import profile_kind
from ..releases import mip_values
from ..releases.catalogue import ValuesModel
from ..releases.layout import LayoutError, MipChart, detect_mip
from ..releases.pins import mip_chart_dir, release_of
from ..releases.realm import REALM_FILE, RealmProblem, patched_realm
from ..releases.secrets import (
    PASSWORDS_FILE,
    SECRET_TEMPLATE,
    PasswordsDamaged,
    SecretTemplateProblem,
    fills_secret_template,
    generated,
    load_or_make_passwords,
    needs_secrets,
    patched_secret_template,
    secret_data,
    secrets_manifest,
)
from .helm_steps import host_roots, release_step
from .settings import InstallSettings
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint

NINE_VALUES = "values.mipwizard.yaml"
# No "secret:" in texts shown (the redactor would take what follows for a secret value).
_KEPT_IN_TEMPLATE = "the kept passwords, in place of upstream's published ones"


def mip_chart(ctx: StepContext, answers: Answers) -> MipChart:
    """The chart and its values model, read from the checkout (a dry run without one assumes the release's)."""
    try:
        return detect_mip(answers.mip_deployment.path)
    except LayoutError as exc:
        if ctx.recording:
            return MipChart(mip_chart_dir(answers), release_of(answers).values_model, {})
        raise StepFailed(str(exc)) from None


def _files(answers: Answers, chart: MipChart) -> dict[Path, str]:
    """What the release's writers put in the chart folder: file -> text (profiles are written apart)."""
    if chart.model is ValuesModel.VALUES_9:
        try:
            return {chart.chart_dir / NINE_VALUES: mip_values.mip9_values_text(answers)}
        except LookupError as exc:
            raise StepFailed(str(exc)) from None
    overlay = mip_values.mip_overlay(answers, chart.model, chart.values)
    return {chart.chart_dir / mip_values.OVERLAY_NAME: mip_values.overlay_text(overlay)}


def values_files(answers: Answers, chart: MipChart) -> list[Path]:
    """The -f files of the MIP release, in order (the overlay after the profile)."""
    if chart.model is ValuesModel.VALUES_9:
        return [chart.chart_dir / NINE_VALUES]
    return [chart.chart_dir / profile_kind(answers.active_profile).filename, chart.chart_dir / mip_values.OVERLAY_NAME]


def mip_profiles(answers: Answers, s: InstallSettings) -> Step:
    from ..profiles import diff_profiles, write_profiles

    def probe(ctx: StepContext) -> Probe:
        try:
            chart = mip_chart(ctx, answers)
            files = _files(answers, chart)
        except StepFailed:
            return Probe(False)
        same = all(p.is_file() and p.read_text(encoding="utf-8") == t for p, t in files.items())
        profiles_ok = chart.model is ValuesModel.VALUES_9 or not diff_profiles(answers, chart.chart_dir)
        hostpaths = mip_values.host_folders(mip_values.mip_overlay(answers, chart.model, chart.values))
        return Probe(same and profiles_ok and all(p.is_dir() for p in hostpaths), "the MIP values are up to date")

    def action(ctx: StepContext) -> str:
        chart = mip_chart(ctx, answers)
        notes = [f"values model {chart.model.value}"]
        if chart.model is not ValuesModel.VALUES_9:
            report = ctx.change(
                f"write {chart.chart_dir}/.<profile> (the profiles the answers can fill, mode 0600)",
                lambda: _write_profiles(ctx, answers, chart.chart_dir, write_profiles),
            )
            notes.append(str(report or "profiles listed"))
            folders = mip_values.host_folders(mip_values.mip_overlay(answers, chart.model, chart.values))
            if folders:  # hostPaths the chart mounts: under mip_deployment.path, made before it deploys
                ctx.run(Command(("mkdir", "-p", *map(str, folders)), timeout=s.command_timeout))
        for path, text in _files(answers, chart).items():
            ctx.write(path, text, what=f"{chart.model.value} values")
        return "; ".join(notes)

    return Step(
        "mip-profiles",
        "Write the MIP values (profiles and the microk8s overlay, or the 9.x values file)",
        check="the files in the chart folder match the answers",
        fingerprint=fingerprint(answers.model_dump(mode="json")),
        probe=probe,
        action=action,
    )


def _write_profiles(ctx: StepContext, answers: Answers, folder: Path, write: object) -> str:
    from ..profiles import write_profiles

    try:
        report = write_profiles(answers, folder)
    except OSError as exc:
        raise StepFailed(f"cannot write the profiles into {folder}: {exc.strerror} — run mipwizard as root") from None
    for name in report.written:
        ctx.say(f"wrote {folder / name}")
    for name, reason in report.skipped.items():
        ctx.say(f"skipped {name}: {reason}")
    return f"{len(report.written)} profile(s) written, {len(report.unchanged)} unchanged, {len(report.skipped)} skipped"


def _secrets_title(answers: Answers) -> str:
    """What the step will do, as far as the plan knows: a catalogue release's chart layout is known
    before its checkout; a ref given by hand is read after it (both ways are said then)."""
    applied = "Secrets mip-secret (passwords generated once) and keycloak-credentials (the active profile's client)"
    filled = "Secret mip-secret: the chart's template gets passwords generated once, not upstream's published ones"
    if answers.mip_deployment.ref is not None or answers.mip_deployment.repo_url is not None:
        return f"{applied}, or, for a chart that makes mip-secret itself, its template filled"
    return filled if fills_secret_template(release_of(answers).values_model) else applied


def mip_secrets(answers: Answers, s: InstallSettings) -> Step:
    """mip-secret and keycloak-credentials, for the charts that read them but do not create them;
    for 8.0.0, whose chart makes mip-secret from upstream's published passwords, that template
    filled with the kept ones (``releases/secrets.py``)."""
    argv = ["microk8s", "kubectl", "apply", "-f", "-"]

    def kept(ctx: StepContext, model: ValuesModel, adopt: dict[str, str] | None = None) -> dict[str, str]:
        try:
            passwords = load_or_make_passwords(s.state_folder(), model, adopt=adopt)
        except PasswordsDamaged as exc:
            raise StepFailed(str(exc)) from None
        except OSError as exc:
            raise StepFailed(f"cannot keep the generated passwords in {s.state_folder()}: {exc.strerror}") from None
        for secret in generated(passwords, model):
            ctx.redactor.add(secret)
        return passwords

    def manifest(ctx: StepContext, model: ValuesModel) -> str:
        return "" if ctx.recording else secrets_manifest(answers, kept(ctx, model))

    def template(ctx: StepContext, chart: MipChart, passwords: dict[str, str]) -> tuple[Path, str]:
        path = chart.chart_dir / SECRET_TEMPLATE
        try:
            return path, patched_secret_template(path.read_text(encoding="utf-8"), passwords)
        except OSError as exc:
            raise StepFailed(f"cannot read {path}: {exc.strerror} — is the mip-deployment checkout complete?") from None
        except SecretTemplateProblem as exc:
            raise StepFailed(f"{path} {exc}") from None

    def live_values(ctx: StepContext) -> dict[str, str] | None:
        """A running mip-secret's values (an install made before mipwizard filled the template):
        its databases were initialised with them, so they are adopted, not replaced."""
        found = ctx.query(["microk8s", "kubectl", "get", "secret", "mip-secret", "-n", "default", "-o", "json"],
                          privileged=True, timeout=s.query_timeout)
        if not found.ok:
            return None
        try:
            values = secret_data(found.stdout)
        except ValueError:
            return None
        for value in values.values():
            ctx.redactor.add(value)
        return values or None

    def fill_template(ctx: StepContext, chart: MipChart) -> str:
        if ctx.recording:
            ctx.write(chart.chart_dir / SECRET_TEMPLATE, "", what=_KEPT_IN_TEMPLATE)
            return "the chart's mip-secret template gets the kept passwords"
        adopted = None if (s.state_folder() / PASSWORDS_FILE).exists() else live_values(ctx)
        path, text = template(ctx, chart, kept(ctx, chart.model, adopt=adopted))
        ctx.write(path, text, mode=0o600, backup=False, what=_KEPT_IN_TEMPLATE)
        if adopted:
            return (f"{path} now holds the passwords of the running mip-secret, adopted (its databases use them) and "
                    "kept in the state folder, 0600 — they may be upstream's published ones: see README, Security")
        return (f"{path} now holds generated passwords in place of upstream's published ones (kept in the state "
                "folder, 0600)")

    def probe(ctx: StepContext) -> Probe:
        try:
            chart = mip_chart(ctx, answers)
        except StepFailed:
            return Probe(False)
        if fills_secret_template(chart.model):
            if not (s.state_folder() / PASSWORDS_FILE).exists():
                return Probe(False)
            try:
                path, text = template(ctx, chart, kept(ctx, chart.model))
                return Probe(path.read_text(encoding="utf-8") == text, "the chart's mip-secret has the kept passwords")
            except (OSError, StepFailed):
                return Probe(False)
        if not needs_secrets(chart.model):
            return Probe(True, f"the {chart.model.value} chart creates its own Secrets")
        if not (s.state_folder() / PASSWORDS_FILE).exists():
            return Probe(False)
        try:
            items = json.loads(manifest(ctx, chart.model))["items"]
            wanted = {d["metadata"]["name"]: d["data"] for d in items}
        except StepFailed:
            return Probe(False)
        for name, data in wanted.items():
            argv = ["microk8s", "kubectl", "get", "secret", name, "-n", "default", "-o", "json"]
            result = ctx.query(argv, privileged=True, timeout=s.query_timeout)
            try:
                if not result.ok or json.loads(result.stdout).get("data") != data:
                    return Probe(False)
            except ValueError:
                return Probe(False)
        return Probe(True, "Secrets mip-secret and keycloak-credentials are up to date")

    def action(ctx: StepContext) -> str:
        chart = mip_chart(ctx, answers)
        if fills_secret_template(chart.model):
            return fill_template(ctx, chart)
        if not needs_secrets(chart.model):
            return f"the {chart.model.value} chart creates its own Secrets: nothing to do"
        document = manifest(ctx, chart.model)
        ctx.apply(argv, document, what="Secrets mip-secret and keycloak-credentials (stdin)")
        return "Secrets mip-secret and keycloak-credentials applied (passwords kept in the state folder, 0600)"

    return Step(
        "mip-secrets",
        _secrets_title(answers),
        check="microk8s kubectl get secret NAME -o json holds the kept passwords and the active client",
        fingerprint=fingerprint(answers.active_profile, answers.keycloak.client_id,
                                answers.internal_keycloak.client_id),
        probe=probe,
        action=action,
    )


def keycloak_realm(answers: Answers, s: InstallSettings) -> Step:
    """The embedded Keycloak imports the checkout's realm file: give its client the answers' secret."""
    path = answers.mip_deployment.path / REALM_FILE
    client_id = answers.internal_keycloak.client_id

    def wanted() -> str:
        try:
            return patched_realm(path.read_text(encoding="utf-8"), client_id, answers.internal_keycloak.client_secret)
        except OSError as exc:
            raise StepFailed(f"cannot read {path}: {exc.strerror} — is the mip-deployment checkout complete?") from None
        except RealmProblem as exc:
            raise StepFailed(f"{path} {exc}") from None

    def probe(ctx: StepContext) -> Probe:
        try:
            same = path.read_text(encoding="utf-8") == wanted()
            return Probe(same, f"the realm's {client_id} client has your secret")
        except (OSError, StepFailed):
            return Probe(False)

    def action(ctx: StepContext) -> str:
        text = "" if ctx.recording else wanted()
        ctx.write(path, text, mode=0o600, what=f"client {client_id} gets internal_keycloak.client_secret")
        return f"{path}: client {client_id} has the answers' secret (the previous file is kept)"

    return Step(
        "keycloak-realm",
        f"Embedded Keycloak: realm import with your client secret for {client_id}",
        check=f"{path} has internal_keycloak.client_secret for client {client_id}",
        fingerprint=fingerprint(client_id, answers.internal_keycloak.client_secret),
        probe=probe,
        action=action,
    )


def mip_release(answers: Answers, s: InstallSettings) -> Step:
    from ..profiles import render_profile

    def chart(ctx: StepContext) -> tuple[Path, list[Path]]:
        found = mip_chart(ctx, answers)
        return found.chart_dir, values_files(answers, found)

    inputs = fingerprint(answers.model_dump(mode="json"), render_profile(answers, answers.active_profile))
    return release_step(
        "mip-chart", f"Deploy the MIP Helm chart with the {answers.active_profile} profile", "mip", chart, inputs, s,
        host_roots(answers),
    )
