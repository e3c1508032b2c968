"""``Answers``: everything the wizard asks, as one validated model, saved as YAML.

The same file drives the TUI (pre-filled forms), ``mipwizard profiles write`` and a headless
``mipwizard install --answers``. Unknown keys are errors so that a typo never passes silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from . import fields as f
from . import validators as v
from .errors import UserError
from .join_command import parse_join_command
from .profile_kinds import PROFILE_NAMES, Role, profile_kind
from .releases.catalogue import DEFAULT_RELEASE, check_git_ref, release_by_name

Hostname = Annotated[str, AfterValidator(lambda s: v.check_hostname(s))]
HostOrIp = Annotated[str, AfterValidator(lambda s: v.check_host_or_ip(s))]
IpAddress = Annotated[str, AfterValidator(v.check_ip)]
Federation = Annotated[str, AfterValidator(f.check_federation)]
Pathology = Annotated[str, AfterValidator(f.check_pathology)]
# Input limits (core/validators.py): what reaches argv, the file system or the redactor.
Secret = Annotated[str, AfterValidator(v.check_secret_value)]
CheckoutPath = Annotated[Path, AfterValidator(lambda p: Path(v.check_abs_path(p, what="checkout")))]
RepoUrl = Annotated[str, AfterValidator(v.check_repo_url)]
SnapChannel = Annotated[str, AfterValidator(v.check_snap_channel)]

DEFAULT_ADMIN_USER = f.DEFAULT_ADMIN_USER
# A git ref (tag, branch or commit) given by hand; never starting with "-" (it goes into git's argv).
GitRef = Annotated[str, AfterValidator(lambda s: check_git_ref(s))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=False)


class ExternalKeycloak(_Strict):
    """An external Keycloak (e.g. EBRAINS), used by .direct, .proxied and the *.no_auth profiles."""

    url: Hostname = "iam.ebrains.eu"
    realm: str = "MIP"
    client_id: str = ""
    client_secret: Secret = ""

    @field_validator("realm", "client_id")
    @classmethod
    def _strip(cls, value: str) -> str:
        # Emptiness is judged by ``missing_for_profile``: only profiles that log in need them.
        return value.strip()


class InternalKeycloak(_Strict):
    """The Keycloak embedded in the MIP chart, used by the *.internal_auth* profiles."""

    realm: str = "MIP"
    client_id: str = "MIP"
    client_secret: Secret = ""


class Exareme2Settings(_Strict):
    repo_url: RepoUrl | None = None  # None: the release's repository
    ref: GitRef | None = None  # None: the release's ref (tag, branch or commit)
    path: CheckoutPath = Path("/opt/exareme2")
    # Number of worker ("local") nodes; 1 for a single-machine install (master == worker).
    localnodes: int = 1
    smpc: bool = False

    @field_validator("localnodes", mode="before")
    @classmethod
    def _localnodes(cls, value: object) -> object:
        return f.check_localnodes(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else value


class MipDeploymentSettings(_Strict):
    repo_url: RepoUrl | None = None  # None: the release's repository
    ref: GitRef | None = None  # None: the release's ref (tag, branch or commit)
    path: CheckoutPath = Path("/opt/mip-deployment")


class Answers(_Strict):
    role: Role = Role.LOCAL
    # The catalogue entry (``mipwizard releases``) whose pinned refs are deployed.
    release: str = DEFAULT_RELEASE.name
    # Required for local and master (checked below); a worker renders no profile and may leave them out.
    machine_main_ip: IpAddress | None = None
    machine_public_fqdn: Hostname | None = None
    machine_private_fqdn_or_ip: HostOrIp | None = None
    active_profile: str = "direct"
    keycloak: ExternalKeycloak = Field(default_factory=ExternalKeycloak)
    internal_keycloak: InternalKeycloak = Field(default_factory=InternalKeycloak)
    datacatalogue_host: Hostname = "datacatalogue.mip.ebrains.eu"
    federation: Federation
    pathologies: list[Pathology] = Field(default_factory=lambda: ["dementia"])

    # --- installation (the install engine reads these) ---
    admin_user: str = DEFAULT_ADMIN_USER
    data_root: Path = Path("/data")
    microk8s_channel: SnapChannel | None = None  # None: the snap's default channel
    exareme2: Exareme2Settings = Field(default_factory=Exareme2Settings)
    mip_deployment: MipDeploymentSettings = Field(default_factory=MipDeploymentSettings)
    smpc_player: bool = False  # label this machine smpc_player=true
    pods_ready_timeout: int = Field(default=600, ge=10, le=7200)  # seconds
    # Worker role only: the `microk8s join <ip>:25000/<token>/<hash> --worker` line printed by
    # `mipwizard node join-command` on the master. The token lets a machine join the cluster,
    # so it is treated as a secret (redacted everywhere, left out of answers saved without secrets).
    join_command: str | None = None

    @field_validator("release")
    @classmethod
    def _known_release(cls, value: str) -> str:
        return release_by_name(value.strip()).name

    @field_validator("active_profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        return profile_kind(value).name

    @field_validator("pathologies")
    @classmethod
    def _some_pathology(cls, value: list[str]) -> list[str]:
        return f.check_pathologies(value)

    @field_validator("admin_user")
    @classmethod
    def _unix_user(cls, value: str) -> str:
        return f.check_admin_user(value)

    @field_validator("machine_main_ip", "machine_public_fqdn", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("join_command")
    @classmethod
    def _join_command(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return check_join_command(value)

    @field_validator("data_root")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return Path(f.check_data_root(str(value)))

    @model_validator(mode="after")
    def _needed_by_active_profile(self) -> Answers:
        """The active profile must be complete (but for its secrets: see ``missing_secrets``).

        Other profiles are skipped with a reason instead. Secrets are judged where they are needed
        (``answers_from_mapping``, the install, apply), so answers saved without them still load.
        Every problem is collected (one line each), so one run reports them all.
        """
        problems: list[str] = []
        if self.role is not Role.WORKER:
            for key, example in (("machine_main_ip", "10.20.30.40"), ("machine_public_fqdn", "mip.hospital.org")):
                if getattr(self, key) is None:
                    problems.append(
                        f"{key}: is required for role {self.role.value!r} — set it, e.g. {key}: {example}"
                    )
        release = release_by_name(self.release)
        kind = profile_kind(self.active_profile)
        if self.role is not Role.WORKER and not release.supports(kind.auth):
            offered = ", ".join(a.value for a in release.auth_kinds)
            problems.append(
                f"active_profile: {self.active_profile!r} uses {kind.auth.value} authentication, which release "
                f"{release.name} does not support (it supports: {offered}) — choose another profile or release"
            )
        # A worker writes no profile: the master's profiles hold the addresses and the Keycloak client.
        problem = None if self.role is Role.WORKER else missing_for_profile(self, self.active_profile, secrets=False)
        if problem:
            key, message = problem
            problems.append(f"{key}: {message} (needed by the active profile {self.active_profile!r})")
        if self.join_command is not None and self.role is not Role.WORKER:
            problems.append(
                f"join_command: only a worker joins a cluster, this machine's role is {self.role.value!r} — "
                "remove join_command, or set role: worker"
            )
        try:
            f.check_smpc(self.exareme2.smpc, self.role.value)
        except ValueError as exc:
            problems.append(f"exareme2.smpc: {exc}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def missing_secrets(self) -> list[tuple[str, str]]:
        """The secrets the active profile needs and these answers lack, as (key, message)."""
        if self.role is Role.WORKER:
            return []
        problem = missing_for_profile(self, self.active_profile)
        if problem and problem[0].endswith("client_secret"):
            return [(problem[0], f"{problem[1]} (needed by the active profile {self.active_profile!r})")]
        return []

    # --- persistence ---
    def to_yaml(self, *, include_secrets: bool = True) -> str:
        data = self.model_dump(mode="json", exclude_defaults=False)
        if not include_secrets:
            data["keycloak"]["client_secret"] = ""
            data["internal_keycloak"]["client_secret"] = ""
            data.pop("join_command", None)
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)

    def secrets(self) -> list[str]:
        """Every secret value in these answers, for redaction."""
        from .redact import secrets_in

        # The join token is the secret part of join_command (the address and hash are not).
        return secrets_in(self.model_dump(mode="json"))


def check_join_command(value: str) -> str:
    """The canonical ``microk8s join … --worker`` line, or ValueError (never echoing the token)."""
    if not value.strip():
        raise ValueError(
            "is empty — paste the line `microk8s join <ip>:25000/<token>/<hash> --worker` "
            "printed by `mipwizard node join-command` on the master"
        )
    try:
        join = parse_join_command(value)
    except UserError:
        # Never echo the value: it holds the token.
        raise ValueError(
            "is not a join command — paste the line `microk8s join <ip>:25000/<token>/<hash> --worker` "
            "printed by `mipwizard node join-command` on the master"
        ) from None
    return join.worker_command  # one canonical form: a worker always joins with --worker


def missing_for_profile(answers: Answers, name: str, *, secrets: bool = True) -> tuple[str, str] | None:
    """Why ``name`` cannot be written from ``answers`` as (answers key, message), or None.

    ``secrets=False`` leaves the client secret out of the judgement (saved answers may lack it).
    """
    kind = profile_kind(name)
    if kind.link.value == "proxied" and not answers.machine_private_fqdn_or_ip:
        return (
            "machine_private_fqdn_or_ip",
            "is not set — proxied profiles need the address the reverse proxy uses to reach this machine",
        )
    if kind.uses_internal_keycloak:
        for key, value, what in (
            ("internal_keycloak.realm", answers.internal_keycloak.realm, "realm"),
            ("internal_keycloak.client_id", answers.internal_keycloak.client_id, "client id"),
        ):
            try:
                v.check_realm_or_client_id(value, what=what)
            except ValueError as exc:
                return key, str(exc)
        try:
            if secrets:
                v.check_secret(answers.internal_keycloak.client_secret)
        except ValueError as exc:
            return "internal_keycloak.client_secret", str(exc)
    else:
        for key, value, what in (
            ("keycloak.realm", answers.keycloak.realm, "realm"),
            ("keycloak.client_id", answers.keycloak.client_id, "client id"),
        ):
            if kind.needs_secret or value:
                try:
                    v.check_realm_or_client_id(value, what=what)
                except ValueError as exc:
                    return key, str(exc)
        if kind.needs_secret and secrets:
            try:
                v.check_secret(answers.keycloak.client_secret)
            except ValueError as exc:
                return "keycloak.client_secret", str(exc)
    return None


def format_validation_error(exc: ValidationError, *, secrets: list[str] | None = None) -> list[str]:
    """One line per problem: ``key: message``. Never echoes the rejected input (it may be a secret)."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False):
        key = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        if err["type"] == "extra_forbidden":
            msg = f"is not a known key — check its spelling (known keys: {_known_keys_hint(err['loc'])})"
        elif err["type"] == "missing":
            msg = "is required — add it to the answers file"
        if not key:  # model-level errors carry their own keys, one problem a line
            for line in msg.splitlines():
                lines.append(": ".join(part.strip() for part in line.split(":", 1)) if ":" in line else line)
            continue
        lines.append(f"{key}: {msg}")
    if secrets:
        from .redact import Redactor

        redactor = Redactor(secrets, patterns=False)  # messages name keys like client_secret
        lines = [redactor.redact(line) for line in lines]
    return lines


def _known_keys_hint(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Answers
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            break
    return ", ".join(model.model_fields)


def answers_from_mapping(data: object, *, source: str = "answers", secrets_optional: bool = False) -> Answers:
    """Validate raw data into ``Answers`` or raise ``UserError`` listing each bad key.

    ``secrets_optional``: answers saved without their secrets load; the caller asks for a secret
    when it is needed (``Answers.missing_secrets``).
    """
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping of keys to values (key: value), got {type(data).__name__}")
    secrets = _secret_values(data)
    try:
        answers = Answers.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_error(exc, secrets=secrets)
        from .answers_behind import problems_behind  # one run lists every problem

        problems += problems_behind(data, exc, secrets, with_secrets=not secrets_optional, model=Answers,
                                    format_error=format_validation_error)
        raise UserError(
            f"{source}: the answers have problems — fix these keys and try again", problems=problems
        ) from None
    missing = [] if secrets_optional else answers.missing_secrets()
    if missing:
        raise UserError(
            f"{source}: the answers have problems — fix these keys and try again",
            problems=[f"{key}: {message}" for key, message in missing],
        )
    return answers


def _secret_values(data: dict[Any, Any]) -> list[str]:
    from .redact import secrets_in

    join = data.get("join_command")
    return [*secrets_in(data), *([join.strip()] if isinstance(join, str) and join.strip() else [])]


def load_answers(path: Path, *, secrets_optional: bool = False) -> Answers:
    """Read an answers YAML file; every problem becomes a ``UserError`` naming the key."""
    return answers_from_mapping(read_answers_data(path), source=str(path), secrets_optional=secrets_optional)


def read_answers_data(path: Path) -> dict[str, Any]:
    """The raw mapping of an answers file (not validated), or ``UserError`` saying why not."""
    from .yamlutil import load_yaml_file

    data = load_yaml_file(path, what="answers file")  # bounded; duplicate keys, FIFOs, devices refused
    if data is None:
        raise UserError(f"{path}: the file is empty — write the answers as key: value lines")
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of keys to values (key: value), got {type(data).__name__}")
    return data


def save_answers(answers: Answers, path: Path, *, include_secrets: bool = True) -> None:
    """Write answers (atomic, 0600, previous version kept) through the one round-trip writer."""
    from .answers_file import update_answers_file

    update_answers_file(path, answers, include_secrets=include_secrets)


__all__ = [
    "PROFILE_NAMES",
    "Answers",
    "ExternalKeycloak",
    "InternalKeycloak",
    "Role",
    "answers_from_mapping",
    "format_validation_error",
    "load_answers",
    "missing_for_profile",
    "save_answers",
]
