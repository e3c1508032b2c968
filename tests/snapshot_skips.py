"""A skipped snapshot test keeps its snapshot: syrupy must not call it unused (or delete it).

syrupy 4.8.0 (pinned by pytest-textual-snapshot 1.1.0) spares the snapshots of skipped tests
inside a collection it still reads, but marks a whole single-file collection (one SVG per test)
"unknown" and unused when no test used it — even when its test was skipped. In a clone without
``../shared`` the tool-screen snapshot tests skip, so the run failed with "8 snapshots unused",
and ``--snapshot-update`` would have deleted them. This wraps ``SnapshotReport.unused`` to drop
exactly those collections; stale snapshots of tests that no longer exist still fail the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syrupy.data import SnapshotCollections, SnapshotUnknownCollection
from syrupy.report import SnapshotReport

_unused = SnapshotReport.unused


def _unused_but_not_skipped(report: Any) -> SnapshotCollections:
    kept = SnapshotCollections()
    for collection in _unused.fget(report):  # type: ignore[attr-defined]
        location = collection.location
        if isinstance(collection, SnapshotUnknownCollection) and report._skipped_items_match_name(
            snapshot_location=location, snapshot_name=Path(location).stem
        ):
            continue
        kept.add(collection)
    return kept


def install() -> None:
    SnapshotReport.unused = property(_unused_but_not_skipped)  # type: ignore[assignment,method-assign]
