"""``--dry-run`` is the real actions run against a recording runner: the listing cannot disagree
with the run (issue 18), and a changed action changes the listing."""

from __future__ import annotations

import shlex
from pathlib import Path

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.install import Command, InstallSettings, build_plan, dry_run
from mipwizard.core.redact import Redactor
from tests.test_install import run_install, site  # noqa: F401  (fixture)

SAME_ON_BOTH = ("microk8s-snap", "admin-user", "microk8s-ready", "addons", "data-folders", "node-labels",
                "exareme2-chart", "mip-chart")


def listing(data: dict) -> dict[str, list[str]]:
    answers = answers_from_mapping(data)
    settings = InstallSettings(node_name="mip-master")
    plan = build_plan(answers, settings)
    return {entry.step.id: entry.lines for entry in dry_run(plan, redactor=Redactor(answers.secrets()),
                                                            settings=settings, node="mip-master")}


def test_the_listing_is_what_a_fresh_machine_runs(fake_toolchain, site, tmp_path: Path) -> None:  # noqa: F811
    listed = listing(site)
    assert not fake_toolchain.calls()  # listing ran nothing, not even a query
    result, _events = run_install(site, tmp_path)
    assert result.ok, result.message
    ran = [shlex.join(c) for c in fake_toolchain.calls()]
    for step in SAME_ON_BOTH:
        for line in listed[step]:
            if line.startswith("$ "):
                assert line[2:] in ran, (step, line)
    # the addons step lists what it enables on this (fresh) machine: the three addons, as the run did
    assert listed["addons"] == ["$ microk8s enable dns helm3 ingress"]


def test_a_changed_action_changes_the_listing(site, monkeypatch) -> None:  # noqa: F811
    from mipwizard.core.install import host_steps

    before = listing(site)["addons"]

    def addons(answers, s):  # type: ignore[no-untyped-def]
        step = original(answers, s)

        def action(ctx):  # type: ignore[no-untyped-def]
            ctx.run(Command(("microk8s", "enable", "dns", "ingress", "hostpath-storage")))
            return "enabled"

        step.action = action
        return step

    original = host_steps.addons
    monkeypatch.setattr(host_steps, "addons", addons)
    after = listing(site)["addons"]
    assert before != after == ["$ microk8s enable dns ingress hostpath-storage"]
