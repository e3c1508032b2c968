"""Field validators shared by the answers model, the profile linter and the TUI's inline checks.

Each ``check_*`` returns the normalised value or raises ``ValueError`` whose text names the
problem and the fix; callers prefix the field name.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_PLACEHOLDER = re.compile(r"<[^<>]*>")


def find_placeholder(value: str) -> str | None:
    """Return the first unfilled ``<...>`` placeholder in ``value``, if any."""
    match = _PLACEHOLDER.search(value)
    return match.group(0) if match else None


def _reject_placeholder(value: str) -> None:
    leftover = find_placeholder(value)
    if leftover:
        raise ValueError(f"{leftover!s} is a template placeholder — replace it with the real value")


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def check_ip(value: str) -> str:
    """An IPv4 or IPv6 literal, e.g. ``10.20.30.40``."""
    value = value.strip()
    _reject_placeholder(value)
    if not value:
        raise ValueError("is empty — enter this server's IP address, e.g. 10.20.30.40")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a valid IPv4 or IPv6 address — use the address assigned to this "
            "server, e.g. 10.20.30.40"
        ) from None


def check_hostname(value: str, *, what: str = "host name") -> str:
    """An RFC 1123 host name or FQDN: no scheme, no path, no port, no spaces.

    Host names are case-insensitive, so the value is lowercased.
    """
    raw = value.strip()
    _reject_placeholder(raw)
    if not raw:
        raise ValueError(f"is empty — enter a {what}, e.g. mip.example.org")
    if "://" in raw:
        bare = raw.split("://", 1)[1].split("/", 1)[0]
        raise ValueError(f"{raw!r} has a scheme — write the {what} alone, e.g. {bare or 'mip.example.org'}")
    if "/" in raw:
        raise ValueError(f"{raw!r} has a path — write the {what} alone, e.g. {raw.split('/', 1)[0]}")
    if any(c.isspace() for c in raw):
        raise ValueError(f"{raw!r} contains spaces — a {what} has none")
    if ":" in raw:
        raise ValueError(f"{raw!r} has a port — write the {what} alone, e.g. {raw.split(':', 1)[0]}")
    name = raw.lower().rstrip(".")
    if len(name) > 253:
        raise ValueError(f"is {len(name)} characters long — a {what} has at most 253")
    labels = name.split(".")
    for label in labels:
        if not _LABEL.match(label):
            raise ValueError(
                f"{raw!r} is not a valid {what} — use letters, digits and '-' in dot-separated parts, "
                "e.g. mip.example.org"
            )
    if labels[-1].isdigit():
        raise ValueError(f"{raw!r} looks like an IP address but is not a valid one — check the numbers")
    return name


def check_host_or_ip(value: str, *, what: str = "host name or IP address") -> str:
    """Either an IP literal or an RFC 1123 host name."""
    stripped = value.strip()
    if is_ip(stripped):
        return str(ipaddress.ip_address(stripped))
    return check_hostname(stripped, what=what)


def check_folder_name(value: str, *, what: str = "name") -> str:
    """A name that is safe as one folder under /data: no slash, no '..', no spaces."""
    raw = value.strip()
    _reject_placeholder(raw)
    if not raw:
        raise ValueError(f"is empty — enter a {what}, e.g. mipfed1")
    if not _FOLDER_NAME.match(raw) or raw in {".", ".."}:
        raise ValueError(
            f"{raw!r} is not safe as a folder name — use letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (at most 63 characters)"
        )
    return raw


def check_secret(value: str, *, what: str = "client secret") -> str:
    """A non-empty secret without a leftover placeholder or surrounding spaces."""
    if value is None or not value.strip():
        raise ValueError(f"is empty — paste the {what} from your Keycloak client's Credentials tab")
    if value != value.strip():
        raise ValueError("has leading or trailing spaces — paste it again without them")
    if find_placeholder(value):
        raise ValueError("is still a template placeholder — paste the real secret")
    if "\n" in value:
        raise ValueError("spans several lines — a client secret is one line")
    return value


def check_realm_or_client_id(value: str, *, what: str) -> str:
    raw = value.strip()
    _reject_placeholder(raw)
    if not raw:
        raise ValueError(f"is empty — enter the Keycloak {what}")
    if any(c.isspace() for c in raw) or "/" in raw:
        raise ValueError(f"{raw!r} contains spaces or '/' — a Keycloak {what} has none")
    return raw
