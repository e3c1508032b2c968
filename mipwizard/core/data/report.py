"""What a data check found: problems per file, grouped per pathology and per data root.

A broken million-row CSV must still give a readable report, so each file keeps only the first
``MAX_PER_RULE`` problems of every rule and counts the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MAX_PER_RULE = 20
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: Path
    rule: str  # stable id, e.g. "csv-unknown-column"
    message: str  # what is wrong and how to fix it
    row: int | None = None  # CSV line number, header = 1
    column: str | None = None  # CSV column name or metadata variable code
    severity: str = ERROR

    def location(self) -> str:
        parts = [str(self.file)]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(self.column)
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "file": str(self.file)}  # the fields, in order; the path as text


class _Verdict:
    """What every report says alike: ok means no errors."""

    @property
    def errors(self) -> int:
        raise NotImplementedError

    @property
    def ok(self) -> bool:
        return self.errors == 0


@dataclass
class FileReport(_Verdict):
    path: Path
    problems: list[Problem] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)  # rule → problems not kept
    rows: int = 0  # data rows read (CSV only)
    datasets: set[str] = field(default_factory=set)  # values seen in the dataset column
    _counts: dict[str, int] = field(default_factory=dict, repr=False)  # rule → problems kept

    def add(
        self,
        rule: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        severity: str = ERROR,
        file: Path | None = None,
    ) -> None:
        kept = self._counts.get(rule, 0)
        if kept >= MAX_PER_RULE:
            self.suppressed[rule] = self.suppressed.get(rule, 0) + 1
            return
        self._counts[rule] = kept + 1
        self.problems.append(Problem(file or self.path, rule, message, row, column, severity))

    @property
    def errors(self) -> int:
        kept = sum(1 for p in self.problems if p.severity == ERROR)
        return kept + sum(self.suppressed.values())

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == WARNING)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "rows": self.rows,
            "datasets": sorted(self.datasets),
            "problems": [p.to_dict() for p in self.problems],
            "suppressed": dict(self.suppressed),
        }


@dataclass
class PathologyReport(_Verdict):
    name: str
    folder: Path
    metadata: FileReport
    csvs: list[FileReport] = field(default_factory=list)
    version: str | None = None
    longitudinal: bool = False
    variables: int = 0

    @property
    def files(self) -> list[FileReport]:
        return [self.metadata, *self.csvs]

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def datasets(self) -> list[str]:
        return sorted({d for f in self.csvs for d in f.datasets})

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "folder": str(self.folder),
            "ok": self.ok,
            "version": self.version,
            "longitudinal": self.longitudinal,
            "variables": self.variables,
            "datasets": self.datasets,
            "errors": self.errors,
            "warnings": self.warnings,
            "files": [f.to_dict() for f in self.files],
        }


@dataclass
class DataReport(_Verdict):
    root: Path
    federation: str | None
    pathologies: list[PathologyReport] = field(default_factory=list)
    general: FileReport | None = None  # problems with the root itself (missing, not a folder)

    @property
    def problems(self) -> list[Problem]:
        own = self.general.problems if self.general else []
        return [*own, *(p for r in self.pathologies for p in r.problems)]

    @property
    def errors(self) -> int:
        own = self.general.errors if self.general else 0
        return own + sum(r.errors for r in self.pathologies)

    @property
    def warnings(self) -> int:
        own = self.general.warnings if self.general else 0
        return own + sum(r.warnings for r in self.pathologies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "federation": self.federation,
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "general": self.general.to_dict() if self.general else None,
            "pathologies": [r.to_dict() for r in self.pathologies],
        }
