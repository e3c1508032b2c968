"""The install plan: the guide's procedure as ordered, idempotent steps built from ``Answers``.

Each step has a probe ("is this already done?") and one action (what it runs); ``dryrun.py``
lists a plan by running those actions against a recording runner. Corrections to the guide that
matter: ``--classic`` for the snap, ``--timeout`` for ``status --wait-ready``, ``upgrade --install``
(``install`` twice fails), ``chown user:group`` with the user's primary group, lowercase node
names, readiness read from container statuses, refs pinned by the release, charts configured for
the values model their checkout really has. A federation worker runs only: snap, admin user,
ready, ``microk8s join``, data folders.

Where the steps live: host_steps (machine), checkout_step, engine_steps (Exareme2), mip_steps
(MIP values, Secrets, realm, chart), wait_step, data_step, login_step (external Keycloak).
"""

from __future__ import annotations

from ..answers import Answers, Role
from ..profile_kinds import profile_kind
from ..releases.pins import release_of
from . import checkout_step, data_step, engine_steps, host_steps, login_step, mip_steps, wait_step
from .settings import InstallSettings, local_node_name
from .steps import Step


def build_plan(answers: Answers, settings: InstallSettings | None = None) -> list[Step]:
    s = settings or InstallSettings()
    node = s.node_name or local_node_name()
    machine = [host_steps.microk8s_snap(answers, s), host_steps.admin_user(answers, s),
               host_steps.microk8s_ready(answers, s)]
    if answers.role is Role.WORKER:
        # No addons, charts or labels on a worker: the master labels it once it has joined.
        plan = [*machine, host_steps.join(answers, s), host_steps.data_folders(answers, s)]
        plan[-1].done_message = "this worker joined the cluster — now, on the master, run: " + label_command(
            answers, node
        )
        return plan
    release = release_of(answers)
    plan = [
        *machine,
        host_steps.addons(answers, s),
        host_steps.data_folders(answers, s),
        checkout_step.checkouts(answers, s),
        engine_steps.exareme2_values(answers, s, node),
        engine_steps.node_labels(answers, s, node),
        engine_steps.exareme2_chart(answers, s),
        mip_steps.mip_profiles(answers, s),
        mip_steps.mip_secrets(answers, s),
    ]
    if profile_kind(answers.active_profile).uses_internal_keycloak:
        plan.append(mip_steps.keycloak_realm(answers, s))
    plan += [mip_steps.mip_release(answers, s), wait_step.pods_ready(answers, s)]
    if release.loads_data_with_mipdb or answers.exareme2.ref is not None:
        plan.append(data_step.exareme2_data(answers, s))
    if login_step.uses_external_keycloak(answers):
        # a warning at worst, never a failed install
        plan.append(login_step.login_check(answers, s, mip_url=install_url(answers)))
    plan[-1].result_url = install_url(answers)
    plan[-1].done_message = "the MIP is installed and every pod is ready"
    return plan


def install_url(answers: Answers) -> str:
    """The address users open: the public FQDN (through the proxy for proxied profiles)."""
    scheme = "http" if profile_kind(answers.active_profile).plain_http else "https"
    return f"{scheme}://{answers.machine_public_fqdn}/"


def label_command(answers: Answers, node: str) -> str:
    """What the master runs to label this worker (node names are lowercase hostnames)."""
    return f"mipwizard node label {node.lower()} --worker" + (" --smpc-player" if answers.smpc_player else "")
