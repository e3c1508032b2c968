"""Checking a data root: /data/<FEDERATION>/<PATHOLOGY>/{CDEsMetadata.json, *.csv}."""

from __future__ import annotations

from pathlib import Path

from .csvcheck import check_csv
from .metadata import METADATA_FILE, read_metadata
from .report import WARNING, DataReport, FileReport, PathologyReport

NOT_IMPORTED = {".xlsx", ".xls", ".ods", ".tsv", ".txt", ".sav", ".dta"}  # spreadsheets people drop here


def check_pathology(folder: Path) -> PathologyReport:
    """Check the metadata and every CSV of one pathology folder."""
    folder = Path(folder)
    metadata_report = FileReport(folder / METADATA_FILE)
    report = PathologyReport(folder.name, folder, metadata_report)
    csv_paths = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if not csv_paths and not (folder / METADATA_FILE).exists():
        metadata_report.add(
            "pathology-empty",
            f"no {METADATA_FILE} and no CSV yet — copy the pathology's metadata and CSVs into {folder}",
            severity=WARNING,
            file=folder,
        )
        return report
    metadata = read_metadata(folder / METADATA_FILE, metadata_report)
    if metadata is not None:
        report.version = metadata.version
        report.longitudinal = metadata.longitudinal
        report.variables = len(metadata.variables)
    if not csv_paths:
        metadata_report.add(
            "pathology-no-csv",
            f"no CSV files in {folder} — copy the datasets here",
            severity=WARNING,
            file=folder,
        )
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in NOT_IMPORTED and path.is_file():
            metadata_report.add(
                "pathology-file-not-imported",
                f"{path.name} is not imported: only .csv files are — export it as CSV (comma-separated, UTF-8)",
                severity=WARNING,
                file=path,
            )
    for path in csv_paths:
        csv_report = FileReport(path)
        report.csvs.append(csv_report)
        if metadata is None:
            continue  # the metadata problem explains it; no point listing every column
        check_csv(path, metadata, csv_report)
    return report


def _is_pathology(folder: Path) -> bool:
    return (folder / METADATA_FILE).exists() or any(p.suffix.lower() == ".csv" for p in folder.iterdir())


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_pathologies(root: Path, federation: str | None = None) -> list[Path]:
    """Pathology folders under ``root`` (``root/federation`` when a federation is given).

    Without a federation, ``root`` may be the data root (federation folders inside), a
    federation folder (pathologies inside) or one pathology folder.
    """
    base = Path(root) / federation if federation else Path(root)
    if not base.is_dir():
        return []
    if federation is None and _is_pathology(base):
        return [base]
    found: list[Path] = []
    for child in _subfolders(base):
        if federation is not None or _is_pathology(child):
            found.append(child)
            continue
        grandchildren = _subfolders(child)
        if grandchildren:
            found.extend(grandchildren)  # a federation folder
        else:
            found.append(child)  # an empty pathology folder
    return found


def check_data_root(root: Path, federation: str | None = None) -> DataReport:
    """Check every pathology under ``root`` (or ``root/federation``)."""
    root = Path(root)
    report = DataReport(root, federation)
    base = root / federation if federation else root
    if not base.exists():
        general = FileReport(base)
        general.add(
            "data-root-missing",
            f"{base} does not exist — create {base}/<PATHOLOGY> folders first (the install does, "
            "or `n` on the wizard's Data screen) and copy the data there",
        )
        report.general = general
        return report
    if not base.is_dir():
        general = FileReport(base)
        general.add("data-root-not-folder", f"{base} is not a folder — point the check at the data folder")
        report.general = general
        return report
    pathologies = find_pathologies(root, federation)
    if not pathologies:
        general = FileReport(base)
        general.add(
            "data-root-empty",
            f"no pathology folders in {base} — create {base}/<PATHOLOGY> and copy the data there",
            severity=WARNING,
        )
        report.general = general
    for folder in pathologies:
        report.pathologies.append(check_pathology(folder))
    return report
