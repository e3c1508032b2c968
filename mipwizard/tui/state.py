"""What the user has typed so far: a typed view of the answers (no pydantic: the first frame stays fast).

Which attribute is which answers key, and how it is checked, is the engine's ``core.fields.FORM``;
the profile names are ``core.profile_kinds``. ``load_mapping`` pre-fills from saved answers (every
key kept, bad values too, so they show marked under their field); ``to_mapping`` puts the typed
values back into that same mapping, for the engine to validate.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..core.fields import FORM, dig, drop, put
from ..core.profile_kinds import PROFILE_BY_NAME, Auth, Link, ProfileKind, Role
from ..core.redact import join_tokens

ROLES: tuple[str, ...] = tuple(role.value for role in Role)
AUTHS: tuple[str, ...] = tuple(auth.value for auth in Auth)
# Asked on the Network step only (a worker has no address of its own), and on the Data step only.
_NOT_FOR_WORKER = {"machine_main_ip", "machine_public_fqdn", "machine_private_fqdn_or_ip", "localnodes", "smpc"}


def split_profile(name: str) -> tuple[str, str]:
    """(link, auth) of a profile name; an unknown name is the default ``direct`` with external login."""
    kind = PROFILE_BY_NAME.get(name.lstrip("."))
    return (kind.link.value, kind.auth.value) if kind else ("direct", "external")


@dataclass(eq=False, repr=False)  # plain holders: fewer generated methods, faster import
class WizardState:
    role: str = "local"
    machine_main_ip: str = ""
    machine_public_fqdn: str = ""
    link: str = "direct"
    machine_private_fqdn_or_ip: str = ""
    auth: str = "external"
    keycloak_url: str = "iam.ebrains.eu"
    keycloak_realm: str = "MIP"
    keycloak_client_id: str = ""
    keycloak_client_secret: str = ""
    internal_realm: str = "MIP"
    internal_client_id: str = "MIP"
    internal_client_secret: str = ""
    federation: str = "mipfed1"
    pathologies: str = "dementia"  # comma-separated, as typed
    data_root: str = "/data"
    localnodes: str = "1"
    smpc: bool = False
    active_profile: str = ""  # "" → follows link + auth
    save_secrets: bool = False
    join_command: str = ""  # worker only; holds a one-time token: a secret
    # The answers as loaded (every key, the ones the wizard does not ask too): the base that the
    # typed values are put back into, so that saving never replaces a saved value with a default.
    extra: dict[str, Any] = field(default_factory=dict)
    # answers key -> message, for the values of a loaded file that are wrong (shown until fixed).
    problems: dict[str, str] = field(default_factory=dict)
    dirty: bool = False

    def set(self, name: str, value: Any) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.dirty = True

    @property
    def chosen_profile(self) -> str:
        return self.active_profile or ProfileKind(Link(self.link), Auth(self.auth)).name

    def pathology_list(self) -> list[str]:
        return [p.strip() for p in self.pathologies.split(",") if p.strip()]

    def to_mapping(self) -> dict[str, Any]:
        data: dict[str, Any] = copy.deepcopy(self.extra)
        worker = self.role == "worker"
        for form in FORM:
            if (worker and form.attr in _NOT_FOR_WORKER) or (not worker and form.attr == "join_command"):
                drop(data, form.key)  # a worker renders no profile; only a worker joins
                continue
            value = getattr(self, form.attr)
            put(data, form.key, value if form.kind == "bool" else form.to_value(value))
        data["role"] = self.role
        if not worker:
            data["active_profile"] = self.chosen_profile
        return data

    def load_mapping(self, data: dict[str, Any], problems: dict[str, str] | None = None) -> None:
        """Pre-fill from an answers mapping; a key the mapping lacks keeps its default."""
        for form in FORM:
            found, value = dig(data, form.key)
            if not found or (value is None and not form.optional):
                continue
            if form.kind == "bool":
                setattr(self, form.attr, bool(value))
            elif isinstance(value, (str, int, float, list)) or value is None:
                setattr(self, form.attr, form.to_text(value))
        if isinstance(data.get("role"), str) and data["role"] in ROLES:
            self.role = data["role"]
        if data.get("active_profile"):
            self.link, self.auth = split_profile(str(data["active_profile"]))
        self.extra = copy.deepcopy(data)
        self.problems = dict(problems or {})
        self.dirty = False

    def secrets(self) -> list[str]:
        found = [getattr(self, form.attr) for form in FORM if form.secret and form.attr != "join_command"]
        if self.join_command.strip():
            found += [self.join_command.strip(), *join_tokens(self.join_command)]
        return [s for s in found if s]
