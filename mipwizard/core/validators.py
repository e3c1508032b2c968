"""Field validators shared by the answers model, the profile linter and the TUI's inline checks.

Each ``check_*`` returns the normalised value or raises ``ValueError`` whose text names the
problem and the fix; callers prefix the field name.
"""

from __future__ import annotations

import ipaddress
import re

# Patterns as text: re compiles (and caches) each on first use, not when the wizard starts.
_LABEL = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
_FOLDER_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
_PLACEHOLDER = r"<[^<>]*>"


def find_placeholder(value: str) -> str | None:
    """Return the first unfilled ``<...>`` placeholder in ``value``, if any."""
    match = re.search(_PLACEHOLDER, value)
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
            f"{value!r} is not a valid IPv4 or IPv6 address — use the address assigned to this server, e.g. 10.20.30.40"
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
    if is_ip(name):  # checked first: "looks like an IP but is not valid" would be wrong for a valid one
        raise ValueError(f"{raw!r} is an IP address, not a {what} — enter a name, e.g. mip.example.org")
    labels = name.split(".")
    for label in labels:
        if len(label) > 63:
            raise ValueError(f"{raw!r} has a part of {len(label)} characters ({label[:12]}…) — each "
                             f"dot-separated part of a {what} has at most 63")
        if not re.match(_LABEL, label):
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
    if not re.match(_FOLDER_NAME, raw) or raw in {".", ".."}:
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


# --- input limits: what may reach argv, the file system or the redactor ----------------------

# Keycloak generates 32-character client secrets. A much shorter one could be guessed, and could
# not be masked everywhere in logs without masking ordinary words too: refused at input.
MIN_SECRET_LENGTH = 8
# Folders a checkout, the data or the state may never be (nor be normalised into).
_SYSTEM_FOLDERS = frozenset(
    [
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/snap",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/usr/bin",
        "/usr/lib",
        "/usr/local",
        "/usr/sbin",
        "/var",
        "/var/lib",
        "/var/log",
    ]
)
_SNAP_CHANNEL = (
    r"^(?:(?:latest|[0-9]+\.[0-9]+(?:-[a-z0-9]+)?)(?:/(?:stable|candidate|beta|edge)(?:/[a-z0-9][a-z0-9-]*)?)?"
    r"|stable|candidate|beta|edge)$"
)
_URL_SCHEMES = ("https", "http", "ssh", "git", "file")
_SCP_LIKE = r"^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:[A-Za-z0-9_./~-]+$"
# MIP numbers (mipdb reads them with these rules): ASCII digits, optional sign, decimal point
# and exponent for REAL. No `1_0`, no Arabic-Indic digits, no nan/inf: Python's int()/float() take them.
_MIP_INT = re.compile(r"^[+-]?[0-9]{1,18}$", re.ASCII)
_MIP_REAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$", re.ASCII)
MAX_NUMBER_CHARS = 40


def check_no_option(value: str, *, what: str = "value") -> str:
    """Refuse a value that a program would read as an option (``-rf``, ``--upload-pack=…``)."""
    if value.startswith("-"):
        raise ValueError(f"{value!r} starts with '-' — a {what} never does (a program would take it for an option)")
    return value


def check_secret_value(value: str) -> str:
    """A secret as stored in the answers: empty (not set yet) or one line of at least 8 characters."""
    if value == "":
        return value
    if "\n" in value or "\r" in value:
        raise ValueError("spans several lines — a client secret is one line")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"is only {len(value)} characters — use the secret Keycloak generated (Clients → Credentials, "
            f"usually 32 characters); one shorter than {MIN_SECRET_LENGTH} could be guessed and cannot be "
            "masked safely in logs"
        )
    return value


def check_abs_path(value: object, *, what: str = "folder", allow_top: bool = False) -> str:
    """An absolute, normalised path that is not a system folder; returned normalised.

    ``allow_top``: one level under / is fine (``/data``), else at least two (``/opt/exareme2``).
    """
    import os.path

    text = str(value)
    if not text.strip():
        raise ValueError(f"is empty — write the {what}'s absolute path, e.g. /opt/exareme2")
    if "\0" in text or any(ord(c) < 32 for c in text):
        raise ValueError(f"contains control characters — write the {what}'s path plainly")
    check_no_option(text, what=f"{what} path")
    if not text.startswith("/"):
        raise ValueError(f"{text!r} is a relative path — write it in full from /, e.g. /opt/{text.lstrip('./')}")
    normal = os.path.normpath(text)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    if normal in _SYSTEM_FOLDERS:
        raise ValueError(
            f"{text!r} is the system folder {normal} — choose a folder of its own, e.g. {normal.rstrip('/')}/mip"
        )
    if not allow_top and normal.count("/") < 2:
        raise ValueError(f"{text!r} is directly under / — choose a folder of its own, e.g. /opt{normal}")
    return normal


def check_repo_url(value: str) -> str:
    """A git repository: an https/http/ssh/git/file URL, ``user@host:path``, or an absolute path."""
    from urllib.parse import urlsplit

    text = value.strip()
    if not text:
        raise ValueError("is empty — write the repository's URL, e.g. https://github.com/madgik/Exareme2")
    check_no_option(text, what="repository URL")
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError("contains spaces or control characters — a repository URL has none")
    if text.startswith("/"):
        return check_abs_path(text, what="repository")
    if re.match(_SCP_LIKE, text):
        return text
    parts = urlsplit(text)
    if parts.scheme not in _URL_SCHEMES or "::" in text:
        raise ValueError(
            f"{text!r} is not a repository URL git may fetch — use https://…, ssh://…, git@host:path or an "
            "absolute path (transports such as ext:: run commands and are refused)"
        )
    if parts.scheme != "file" and not parts.hostname:
        raise ValueError(f"{text!r} has no host — e.g. https://github.com/madgik/Exareme2")
    return text


def check_snap_channel(value: str) -> str:
    """A snap channel as ``snap install --channel`` takes it, e.g. ``1.28/stable``."""
    text = value.strip()
    if not re.match(_SNAP_CHANNEL, text):
        raise ValueError(
            f"{text!r} is not a snap channel — write <track>/<risk>, e.g. 1.28/stable or latest/edge "
            "(`snap info microk8s` lists them)"
        )
    return text




def parse_mip_number(value: str, *, integer: bool) -> float:
    """A CSV cell as MIP reads an INT (``integer``) or REAL; ``ValueError`` for anything else."""
    if len(value) > MAX_NUMBER_CHARS:
        raise ValueError("too long to be a number")
    if integer:
        if not _MIP_INT.match(value):
            raise ValueError("not a whole number")
        return int(value)
    if not _MIP_REAL.match(value):
        raise ValueError("not a number")
    number = float(value)
    if number in (float("inf"), float("-inf")):
        raise ValueError("out of a REAL's range")
    return number
