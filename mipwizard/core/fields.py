"""The answers' form fields: each rule and message once, for the answers model and the wizard's inputs.

Light on purpose (no pydantic, no runner): the wizard imports it for its first frame. The model in
``answers.py`` validates with these same functions, so the wizard's inline message under a field is
exactly what ``mipwizard install --answers`` prints for the same value.

``FORM`` maps each value the wizard asks to its answers key, its check, how it is typed and what
the wizard shows first; the wizard's state (``tui/state.py``) has one attribute per entry, made
from it (no per-field code there). A new answers field is: the model's attribute, a ``FormField``
here, and its input on a screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import validators as v

SMPC_MIN_PLAYERS = 3  # SMPC needs at least this many nodes labelled smpc_player=true
MAX_LOCALNODES = 64
DEFAULT_ADMIN_USER = "mipadmin"
_UNIX_USER = r"[a-z_][a-z0-9_-]{0,31}"  # compiled on first use


def check_federation(value: str) -> str:
    return v.check_folder_name(value, what="federation name")


def check_pathology(value: str) -> str:
    return v.check_folder_name(value, what="pathology")


def check_pathologies(value: str | list[str]) -> list[str]:
    """A list of pathology folder names, or the wizard's comma-separated text."""
    names = split_list(value) if isinstance(value, str) else [str(n).strip() for n in value]
    if not names:
        raise ValueError("is empty — list at least one pathology, e.g. [dementia]")
    names = [check_pathology(name) for name in names]
    if len(set(names)) != len(names):
        raise ValueError("lists a pathology twice — keep each once")
    return names


def check_data_root(value: str) -> str:
    raw = str(value).strip()
    if not raw.startswith("/"):
        raise ValueError(f"{raw!r} is not an absolute path — e.g. /data")
    return v.check_abs_path(raw, what="data root", allow_top=True)  # normalised, never a system folder


def check_localnodes(value: str | int) -> int:
    raw = str(value).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LOCALNODES:
        raise ValueError(f"{raw!r} is not a number of nodes from 1 to {MAX_LOCALNODES}")
    return int(raw)


def check_admin_user(value: str) -> str:
    if not re.fullmatch(_UNIX_USER, value):
        raise ValueError(f"{value!r} is not a valid Linux user name — use lowercase letters, digits, '-' or '_'")
    return value


def check_realm(value: str) -> str:
    return v.check_realm_or_client_id(value, what="realm")


def check_client_id(value: str) -> str:
    return v.check_realm_or_client_id(value, what="client id")


def check_smpc(smpc: bool, role: str) -> None:
    if smpc and role == "local":
        raise ValueError(
            f"SMPC needs a federation with at least {SMPC_MIN_PLAYERS} smpc_player nodes — "
            "set it to false for a single-machine install"
        )


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class FormField:
    """One value the wizard asks: ``attr`` on the wizard state, ``key`` in the answers (dotted)."""

    attr: str
    key: str
    check: Callable[[str], object] | None = None
    kind: str = "text"  # text | list (comma-separated) | int | bool
    secret: bool = False  # masked on screen, left out of answers saved without secrets
    optional: bool = False  # an empty value means "not set" (None in the answers)
    initial: str | bool = ""  # shown before anything is loaded: the model's default as text, or a suggestion

    @property
    def name(self) -> str:
        """How messages name it: the answers key, as the CLI does."""
        return self.key

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        if self.kind == "list" and isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return str(value)

    def to_value(self, text: str) -> Any:
        """What goes into the answers mapping for the typed ``text`` (the model judges it)."""
        if self.kind == "list":
            return split_list(text)
        if self.kind == "int":
            stripped = text.strip()
            return int(stripped) if stripped.isdigit() else stripped
        stripped = text if self.secret else text.strip()
        return (stripped or None) if self.optional else stripped


FORM: tuple[FormField, ...] = (
    FormField("machine_main_ip", "machine_main_ip", v.check_ip, optional=True),
    FormField("machine_public_fqdn", "machine_public_fqdn", v.check_hostname, optional=True),
    FormField("machine_private_fqdn_or_ip", "machine_private_fqdn_or_ip", v.check_host_or_ip, optional=True),
    FormField("keycloak_url", "keycloak.url", v.check_hostname, initial="iam.ebrains.eu"),
    FormField("keycloak_realm", "keycloak.realm", check_realm, initial="MIP"),
    FormField("keycloak_client_id", "keycloak.client_id", check_client_id),
    FormField("keycloak_client_secret", "keycloak.client_secret", v.check_secret, secret=True),
    FormField("internal_realm", "internal_keycloak.realm", check_realm, initial="MIP"),
    FormField("internal_client_id", "internal_keycloak.client_id", check_client_id, initial="MIP"),
    FormField("internal_client_secret", "internal_keycloak.client_secret", v.check_secret, secret=True),
    FormField("federation", "federation", check_federation, initial="mipfed1"),
    FormField("pathologies", "pathologies", check_pathologies, kind="list", initial="dementia"),
    FormField("data_root", "data_root", check_data_root, initial="/data"),
    FormField("localnodes", "exareme2.localnodes", check_localnodes, kind="int", initial="1"),
    FormField("smpc", "exareme2.smpc", kind="bool", initial=False),
    FormField("join_command", "join_command", secret=True, optional=True),
)
FORM_BY_ATTR: dict[str, FormField] = {f.attr: f for f in FORM}
FORM_BY_KEY: dict[str, FormField] = {f.key: f for f in FORM}


def dig(data: Any, dotted: str) -> tuple[bool, Any]:
    """(found, value) of ``data['a']['b']`` for ``'a.b'``."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def put(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for ``'a.b'``, making (or copying) the inner mappings."""
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        inner = node.get(part)
        inner = dict(inner) if isinstance(inner, dict) else {}
        node[part] = inner
        node = inner
    node[parts[-1]] = value


def drop(data: dict[str, Any], dotted: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(parts[-1], None)
