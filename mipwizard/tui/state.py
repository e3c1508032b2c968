"""What the user has typed so far: a view of the answers (no pydantic: the first frame stays fast).

Which attributes there are, which answers key each is, how it is checked and what it starts as,
is the engine's ``core.fields.FORM``;
the profile names are ``core.profile_kinds``. ``load_mapping`` pre-fills from saved answers (every
key kept, bad values too, so they show marked under their field); ``to_mapping`` puts the typed
values back into that same mapping, for the engine to validate.
"""

from __future__ import annotations

import copy
from typing import Any

from ..core.fields import FORM, FORM_BY_ATTR, dig, drop, put
from ..core.profile_kinds import PROFILE_BY_NAME, Auth, Link, ProfileKind, Role

ROLES: tuple[str, ...] = tuple(role.value for role in Role)
AUTHS: tuple[str, ...] = tuple(auth.value for auth in Auth)
# Asked on the Network step only (a worker has no address of its own), and on the Data step only.
_NOT_FOR_WORKER = {"machine_main_ip", "machine_public_fqdn", "machine_private_fqdn_or_ip", "localnodes", "smpc"}


def split_profile(name: str) -> tuple[str, str]:
    """(link, auth) of a profile name; an unknown name is the default ``direct`` with external login."""
    kind = PROFILE_BY_NAME.get(name.lstrip("."))
    return (kind.link.value, kind.auth.value) if kind else ("direct", "external")


class WizardState:
    """The wizard's answers so far. Each ``FORM`` entry is an attribute (``state.federation``), made
    from the schema: a new field needs no code here. The rest are the wizard's own choices."""

    role: str
    link: str
    auth: str
    active_profile: str  # "" → follows link + auth
    save_secrets: bool
    # The answers as loaded (every key, the ones the wizard does not ask too): the base that the
    # typed values are put back into, so that saving never replaces a saved value with a default.
    extra: dict[str, Any]
    # answers key -> message, for the values of a loaded file that are wrong (shown until fixed).
    problems: dict[str, str]
    dirty: bool

    def __init__(self, **values: Any) -> None:
        # The schema's values: the field's text as typed (a bool for a switch), by attribute.
        object.__setattr__(self, "values", {form.attr: form.initial for form in FORM})
        self.role = "local"
        self.link = "direct"
        self.auth = "external"
        self.active_profile = ""
        self.save_secrets = False
        self.extra = {}
        self.problems = {}
        self.dirty = False
        for name, value in values.items():
            if not hasattr(self, name):
                raise TypeError(f"WizardState has no field {name!r}")
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """A schema field's value (only asked when ``name`` is not a plain attribute)."""
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(f"WizardState has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in FORM_BY_ATTR:
            self.__dict__["values"][name] = value
        else:
            object.__setattr__(self, name, value)

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
        from ..core.redact import join_tokens  # json, shlex, base64 and its patterns: not for the first frame

        found = [getattr(self, form.attr) for form in FORM if form.secret and form.attr != "join_command"]
        if self.join_command.strip():
            found += [self.join_command.strip(), *join_tokens(self.join_command)]
        return [s for s in found if s]
