"""Lint a folder of MIP profile files: each problem as ``file:key: problem — fix``."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import validators as v
from .errors import UserError
from .profile_kinds import PROFILES, Auth, Link, ProfileKind
from .redact import SECRET_KEY_NAME, Redactor, secrets_in
from .safe_fs import read_regular_file
from .yamlutil import MAX_INPUT_BYTES, YamlProblem, dig, parse_yaml, walk_scalars

# Client secrets published in upstream's repository: anyone can read them, so none may be used.
PUBLISHED_SECRETS = {
    "dae83a6b-c769-4186-8383-f0984c6edf05": "the embedded Keycloak's default secret",
    "492ddb7d-a7c6-4143-89ae-dbfa6f970aca": "the example external client's secret",
}
KNOWN_HOSTS = ("iam.ebrains.eu", "datacatalogue.mip.ebrains.eu")


@dataclass(frozen=True)
class LintProblem:
    file: str
    key: str
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.key}" if self.key else self.file
        return f"{where}: {self.problem} — {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def expected_fixed_values(kind: ProfileKind) -> dict[str, Any]:
    """The values each kind of profile must carry (from upstream's 8 files)."""
    http = kind.auth is Auth.INTERNAL_HTTP
    return {
        "mip.LINK": kind.link.value,
        "mip.EXTERNAL_PROTOCOL": "http" if http else "https",
        "mip.PUBLIC_PROTOCOL": "http" if (http or kind.link is Link.PROXIED) else "https",
        "keycloak.AUTHENTICATION": 0 if kind.auth is Auth.NONE else 1,
        "keycloak.INTERNAL_AUTH": 1 if kind.uses_internal_keycloak else 0,
        "keycloak.PROTOCOL": "http" if http else "https",
        "keycloak.SSL_REQUIRED": "none" if http else "external",
    }


def lint_file(path: Path, kind: ProfileKind, chart_keys: set[str] | None = None) -> list[LintProblem]:
    name = path.name
    out: list[LintProblem] = []

    def add(key: str, problem: str, fix: str) -> None:
        out.append(LintProblem(name, key, problem, fix))

    try:
        text = read_regular_file(path, max_bytes=MAX_INPUT_BYTES, what="profile").decode("utf-8")
    except UnicodeDecodeError:
        add("", "is not UTF-8 text", "restore it from a .bak- copy")
        return out
    except UserError as exc:  # a FIFO, a device, a huge file, unreadable
        add("", str(exc).split(": ", 1)[-1].split(" — ")[0], "point at the real profile file")
        return out
    try:
        data = parse_yaml(text)
    except YamlProblem as exc:
        line = f"line {exc.line}: " if exc.line else ""
        add("", f"{line}not valid YAML ({exc})", "fix the syntax, or restore the newest .bak- copy")
        return out
    if not isinstance(data, dict):
        add("", "is not a mapping of keys", "a profile starts with 'EXTERNAL_IP: …' — restore it from a backup")
        return out

    placeholders = set()
    for key, value in walk_scalars(data):
        if isinstance(value, str) and v.find_placeholder(value):
            placeholders.add(key)
            shown = "the value" if SECRET_KEY_NAME.search(key) else repr(value)  # never echo a secret
            add(
                key,
                f"{shown} is an unfilled placeholder",
                "fill it in, or write the profiles with `mipwizard profiles write`",
            )

    def check(key: str, validator: Any, fix: str) -> str | None:
        value = dig(data, key)
        if key in placeholders:
            return None
        if value is None or value == "":
            add(key, "is missing", fix)
            return None
        try:
            return str(validator(str(value)))
        except ValueError as exc:
            add(key, str(exc).split(" — ")[0], fix)
            return None

    ip = check("EXTERNAL_IP", v.check_ip, "set it to this machine's main IP (MACHINE_MAIN_IP)")
    if ip:
        url = dig(data, "engines.exareme2.URL")
        host = f"[{ip}]" if ":" in ip else ip
        if "engines.exareme2.URL" not in placeholders and url != f"http://{host}:30000":
            add("engines.exareme2.URL", f"is {url!r}, not the engine on this machine", f"set it to http://{host}:30000")
    check(
        "mip.PUBLIC_HOST",
        v.check_host_or_ip,
        "set it to the public FQDN (direct) or the address the proxy uses (proxied)",
    )
    check("datacatalogue.HOST", v.check_hostname, "set it to datacatalogue.mip.ebrains.eu or your own catalogue")

    for key, expected in expected_fixed_values(kind).items():
        actual = dig(data, key)
        if actual != expected:
            add(
                key,
                f"is {actual!r} but a .{kind.name} profile needs {expected!r}",
                f"set it to {expected} (or pick the profile that matches what you want)",
            )

    kc_url = check("keycloak.URL", v.check_hostname, "set it to the Keycloak host, e.g. iam.ebrains.eu")
    hosts: list[tuple[str, object]] = [
        ("keycloak.URL", kc_url),
        ("datacatalogue.HOST", dig(data, "datacatalogue.HOST")),
    ]
    for key, named_host in hosts:
        if isinstance(named_host, str):
            for known in KNOWN_HOSTS:
                if named_host != known and difflib.SequenceMatcher(None, named_host, known).ratio() > 0.9:
                    add(key, f"{named_host!r} looks like a typo of {known!r}", f"set it to {known}")
    if kind.auth is not Auth.NONE:
        secret = dig(data, "keycloak.CLIENT_SECRET")
        if "keycloak.CLIENT_SECRET" not in placeholders:
            if secret is None or str(secret).strip() == "":
                add(
                    "keycloak.CLIENT_SECRET",
                    "is empty",
                    "paste the client secret from Keycloak (Clients → Credentials)",
                )
            elif str(secret) in PUBLISHED_SECRETS:
                add(
                    "keycloak.CLIENT_SECRET",
                    f"is {PUBLISHED_SECRETS[str(secret)]}, published upstream",
                    "generate a new secret in Keycloak and use it here",
                )
    if chart_keys is not None:
        # Only whole sections are judged: a template may read a leaf key that values.yaml omits,
        # but a section values.yaml lacks entirely (upstream's `datacatalogue`) is never read.
        sections = sorted({k.split(".")[0] for k in chart_keys})
        for top in data:
            if str(top) not in sections:
                guess = difflib.get_close_matches(str(top), sections, n=1)
                fix = f"rename {top!r} to {guess[0]!r}" if guess else "remove it"
                add(str(top), "is a section the chart never reads (not in its values.yaml)", fix)
    hide = Redactor(secrets_in(data), patterns=False).redact  # a problem never quotes a secret
    return [LintProblem(p.file, p.key, hide(p.problem), hide(p.fix)) for p in out]


def chart_value_keys(values_path: Path) -> set[str]:
    data = parse_yaml(read_regular_file(values_path, max_bytes=MAX_INPUT_BYTES, what="values file").decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a mapping")
    return {key for key, _ in walk_scalars(data)}


def lint_directory(directory: Path, chart_values: Path | None = None) -> list[LintProblem]:
    """Lint every profile file present in ``directory``."""
    chart_keys = chart_value_keys(chart_values) if chart_values else None
    problems: list[LintProblem] = []
    found = False
    for kind in PROFILES:
        path = directory / kind.filename
        if path.is_file():
            found = True
            problems.extend(lint_file(path, kind, chart_keys))
    if not found:
        problems.append(
            LintProblem(
                str(directory),
                "",
                "has no profile files (.direct, .proxied, …)",
                "point at the chart folder, e.g. /opt/mip-deployment/kubernetes",
            )
        )
    return problems
