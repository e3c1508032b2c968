"""Wait until every pod is Ready (container statuses, not the phase: CrashLoopBackOff says Running)."""

from __future__ import annotations

import time

from ..answers import Answers
from .settings import InstallSettings
from .steps import Probe, Step, StepContext, StepFailed


def pods_ready(answers: Answers, s: InstallSettings) -> Step:
    limit = answers.pods_ready_timeout

    def probe(ctx: StepContext) -> Probe:
        found = ctx.facts.pods()
        return Probe(bool(found) and all(p.ready for p in found or []), f"all {len(found or [])} pods are ready")

    def action(ctx: StepContext) -> str:
        deadline = time.monotonic() + limit
        last = ""
        while True:
            found = ctx.facts.pods() or []
            waiting = [p for p in found if not p.ready]
            if found and not waiting:
                return f"all {len(found)} pods are ready"
            summary = f"{len(found) - len(waiting)}/{len(found)} pods ready"
            if waiting:
                summary += "; waiting for " + ", ".join(p.describe() for p in waiting[:6])
                summary += f" and {len(waiting) - 6} more" if len(waiting) > 6 else ""
            if summary != last:
                ctx.say(summary)
                last = summary
            if time.monotonic() >= deadline:
                bad = [p for p in waiting if p.bad]
                named = ", ".join(p.describe() for p in (bad or waiting)[:8]) or "no pods were created"
                raise StepFailed(
                    f"not every pod was ready after {limit} s: {named} — see `mipwizard status`, "
                    "or run `mipwizard install --from pods-ready` to wait again"
                )
            if ctx.cancel is not None:
                if ctx.cancel.wait(s.poll_seconds):
                    raise StepFailed("cancelled while waiting for the pods")
            else:
                time.sleep(s.poll_seconds)

    return Step(
        "pods-ready",
        f"Wait until every pod is Ready (up to {duration(limit)})",
        check="microk8s kubectl get pods -A -o json (container statuses)",
        probe=probe,
        action=action,
    )


def duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")
