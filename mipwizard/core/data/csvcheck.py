"""Checking one CSV against a pathology's variables, streaming row by row.

Speed matters (the dementia folder must check in well under a second) and memory must stay flat
on a 1 GB file: the csv module reads one row at a time, and the columns are sorted once into
per-kind lists (categorical / int / real / required) so each cell costs one set lookup or one
number conversion — no per-cell regexes, no per-cell dispatch.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..validators import parse_mip_number
from .metadata import DATASET, SUBJECT_ID, VISIT_ID, Metadata, Variable
from .report import FileReport

# A numeric column: (index in the row, name, minimum, maximum).
NumericColumn = tuple[int, str, "float | None", "float | None"]

if TYPE_CHECKING:
    from _csv import Reader as _reader

MAX_DATASETS = 1000  # distinct dataset names remembered per file (memory stays bounded)
MAX_VISITS = 500_000  # (subject, visit) pairs remembered to find duplicates (~60 MB at most)
_SHOWN = 40


def _show(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


def _allowed_text(variable: Variable) -> str:
    values = sorted(variable.enumerations)
    listed = ", ".join(values[:10]) + (f", … ({len(values)} in all)" if len(values) > 10 else "")
    return listed or "(none)"


def check_csv(path: Path, metadata: Metadata, report: FileReport) -> None:
    """Check ``path``; problems and the dataset names seen go to ``report``."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        report.add("csv-unreadable", f"cannot open {path.name}: {exc.strerror} — check its permissions")
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                report.add(
                    "csv-no-header",
                    "the file has no header row — the first line must name the columns (CDE codes)",
                    row=1,
                )
                return
            _check_header(header, metadata, report)
            _check_rows(reader, header, metadata, report)
        except UnicodeDecodeError:
            report.add(
                "csv-not-utf8",
                "the file is not UTF-8 text — save it as CSV UTF-8 and check again",
                row=reader.line_num + 1,
            )
        except csv.Error as exc:
            report.add(
                "csv-unreadable",
                f"the CSV is malformed here ({exc}) — check quotes and separators",
                row=reader.line_num,
            )


def _check_header(header: list[str], metadata: Metadata, report: FileReport) -> None:
    """Column problems (unknown, duplicate, missing dataset / longitudinal ids)."""
    known = metadata.variables
    seen: set[str] = set()
    for name in header:
        if name in seen:
            report.add(
                "csv-duplicate-column",
                f"column {name} appears twice in the header — keep one",
                row=1,
                column=name,
            )
        seen.add(name)
        if name not in known:
            close = difflib.get_close_matches(name.strip(), list(known), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            if len(header) == 1 and any(sep in name for sep in ";\t|"):
                hint = "the file seems to use another separator than ',' — save it as comma-separated; "
            report.add(
                "csv-unknown-column",
                f"column {name!r} is not a variable in CDEsMetadata.json — {hint}"
                "rename or remove the column, or add the variable to the metadata",
                row=1,
                column=name,
            )
    if DATASET not in seen:
        report.add(
            "csv-no-dataset-column",
            'there is no "dataset" column — add one holding the dataset name on every row',
            row=1,
        )
    if metadata.longitudinal:
        for code in (metadata.subject_id or SUBJECT_ID, metadata.visit_id or VISIT_ID):
            if code not in seen:
                report.add(
                    "longitudinal-missing-column",
                    f"the pathology is longitudinal: add a {code} column, filled on every row",
                    row=1,
                )


def _check_rows(reader: _reader, header: list[str], metadata: Metadata, report: FileReport) -> None:
    known = metadata.variables
    width = len(header)
    enums: list[tuple[int, str, frozenset[str], str]] = []
    ints: list[NumericColumn] = []
    reals: list[NumericColumn] = []
    required: list[tuple[int, str]] = []
    required_codes = {DATASET}
    if metadata.longitudinal:
        required_codes |= {metadata.subject_id or SUBJECT_ID, metadata.visit_id or VISIT_ID}
    dataset_index: int | None = None
    visit_key: tuple[int, int] | None = None  # (subject column, visit column) when both exist
    if metadata.longitudinal and metadata.subject_id in header and metadata.visit_id in header:
        visit_key = (header.index(str(metadata.subject_id)), header.index(str(metadata.visit_id)))
    visits: set[tuple[str, str]] = set()
    for index, name in enumerate(header):
        variable = known.get(name)
        if variable is None:
            continue
        if name in required_codes:
            required.append((index, name))
        if name == DATASET:
            dataset_index = index
        if variable.categorical and variable.enumerations:
            enums.append((index, name, variable.enumerations, _allowed_text(variable)))
        elif variable.sql_type == "int":
            ints.append((index, name, variable.minimum, variable.maximum))
        elif variable.sql_type == "real":
            reals.append((index, name, variable.minimum, variable.maximum))

    # INT and REAL cells: how to parse, the rule broken, and the fix's wording.
    numeric: list[
        tuple[Callable[[str], float], str, str, tuple[str, str], list[tuple[int, str, float | None, float | None]]]
    ] = [
        (lambda text: parse_mip_number(text, integer=True), "value-not-integer", "a whole number", ("INT", "42"), ints),
        (lambda text: parse_mip_number(text, integer=False), "value-not-numeric", "a number", ("REAL", "1.5"), reals),
    ]
    add = report.add
    datasets = report.datasets
    rows = 0
    padding = [""] * width
    try:
        for row in reader:
            if not row:
                continue  # blank line
            rows += 1
            if len(row) != width:
                add(
                    "csv-row-length",
                    f"this row has {len(row)} fields but the header has {width} — "
                    "check for a missing or extra separator",
                    row=reader.line_num,
                )
                row = (row + padding)[:width]
            for index, name in required:
                if not row[index].strip():
                    add(
                        "value-missing-required",
                        f"{name} is empty — it must be filled on every row",
                        row=reader.line_num,
                        column=name,
                    )
            for index, name, allowed, allowed_text in enums:
                value = row[index]
                if value and value not in allowed:
                    add(
                        "value-not-in-enumeration",
                        f"{_show(value)} is not an allowed value of {name} — use one of "
                        f"{allowed_text}, or add it to the enumerations in CDEsMetadata.json",
                        row=reader.line_num,
                        column=name,
                    )
            for parse, rule, kind, example, columns in numeric:
                for index, name, low, high in columns:
                    value = row[index]
                    if not value:
                        continue
                    try:
                        number: float = parse(value)
                    except ValueError:
                        add(
                            rule,
                            f"{_show(value)} is not {kind} ({name} is {example[0]}) — "
                            f"write e.g. {example[1]}, or leave the cell empty for a missing value",
                            row=reader.line_num,
                            column=name,
                        )
                        continue
                    if (low is not None and number < low) or (high is not None and number > high):
                        add(
                            "value-out-of-range",
                            f"{value} is out of range for {name}: it must be {_range_text(low, high)}",
                            row=reader.line_num,
                            column=name,
                        )
            if visit_key is not None and len(visits) < MAX_VISITS:
                pair = (row[visit_key[0]], row[visit_key[1]])
                if pair in visits:
                    add(
                        "longitudinal-duplicate-visit",
                        f"subject {pair[0]!r} has visit {pair[1]!r} twice — each (subject, visit) "
                        "pair must appear once",
                        row=reader.line_num,
                    )
                elif all(pair):
                    visits.add(pair)
            if dataset_index is not None and len(datasets) < MAX_DATASETS:
                name = row[dataset_index]
                if name:
                    datasets.add(name)
    finally:
        report.rows = rows  # also when a malformed row stops the reading
