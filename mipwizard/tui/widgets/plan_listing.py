"""What an install will do, for the Review step and the Install question: steps, commands, files.

The lines come from the plan's public API (each step's title, the commands a fresh machine runs,
the files mipwizard writes), the same plan `mipwizard install --dry-run` prints; secrets are
masked by the caller's ``redact``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text


def step_lines(step: Any, redact: Callable[[str], str]) -> list[str]:
    """``$ command`` and ``write FILE`` lines of a step that lists them itself (a test's stand-in plan)."""
    lines = [f"$ {redact(command.display())}" for command in getattr(step, "commands", None) or []]
    lines += [f"write {redact(str(target))}" for target in getattr(step, "writes", None) or []]
    return lines


def dry_run_lines(steps: Sequence[Any], answers: Any, settings: Any = None) -> list[list[str]]:
    """Each step's lines from ``--dry-run``'s recording runner, so Review lists exactly what
    ``mipwizard install --dry-run`` prints (and what a fresh machine runs). Runs in a worker."""
    from ...core.install import InstallSettings, dry_run, local_node_name
    from ...core.redact import Redactor

    settings = settings or InstallSettings()
    try:
        listings = dry_run(list(steps), redactor=Redactor(answers.secrets()), settings=settings,
                           node=settings.node_name or local_node_name())
    except Exception:  # a stand-in plan without actions: the commands it lists itself
        return [step_lines(step, str) for step in steps]
    return [[*listing.lines, *([f"stops here: {listing.stops}"] if listing.stops else [])] for listing in listings]


def plan_text(steps: Sequence[Any], lines: Sequence[list[str]], redact: Callable[[str], str]) -> Text:
    """The numbered steps with their commands and files (commands marked $ run with sudo if not root)."""
    text = Text(no_wrap=True, overflow="ellipsis")  # a command is never wrapped: cut with … instead
    text.append(f"The install will run {len(steps)} steps:\n", style="bold")
    for number, step in enumerate(steps, 1):
        title = str(getattr(step, "title", step.id)).split(" — ")[0]
        text.append(f"{number:2}. {title}\n")
        for line in lines[number - 1] if number <= len(lines) else []:
            line = redact(line)
            text.append(f"      {line}\n", style="dim" if line.startswith("write") else "")
    text.append("(a step found already done is skipped; $ runs with sudo when not root)", style="dim")
    return text


def install_question(*, host: str, answers: Any, steps: int, log_path: str) -> tuple[str, str]:
    """(title, message) of the Install confirmation: names the machine and the release."""
    title = f"Install the MIP on {host}?"
    role = getattr(getattr(answers, "role", None), "value", "local")
    where = [f"role {role}"]
    if getattr(answers, "machine_main_ip", None):
        where.append(f"IP {answers.machine_main_ip}")
    if getattr(answers, "machine_public_fqdn", None):
        where.append(f"reached as {answers.machine_public_fqdn}")
    message = (
        f"This changes {host} ({', '.join(where)}): it installs {release_words(answers)} in {steps} steps, "
        f"as listed on the Review. Nothing has changed yet. The full log goes to {log_path}."
    )
    return title, message


def release_words(answers: Any) -> str:
    """'release 8.0.0 (mip-deployment 8.0.0, Exareme2 0.20.0)', the refs the install checks out."""
    name = str(getattr(answers, "release", "") or "")
    try:
        from ...core.releases import release_by_name

        release = release_by_name(name) if name else None
    except Exception:  # an unknown name was already refused by the answers; say what we know
        release = None
    mip_ref = getattr(getattr(answers, "mip_deployment", None), "ref", None) or getattr(release, "mip_ref", "")
    exa_ref = getattr(getattr(answers, "exareme2", None), "ref", None) or getattr(release, "exareme2_ref", "")
    if not name:
        return "the default release"
    refs = ", ".join(part for part in (f"mip-deployment {mip_ref}" if mip_ref else "",
                                       f"Exareme2 {exa_ref}" if exa_ref else "") if part)
    return f"release {name}" + (f" ({refs})" if refs else "")
