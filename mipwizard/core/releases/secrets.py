"""The Secrets the master and 9.x charts read but no template creates.

``mip-secret``: database and Keycloak admin passwords, generated once and kept 0600 in the state
folder. They are never rotated silently: the databases were initialised with them, so a new value
would lock the MIP out of its own data. ``keycloak-credentials``: the active profile's client.
Both are applied through stdin (``kubectl apply -f -``), never in argv.
"""

from __future__ import annotations

import base64
import json
import secrets as random
from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import atomic_write_text
from ..profile_kinds import profile_kind
from .catalogue import ValuesModel

if TYPE_CHECKING:
    from ..answers import Answers

PASSWORDS_FILE = "mip-secret.json"

# key -> fixed user name, or None for a generated password
MIP_SECRET_KEYS: dict[ValuesModel, dict[str, str | None]] = {
    ValuesModel.PROFILES_MASTER: {
        "gateway-db.DB_ADMIN_USER": "postgres",
        "gateway-db.DB_ADMIN_PASSWORD": None,
        "portalbackend-db.DB_ADMIN_USER": "postgres",
        "portalbackend-db.DB_ADMIN_PASSWORD": None,
        "portalbackend-db.PORTAL_DB_USER": "portal",
        "portalbackend-db.PORTAL_DB_PASSWORD": None,
        "keycloak-db.POSTGRES_USER": "keycloak",
        "keycloak-db.POSTGRES_PASSWORD": None,
        "keycloak.KEYCLOAK_USER": "admin",
        "keycloak.KEYCLOAK_PASSWORD": None,
    },
    ValuesModel.VALUES_9: {
        "platform-backend-db.DB_ADMIN_USER": "postgres",
        "platform-backend-db.DB_ADMIN_PASSWORD": None,
        "platform-backend-db.PLATFORM_DB_USER": "platform",
        "platform-backend-db.PLATFORM_DB_PASSWORD": None,
    },
}


class PasswordsDamaged(Exception):
    """The kept passwords cannot be read: never replaced silently (the databases use them)."""


def needs_secrets(model: ValuesModel) -> bool:
    return model in MIP_SECRET_KEYS


def load_or_make_passwords(
    state_dir: Path, model: ValuesModel, adopt: dict[str, str] | None = None
) -> dict[str, str]:
    """The kept values; missing keys are generated and saved (0600), existing ones never change.
    ``adopt``: the values a live ``mip-secret`` holds (an upgrade): the databases were initialised
    with them, so they are kept in place of any other."""
    path = state_dir / PASSWORDS_FILE
    kept: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PasswordsDamaged(
                f"{path} cannot be read ({exc.__class__.__name__}) — restore it from a backup (the databases "
                "were created with these passwords); mipwizard never replaces it silently"
            ) from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise PasswordsDamaged(f"{path} is not a mapping of keys to passwords — restore it from a backup")
        kept = loaded
    values = {**kept, **{k: v for k, v in (adopt or {}).items() if k in MIP_SECRET_KEYS[model]}}
    for key, user in MIP_SECRET_KEYS[model].items():
        if key not in values:
            values[key] = user if user is not None else random.token_urlsafe(24)
    if values != kept:
        atomic_write_text(path, json.dumps(values, indent=2, sort_keys=True) + "\n", mode=0o600)
    return {key: values[key] for key in MIP_SECRET_KEYS[model]}


def kept_passwords(state_dir: Path) -> list[str]:
    """Every generated password kept in ``state_dir`` (for redaction: bundles, logs); [] without the file."""
    try:
        loaded = json.loads((state_dir / PASSWORDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    users = {u for keys in MIP_SECRET_KEYS.values() for u in keys.values() if u}
    return [v for v in loaded.values() if isinstance(v, str) and v not in users] if isinstance(loaded, dict) else []


def generated(values: dict[str, str], model: ValuesModel) -> list[str]:
    """The secret ones (for the redactor): the generated passwords."""
    return [values[k] for k, user in MIP_SECRET_KEYS[model].items() if user is None and values.get(k)]


def client(answers: Answers) -> tuple[str, str]:
    """The active profile's Keycloak client id and secret."""
    kind = profile_kind(answers.active_profile)
    block = answers.internal_keycloak if kind.uses_internal_keycloak else answers.keycloak
    return block.client_id, block.client_secret


def _secret(name: str, namespace: str, data: dict[str, str]) -> dict[str, object]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "mipwizard"}},
            "data": encoded}


def secrets_manifest(answers: Answers, passwords: dict[str, str], namespace: str = "default") -> str:
    client_id, client_secret = client(answers)
    docs = [
        _secret("mip-secret", namespace, passwords),
        _secret("keycloak-credentials", namespace, {"client-id": client_id, "client-secret": client_secret}),
    ]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=2)


def _profile_client_secret(path: Path) -> str:
    """``keycloak.CLIENT_SECRET`` of a filled profile file; "" when absent or an upstream sample."""
    from ..errors import UserError
    from ..validators import find_placeholder
    from ..yamlutil import dig, load_yaml_file

    try:
        value = dig(load_yaml_file(path, what="profile file"), "keycloak.CLIENT_SECRET")
    except (UserError, OSError):
        return ""
    return value if isinstance(value, str) and value and not find_placeholder(value) else ""


def refresh_keycloak_credentials(
    chart: Path, profile: str, answers_path: Path | None, *, privileged: bool = False
) -> str | None:
    """Before a profile switch: point ``keycloak-credentials`` at ``profile``'s client, when the
    chart reads that Secret. Returns what was done (or why not), None when there is nothing to do."""
    from ..answers_file import state_answers_path
    from ..system import privileged_argv
    from .layout import LayoutError, detect_mip

    try:
        found = detect_mip(chart.parents[1] if chart.name == "kubernetes" and chart.parent.name == "deployment"
                           else chart.parent)
    except LayoutError:
        return None
    if not needs_secrets(found.model):
        return None
    source = answers_path if answers_path is not None and answers_path.is_file() else state_answers_path()
    from ..answers import load_answers
    from ..errors import UserError

    try:  # saved without secrets (the default) they load: the secret is in the profile being deployed
        answers = load_answers(source, secrets_optional=True).model_copy(update={"active_profile": profile})
    except (UserError, OSError, ValueError):  # no answers with the client: the Secret stays as it is
        return f"keycloak-credentials not updated: no answers file with the client ({source})"
    client_id, client_secret = client(answers)
    client_secret = client_secret or _profile_client_secret(chart / profile_kind(profile).filename)
    if not client_secret:
        return (f"keycloak-credentials not updated: the client secret of .{profile} is in neither {source} "
                "nor the profile file")
    document = json.dumps(_secret("keycloak-credentials", "default",
                                  {"client-id": client_id, "client-secret": client_secret}))
    import subprocess

    from ..process import resolve, spawn

    argv = privileged_argv(resolve(["microk8s", "kubectl", "apply", "-f", "-"]), as_root=not privileged)
    child = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = child.popen.communicate(document.encode(), timeout=120)
    except subprocess.TimeoutExpired:
        child.terminate()
        out = b"timed out"
    code = child.reap()
    return "keycloak-credentials updated for ." + profile if code == 0 else (
        f"keycloak-credentials not updated (exit {code}): {out.decode('utf-8', 'replace').strip()[:200]}")
