"""What the user has typed so far, as plain values (no pydantic: the first frame stays fast).

``to_mapping`` turns it into the answers mapping the engine validates; ``from_answers`` pre-fills
it from a saved answers file or from profiles read back from disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("local", "master", "worker")
LINKS = ("direct", "proxied")
AUTHS = ("external", "internal", "internal_http", "none")
_AUTH_SUFFIX = {
    "external": "",
    "internal": ".internal_auth",
    "internal_http": ".internal_auth.http",
    "none": ".no_auth",
}


def profile_name(link: str, auth: str) -> str:
    return link + _AUTH_SUFFIX[auth]


def split_profile(name: str) -> tuple[str, str]:
    name = name.lstrip(".")
    link, _, rest = name.partition(".")
    for auth, suffix in _AUTH_SUFFIX.items():
        if "." + rest == suffix or (not rest and not suffix):
            return link, auth
    return link, "external"


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
    # Answers the wizard does not ask (install settings, datacatalogue): kept as loaded.
    extra: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False

    def set(self, name: str, value: Any) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.dirty = True

    @property
    def chosen_profile(self) -> str:
        return self.active_profile or profile_name(self.link, self.auth)

    def pathology_list(self) -> list[str]:
        return [p.strip() for p in self.pathologies.split(",") if p.strip()]

    def to_mapping(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(
            role=self.role,
            machine_main_ip=self.machine_main_ip.strip(),
            machine_public_fqdn=self.machine_public_fqdn.strip(),
            machine_private_fqdn_or_ip=self.machine_private_fqdn_or_ip.strip() or None,
            active_profile=self.chosen_profile,
            keycloak={
                "url": self.keycloak_url.strip(),
                "realm": self.keycloak_realm,
                "client_id": self.keycloak_client_id,
                "client_secret": self.keycloak_client_secret,
            },
            internal_keycloak={
                "realm": self.internal_realm,
                "client_id": self.internal_client_id,
                "client_secret": self.internal_client_secret,
            },
            federation=self.federation.strip(),
            pathologies=self.pathology_list(),
            data_root=self.data_root.strip(),
        )
        if self.role == "worker":
            # A worker renders no profile: no addresses or login of its own, the join command instead.
            for key in ("machine_main_ip", "machine_public_fqdn", "machine_private_fqdn_or_ip"):
                data.pop(key)
            data["join_command"] = self.join_command.strip() or None
            return data
        data.pop("join_command", None)
        exareme2 = dict(data.get("exareme2") or {})
        exareme2["localnodes"] = int(self.localnodes) if self.localnodes.strip().isdigit() else self.localnodes
        exareme2["smpc"] = self.smpc
        data["exareme2"] = exareme2
        return data

    def load_mapping(self, data: dict[str, Any]) -> None:
        """Pre-fill from an answers mapping (``Answers.model_dump(mode="json")``)."""
        kc = data.get("keycloak") or {}
        ikc = data.get("internal_keycloak") or {}
        exareme2 = data.get("exareme2") or {}
        self.role = str(data.get("role") or self.role)
        self.machine_main_ip = str(data.get("machine_main_ip") or "")
        self.machine_public_fqdn = str(data.get("machine_public_fqdn") or "")
        self.machine_private_fqdn_or_ip = str(data.get("machine_private_fqdn_or_ip") or "")
        self.keycloak_url = str(kc.get("url") or self.keycloak_url)
        self.keycloak_realm = str(kc.get("realm") or self.keycloak_realm)
        self.keycloak_client_id = str(kc.get("client_id") or "")
        self.keycloak_client_secret = str(kc.get("client_secret") or "")
        self.internal_realm = str(ikc.get("realm") or self.internal_realm)
        self.internal_client_id = str(ikc.get("client_id") or self.internal_client_id)
        self.internal_client_secret = str(ikc.get("client_secret") or "")
        self.federation = str(data.get("federation") or self.federation)
        self.pathologies = ", ".join(data.get("pathologies") or [self.pathologies])
        self.data_root = str(data.get("data_root") or self.data_root)
        self.join_command = str(data.get("join_command") or "")
        self.localnodes = str(exareme2.get("localnodes") or self.localnodes)
        self.smpc = bool(exareme2.get("smpc", False))
        if data.get("active_profile"):
            self.link, self.auth = split_profile(str(data["active_profile"]))
        asked = {
            "role", "machine_main_ip", "machine_public_fqdn", "machine_private_fqdn_or_ip", "active_profile",
            "keycloak", "internal_keycloak", "federation", "pathologies", "data_root", "join_command",
        }
        self.extra = {k: v for k, v in data.items() if k not in asked}
        self.dirty = False

    def secrets(self) -> list[str]:
        found = [self.keycloak_client_secret, self.internal_client_secret]
        if self.join_command.strip():
            found += [self.join_command.strip(), *join_tokens(self.join_command)]
        return [s for s in found if s]


def join_tokens(text: str) -> list[str]:
    """The token parts of ``<ip>:25000/<token>/<hash>`` in ``text`` (typed or half-typed): masked everywhere."""
    tokens = []
    for word in text.split():
        parts = word.split("/")
        if len(parts) >= 2 and ":" in parts[0] and parts[1]:
            tokens.append(parts[1])
    return tokens
