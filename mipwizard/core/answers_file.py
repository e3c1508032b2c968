"""The answers file on disk: read it even when parts are wrong, update it without losing the user's text.

* ``read_partial`` — every valid value of a file with problems, plus each bad key's message, so the
  wizard pre-fills the rest and marks the bad fields (the file itself is not touched).
* ``update_answers_file`` — the only way mipwizard rewrites an answers file. It changes only the
  values whose meaning changed, in place, through ruamel.yaml's round-trip mode: the user's
  comments, key order, quoting and flow lists stay. Keys the file leaves out stay out while they
  hold their default. The result is validated before it is written (atomic, 0600, previous copy
  kept); an update that would make the file invalid is refused with the reason, the file untouched.
* Secrets are written only when asked (``include_secrets``); a secret the user put in the file
  stays as long as it is unchanged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .answers import Answers, answers_from_mapping, read_answers_data
from .errors import UserError
from .fields import drop
from .fileio import atomic_write_text

SECRET_KEYS = ("keycloak.client_secret", "internal_keycloak.client_secret", "join_command")
HEADER = (
    "# mipwizard answers: the wizard, `mipwizard install --answers` and `mipwizard apply` read this file.\n"
    "# Edit it freely: mipwizard keeps your comments and order when it updates a value.\n"
)
MAX_PASSES = 4  # dropping a bad key can reveal a model-level problem behind it


@dataclass
class PartialAnswers:
    """What a possibly broken answers file holds: ``data`` as written, ``problems`` per answers key."""

    data: dict[str, Any]
    answers: Answers | None = None  # the file with its bad keys at their defaults (None: not even that)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem_key(line: str) -> tuple[str, str]:
    key, _, message = line.partition(": ")
    return (key, message) if message else ("", line)


def read_partial(path: Path) -> PartialAnswers:
    """Read ``path``; ``UserError`` only when it is not an answers mapping at all (unreadable, not YAML)."""
    data = read_answers_data(path)
    return partial_from_mapping(data, source=str(path))


def partial_from_mapping(data: dict[str, Any], *, source: str = "answers") -> PartialAnswers:
    result = PartialAnswers(data)
    trial: dict[str, Any] = _plain(data)
    for _ in range(MAX_PASSES):
        try:
            result.answers = answers_from_mapping(trial, source=source, secrets_optional=True)
            return result
        except UserError as exc:
            lines = exc.problems or [str(exc)]
        dropped = False
        for line in lines:
            key, message = _problem_key(line)
            result.problems.setdefault(key, message)
            top = key.split(".")
            # A bad list item (pathologies.1) or a bad section: the whole value goes back to its default.
            dotted = ".".join(p for p in top if not p.isdigit())
            if dotted and (dotted in trial or "." in dotted):
                drop(trial, dotted)
                dropped = True
        if not dropped:
            break
    return result


def _without_none(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_none(v) for k, v in node.items() if v is not None}
    return node


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


# --- round-trip updates ---------------------------------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096  # never fold a long value onto two lines
    return rt


def _defaults() -> dict[str, Any]:
    """The model's default for each top-level key that has one (JSON form)."""
    out: dict[str, Any] = {}
    for name, info in Answers.model_fields.items():
        if info.is_required():
            continue
        value = info.get_default(call_default_factory=True)
        out[name] = value.model_dump(mode="json") if isinstance(value, BaseModel) else _json(value)
    return out


def _json(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value


def intended_data(answers: Answers, *, include_secrets: bool, keep: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answers as they should be on disk: secrets blank unless kept or ``include_secrets``."""
    data: dict[str, Any] = answers.model_dump(mode="json")
    if include_secrets:
        return data
    old = keep or {}
    for key in SECRET_KEYS:
        section, _, leaf = key.rpartition(".")
        new_block = data.get(section) if section else data
        old_block = old.get(section) if section else old
        old_value = old_block.get(leaf) if isinstance(old_block, dict) else None
        if not isinstance(new_block, dict) or new_block.get(leaf) in (None, ""):
            continue
        if old_value == new_block.get(leaf):
            continue  # the user keeps this secret in the file: leave it
        new_block[leaf] = None if leaf == "join_command" else ""
    return data


def _merge(doc: Any, new: dict[str, Any], old: dict[str, Any] | None, defaults: dict[str, Any]) -> None:
    """Change ``doc`` in place where ``new`` means something else than ``old`` (the doc's meaning)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    for key, value in new.items():
        before = old.get(key) if old is not None else doc.get(key)
        default = defaults.get(key)
        if key in doc:
            if isinstance(value, dict) and isinstance(doc[key], CommentedMap):
                _merge(doc[key], value, before if isinstance(before, dict) else None,
                       default if isinstance(default, dict) else {})
            elif before == value and old is not None:
                continue
            elif value is None:
                del doc[key]
            elif isinstance(value, list) and isinstance(doc[key], CommentedSeq):
                doc[key][:] = value  # in place: a flow list stays a flow list
            else:
                doc[key] = value
        elif value is None or value == "" or default == value:
            continue  # the file leaves it out and it holds its default: keep it out
        elif isinstance(value, dict) and isinstance(default, dict):
            doc[key] = {k: v for k, v in value.items() if default.get(k) != v and v not in (None, "")}
        else:
            doc[key] = value


def render_update(text: str | None, answers: Answers, *, include_secrets: bool) -> str:
    """The file's new text: ``text`` with only the changed values replaced (a fresh file if None)."""
    rt = _yaml()
    if text is None or not text.strip():
        data = _without_none(intended_data(answers, include_secrets=include_secrets))
        out = io.StringIO()
        rt.dump(data, out)
        return HEADER + out.getvalue()
    doc = rt.load(text)
    if not hasattr(doc, "items"):
        raise UserError("the answers file is not a mapping of keys to values — fix it by hand first")
    raw = _plain(doc)
    old: dict[str, Any] | None = None
    try:
        old = answers_from_mapping(raw, secrets_optional=True).model_dump(mode="json")
    except UserError:
        old = None  # a file being fixed: compare with what it says literally
    new = intended_data(answers, include_secrets=include_secrets, keep=raw)
    _merge(doc, new, old, _defaults())
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue()


def update_answers_file(path: Path, answers: Answers, *, include_secrets: bool = False) -> bool:
    """Write ``answers`` into ``path`` keeping the user's text; True when the file changed.

    Refused (``UserError``, file untouched) when the result would not load back as ``answers``.
    """
    from .safe_fs import read_regular_file
    from .yamlutil import MAX_INPUT_BYTES

    text: str | None = None
    if path.exists() or path.is_symlink():
        raw = read_regular_file(path, max_bytes=MAX_INPUT_BYTES, what="answers file")  # bounded, no FIFOs
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{path}: not UTF-8 text — save the answers file as UTF-8") from None
    from ruamel.yaml.error import YAMLError

    try:
        updated = render_update(text, answers, include_secrets=include_secrets)
    except UserError as exc:
        raise UserError(f"{path}: not updated — {exc}", problems=exc.problems) from None
    except YAMLError as exc:  # the file's own syntax
        raise UserError(f"{path}: not updated — it is not valid YAML ({type(exc).__name__}); fix it first") from None
    check_update(path, updated, answers, include_secrets=include_secrets)
    if text == updated:
        return False
    atomic_write_text(path, updated, mode=0o600)
    return True


def check_update(path: Path, updated: str, answers: Answers, *, include_secrets: bool) -> None:
    """The updated text must load and mean exactly ``answers`` (secrets aside when they are not kept)."""
    from .yamlutil import YamlProblem, parse_yaml

    try:
        loaded = answers_from_mapping(parse_yaml(updated), source=str(path), secrets_optional=True)
    except YamlProblem as exc:
        raise UserError(f"{path}: not updated — the result would not be valid YAML ({exc})") from None
    except UserError as exc:
        raise UserError(
            f"{path}: not updated — the result would not load; the file is left as it was", problems=exc.problems
        ) from None
    want = answers.model_dump(mode="json")
    got = loaded.model_dump(mode="json")
    if not include_secrets:
        for data in (want, got):
            for key in SECRET_KEYS:
                section, _, leaf = key.rpartition(".")
                block = data.get(section) if section else data
                if isinstance(block, dict):
                    block.pop(leaf, None)
    if want != got:
        changed = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
        raise UserError(f"{path}: not updated — the result would change other keys too ({', '.join(changed)})")



def state_answers_path() -> Path:
    """Where mipwizard keeps the answers of this machine's install (the wizard's and the CLI's)."""
    from .paths import state_dir

    return state_dir() / "answers.yaml"


def save_state_answers(answers: Answers, *, include_secrets: bool = False) -> Path:
    """Record ``answers`` in the state folder (0600) so later commands find the chart without flags."""
    path = state_answers_path()
    update_answers_file(path, answers, include_secrets=include_secrets)
    return path
