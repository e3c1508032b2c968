"""Reading and checking CDEsMetadata.json (rules from the MIP "Data Requirements" page).

The file is a tree: ``groups`` are branches, ``variables`` the leaves. Every variable needs
``code``, ``isCategorical``, ``sql_type`` (text/real/int) and ``type``; categorical ones list
``enumerations`` (objects with a ``code``); the ``dataset`` CDE and a string ``version`` are
required; a ``longitudinal`` pathology also needs ``subjectID`` and ``visitID``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..yamlutil import YamlProblem, parse_json
from .report import FileReport

METADATA_FILE = "CDEsMetadata.json"
MAX_METADATA_BYTES = 16 * 1024 * 1024  # the real ones are a few hundred KB
SQL_TYPES = {"text", "real", "int"}
TYPES = {"nominal", "real", "integer", "text"}
REQUIRED_FIELDS = ("code", "label", "isCategorical", "sql_type", "type")
DATASET = "dataset"
SUBJECT_ID = "subjectID"
VISIT_ID = "visitID"


@dataclass(frozen=True)
class Variable:
    code: str
    sql_type: str  # lower case: text / real / int
    categorical: bool
    enumerations: frozenset[str] = frozenset()
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class Metadata:
    variables: dict[str, Variable] = field(default_factory=dict)
    version: str | None = None
    longitudinal: bool = False
    subject_id: str | None = None  # the actual codes (mipdb spells them subjectid / visitid)
    visit_id: str | None = None

    def find(self, code: str) -> Variable | None:
        """A variable by code, ignoring case (subjectID / subjectid)."""
        exact = self.variables.get(code)
        if exact is not None:
            return exact
        lowered = code.lower()
        return next((v for c, v in self.variables.items() if c.lower() == lowered), None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits: not a bound anyone meant
        return None


def _read_bounded(path: Path) -> str:
    """The file's text: a regular file of at most MAX_METADATA_BYTES (FIFOs, devices refused)."""
    from ..errors import UserError
    from ..safe_fs import read_regular_file

    if not path.exists():
        raise FileNotFoundError(path)
    try:
        return read_regular_file(path, max_bytes=MAX_METADATA_BYTES, what=METADATA_FILE).decode("utf-8-sig")
    except UserError as exc:
        raise OSError(str(exc).split(": ", 1)[-1]) from None


def _bound(raw: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, str | None]:
    # The requirements page says min/max; the real files use minValue/maxValue.
    for name in names:
        if name in raw and raw[name] is not None:
            return raw[name], name
    return None, None


def _read_variable(raw: Any, where: str, report: FileReport) -> Variable | None:
    if not isinstance(raw, dict):
        report.add("metadata-bad-tree", f"{where} is not an object — each variable is {{\"code\": …}}")
        return None
    code = raw.get("code")
    label = code if isinstance(code, str) and code else where
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        report.add(
            "metadata-variable-field-missing",
            f"variable {label} has no {', '.join(missing)} — every variable needs "
            "code, label, isCategorical, sql_type and type",
            column=label,
        )
        return None
    if not isinstance(code, str) or not code:
        report.add("metadata-variable-field-missing", f"{where} has an empty code — give it a name")
        return None
    if not code.isidentifier():
        report.add(
            "metadata-bad-code",
            f"variable code {code!r} is not a valid identifier (the importer requires letters, digits "
            "and _, not starting with a digit) — rename it here and in the CSV headers",
            column=code,
        )
    sql_type = raw["sql_type"]
    if not isinstance(sql_type, str) or sql_type.lower() not in SQL_TYPES:
        report.add(
            "metadata-bad-sql-type",
            f"variable {code}: sql_type {sql_type!r} is not one of TEXT, REAL, INT",
            column=code,
        )
        return None
    if not isinstance(raw["type"], str) or raw["type"].lower() not in TYPES:
        report.add(
            "metadata-bad-type",
            f"variable {code}: type {raw['type']!r} is not one of nominal, real, integer, text",
            column=code,
        )
    categorical = raw["isCategorical"]
    if not isinstance(categorical, bool):
        report.add(
            "metadata-bad-is-categorical",
            f"variable {code}: isCategorical is {categorical!r} — write true or false",
            column=code,
        )
        categorical = bool(categorical)
    enumerations: set[str] = set()
    if categorical:
        raw_enums = raw.get("enumerations")
        if not isinstance(raw_enums, list) or not raw_enums:
            report.add(
                "metadata-no-enumerations",
                f"categorical variable {code} has no enumerations — list its allowed "
                'values as [{"code": …, "label": …}]',
                column=code,
            )
        else:
            for item in raw_enums:
                value = item.get("code") if isinstance(item, dict) else None
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    report.add(
                        "metadata-bad-enumeration",
                        f"variable {code}: enumeration {item!r} has no code — "
                        'write {"code": …, "label": …}',
                        column=code,
                    )
                    continue
                enumerations.add(str(value))
    bounds: list[float | None] = []
    for names in (("minValue", "min"), ("maxValue", "max")):
        value, name = _bound(raw, names)
        number = _number(value)
        if value is not None and number is None:
            report.add(
                "metadata-bad-min-max",
                f"variable {code}: {name} {value!r} is not a number",
                column=code,
            )
        bounds.append(number)
    low, high = bounds
    if low is not None and high is not None and low >= high:
        report.add(
            "metadata-bad-min-max",
            f"variable {code}: minimum {low:g} is not below maximum {high:g} — fix the bounds",
            column=code,
        )
    return Variable(code, sql_type.lower(), categorical, frozenset(enumerations), low, high)


def _walk(node: dict[str, Any], where: str, metadata: Metadata, report: FileReport) -> None:
    variables = node.get("variables", [])
    groups = node.get("groups", [])
    if not isinstance(variables, list):
        report.add("metadata-bad-tree", f"{where}: variables is not a list")
        variables = []
    if not isinstance(groups, list):
        report.add("metadata-bad-tree", f"{where}: groups is not a list")
        groups = []
    for index, raw in enumerate(variables):
        variable = _read_variable(raw, f"{where}.variables[{index}]", report)
        if variable is None:
            continue
        if variable.code in metadata.variables:
            report.add(
                "metadata-duplicate-code",
                f"variable {variable.code} is defined twice — keep one",
                column=variable.code,
            )
        metadata.variables[variable.code] = variable
    for index, group in enumerate(groups):
        name = f"{where}.groups[{index}]"
        if not isinstance(group, dict):
            report.add("metadata-bad-tree", f"{name} is not an object with variables/groups")
            continue
        code = group.get("code")
        _walk(group, f"{where}/{code}" if isinstance(code, str) else name, metadata, report)


def read_metadata(path: Path, report: FileReport) -> Metadata | None:
    """The variables of ``path``; problems go to ``report``. None when the file is unusable."""
    try:
        text = _read_bounded(path)
    except FileNotFoundError:
        report.add(
            "metadata-missing",
            f"{METADATA_FILE} is missing — put the pathology's metadata file in {path.parent}",
        )
        return None
    except (OSError, UnicodeDecodeError) as exc:
        report.add("metadata-unreadable", f"cannot read {path.name}: {exc} — save it as UTF-8 text")
        return None
    try:
        tree = parse_json(text)  # bounded: depth, size, duplicate keys, NaN refused
    except YamlProblem as exc:
        where = f" at line {exc.line}" if exc.line else ""
        report.add("metadata-invalid-json", f"{exc}{where} — fix the file", row=exc.line)
        return None
    if not isinstance(tree, dict):
        report.add("metadata-bad-tree", "the top level must be an object with version, variables, groups")
        return None
    metadata = Metadata()
    version = tree.get("version")
    if not isinstance(version, str) or not version.strip():
        report.add(
            "metadata-no-version",
            'no "version" at the top level — add e.g. "version": "0.1" (a string)',
        )
    else:
        metadata.version = version
    for key in ("code", "label"):
        if not isinstance(tree.get(key), str) or not tree[key].strip():
            report.add(
                f"metadata-no-{key}",
                f'no "{key}" at the top level — add the pathology\'s {key}, e.g. "{key}": "dementia"',
            )
    longitudinal = tree.get("longitudinal", False)
    if not isinstance(longitudinal, bool):
        report.add(
            "metadata-bad-longitudinal",
            f'"longitudinal" is {longitudinal!r} — write true or false (without quotes)',
        )
    metadata.longitudinal = longitudinal is True
    _walk(tree, "root", metadata, report)
    _check_required(metadata, report)
    return metadata


def _check_required(metadata: Metadata, report: FileReport) -> None:
    dataset = metadata.variables.get(DATASET)
    if dataset is None:
        report.add(
            "metadata-no-dataset-cde",
            'no "dataset" variable — add a categorical variable with code "dataset" whose '
            "enumerations list the dataset names used in the CSVs",
        )
    elif not dataset.categorical or dataset.sql_type != "text":
        report.add(
            "metadata-bad-dataset-cde",
            'the "dataset" variable must have "isCategorical": true and "sql_type": "text"',
            column=DATASET,
        )
    if not metadata.longitudinal:
        return
    subject = metadata.find(SUBJECT_ID)
    visit = metadata.find(VISIT_ID)
    metadata.subject_id = subject.code if subject else None
    metadata.visit_id = visit.code if visit else None
    for found, code, rule in (
        (subject, SUBJECT_ID, "longitudinal-missing-subjectid"),
        (visit, VISIT_ID, "longitudinal-missing-visitid"),
    ):
        if found is None:
            report.add(rule, f'the pathology is longitudinal but has no "{code}" variable — add it')
    if visit is not None and (not visit.categorical or visit.sql_type != "text" or not visit.enumerations):
        report.add(
            "longitudinal-visitid-not-categorical",
            f"{visit.code} must be categorical text with enumerations BL, FL1, FL2, …",
            column=visit.code,
        )
