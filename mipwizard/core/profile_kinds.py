"""The 8 MIP profiles: two ways of reaching the MIP times four ways of authenticating; the machine roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    """What this machine is (the answers' ``role``): it decides which steps and profiles apply."""

    LOCAL = "local"  # master and worker on one machine
    MASTER = "master"  # federation master
    WORKER = "worker"  # a federation worker that joins a master


class Link(str, Enum):
    DIRECT = "direct"  # users reach this machine itself
    PROXIED = "proxied"  # users reach a reverse proxy that forwards to this machine


class Auth(str, Enum):
    EXTERNAL = "external"  # an external Keycloak, e.g. iam.ebrains.eu
    INTERNAL = "internal"  # the Keycloak embedded in the MIP chart, over https
    INTERNAL_HTTP = "internal_http"  # embedded Keycloak over plain http (insecure)
    NONE = "none"  # no login at all


_AUTH_SUFFIX = {
    Auth.EXTERNAL: "",
    Auth.INTERNAL: ".internal_auth",
    Auth.INTERNAL_HTTP: ".internal_auth.http",
    Auth.NONE: ".no_auth",
}


@dataclass(frozen=True)
class ProfileKind:
    link: Link
    auth: Auth

    @property
    def name(self) -> str:
        """Profile name without the leading dot, e.g. ``direct.internal_auth``."""
        return self.link.value + _AUTH_SUFFIX[self.auth]

    @property
    def filename(self) -> str:
        """The file name the chart's README uses, e.g. ``.direct.internal_auth``."""
        return "." + self.name

    @property
    def uses_internal_keycloak(self) -> bool:
        return self.auth in (Auth.INTERNAL, Auth.INTERNAL_HTTP)

    @property
    def needs_secret(self) -> bool:
        """Only profiles that authenticate need a client secret."""
        return self.auth is not Auth.NONE

    @property
    def plain_http(self) -> bool:
        return self.auth is Auth.INTERNAL_HTTP

    def describe(self) -> str:
        reach = "reached directly" if self.link is Link.DIRECT else "behind a reverse proxy"
        auth = {
            Auth.EXTERNAL: "external Keycloak login",
            Auth.INTERNAL: "embedded Keycloak login (https)",
            Auth.INTERNAL_HTTP: "embedded Keycloak login over plain http (insecure)",
            Auth.NONE: "no login",
        }[self.auth]
        return f"{reach}, {auth}"


PROFILES: tuple[ProfileKind, ...] = tuple(
    ProfileKind(link, auth) for link in Link for auth in Auth
)
PROFILE_NAMES: tuple[str, ...] = tuple(p.name for p in PROFILES)
PROFILE_BY_NAME: dict[str, ProfileKind] = {p.name: p for p in PROFILES}


def profile_kind(name: str) -> ProfileKind:
    """Look a profile up by name, with or without the leading dot."""
    key = name[1:] if name.startswith(".") else name
    try:
        return PROFILE_BY_NAME[key]
    except KeyError:
        raise ValueError(
            f"{name!r} is not a MIP profile — choose one of: {', '.join(PROFILE_NAMES)}"
        ) from None
