"""Medical data checks (CDEsMetadata.json + CSVs) and pathology folders. No UI here."""

from .checker import check_data_root, check_pathology, find_pathologies
from .folders import create_pathology_folders, missing_pathologies, primary_group
from .metadata import METADATA_FILE, Metadata, Variable, read_metadata
from .report import MAX_PER_RULE, DataReport, FileReport, PathologyReport, Problem

__all__ = [
    "MAX_PER_RULE",
    "METADATA_FILE",
    "DataReport",
    "FileReport",
    "Metadata",
    "PathologyReport",
    "Problem",
    "Variable",
    "check_data_root",
    "check_pathology",
    "create_pathology_folders",
    "find_pathologies",
    "missing_pathologies",
    "primary_group",
    "read_metadata",
]
