"""CPU, memory and disk against the guide's minimums for the role."""

from __future__ import annotations

from .context import Context
from .model import DATA_FREE_GB, GB, ROOT_FREE_GB, Outcome, Status, gb, gib

SNAP_DIR = "/var/snap"


def check_cpu(ctx: Context) -> Outcome:
    cores = ctx.probe.cpu_count()
    need = ctx.minimums.cores
    summary = f"{cores} logical cores ({ctx.who} needs ≥ {need})"
    if cores >= need:
        return Outcome(Status.PASS, summary, measured=cores, required=need)
    return Outcome(Status.FAIL, summary, f"give this machine at least {need} CPU cores (VM settings or "
                   "hardware)", measured=cores, required=need)


def check_memory(ctx: Context) -> Outcome:
    total = ctx.probe.memory_total()
    m = ctx.minimums
    summary = f"{gib(total)} RAM ({ctx.who} needs {m.ram_gb} GB, ≥ {gib(m.ram_bytes_visible)} usable)"
    if total >= m.ram_bytes_visible:
        return Outcome(Status.PASS, summary, measured=total, required=m.ram_bytes_visible)
    return Outcome(Status.FAIL, summary, f"add RAM: {ctx.who} needs {m.ram_gb} GB installed (see `free -h`)",
                   measured=total, required=m.ram_bytes_visible)


# Which filesystem must hold the guide's disk minimum? microk8s keeps container images, pod
# volumes and its datastore under /var/snap/microk8s/common, so the "60 GB HDD" is checked where
# /var/snap lives (its nearest existing parent before microk8s is installed — usually /). "/"
# itself only needs room for apt, the /opt git checkouts and logs; the data root holds the CSVs.
def check_disk_snap(ctx: Context) -> Outcome:
    disk = ctx.probe.disk(SNAP_DIR)
    m = ctx.minimums
    where = _where(disk.path, disk.measured_at)
    summary = (f"{gb(disk.total)} disk, {gb(disk.free)} free {where} "
               f"({ctx.who} needs {m.disk_gb} GB, {m.disk_free_gb} GB free)")
    required = {"total": m.disk_bytes_visible, "free": m.disk_free_gb * GB}
    if disk.total < m.disk_bytes_visible:
        fix = (f"give the filesystem holding {SNAP_DIR} at least {m.disk_gb} GB (grow the disk or mount "
               f"a bigger one at {SNAP_DIR} before installing microk8s)")
        return Outcome(Status.FAIL, summary, fix, disk.as_dict(), required)
    if disk.free < m.disk_free_gb * GB:
        fix = (f"free at least {m.disk_free_gb} GB on {disk.measured_at} (see `sudo du -xh -d1 "
               f"{disk.measured_at} | sort -h`); microk8s stores its images there")
        return Outcome(Status.FAIL, summary, fix, disk.as_dict(), required)
    return Outcome(Status.PASS, summary, None, disk.as_dict(), required)


def check_disk_root(ctx: Context) -> Outcome:
    disk = ctx.probe.disk("/")
    snap = ctx.probe.disk(SNAP_DIR)
    shared = ", holds /var/snap" if snap.device == disk.device else ""
    summary = f"{gb(disk.free)} free on /{shared} (needs ≥ {ROOT_FREE_GB} GB free)"
    required = {"free": ROOT_FREE_GB * GB}
    if disk.free >= ROOT_FREE_GB * GB:
        return Outcome(Status.PASS, summary, None, disk.as_dict(), required)
    return Outcome(Status.FAIL, summary, f"free at least {ROOT_FREE_GB} GB on / (try `sudo apt-get clean`, "
                   "`sudo journalctl --vacuum-size=500M`, `sudo du -xh -d1 / | sort -h`)",
                   disk.as_dict(), required)


def check_disk_data(ctx: Context) -> Outcome:
    root = ctx.data_root
    disk = ctx.probe.disk(root)
    where = _where(root, disk.measured_at)
    summary = f"{gb(disk.free)} free {where} (datasets want ≥ {DATA_FREE_GB} GB)"
    required = {"free": DATA_FREE_GB * GB}
    if disk.free >= DATA_FREE_GB * GB:
        return Outcome(Status.PASS, summary, None, disk.as_dict(), required)
    # Datasets vary from megabytes to gigabytes: too little room is a warning, not a blocker.
    return Outcome(Status.WARN, summary, f"free space on {disk.measured_at}, or mount a bigger disk at {root} "
                   "(or choose another data_root in the answers)", disk.as_dict(), required)


def _where(path: str, measured_at: str) -> str:
    if path == measured_at:
        return f"at {path}"
    return f"at {measured_at} (no {path} yet)"
