"""Data check speed and memory: the shared dementia folder, and a generated 500 MB CSV.

Each case runs in a fresh interpreter so its peak RSS is its own. The big CSV is written (by
streaming, like it is read) to a temporary folder that is deleted afterwards.
Figures: the check alone (median, warm) and the whole `mipwizard data check` command (fresh
process, imports included). Goals: dementia ≤ 1 s; peak RSS on the 500 MB CSV about the same as on dementia (flat).
Usage: python benchmarks/bench_datacheck.py [--mb 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, median_seconds, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
DEMENTIA = ROOT.parent / "shared" / "data" / "dementia"


def run_case(folder: str, repeat: int) -> None:
    """Child process: check ``folder`` and print seconds, peak RSS, rows, errors."""
    from mipwizard.core.data import check_pathology

    report = check_pathology(Path(folder))
    seconds = median_seconds(lambda: check_pathology(Path(folder)), repeat) if repeat > 1 else None
    if seconds is None:
        start = time.perf_counter()
        report = check_pathology(Path(folder))
        seconds = time.perf_counter() - start
    rows = sum(f.rows for f in report.csvs)
    print(json.dumps({"seconds": round(seconds, 3), "peak_rss_mb": peak_rss_mb(), "rows": rows,
                      "errors": report.errors}))


def measure(folder: Path, repeat: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--case", str(folder), "--repeat", str(repeat)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def cli_seconds(folder: Path, repeat: int) -> float:
    """Wall time of `mipwizard data check FOLDER` in a fresh interpreter (what the user waits)."""

    def once() -> None:
        subprocess.run(
            [sys.executable, "-m", "mipwizard", "data", "check", str(folder)],
            capture_output=True, check=True, cwd=ROOT,
        )

    return round(median_seconds(once, repeat), 3)


def make_big(folder: Path, megabytes: int) -> float:
    """A pathology folder with dementia's metadata and one CSV of edsd rows repeated to size."""
    folder.mkdir()
    shutil.copyfile(DEMENTIA / "CDEsMetadata.json", folder / "CDEsMetadata.json")
    lines = (DEMENTIA / "edsd.csv").read_text().splitlines(keepends=True)
    header, body = lines[0], "".join(lines[1:])
    target = megabytes * 1024 * 1024
    with (folder / "big.csv").open("w") as handle:
        handle.write(header)
        written = len(header)
        while written < target:
            handle.write(body)
            written += len(body)
    return round(written / 1024 / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.repeat)
        return
    dementia = measure(DEMENTIA, args.repeat)
    dementia_cli = cli_seconds(DEMENTIA, args.repeat)
    with tempfile.TemporaryDirectory(prefix="mipwizard-bench-") as tmp:
        size = make_big(Path(tmp) / "big", args.mb)
        big = measure(Path(tmp) / "big", 1)
    emit(
        "datacheck",
        dementia_seconds=dementia["seconds"],
        dementia_peak_rss_mb=dementia["peak_rss_mb"],
        dementia_rows=dementia["rows"],
        dementia_cli_seconds=dementia_cli,
        big_csv_mb=size,
        big_seconds=big["seconds"],
        big_peak_rss_mb=big["peak_rss_mb"],
        big_rows=big["rows"],
        big_mb_per_second=round(size / float(big["seconds"]), 1),  # type: ignore[arg-type]
        goal_dementia_seconds=1.0,
        dementia_ok=float(dementia["seconds"]) <= 1.0,  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
