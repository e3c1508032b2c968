"""The Secrets a release's chart reads but no template creates (``mip-secret``, ``keycloak-credentials``),
made for an upgrade by the install's own code (``releases/secrets.py``): the passwords a live
``mip-secret`` holds are adopted (its databases were initialised with them), missing keys are
generated once and kept 0600 in the state folder. Applied through stdin, never argv; the values
only reach the redactor, never a line of output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..answers import Answers
from ..backup.workloads import Kube
from ..errors import UserError
from ..redact import Redactor
from ..releases.catalogue import ValuesModel
from ..releases.secrets import PasswordsDamaged, generated, load_or_make_passwords, needs_secrets, secrets_manifest

NAMESPACE = "default"


def release_secrets(
    answers: Answers, model: ValuesModel, *, state_dir: Path, kube: Kube | None, redactor: Redactor
) -> list[dict[str, Any]]:
    """The Secret objects ``model``'s chart needs ([] when it creates its own). ``kube`` None: the
    live ``mip-secret`` is not read (a rollback: the kept file already holds what it had)."""
    if not needs_secrets(model):
        return []
    live = kube.secret_values(NAMESPACE, "mip-secret") if kube is not None else None
    try:
        passwords = load_or_make_passwords(state_dir, model, adopt=live)
    except PasswordsDamaged as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot keep the generated passwords in {state_dir}: {exc.strerror}") from None
    redactor.add(*generated(passwords, model))
    items: list[dict[str, Any]] = json.loads(secrets_manifest(answers, passwords, NAMESPACE))["items"]
    return items


def names(secrets: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(s["metadata"]["namespace"]), str(s["metadata"]["name"])) for s in secrets}
