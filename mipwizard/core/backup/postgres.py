"""Logical dumps of each PostgreSQL the MIP runs, and their replay.

A copy of a running database's folder is not consistent; ``pg_dumpall`` is. It runs inside the
database's own container through ``kubectl exec``, as the container's ``$POSTGRES_USER`` over the
local socket (which the official image trusts), so no password is read, passed or stored: the
variable is expanded by the container's shell, never by us. Databases are found in the live
workloads: every container whose image is ``postgres:<tag>``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import UserError
from .archive import DatabaseDump
from .workloads import Kube, Workload

DUMP_SCRIPT = 'exec pg_dumpall --clean --if-exists -U "${POSTGRES_USER:-postgres}"'
# Errors such as "role postgres already exists" are expected when replaying into a fresh cluster.
REPLAY_SCRIPT = 'exec psql -X -q -U "${POSTGRES_USER:-postgres}" -d postgres'


def find_databases(kube: Kube, workloads: list[Workload]) -> list[DatabaseDump]:
    claims = kube.claim_paths()
    found = []
    for w in workloads:
        for c in w.containers:
            major = c.postgres_major
            if major is None:
                continue
            data = next((claims[(w.namespace, claim)] for claim in c.claims if (w.namespace, claim) in claims), None)
            member = f"dumps/{w.namespace}.{w.kind}.{w.name}.{c.name}.sql"
            found.append(DatabaseDump(w.namespace, w.ref, c.name, c.image, major, data, member))
    return found


def _workload_of(db: DatabaseDump, workloads: list[Workload]) -> Workload:
    for w in workloads:
        if w.ref == db.workload and w.namespace == db.namespace:
            return w
    raise UserError(f"{db.namespace}/{db.workload} is not running in the cluster — cannot reach its database")


def dump(kube: Kube, db: DatabaseDump, workloads: list[Workload], target: Path, timeout: float = 3600.0) -> None:
    code, err = kube.exec_stream(_workload_of(db, workloads), db.container, DUMP_SCRIPT, stdout=target,
                                 timeout=timeout)
    if code != 0 or target.stat().st_size == 0:
        first = next((line for line in err.splitlines() if line.strip()), f"exit {code}")
        raise UserError(f"pg_dumpall in {db.namespace}/{db.workload} ({db.container}) failed: {first.strip()} — "
                        "is the pod Ready? (mipwizard status)")


def replay(
    kube: Kube, db: DatabaseDump, workloads: list[Workload], source: Path, *, say: Callable[[str], None],
    timeout: float = 3600.0,
) -> None:
    code, err = kube.exec_stream(_workload_of(db, workloads), db.container, REPLAY_SCRIPT, stdin=source,
                                 timeout=timeout)
    errors = [line for line in err.splitlines() if "ERROR" in line]
    if code != 0:
        first = next((line for line in err.splitlines() if line.strip()), f"exit {code}")
        raise UserError(f"psql in {db.namespace}/{db.workload} ({db.container}) failed: {first.strip()}")
    say(f"replayed the dump into {db.namespace}/{db.workload} ({db.container})"
        + (f"; {len(errors)} statements reported errors (expected for roles that already exist)" if errors else ""))
