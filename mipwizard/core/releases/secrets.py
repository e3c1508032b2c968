"""The Secrets the master and 9.x charts read but no template creates, and 8.0.0's own one.

``mip-secret``: database and Keycloak admin passwords, generated once and kept 0600 in the state
folder. They are never rotated silently: the databases were initialised with them, so a new value
would lock the MIP out of its own data. ``keycloak-credentials``: the active profile's client.
Both are applied through stdin (``kubectl apply -f -``), never in argv.

8.0.0's chart makes ``mip-secret`` itself, from a template holding upstream's published passwords
— the embedded Keycloak's admin among them, and its console is served at ``https://<FQDN>/auth``.
The kept passwords are written into that template in the checkout before the chart deploys
(``patched_secret_template``); helm then creates the Secret as the chart expects.
"""

from __future__ import annotations

import base64
import json
import re
import secrets as random
from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import atomic_write_text
from ..profile_kinds import profile_kind
from .catalogue import ValuesModel

if TYPE_CHECKING:
    from ..answers import Answers

PASSWORDS_FILE = "mip-secret.json"

# key -> fixed user name, or None for a generated password. The profile charts' keys: the master
# chart reads them, 8.0.0's templates/mip-secret.yaml holds them (the chart creates the Secret).
_PROFILE_CHART_KEYS: dict[str, str | None] = {
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
}
MIP_SECRET_KEYS: dict[ValuesModel, dict[str, str | None]] = {
    ValuesModel.PROFILES_MASTER: _PROFILE_CHART_KEYS,
    ValuesModel.PROFILES_8: _PROFILE_CHART_KEYS,
    ValuesModel.VALUES_9: {
        "platform-backend-db.DB_ADMIN_USER": "postgres",
        "platform-backend-db.DB_ADMIN_PASSWORD": None,
        "platform-backend-db.PLATFORM_DB_USER": "platform",
        "platform-backend-db.PLATFORM_DB_PASSWORD": None,
    },
}


class PasswordsDamaged(Exception):
    """The kept passwords cannot be read: never replaced silently (the databases use them)."""


# The charts whose own template makes mip-secret (mipwizard fills the template instead of applying one).
CHART_MADE = {ValuesModel.PROFILES_8}
SECRET_TEMPLATE = Path("templates/mip-secret.yaml")  # in the chart folder
_DATA_LINE = re.compile(r"^(\s+)([A-Za-z0-9_.-]+):[ \t]*(\S*)[ \t]*$")


class SecretTemplateProblem(ValueError):
    """The chart's mip-secret template is not the shape mipwizard knows (the message says what)."""


def needs_secrets(model: ValuesModel) -> bool:
    """The chart reads Secrets that no template of it creates (mipwizard applies them)."""
    return model in MIP_SECRET_KEYS and model not in CHART_MADE


def fills_secret_template(model: ValuesModel) -> bool:
    return model in CHART_MADE


def patched_secret_template(text: str, passwords: dict[str, str]) -> str:
    """The chart's ``templates/mip-secret.yaml`` with each of ``passwords``' keys set (base64), the
    rest byte for byte as upstream wrote it; raises ``SecretTemplateProblem`` naming a missing key."""
    lines, seen = [], set()
    for line in text.splitlines(keepends=True):
        found = _DATA_LINE.match(line.rstrip("\n"))
        if found and found.group(2) in passwords:
            key = found.group(2)
            encoded = base64.b64encode(passwords[key].encode()).decode()
            line = f"{found.group(1)}{key}: {encoded}\n"
            seen.add(key)
        lines.append(line)
    missing = sorted(set(passwords) - seen)
    if missing:
        raise SecretTemplateProblem(f"has no key {missing[0]} (is it the 8.0.0 chart?)")
    return "".join(lines)


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


def secret_data(kubectl_json: str) -> dict[str, str]:
    """The decoded data of ``kubectl get secret NAME -o json`` (``_secret``'s reverse); raises
    ``ValueError`` when it is not a Secret's JSON. For the caller's memory only, never printed."""
    try:
        data = json.loads(kubectl_json).get("data") or {}
        return {str(k): base64.b64decode(v).decode("utf-8") for k, v in data.items()}
    except (AttributeError, UnicodeDecodeError) as exc:  # json and base64 errors are ValueErrors already
        raise ValueError(f"not a Secret's JSON ({exc.__class__.__name__})") from None


def secrets_manifest(answers: Answers, passwords: dict[str, str], namespace: str = "default") -> str:
    client_id, client_secret = client(answers)
    docs = [
        _secret("mip-secret", namespace, passwords),
        _secret("keycloak-credentials", namespace, {"client-id": client_id, "client-secret": client_secret}),
    ]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=2)


def profile_client_secret(path: Path) -> str:
    """``keycloak.CLIENT_SECRET`` of a filled profile file; "" when there is none, the file cannot be
    read, or it is an upstream template still unfilled (its sample secret is nobody's)."""
    from ..errors import UserError
    from ..validators import find_placeholder
    from ..yamlutil import dig, load_yaml_file

    try:
        if not path.is_file() or find_placeholder(path.read_text(encoding="utf-8")):
            return ""
        value = dig(load_yaml_file(path, what="profile file"), "keycloak.CLIENT_SECRET")
    except (UserError, OSError, UnicodeDecodeError):
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
    client_secret = client_secret or profile_client_secret(chart / profile_kind(profile).filename)
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
