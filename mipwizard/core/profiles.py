"""Render the 8 MIP profile files from ``Answers``, write them safely, and read them back.

The templates in ``profiles/`` mirror upstream's ``mip-deployment/kubernetes/.<profile>`` files
key for key; ``${...}`` fields are filled with YAML-safe scalars so that any value parses back
to itself. Reading a directory back gives the ``Answers`` that would write it again byte for byte.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from ..resources import MissingResource, data_text
from .answers import Answers, answers_from_mapping, missing_for_profile
from .errors import UserError
from .fileio import atomic_write_set, recover_set
from .profile_kinds import PROFILES, Auth, Link, ProfileKind, profile_kind
from .redact import MASK, SECRET_KEY_NAME, Redactor, secrets_in_text
from .safe_fs import read_regular_file
from .validators import find_placeholder
from .yamlutil import MAX_INPUT_BYTES, YamlProblem, dig, parse_yaml, yaml_scalar

HEADER = "# Written by mipwizard from your answers; `mipwizard profiles diff` shows pending changes.\n"


def _template(kind: ProfileKind) -> Template:
    try:
        text = data_text(f"profiles/{kind.name}.yaml.tmpl")
    except MissingResource as exc:
        raise UserError(str(exc)) from None
    body = "".join(
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith("# mipwizard") and not line.startswith("# Rendered")
    )
    return Template(body)


def _exareme2_url(ip: str) -> str:
    host = f"[{ip}]" if ipaddress.ip_address(ip).version == 6 else ip
    return f"http://{host}:30000"


def machine_addresses(answers: Answers) -> tuple[str, str]:
    """(MACHINE_MAIN_IP, MACHINE_PUBLIC_FQDN); a worker has none and renders no profile."""
    if answers.machine_main_ip is None or answers.machine_public_fqdn is None:
        raise UserError(
            f"no profiles for role {answers.role.value!r}: a worker uses the master's profiles — "
            "set role to local or master (with machine_main_ip and machine_public_fqdn) to write profiles"
        )
    return answers.machine_main_ip, answers.machine_public_fqdn


def template_values(answers: Answers, kind: ProfileKind) -> dict[str, str]:
    """The raw (unquoted) value of each ``${field}`` for one profile."""
    main_ip, public_fqdn = machine_addresses(answers)
    # Direct: users reach this machine by its public name; proxied: the proxy reaches it privately.
    direct = kind.link is Link.DIRECT
    public_host = public_fqdn if direct else (answers.machine_private_fqdn_or_ip or "")
    if kind.uses_internal_keycloak:
        kc_url = public_fqdn  # the embedded Keycloak is served on the public FQDN
        kc = answers.internal_keycloak
        realm, client_id, secret = kc.realm, kc.client_id, kc.client_secret
    else:
        kc_url = answers.keycloak.url
        realm, client_id, secret = answers.keycloak.realm, answers.keycloak.client_id, answers.keycloak.client_secret
    return {
        "machine_main_ip": main_ip,
        "exareme2_url": _exareme2_url(main_ip),
        "public_host": public_host,
        "datacatalogue_host": answers.datacatalogue_host,
        "keycloak_url": kc_url,
        "keycloak_realm": realm,
        "keycloak_client_id": client_id,
        "keycloak_client_secret": secret,
    }


def render_profile(answers: Answers, name: str) -> str:
    """The text of one profile file. Raises ``UserError`` if the answers cannot fill it."""
    kind = profile_kind(name)
    missing = missing_for_profile(answers, kind.name)
    if missing:
        raise UserError(f".{kind.name}: cannot be written — {missing[0]} {missing[1]}")
    values = {k: yaml_scalar(val) for k, val in template_values(answers, kind).items()}
    return HEADER + _template(kind).substitute(values)


@dataclass
class RenderResult:
    files: dict[str, str] = field(default_factory=dict)  # file name (".direct") -> text
    skipped: dict[str, str] = field(default_factory=dict)  # file name -> reason


def render_all(answers: Answers) -> RenderResult:
    """All profiles the answers can fill; the others are skipped with the reason, never half-filled."""
    result = RenderResult()
    for kind in PROFILES:
        missing = missing_for_profile(answers, kind.name)
        if missing:
            result.skipped[kind.filename] = f"{missing[0]} {missing[1]}"
        else:
            result.files[kind.filename] = render_profile(answers, kind.name)
    return result


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    backups: list[Path] = field(default_factory=list)


def write_profiles(answers: Answers, out_dir: Path) -> WriteReport:
    """Write every renderable profile into ``out_dir`` (0600, atomic, previous version kept).

    Everything is rendered in memory first, so a problem stops the run before any file changes.
    """
    rendered = render_all(answers)
    report = WriteReport(skipped=rendered.skipped)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: exists and is not a folder — choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        changed, report.backups = atomic_write_set(out_dir, rendered.files, mode=0o600)
    except OSError as exc:  # a full disk, a read-only folder: all or nothing, so nothing changed
        raise UserError(
            f"{out_dir}: cannot write the profiles ({exc.strerror or exc}) — free some disk space or fix "
            "the folder's permissions, then write again; the profiles there are unchanged"
        ) from None
    for filename in rendered.files:
        (report.written if filename in changed else report.unchanged).append(filename)
    return report


# --- reading profiles back --------------------------------------------------------------------


def read_profile_file(path: Path) -> dict[str, Any]:
    """Parse one profile file into a mapping, or raise ``UserError`` naming the file and line."""
    try:
        text = read_regular_file(path, max_bytes=MAX_INPUT_BYTES, what="profile").decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text — restore a .bak- copy") from None
    try:
        data = parse_yaml(text)
    except YamlProblem as exc:
        where = f" at line {exc.line}" if exc.line else ""
        raise UserError(f"{path}: not valid YAML{where}: {exc} — fix the syntax or restore a .bak- copy") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of keys (EXTERNAL_IP:, mip:, keycloak: …) — is this a profile?")
    return data


def _text(data: dict[str, Any], key: str, path: Path) -> str | None:
    value = dig(data, key)
    if value is None:
        return None
    value = str(value)
    if find_placeholder(value):
        shown = "the value" if SECRET_KEY_NAME.search(key) else repr(value)  # never echo a secret
        raise UserError(
            f"{path.name}:{key}: {shown} is an unfilled placeholder — fill it (or write the profiles "
            "from answers with `mipwizard profiles write`)"
        )
    return value


def load_profiles(directory: Path, base: Answers | dict[str, Any] | None = None) -> Answers:
    """Read the profiles in ``directory`` back into ``Answers``.

    Facts the profiles do not carry (federation, pathologies, install settings, active profile)
    come from ``base`` (a saved answers file), else from defaults. The first profile (in the
    canonical order) that carries a fact wins.
    """
    with contextlib.suppress(OSError):
        recover_set(directory)  # a write killed half-way is completed first: never a mixed set
    present = [(kind, directory / kind.filename) for kind in PROFILES if (directory / kind.filename).is_file()]
    if not present:
        raise UserError(f"{directory}: no profile files (.direct, .proxied, …) found — is this the chart folder?")
    facts: dict[str, Any] = {}
    keycloak: dict[str, str] = {}
    internal: dict[str, str] = {}

    def put(target: dict[str, Any], key: str, value: str | None) -> None:
        if value is not None and key not in target:
            target[key] = value

    for kind, path in present:
        data = read_profile_file(path)
        put(facts, "machine_main_ip", _text(data, "EXTERNAL_IP", path))
        put(facts, "datacatalogue_host", _text(data, "datacatalogue.HOST", path))
        host = _text(data, "mip.PUBLIC_HOST", path)
        if kind.link is Link.DIRECT:
            put(facts, "machine_public_fqdn", host)
        else:
            put(facts, "machine_private_fqdn_or_ip", host)
        kc_target = internal if kind.uses_internal_keycloak else keycloak
        if kind.uses_internal_keycloak:
            put(facts, "machine_public_fqdn", _text(data, "keycloak.URL", path))
        else:
            put(kc_target, "url", _text(data, "keycloak.URL", path))
        put(kc_target, "realm", _text(data, "keycloak.REALM", path))
        put(kc_target, "client_id", _text(data, "keycloak.CLIENT_ID", path))
        put(kc_target, "client_secret", _text(data, "keycloak.CLIENT_SECRET", path))

    if isinstance(base, Answers):
        merged: dict[str, Any] = base.model_dump(mode="json")
    else:
        merged = dict(base or {})
        merged.setdefault("federation", "mip")
    merged.update(facts)
    for section, found in (("keycloak", keycloak), ("internal_keycloak", internal)):
        merged[section] = {**(merged.get(section) or {}), **found}
    # Keep the active profile only if its file is here; else the first one that is.
    names = [kind.name for kind, _ in present]
    if merged.get("active_profile") not in names:
        merged["active_profile"] = names[0]
    return answers_from_mapping(merged, source=str(directory))


# --- showing and diffing (secrets masked) -----------------------------------------------------


def mask_profile_text(text: str, secrets: list[str] | None = None) -> str:
    """Profile text with every secret value (named or found in the text) replaced by ``MASK``."""
    return Redactor([*(secrets or []), *_secrets_in(text)]).redact(text)


def diff_profiles(answers: Answers, directory: Path) -> dict[str, str]:
    """What ``write_profiles`` would change: file name -> unified diff, secrets masked.

    Files that would not change are absent. Skipped profiles are not diffed.
    """
    redactor = Redactor(answers.secrets())
    with contextlib.suppress(OSError):
        recover_set(directory)
    diffs: dict[str, str] = {}
    for filename, new in render_all(answers).files.items():
        target = directory / filename
        old = ""
        if target.exists():
            try:
                old = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                old = "<unreadable>\n"
        if old == new:
            continue
        old_secrets = _secrets_in(old)
        redactor_here = Redactor([*redactor.secrets, *old_secrets])
        lines = difflib.unified_diff(
            redactor_here.redact(old).splitlines(keepends=True),
            redactor_here.redact(new).splitlines(keepends=True),
            fromfile=f"{filename} (on disk)" if target.exists() else "/dev/null",
            tofile=f"{filename} (from answers)",
        )
        text = "".join(lines)
        if not text:  # only a secret changed: say so without showing either value
            text = f"--- {filename} (on disk)\n+++ {filename} (from answers)\n  CLIENT_SECRET: {MASK} (changed)\n"
        diffs[filename] = text
    return diffs


def _secrets_in(text: str) -> list[str]:
    return secrets_in_text(text)


__all__ = [
    "HEADER",
    "PROFILES",
    "Auth",
    "Link",
    "RenderResult",
    "WriteReport",
    "diff_profiles",
    "load_profiles",
    "mask_profile_text",
    "read_profile_file",
    "render_all",
    "render_profile",
    "write_profiles",
]
